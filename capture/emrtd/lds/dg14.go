package lds

import (
	"encoding/asn1"
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// MaxSecurityInfos bounds the SecurityInfo entries of one DG14.
const MaxSecurityInfos = 64

// OIDChipAuthentication returns id-CA, 0.4.0.127.0.7.2.2.3 (BSI TR-03110,
// ICAO 9303-11 §9.2.5). ChipAuthenticationInfo protocols append the key
// agreement (1 DH, 2 ECDH) and the cipher (1 3DES, 2 AES-128, 3 AES-192,
// 4 AES-256).
func OIDChipAuthentication() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}
}

// OIDChipAuthenticationPublicKey returns id-PK, 0.4.0.127.0.7.2.2.1;
// ChipAuthenticationPublicKeyInfo protocols append 1 (DH) or 2 (ECDH).
func OIDChipAuthenticationPublicKey() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1}
}

// OIDActiveAuthentication returns id-icao-mrtd-security-aaProtocolObject,
// 2.23.136.1.1.5 (ICAO 9303-11 §9.2.10).
func OIDActiveAuthentication() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
}

// ChipAuthenticationInfo announces Chip Authentication (ICAO 9303-11
// §9.2.5).
type ChipAuthenticationInfo struct {
	// Version is the protocol version (1).
	Version int64
	// KeyID identifies the key when the chip holds several.
	KeyID int64
	// HasKeyID says whether KeyID is present.
	HasKeyID bool
}

// ChipAuthenticationPublicKeyInfo carries a static Chip Authentication key
// (ICAO 9303-11 §9.2.6).
type ChipAuthenticationPublicKeyInfo struct {
	// PublicKey is the key; DH keys and brainpool EC keys have no Go Key.
	PublicKey PublicKeyInfo
	// KeyID identifies the key when the chip holds several.
	KeyID int64
	// HasKeyID says whether KeyID is present.
	HasKeyID bool
}

// ActiveAuthenticationInfo gives the signature algorithm of Active
// Authentication with an EC key (ICAO 9303-11 §9.2.10).
type ActiveAuthenticationInfo struct {
	// Version is the protocol version (1).
	Version int64
	// SignatureAlgorithm is the signature algorithm, such as
	// ecdsa-with-SHA256 (1.2.840.10045.4.3.2).
	SignatureAlgorithm asn1.ObjectIdentifier
}

// SecurityInfo is one entry of a SecurityInfos set: SEQUENCE { protocol
// OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }. At most
// one of the typed fields is set, for the protocols this package decodes;
// other entries are kept raw.
type SecurityInfo struct {
	// Protocol is the protocol object identifier.
	Protocol asn1.ObjectIdentifier
	// Raw is the DER of the whole entry.
	Raw []byte
	// RequiredData and OptionalData are the DER of the second and third
	// elements; OptionalData is nil when absent.
	RequiredData, OptionalData []byte

	// ChipAuthentication is set for a ChipAuthenticationInfo
	// (id-CA-DH-* or id-CA-ECDH-*).
	ChipAuthentication *ChipAuthenticationInfo
	// ChipAuthenticationPublicKey is set for a
	// ChipAuthenticationPublicKeyInfo (id-PK-DH or id-PK-ECDH).
	ChipAuthenticationPublicKey *ChipAuthenticationPublicKeyInfo
	// ActiveAuthentication is set for an ActiveAuthenticationInfo.
	ActiveAuthentication *ActiveAuthenticationInfo
}

// DG14 is the content of EF.DG14, the security options for secondary
// biometrics and chip authentication (ICAO 9303-10 §4.7.14).
type DG14 struct {
	// Infos are the SecurityInfo entries in file order.
	Infos []SecurityInfo
}

// ChipAuthentication returns the ChipAuthenticationInfo entries.
func (d *DG14) ChipAuthentication() []SecurityInfo {
	return d.filter(func(s SecurityInfo) bool { return s.ChipAuthentication != nil })
}

// ChipAuthenticationPublicKeys returns the ChipAuthenticationPublicKeyInfo
// entries.
func (d *DG14) ChipAuthenticationPublicKeys() []SecurityInfo {
	return d.filter(func(s SecurityInfo) bool { return s.ChipAuthenticationPublicKey != nil })
}

// ActiveAuthentication returns the first ActiveAuthenticationInfo, or nil.
func (d *DG14) ActiveAuthentication() *ActiveAuthenticationInfo {
	for _, s := range d.Infos {
		if s.ActiveAuthentication != nil {
			return s.ActiveAuthentication
		}
	}
	return nil
}

// filter returns the entries for which keep is true.
func (d *DG14) filter(keep func(SecurityInfo) bool) []SecurityInfo {
	var out []SecurityInfo
	for _, s := range d.Infos {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// ParseDG14 parses EF.DG14: template 6E holding a DER SET OF SecurityInfo
// (ICAO 9303-11 §9.2). ChipAuthenticationInfo (id-CA-DH-* and
// id-CA-ECDH-*), ChipAuthenticationPublicKeyInfo (id-PK-DH, id-PK-ECDH) and
// ActiveAuthenticationInfo are decoded; every other entry, including
// ChipAuthenticationDomainParameterInfo and PACEInfo, is kept raw with its
// protocol. The order of the SET is not checked.
func ParseDG14(b []byte) (*DG14, error) {
	top, l, err := openFile("EF.DG14", b, tlv.Tag(TagDG14))
	if err != nil {
		return nil, err
	}
	return parseSecurityInfos(l, top.Value)
}

// ParseSecurityInfos parses a bare DER SET OF SecurityInfo, as EF.CardSecurity
// signs it (ICAO 9303-11 §9.2.3), decoding the same entries as ParseDG14.
func ParseSecurityInfos(b []byte) (*DG14, error) {
	l := loc{file: "SecurityInfos"}
	if len(b) > MaxFileSize {
		return nil, l.bad(nil, "%d bytes, more than the %d accepted", len(b), MaxFileSize)
	}
	return parseSecurityInfos(l, b)
}

func parseSecurityInfos(l loc, b []byte) (*DG14, error) {
	set, rest, err := tlv.Decode(b)
	if err != nil {
		return nil, l.at("31").bad(err, "cannot decode the SecurityInfos")
	}
	if set.Tag != 0x31 {
		return nil, l.bad(nil, "holds tag %s, want a SET OF SecurityInfo (31)", set.Tag)
	}
	if len(rest) != 0 {
		return nil, l.bad(nil, "%d bytes follow the SecurityInfos", len(rest))
	}
	sl := l.at("31")
	d := &DG14{}
	s := tlv.NewScanner(set.Value)
	for s.Scan() {
		if len(d.Infos) == MaxSecurityInfos {
			return nil, sl.bad(nil, "more than %d SecurityInfo entries", MaxSecurityInfos)
		}
		info, err := parseSecurityInfo(sl.at(fmt.Sprintf("30[%d]", len(d.Infos)+1)), s.Object())
		if err != nil {
			return nil, err
		}
		d.Infos = append(d.Infos, info)
	}
	if err := s.Err(); err != nil {
		return nil, sl.bad(err, "cannot decode SecurityInfo %d", len(d.Infos)+1)
	}
	if len(d.Infos) == 0 {
		return nil, sl.bad(nil, "no SecurityInfo entry")
	}
	return d, nil
}

// hasPrefix reports whether oid starts with prefix.
func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) >= len(prefix) && oid[:len(prefix)].Equal(prefix)
}

// parseSecurityInfo decodes one SecurityInfo SEQUENCE.
func parseSecurityInfo(l loc, o tlv.Object) (SecurityInfo, error) {
	var si SecurityInfo
	if o.Tag != 0x30 {
		return si, l.bad(nil, "tag %s, want a SEQUENCE (30)", o.Tag)
	}
	elems, err := children(l, o)
	if err != nil {
		return si, err
	}
	if len(elems) < 2 || len(elems) > 3 {
		return si, l.bad(nil, "%d elements, want a protocol, required data and optional data", len(elems))
	}
	if elems[0].Tag != 0x06 {
		return si, l.at(elems[0].Tag.String()).bad(nil, "protocol is not an OBJECT IDENTIFIER (06)")
	}
	if rest, err := asn1.Unmarshal(elems[0].Raw, &si.Protocol); err != nil || len(rest) != 0 {
		return si, l.at("06").bad(err, "protocol is not a valid OBJECT IDENTIFIER")
	}
	si.Raw = clone(o.Raw)
	si.RequiredData = clone(elems[1].Raw)
	var opt *tlv.Object
	if len(elems) == 3 {
		si.OptionalData = clone(elems[2].Raw)
		opt = &elems[2]
	}
	switch p := si.Protocol; {
	case hasPrefix(p, OIDChipAuthentication()) && len(p) == len(OIDChipAuthentication())+2:
		ca := &ChipAuthenticationInfo{}
		if ca.Version, err = parseInt(l.in("version"), elems[1]); err != nil {
			return si, err
		}
		if opt != nil {
			if ca.KeyID, err = parseInt(l.in("keyId"), *opt); err != nil {
				return si, err
			}
			ca.HasKeyID = true
		}
		si.ChipAuthentication = ca
	case hasPrefix(p, OIDChipAuthenticationPublicKey()) && len(p) == len(OIDChipAuthenticationPublicKey())+1:
		pk := &ChipAuthenticationPublicKeyInfo{}
		if elems[1].Tag != 0x30 {
			return si, l.in("chipAuthenticationPublicKey").bad(nil, "tag %s, want a SubjectPublicKeyInfo SEQUENCE (30)", elems[1].Tag)
		}
		if pk.PublicKey, err = parsePublicKeyInfo(l.in("chipAuthenticationPublicKey"), elems[1].Raw); err != nil {
			return si, err
		}
		if opt != nil {
			if pk.KeyID, err = parseInt(l.in("keyId"), *opt); err != nil {
				return si, err
			}
			pk.HasKeyID = true
		}
		si.ChipAuthenticationPublicKey = pk
	case p.Equal(OIDActiveAuthentication()):
		aa := &ActiveAuthenticationInfo{}
		if aa.Version, err = parseInt(l.in("version"), elems[1]); err != nil {
			return si, err
		}
		al := l.in("signatureAlgorithm")
		if opt == nil {
			return si, al.bad(nil, "missing")
		}
		if opt.Tag != 0x06 {
			return si, al.bad(nil, "tag %s, want an OBJECT IDENTIFIER (06)", opt.Tag)
		}
		if rest, err := asn1.Unmarshal(opt.Raw, &aa.SignatureAlgorithm); err != nil || len(rest) != 0 {
			return si, al.bad(err, "not a valid OBJECT IDENTIFIER")
		}
		si.ActiveAuthentication = aa
	}
	return si, nil
}

// parseInt reads a non-negative INTEGER of at most 63 bits. Non-minimal
// encodings (leading zero bytes) are accepted.
func parseInt(l loc, o tlv.Object) (int64, error) {
	if o.Tag != 0x02 {
		return 0, l.bad(nil, "tag %s, want an INTEGER (02)", o.Tag)
	}
	v := o.Value
	if len(v) == 0 {
		return 0, l.bad(nil, "empty INTEGER")
	}
	if v[0]&0x80 != 0 {
		return 0, l.bad(nil, "negative INTEGER")
	}
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	if len(v) > 8 {
		return 0, l.bad(nil, "INTEGER of %d bytes is too large", len(v))
	}
	var n int64
	for _, c := range v {
		n = n<<8 | int64(c)
	}
	if n < 0 {
		return 0, l.bad(nil, "INTEGER is too large")
	}
	return n, nil
}

// derInt returns the DER encoding of a non-negative integer.
func derInt(n int64) []byte {
	b, _ := asn1.Marshal(n)
	return b
}

// BuildDG14 returns an EF.DG14 holding infos in the given order, for tests
// and virtual chips. Each entry is encoded from its Protocol and its typed
// field if one is set (a ChipAuthenticationPublicKeyInfo from
// PublicKey.Raw), else from RequiredData and OptionalData.
func BuildDG14(infos ...SecurityInfo) []byte {
	return tlv.EncodeConstructed(tlv.Tag(TagDG14), BuildSecurityInfos(infos...))
}

// BuildSecurityInfos returns the bare SET OF SecurityInfo that BuildDG14
// wraps, as EF.CardSecurity signs it.
func BuildSecurityInfos(infos ...SecurityInfo) []byte {
	entries := make([][]byte, 0, len(infos))
	for _, s := range infos {
		oid, _ := asn1.Marshal(s.Protocol)
		req, opt := s.RequiredData, s.OptionalData
		switch {
		case s.ChipAuthentication != nil:
			req, opt = derInt(s.ChipAuthentication.Version), nil
			if s.ChipAuthentication.HasKeyID {
				opt = derInt(s.ChipAuthentication.KeyID)
			}
		case s.ChipAuthenticationPublicKey != nil:
			req, opt = s.ChipAuthenticationPublicKey.PublicKey.Raw, nil
			if s.ChipAuthenticationPublicKey.HasKeyID {
				opt = derInt(s.ChipAuthenticationPublicKey.KeyID)
			}
		case s.ActiveAuthentication != nil:
			req = derInt(s.ActiveAuthentication.Version)
			opt, _ = asn1.Marshal(s.ActiveAuthentication.SignatureAlgorithm)
		}
		entries = append(entries, tlv.EncodeConstructed(0x30, oid, req, opt))
	}
	return tlv.EncodeConstructed(0x31, entries...)
}

package emrtd

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"

	"github.com/capturestation/station/internal/tlv"
)

// ErrCardAccess reports an EF.CardAccess (or EF.DG14 SecurityInfos) that is
// not a well-formed SET OF SecurityInfo.
var ErrCardAccess = errors.New("emrtd: malformed SecurityInfos")

// ErrNoSupportedPACE reports that none of the chip's PACEInfo entries names
// a protocol and domain parameters this package implements.
var ErrNoSupportedPACE = errors.New("emrtd: no supported PACE protocol offered by the chip")

// Mapping is the PACE nonce mapping.
type Mapping uint8

// PACE mappings (ICAO 9303-11 §4.4.3.3).
const (
	MappingGeneric Mapping = iota + 1
	MappingIntegrated
	MappingChipAuthentication
)

// String names the mapping as ICAO abbreviates it.
func (m Mapping) String() string {
	switch m {
	case MappingGeneric:
		return "GM"
	case MappingIntegrated:
		return "IM"
	case MappingChipAuthentication:
		return "CAM"
	}
	return "Mapping(" + strconv.Itoa(int(m)) + ")"
}

// Agreement is the PACE key agreement family.
type Agreement uint8

// Key agreements.
const (
	AgreementDH Agreement = iota + 1
	AgreementECDH
)

// String names the agreement.
func (a Agreement) String() string {
	switch a {
	case AgreementDH:
		return "DH"
	case AgreementECDH:
		return "ECDH"
	}
	return "Agreement(" + strconv.Itoa(int(a)) + ")"
}

// idPACE returns bsi-de protocols smartcard id-PACE, 0.4.0.127.0.7.2.2.4.
func idPACE() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4} }

// PACEProtocol returns the PACE object identifier for a combination, such as
// id-PACE-ECDH-GM-AES-CBC-CMAC-128 = 0.4.0.127.0.7.2.2.4.2.2.
func PACEProtocol(a Agreement, m Mapping, c Cipher) (asn1.ObjectIdentifier, error) {
	var arc int
	switch {
	case a == AgreementDH && m == MappingGeneric:
		arc = 1
	case a == AgreementECDH && m == MappingGeneric:
		arc = 2
	case a == AgreementDH && m == MappingIntegrated:
		arc = 3
	case a == AgreementECDH && m == MappingIntegrated:
		arc = 4
	case a == AgreementECDH && m == MappingChipAuthentication && c != TDES:
		arc = 6
	default:
		return nil, fmt.Errorf("%w: no PACE protocol for %v-%v-%v", ErrUnsupportedParameters, a, m, c)
	}
	if !c.valid() {
		return nil, fmt.Errorf("%w: cipher %v", ErrUnsupportedParameters, c)
	}
	oid := append(idPACE(), arc, int(c))
	return oid, nil
}

// PACEInfo is one PACEInfo entry of EF.CardAccess (ICAO 9303-11 §9.2.1).
type PACEInfo struct {
	// Protocol is the PACE object identifier.
	Protocol asn1.ObjectIdentifier
	// Version is the protocol version (2 for ICAO 9303).
	Version int
	// ParameterID is the standardized domain parameter identifier, or -1
	// when absent (then a PACEDomainParameterInfo gives them).
	ParameterID int
	// Agreement, Mapping and Cipher are decoded from Protocol; they are zero
	// for an unknown PACE OID.
	Agreement Agreement
	Mapping   Mapping
	Cipher    Cipher
}

// PACEDomainParameterInfo carries explicit or proprietary PACE domain
// parameters (ICAO 9303-11 §9.2.1).
type PACEDomainParameterInfo struct {
	// Protocol is id-PACE-DH-GM, id-PACE-ECDH-GM, ... (without cipher).
	Protocol asn1.ObjectIdentifier
	// DomainParameter is the DER AlgorithmIdentifier, kept undecoded.
	DomainParameter []byte
	// ParameterID is the local identifier, or -1 when absent.
	ParameterID int
}

// SecurityInfo is any other entry, kept with its OID and DER encoding.
type SecurityInfo struct {
	Protocol asn1.ObjectIdentifier
	Raw      []byte
}

// CardAccess is the decoded content of EF.CardAccess.
type CardAccess struct {
	PACE             []PACEInfo
	DomainParameters []PACEDomainParameterInfo
	Other            []SecurityInfo
}

// MaxSecurityInfos bounds the entries accepted in one SecurityInfos set.
const MaxSecurityInfos = 64

// ParseCardAccess decodes EF.CardAccess: a DER SET OF SecurityInfo
// (ICAO 9303-11 §9.2). Unknown entries are kept in Other.
func ParseCardAccess(b []byte) (*CardAccess, error) {
	set, rest, err := tlv.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCardAccess, err)
	}
	if set.Tag != 0x31 {
		return nil, fmt.Errorf("%w: starts with tag %s, want SET (31)", ErrCardAccess, set.Tag)
	}
	for _, c := range rest {
		if c != 0 && c != 0xFF {
			return nil, fmt.Errorf("%w: trailing data after the SET", ErrCardAccess)
		}
	}
	ca := &CardAccess{}
	s := tlv.NewScanner(set.Value)
	n := 0
	for s.Scan() {
		if n++; n > MaxSecurityInfos {
			return nil, fmt.Errorf("%w: more than %d entries", ErrCardAccess, MaxSecurityInfos)
		}
		if err := ca.add(s.Object()); err != nil {
			return nil, err
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCardAccess, err)
	}
	return ca, nil
}

func (ca *CardAccess) add(seq tlv.Object) error {
	if seq.Tag != 0x30 {
		return fmt.Errorf("%w: entry with tag %s, want SEQUENCE (30)", ErrCardAccess, seq.Tag)
	}
	elems, err := tlv.DecodeAll(seq.Value)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCardAccess, err)
	}
	if len(elems) < 2 || elems[0].Tag != 0x06 {
		return fmt.Errorf("%w: entry does not start with an OID and required data", ErrCardAccess)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(elems[0].Raw, &oid); err != nil {
		return fmt.Errorf("%w: protocol OID: %v", ErrCardAccess, err)
	}
	pace := idPACE()
	if len(oid) < len(pace)+1 || !oid[:len(pace)].Equal(pace) {
		ca.Other = append(ca.Other, SecurityInfo{Protocol: oid, Raw: seq.Raw})
		return nil
	}
	optID := func(i int) (int, error) {
		if len(elems) <= i {
			return -1, nil
		}
		if len(elems) > i+1 {
			return 0, fmt.Errorf("%w: %d elements in a PACE entry", ErrCardAccess, len(elems))
		}
		return parseInt(elems[i])
	}
	if len(oid) == len(pace)+1 { // PACEDomainParameterInfo
		if elems[1].Tag != 0x30 {
			return fmt.Errorf("%w: domain parameters are not an AlgorithmIdentifier", ErrCardAccess)
		}
		id, err := optID(2)
		if err != nil {
			return err
		}
		ca.DomainParameters = append(ca.DomainParameters, PACEDomainParameterInfo{Protocol: oid, DomainParameter: elems[1].Raw, ParameterID: id})
		return nil
	}
	version, err := parseInt(elems[1])
	if err != nil {
		return err
	}
	id, err := optID(2)
	if err != nil {
		return err
	}
	info := PACEInfo{Protocol: oid, Version: version, ParameterID: id}
	if len(oid) == len(pace)+2 {
		info.Agreement, info.Mapping, info.Cipher = decodePACEArcs(oid[len(pace)], oid[len(pace)+1])
	}
	ca.PACE = append(ca.PACE, info)
	return nil
}

func decodePACEArcs(family, cipher int) (Agreement, Mapping, Cipher) {
	if cipher < int(TDES) || cipher > int(AES256) {
		return 0, 0, 0
	}
	c := Cipher(cipher)
	switch family {
	case 1:
		return AgreementDH, MappingGeneric, c
	case 2:
		return AgreementECDH, MappingGeneric, c
	case 3:
		return AgreementDH, MappingIntegrated, c
	case 4:
		return AgreementECDH, MappingIntegrated, c
	case 6:
		if c != TDES {
			return AgreementECDH, MappingChipAuthentication, c
		}
	}
	return 0, 0, 0
}

func parseInt(o tlv.Object) (int, error) {
	if o.Tag != 0x02 || len(o.Value) == 0 || len(o.Value) > 4 {
		return 0, fmt.Errorf("%w: expected a small INTEGER, got tag %s of %d bytes", ErrCardAccess, o.Tag, len(o.Value))
	}
	var v int
	if _, err := asn1.Unmarshal(o.Raw, &v); err != nil {
		return 0, fmt.Errorf("%w: INTEGER: %v", ErrCardAccess, err)
	}
	return v, nil
}

// Supported reports whether PACE can run this entry: Generic or Integrated
// Mapping over ECDH or DH, or Chip Authentication Mapping over ECDH with
// AES, with standardized domain parameters GroupByID knows (Integrated
// Mapping on curves with p ≡ 3 mod 4 only, which excludes P-224).
func (p PACEInfo) Supported() bool {
	if !p.Cipher.valid() {
		return false
	}
	switch {
	case p.Mapping == MappingGeneric:
	case p.Mapping == MappingIntegrated:
	case p.Mapping == MappingChipAuthentication && p.Agreement == AgreementECDH && p.Cipher != TDES:
	default:
		return false
	}
	g, err := GroupByID(p.ParameterID)
	if err != nil || g.Agreement() != p.Agreement {
		return false
	}
	if c, ok := g.(*Curve); ok && p.Mapping == MappingIntegrated {
		return c.P.Bit(0) == 1 && c.P.Bit(1) == 1 // point encoding needs p ≡ 3 mod 4
	}
	return true
}

// ChoosePACE picks the PACEInfo to use: among the supported entries, ECDH
// before DH, Chip Authentication Mapping (ICAO 9303-11 Appendix J recommends
// it) before Generic before Integrated Mapping, AES before 3DES and longer
// keys first, then the order of the file.
func (ca *CardAccess) ChoosePACE() (PACEInfo, error) {
	best := -1
	rank := func(p PACEInfo) int {
		r := int(p.Cipher)
		if p.Cipher == TDES {
			r = 0
		}
		switch p.Mapping {
		case MappingChipAuthentication:
			r += 20
		case MappingGeneric:
			r += 10
		}
		if p.Agreement == AgreementECDH {
			r += 100
		}
		return r
	}
	for i, p := range ca.PACE {
		if !p.Supported() {
			continue
		}
		if best < 0 || rank(p) > rank(ca.PACE[best]) {
			best = i
		}
	}
	if best < 0 {
		return PACEInfo{}, fmt.Errorf("%w (%d PACEInfo entries)", ErrNoSupportedPACE, len(ca.PACE))
	}
	return ca.PACE[best], nil
}

// EncodePACEInfo returns the DER encoding of a PACEInfo, for building an
// EF.CardAccess (a chip simulator, tests).
func EncodePACEInfo(p PACEInfo) ([]byte, error) {
	oid, err := asn1.Marshal(p.Protocol)
	if err != nil {
		return nil, fmt.Errorf("encoding PACE OID: %w", err)
	}
	ver, _ := asn1.Marshal(p.Version)
	parts := [][]byte{oid, ver}
	if p.ParameterID >= 0 {
		id, _ := asn1.Marshal(p.ParameterID)
		parts = append(parts, id)
	}
	return tlv.EncodeConstructed(0x30, parts...), nil
}

// EncodeCardAccess returns an EF.CardAccess holding the given PACEInfos.
func EncodeCardAccess(infos ...PACEInfo) ([]byte, error) {
	var parts [][]byte
	for _, p := range infos {
		b, err := EncodePACEInfo(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, b)
	}
	return tlv.EncodeConstructed(0x31, parts...), nil
}

package passive

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// oidLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject.
var oidLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}

// SOD is a parsed EF.SOD: the LDS security object (the data group hashes)
// and the SignedData around it.
type SOD struct {
	// Hash is the algorithm of the data group hashes.
	Hash crypto.Hash
	// Hashes maps data group numbers to their hash values.
	Hashes map[int][]byte
	// LDSVersion and UnicodeVersion are set for LDS 1.8 security objects.
	LDSVersion, UnicodeVersion string
	Signed                     *SignedData
}

type ldsSecurityObject struct {
	Version     int
	HashAlg     pkix.AlgorithmIdentifier
	GroupHashes []groupHash
	VersionInfo struct {
		LDSVersion     string
		UnicodeVersion string
	} `asn1:"optional"`
}

type groupHash struct {
	Number int
	Value  []byte
}

// ParseSOD decodes EF.SOD (ICAO 9303 part 10 §4.6.2): tag 77 around a CMS
// SignedData whose content is an LDSSecurityObject.
func ParseSOD(b []byte) (*SOD, error) {
	obj, rest, err := tlv.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%w: EF.SOD: %v", ErrMalformed, err)
	}
	if obj.Tag != 0x77 {
		return nil, fmt.Errorf("%w: EF.SOD starts with tag %v, not 77", ErrMalformed, obj.Tag)
	}
	if len(trimPadding(rest)) > 0 {
		return nil, fmt.Errorf("%w: EF.SOD: %d bytes after the object", ErrMalformed, len(rest))
	}
	sd, err := ParseSignedData(obj.Value)
	if err != nil {
		return nil, fmt.Errorf("EF.SOD: %w", err)
	}
	if !sd.ContentType.Equal(oidLDSSecurityObject) {
		return nil, fmt.Errorf("%w: EF.SOD content type %v is not an LDS security object", ErrMalformed, sd.ContentType)
	}
	var lso ldsSecurityObject
	if _, err := asn1.Unmarshal(sd.Content, &lso); err != nil {
		return nil, fmt.Errorf("%w: LDS security object: %v", ErrMalformed, err)
	}
	h, ok := hashByOID(lso.HashAlg.Algorithm)
	if !ok {
		return nil, fmt.Errorf("%w: data group hash algorithm %v", ErrUnsupported, lso.HashAlg.Algorithm)
	}
	s := &SOD{Hash: h, Hashes: map[int][]byte{}, Signed: sd,
		LDSVersion: lso.VersionInfo.LDSVersion, UnicodeVersion: lso.VersionInfo.UnicodeVersion}
	for _, g := range lso.GroupHashes {
		if g.Number < 1 || g.Number > 16 {
			return nil, fmt.Errorf("%w: LDS security object names data group %d", ErrMalformed, g.Number)
		}
		if _, dup := s.Hashes[g.Number]; dup {
			return nil, fmt.Errorf("%w: LDS security object lists data group %d twice", ErrMalformed, g.Number)
		}
		if len(g.Value) != h.Size() {
			return nil, fmt.Errorf("%w: data group %d hash is %d bytes, %v gives %d", ErrMalformed, g.Number, len(g.Value), h, h.Size())
		}
		s.Hashes[g.Number] = g.Value
	}
	return s, nil
}

// trimPadding drops trailing 00 or FF bytes some chips append to files.
func trimPadding(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == 0 || b[len(b)-1] == 0xFF) {
		b = b[:len(b)-1]
	}
	return b
}

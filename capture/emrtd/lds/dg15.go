package lds

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/capturestation/station/internal/tlv"
)

// PublicKeyInfo is a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) taken
// apart with encoding/asn1, with the Go key when crypto/x509 supports it.
type PublicKeyInfo struct {
	// Raw is the DER SubjectPublicKeyInfo.
	Raw []byte
	// Algorithm is the key algorithm, such as 1.2.840.113549.1.1.1 (RSA)
	// or 1.2.840.10045.2.1 (EC).
	Algorithm asn1.ObjectIdentifier
	// Parameters is the DER of the algorithm parameters, nil when absent.
	// For EC keys with explicit domain parameters it is the ECParameters
	// SEQUENCE.
	Parameters []byte
	// Curve is the named curve when the parameters are an OID, such as
	// 1.3.36.3.3.2.8.1.1.7 (brainpoolP256r1).
	Curve asn1.ObjectIdentifier
	// PublicKey is the content of the subjectPublicKey BIT STRING: for EC,
	// the encoded point; for RSA, the DER RSAPublicKey.
	PublicKey []byte
	// Key is the key parsed by crypto/x509.ParsePKIXPublicKey, or nil when
	// Go does not support the algorithm or curve (brainpool curves,
	// explicit EC parameters, DH).
	Key crypto.PublicKey
}

// CurveName names Curve ("P-256", "brainpoolP256r1", ...), or returns ""
// when it is absent or unknown.
func (p *PublicKeyInfo) CurveName() string {
	switch p.Curve.String() {
	case "1.3.132.0.33":
		return "P-224"
	case "1.2.840.10045.3.1.7":
		return "P-256"
	case "1.3.132.0.34":
		return "P-384"
	case "1.3.132.0.35":
		return "P-521"
	case "1.2.840.10045.3.1.1":
		return "P-192"
	case "1.3.36.3.3.2.8.1.1.1":
		return "brainpoolP160r1"
	case "1.3.36.3.3.2.8.1.1.3":
		return "brainpoolP192r1"
	case "1.3.36.3.3.2.8.1.1.5":
		return "brainpoolP224r1"
	case "1.3.36.3.3.2.8.1.1.7":
		return "brainpoolP256r1"
	case "1.3.36.3.3.2.8.1.1.9":
		return "brainpoolP320r1"
	case "1.3.36.3.3.2.8.1.1.11":
		return "brainpoolP384r1"
	case "1.3.36.3.3.2.8.1.1.13":
		return "brainpoolP512r1"
	}
	return ""
}

// goParses reports whether crypto/x509 is expected to parse a key of this
// algorithm and curve, so that its failure means a bad key rather than an
// unsupported one.
func goParses(alg, curve asn1.ObjectIdentifier) bool {
	switch alg.String() {
	case "1.2.840.113549.1.1.1", "1.3.101.112": // rsaEncryption, Ed25519
		return true
	case "1.2.840.10045.2.1": // id-ecPublicKey
		switch curve.String() {
		case "1.3.132.0.33", "1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35":
			return true
		}
	}
	return false
}

// parsePublicKeyInfo decodes a DER SubjectPublicKeyInfo.
func parsePublicKeyInfo(l loc, der []byte) (PublicKeyInfo, error) {
	var s struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil {
		return PublicKeyInfo{}, l.bad(err, "not a DER SubjectPublicKeyInfo")
	}
	if len(rest) != 0 {
		return PublicKeyInfo{}, l.bad(nil, "%d bytes follow the SubjectPublicKeyInfo", len(rest))
	}
	if s.PublicKey.BitLength%8 != 0 {
		return PublicKeyInfo{}, l.bad(nil, "subjectPublicKey has %d bits, not whole bytes", s.PublicKey.BitLength)
	}
	p := PublicKeyInfo{
		Raw:        clone(der),
		Algorithm:  s.Algorithm.Algorithm,
		Parameters: clone(s.Algorithm.Parameters.FullBytes),
		PublicKey:  clone(s.PublicKey.Bytes),
	}
	if pr := s.Algorithm.Parameters; pr.Class == asn1.ClassUniversal && pr.Tag == asn1.TagOID && len(pr.FullBytes) > 0 {
		if rest, err := asn1.Unmarshal(pr.FullBytes, &p.Curve); err != nil || len(rest) != 0 {
			return PublicKeyInfo{}, l.bad(err, "algorithm parameters are not a valid curve OID")
		}
	}
	key, err := x509.ParsePKIXPublicKey(der)
	switch {
	case err == nil:
		p.Key = key
	case goParses(p.Algorithm, p.Curve):
		return PublicKeyInfo{}, l.bad(err, "public key rejected by crypto/x509")
	}
	return p, nil
}

// DG15 is the content of EF.DG15, the Active Authentication public key
// (ICAO 9303-10 §4.7.15, 9303-11 §6.1).
type DG15 struct {
	// PublicKey is the Active Authentication public key.
	PublicKey PublicKeyInfo
}

// ParseDG15 parses EF.DG15: template 6F holding a DER SubjectPublicKeyInfo.
// RSA keys and EC keys on the NIST curves come with their Go key; for keys
// Go does not support (brainpool curves, explicit EC domain parameters)
// the algorithm, parameters, curve OID and public key bytes are returned
// with a nil Key.
func ParseDG15(b []byte) (*DG15, error) {
	top, l, err := openFile("EF.DG15", b, tlv.Tag(TagDG15))
	if err != nil {
		return nil, err
	}
	o, rest, err := tlv.Decode(top.Value)
	if err != nil {
		return nil, l.at("30").bad(err, "cannot decode the SubjectPublicKeyInfo")
	}
	if o.Tag != 0x30 {
		return nil, l.bad(nil, "holds tag %s, want a SubjectPublicKeyInfo SEQUENCE (30)", o.Tag)
	}
	if len(rest) != 0 {
		return nil, l.bad(nil, "%d bytes follow the SubjectPublicKeyInfo", len(rest))
	}
	pk, err := parsePublicKeyInfo(l.at("30"), o.Raw)
	if err != nil {
		return nil, err
	}
	return &DG15{PublicKey: pk}, nil
}

// BuildDG15 returns an EF.DG15 holding the DER SubjectPublicKeyInfo spki,
// for tests and virtual chips (x509.MarshalPKIXPublicKey gives one).
func BuildDG15(spki []byte) []byte {
	return tlv.Encode(tlv.Tag(TagDG15), spki)
}

// Package passivetest makes test documents for passive authentication: a
// throw-away PKI (a CSCA and a document signer) and EF.SOD files signed by
// it over given data groups. Tests and the virtual chip use it; it holds no
// real keys.
package passivetest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/capturestation/station/internal/tlv"
)

// KeyType selects the algorithms of a test PKI.
type KeyType int

// Key types.
const (
	// ECDSAP256 signs with ECDSA on P-256 and SHA-256.
	ECDSAP256 KeyType = iota
	// RSA2048 signs with RSA PKCS #1 v1.5 and SHA-256.
	RSA2048
	// RSAPSS2048 signs with RSASSA-PSS and SHA-256.
	RSAPSS2048
)

// PKI is a CSCA and a document signer it issued.
type PKI struct {
	Type      KeyType
	CSCA      *x509.Certificate
	CSCAKey   crypto.Signer
	Signer    *x509.Certificate
	SignerKey crypto.Signer
}

func newKey(t KeyType) (crypto.Signer, error) {
	if t == ECDSAP256 {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

// NewPKI creates a CSCA valid ten years from notBefore and a document
// signer valid three.
func NewPKI(t KeyType, country string, notBefore time.Time) (*PKI, error) {
	cscaKey, err := newKey(t)
	if err != nil {
		return nil, err
	}
	dsKey, err := newKey(t)
	if err != nil {
		return nil, err
	}
	sigAlg := x509.ECDSAWithSHA256
	switch t {
	case RSA2048:
		sigAlg = x509.SHA256WithRSA
	case RSAPSS2048:
		sigAlg = x509.SHA256WithRSAPSS
	}
	cscaTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{country}, CommonName: "Test CSCA " + country},
		NotBefore: notBefore, NotAfter: notBefore.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SignatureAlgorithm: sigAlg,
	}
	cscaDER, err := x509.CreateCertificate(rand.Reader, cscaTmpl, cscaTmpl, cscaKey.Public(), cscaKey)
	if err != nil {
		return nil, fmt.Errorf("passivetest: CSCA: %w", err)
	}
	csca, _ := x509.ParseCertificate(cscaDER)
	dsTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{Country: []string{country}, CommonName: "Test Document Signer " + country},
		NotBefore: notBefore, NotAfter: notBefore.AddDate(3, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature, SignatureAlgorithm: sigAlg,
	}
	dsDER, err := x509.CreateCertificate(rand.Reader, dsTmpl, csca, dsKey.Public(), cscaKey)
	if err != nil {
		return nil, fmt.Errorf("passivetest: document signer: %w", err)
	}
	ds, _ := x509.ParseCertificate(dsDER)
	return &PKI{Type: t, CSCA: csca, CSCAKey: cscaKey, Signer: ds, SignerKey: dsKey}, nil
}

func der(tag tlv.Tag, parts ...[]byte) []byte { return tlv.Encode(tag, bytes.Join(parts, nil)) }

// derSet encodes a SET OF with its elements in DER order.
func derSet(parts ...[]byte) []byte {
	sorted := append([][]byte(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	return der(0x31, sorted...)
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("passivetest: " + err.Error()) // only fixed, well-formed values are marshalled
	}
	return b
}

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA1:
		return asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, nil
	case crypto.SHA256:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, nil
	case crypto.SHA384:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, nil
	case crypto.SHA512:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, nil
	}
	return nil, errors.New("passivetest: unsupported hash")
}

// SOD returns an EF.SOD over groups (data group number → file content),
// hashed with h and signed by the document signer.
func (p *PKI) SOD(h crypto.Hash, groups map[int][]byte) ([]byte, error) {
	hoid, err := hashOID(h)
	if err != nil {
		return nil, err
	}
	halg := mustMarshal(pkix.AlgorithmIdentifier{Algorithm: hoid})
	numbers := make([]int, 0, len(groups))
	for n := range groups {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	var hashes [][]byte
	for _, n := range numbers {
		hh := h.New()
		hh.Write(groups[n])
		hashes = append(hashes, der(0x30, mustMarshal(n), mustMarshal(hh.Sum(nil))))
	}
	lso := der(0x30, mustMarshal(0), halg, der(0x30, hashes...))
	ci, err := p.sign(h, asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}, lso)
	if err != nil {
		return nil, err
	}
	return tlv.Encode(0x77, ci), nil
}

// CardSecurity returns the content of EF.CardSecurity (BSI TR-03110, ICAO
// 9303-11 §9.2.3): the SecurityInfos set signed by the document signer,
// as a CMS ContentInfo with content type id-SecurityObject.
func (p *PKI) CardSecurity(h crypto.Hash, securityInfos []byte) ([]byte, error) {
	return p.sign(h, asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}, securityInfos)
}

// sign wraps content in a CMS SignedData ContentInfo signed by the
// document signer, with the content type and message digest as signed
// attributes.
func (p *PKI) sign(h crypto.Hash, contentType asn1.ObjectIdentifier, content []byte) ([]byte, error) {
	hoid, err := hashOID(h)
	if err != nil {
		return nil, err
	}
	halg := mustMarshal(pkix.AlgorithmIdentifier{Algorithm: hoid})
	ctOID := mustMarshal(contentType)
	md := h.New()
	md.Write(content)
	attrs := derSet(
		der(0x30, mustMarshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}), der(0x31, ctOID)),
		der(0x30, mustMarshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}), der(0x31, mustMarshal(md.Sum(nil)))),
	)
	sh := h.New()
	sh.Write(attrs)
	digest := sh.Sum(nil)
	var sig, sigAlg []byte
	switch p.Type {
	case ECDSAP256:
		sig, err = p.SignerKey.Sign(rand.Reader, digest, h)
		sigAlg = mustMarshal(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}})
	case RSA2048:
		sig, err = p.SignerKey.Sign(rand.Reader, digest, h)
		sigAlg = mustMarshal(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue})
	case RSAPSS2048:
		sig, err = p.SignerKey.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: h.Size(), Hash: h})
		params := der(0x30,
			der(0xA0, halg),
			der(0xA1, der(0x30, mustMarshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}), halg)),
			der(0xA2, mustMarshal(h.Size())))
		sigAlg = der(0x30, mustMarshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}), params)
	}
	if err != nil {
		return nil, fmt.Errorf("passivetest: sign: %w", err)
	}
	signedAttrs := append([]byte{0xA0}, attrs[1:]...)
	sid := der(0x30, p.Signer.RawIssuer, mustMarshal(p.Signer.SerialNumber))
	signerInfo := der(0x30, mustMarshal(1), sid, halg, signedAttrs, sigAlg, mustMarshal(sig))
	signedData := der(0x30,
		mustMarshal(3),
		derSet(halg),
		der(0x30, ctOID, der(0xA0, mustMarshal(content))),
		der(0xA0, p.Signer.Raw),
		derSet(signerInfo),
	)
	return der(0x30, mustMarshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}), der(0xA0, signedData)), nil
}

// String names the key type.
func (t KeyType) String() string {
	switch t {
	case ECDSAP256:
		return "ECDSA-P256"
	case RSA2048:
		return "RSA-2048"
	case RSAPSS2048:
		return "RSA-PSS-2048"
	}
	return "keytype(?)"
}

package passive

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/capturestation/station/capture/emrtd"
)

// ErrMalformed is wrapped by every error about undecodable input.
var ErrMalformed = errors.New("passive: malformed data")

// ErrUnsupported is wrapped by errors about algorithms or key forms this
// package does not implement.
var ErrUnsupported = errors.New("passive: unsupported algorithm")

// Certificate is an X.509 certificate as CSCA, document-signer and
// master-list-signer certificates use them. It is parsed leniently where
// Go's crypto/x509 is strict: elliptic-curve keys may use brainpool curves
// or explicit domain parameters (as many CSCAs do).
type Certificate struct {
	// Raw is the whole DER certificate.
	Raw []byte
	// RawTBS is the signed part.
	RawTBS []byte
	// RawIssuer and RawSubject are the DER names, compared byte for byte.
	RawIssuer, RawSubject []byte
	Issuer, Subject       string
	SerialNumber          *big.Int
	NotBefore, NotAfter   time.Time
	SubjectKeyID          []byte
	AuthorityKeyID        []byte
	IsCA                  bool
	// PublicKey is the subject's key.
	PublicKey *PublicKey
	// SignatureAlgorithm and Signature are the issuer's signature over RawTBS.
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
}

// PublicKey is an RSA or elliptic-curve public key.
type PublicKey struct {
	RSA *rsa.PublicKey
	// Curve, X and Y hold an EC key on any prime curve.
	Curve *emrtd.Curve
	X, Y  *big.Int
}

// String names the key type and size.
func (k *PublicKey) String() string {
	switch {
	case k == nil:
		return "none"
	case k.RSA != nil:
		return fmt.Sprintf("RSA-%d", k.RSA.N.BitLen())
	case k.Curve != nil:
		return "EC " + k.Curve.Name
	}
	return "unknown"
}

type certificateASN1 struct {
	TBS    asn1.RawValue
	SigAlg pkix.AlgorithmIdentifier
	Sig    asn1.BitString
}

type tbsASN1 struct {
	Raw        asn1.RawContent
	Version    int `asn1:"optional,explicit,default:0,tag:0"`
	Serial     *big.Int
	SigAlg     pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	Validity   validityASN1
	Subject    asn1.RawValue
	SPKI       spkiASN1
	IssuerUID  asn1.BitString   `asn1:"optional,tag:1"`
	SubjectUID asn1.BitString   `asn1:"optional,tag:2"`
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

type validityASN1 struct {
	NotBefore, NotAfter time.Time
}

type spkiASN1 struct {
	Raw       asn1.RawContent
	Algorithm pkix.AlgorithmIdentifier
	Key       asn1.BitString
}

// Object identifiers used by this package.
var (
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASSAPSS       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPrimeField      = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	oidSubjectKeyID    = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthorityKeyID  = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidBasicConstraint = asn1.ObjectIdentifier{2, 5, 29, 19}
)

// ParseCertificate decodes a DER X.509 certificate.
func ParseCertificate(der []byte) (*Certificate, error) {
	var c certificateASN1
	rest, err := asn1.Unmarshal(der, &c)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate: %v", ErrMalformed, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: certificate: %d bytes after it", ErrMalformed, len(rest))
	}
	var tbs tbsASN1
	if _, err := asn1.Unmarshal(c.TBS.FullBytes, &tbs); err != nil {
		return nil, fmt.Errorf("%w: certificate body: %v", ErrMalformed, err)
	}
	cert := &Certificate{
		Raw:                append([]byte(nil), der[:len(der)-len(rest)]...),
		RawTBS:             c.TBS.FullBytes,
		RawIssuer:          tbs.Issuer.FullBytes,
		RawSubject:         tbs.Subject.FullBytes,
		Issuer:             nameString(tbs.Issuer.FullBytes),
		Subject:            nameString(tbs.Subject.FullBytes),
		SerialNumber:       tbs.Serial,
		NotBefore:          tbs.Validity.NotBefore,
		NotAfter:           tbs.Validity.NotAfter,
		SignatureAlgorithm: c.SigAlg,
		Signature:          c.Sig.RightAlign(),
	}
	for _, ext := range tbs.Extensions {
		switch {
		case ext.Id.Equal(oidSubjectKeyID):
			var ski []byte
			if _, err := asn1.Unmarshal(ext.Value, &ski); err == nil {
				cert.SubjectKeyID = ski
			}
		case ext.Id.Equal(oidAuthorityKeyID):
			var aki struct {
				ID []byte `asn1:"optional,tag:0"`
			}
			if _, err := asn1.Unmarshal(ext.Value, &aki); err == nil {
				cert.AuthorityKeyID = aki.ID
			}
		case ext.Id.Equal(oidBasicConstraint):
			var bc struct {
				IsCA bool `asn1:"optional"`
				Len  int  `asn1:"optional,default:-1"`
			}
			if _, err := asn1.Unmarshal(ext.Value, &bc); err == nil {
				cert.IsCA = bc.IsCA
			}
		}
	}
	cert.PublicKey, err = parsePublicKey(tbs.SPKI)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", cert.Subject, err)
	}
	return cert, nil
}

// nameString renders a DER name for messages, or "" if it does not decode.
func nameString(der []byte) string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdn); err != nil {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}

func parsePublicKey(spki spkiASN1) (*PublicKey, error) {
	keyBits := spki.Key.RightAlign()
	alg := spki.Algorithm
	switch {
	case alg.Algorithm.Equal(oidRSAEncryption), alg.Algorithm.Equal(oidRSASSAPSS):
		k, err := x509.ParsePKCS1PublicKey(keyBits)
		if err != nil {
			return nil, fmt.Errorf("%w: RSA public key: %v", ErrMalformed, err)
		}
		return &PublicKey{RSA: k}, nil
	case alg.Algorithm.Equal(oidECPublicKey):
		curve, err := curveOf(alg.Parameters)
		if err != nil {
			return nil, err
		}
		x, y, err := curve.Unmarshal(keyBits)
		if err != nil {
			return nil, fmt.Errorf("%w: EC public key: %v", ErrMalformed, err)
		}
		return &PublicKey{Curve: curve, X: x, Y: y}, nil
	}
	return nil, fmt.Errorf("%w: public key algorithm %v", ErrUnsupported, alg.Algorithm)
}

// curveOf reads EC domain parameters: a named curve or explicit ones.
func curveOf(params asn1.RawValue) (*emrtd.Curve, error) {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(params.FullBytes, &oid); err == nil {
		id, ok := namedCurveID(oid)
		if !ok {
			return nil, fmt.Errorf("%w: named curve %v", ErrUnsupported, oid)
		}
		return emrtd.CurveByID(id)
	}
	var ep struct {
		Version int
		Field   struct {
			Type  asn1.ObjectIdentifier
			Prime *big.Int
		}
		Curve struct {
			A, B []byte
			Seed asn1.BitString `asn1:"optional"`
		}
		Base     []byte
		Order    *big.Int
		Cofactor *big.Int `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(params.FullBytes, &ep); err != nil {
		return nil, fmt.Errorf("%w: EC domain parameters: %v", ErrMalformed, err)
	}
	if !ep.Field.Type.Equal(oidPrimeField) || ep.Field.Prime == nil || ep.Order == nil || ep.Field.Prime.Sign() <= 0 || ep.Order.Sign() <= 0 {
		return nil, fmt.Errorf("%w: EC domain parameters over a field other than a prime field", ErrUnsupported)
	}
	if ep.Field.Prime.BitLen() > 1024 {
		return nil, fmt.Errorf("%w: EC field of %d bits", ErrUnsupported, ep.Field.Prime.BitLen())
	}
	c := &emrtd.Curve{Name: "explicit", P: ep.Field.Prime, A: new(big.Int).SetBytes(ep.Curve.A),
		B: new(big.Int).SetBytes(ep.Curve.B), N: ep.Order}
	gx, gy, err := c.Unmarshal(ep.Base)
	if err != nil {
		return nil, fmt.Errorf("%w: EC base point: %v", ErrMalformed, err)
	}
	c.Gx, c.Gy = gx, gy
	// A known curve under explicit parameters is used as the named one.
	for id := emrtd.ParamNISTP192; id <= emrtd.ParamNISTP521; id++ {
		k, err := emrtd.CurveByID(id)
		if err == nil && k.P.Cmp(c.P) == 0 && k.A.Cmp(c.A) == 0 && k.B.Cmp(c.B) == 0 && k.Gx.Cmp(c.Gx) == 0 && k.Gy.Cmp(c.Gy) == 0 && k.N.Cmp(c.N) == 0 {
			return k, nil
		}
	}
	return c, nil
}

// namedCurveID maps a curve OID to its ICAO 9303-11 domain parameter ID.
func namedCurveID(oid asn1.ObjectIdentifier) (int, bool) {
	known := []struct {
		oid asn1.ObjectIdentifier
		id  int
	}{
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 1}, emrtd.ParamNISTP192},
		{asn1.ObjectIdentifier{1, 3, 132, 0, 33}, emrtd.ParamNISTP224},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, emrtd.ParamNISTP256},
		{asn1.ObjectIdentifier{1, 3, 132, 0, 34}, emrtd.ParamNISTP384},
		{asn1.ObjectIdentifier{1, 3, 132, 0, 35}, emrtd.ParamNISTP521},
		{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 3}, emrtd.ParamBrainpoolP192r1},
		{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 5}, emrtd.ParamBrainpoolP224r1},
		{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}, emrtd.ParamBrainpoolP256r1},
		{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 9}, emrtd.ParamBrainpoolP320r1},
		{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}, emrtd.ParamBrainpoolP384r1},
		{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}, emrtd.ParamBrainpoolP512r1},
	}
	for _, k := range known {
		if k.oid.Equal(oid) {
			return k.id, true
		}
	}
	return 0, false
}

// CheckSignatureFrom verifies that issuer signed c.
func (c *Certificate) CheckSignatureFrom(issuer *Certificate) error {
	if !sameName(c.RawIssuer, issuer.RawSubject) {
		return fmt.Errorf("passive: %s was not issued by %s", c.Subject, issuer.Subject)
	}
	return verifySignature(issuer.PublicKey, c.SignatureAlgorithm, nil, c.RawTBS, c.Signature)
}

// sameName compares two DER names: byte for byte, or by their attributes
// when only the string encodings differ.
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	na, nb := nameString(a), nameString(b)
	return na != "" && na == nb
}

// ParsePublicKeyInfo decodes a DER SubjectPublicKeyInfo, such as the Active
// Authentication key of DG15, on any of the curves and key types
// ParseCertificate accepts.
func ParsePublicKeyInfo(der []byte) (*PublicKey, error) {
	var spki spkiASN1
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return nil, fmt.Errorf("%w: SubjectPublicKeyInfo: %v", ErrMalformed, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: SubjectPublicKeyInfo: %d bytes after it", ErrMalformed, len(rest))
	}
	return parsePublicKey(spki)
}

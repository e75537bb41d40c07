package passive

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/capturestation/station/capture/emrtd"

	// Hash implementations used by crypto.Hash.New.
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// ErrSignature is wrapped by every signature that does not verify.
var ErrSignature = errors.New("passive: signature does not verify")

// hashByOID maps a digest algorithm OID to its hash.
func hashByOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch oid.String() {
	case "1.3.14.3.2.26":
		return crypto.SHA1, true
	case "2.16.840.1.101.3.4.2.4":
		return crypto.SHA224, true
	case "2.16.840.1.101.3.4.2.1":
		return crypto.SHA256, true
	case "2.16.840.1.101.3.4.2.2":
		return crypto.SHA384, true
	case "2.16.840.1.101.3.4.2.3":
		return crypto.SHA512, true
	}
	return 0, false
}

// sigScheme is how a signature algorithm OID verifies.
type sigScheme struct {
	hash  crypto.Hash // 0: take it from the digest algorithm
	rsa   bool
	pss   bool
	plain bool // ECDSA signature as R||S (BSI TR-03111) instead of DER
}

func schemeByOID(oid asn1.ObjectIdentifier) (sigScheme, bool) {
	switch oid.String() {
	case "1.2.840.113549.1.1.1":
		return sigScheme{rsa: true}, true
	case "1.2.840.113549.1.1.5":
		return sigScheme{hash: crypto.SHA1, rsa: true}, true
	case "1.2.840.113549.1.1.14":
		return sigScheme{hash: crypto.SHA224, rsa: true}, true
	case "1.2.840.113549.1.1.11":
		return sigScheme{hash: crypto.SHA256, rsa: true}, true
	case "1.2.840.113549.1.1.12":
		return sigScheme{hash: crypto.SHA384, rsa: true}, true
	case "1.2.840.113549.1.1.13":
		return sigScheme{hash: crypto.SHA512, rsa: true}, true
	case "1.2.840.113549.1.1.10":
		return sigScheme{rsa: true, pss: true}, true
	case "1.2.840.10045.2.1": // ecPublicKey given as signature algorithm
		return sigScheme{}, true
	case "1.2.840.10045.4.1":
		return sigScheme{hash: crypto.SHA1}, true
	case "1.2.840.10045.4.3.1":
		return sigScheme{hash: crypto.SHA224}, true
	case "1.2.840.10045.4.3.2":
		return sigScheme{hash: crypto.SHA256}, true
	case "1.2.840.10045.4.3.3":
		return sigScheme{hash: crypto.SHA384}, true
	case "1.2.840.10045.4.3.4":
		return sigScheme{hash: crypto.SHA512}, true
	case "0.4.0.127.0.7.1.1.4.1.1":
		return sigScheme{hash: crypto.SHA1, plain: true}, true
	case "0.4.0.127.0.7.1.1.4.1.2":
		return sigScheme{hash: crypto.SHA224, plain: true}, true
	case "0.4.0.127.0.7.1.1.4.1.3":
		return sigScheme{hash: crypto.SHA256, plain: true}, true
	case "0.4.0.127.0.7.1.1.4.1.4":
		return sigScheme{hash: crypto.SHA384, plain: true}, true
	case "0.4.0.127.0.7.1.1.4.1.5":
		return sigScheme{hash: crypto.SHA512, plain: true}, true
	}
	return sigScheme{}, false
}

// pssParams is RSASSA-PSS-params (RFC 4055).
type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength   int                      `asn1:"optional,explicit,tag:2,default:20"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// verifySignature checks signature over message with pub, following alg;
// digest is the digest algorithm of a CMS SignerInfo, used when alg does
// not name a hash (nil for certificates).
func verifySignature(pub *PublicKey, alg pkix.AlgorithmIdentifier, digest *pkix.AlgorithmIdentifier, message, signature []byte) error {
	if pub == nil {
		return fmt.Errorf("%w: no public key", ErrSignature)
	}
	sch, ok := schemeByOID(alg.Algorithm)
	if !ok {
		return fmt.Errorf("%w: signature algorithm %v", ErrUnsupported, alg.Algorithm)
	}
	h := sch.hash
	saltLen := 20
	if sch.pss {
		var p pssParams
		if len(alg.Parameters.FullBytes) > 0 {
			if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
				return fmt.Errorf("%w: RSASSA-PSS parameters: %v", ErrMalformed, err)
			}
		}
		h = crypto.SHA1
		if len(p.Hash.Algorithm) > 0 {
			if h, ok = hashByOID(p.Hash.Algorithm); !ok {
				return fmt.Errorf("%w: PSS hash %v", ErrUnsupported, p.Hash.Algorithm)
			}
		}
		if len(p.MGF.Algorithm) > 0 {
			var mgfHash pkix.AlgorithmIdentifier
			if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil {
				return fmt.Errorf("%w: PSS mask generation: %v", ErrMalformed, err)
			}
			if mh, ok := hashByOID(mgfHash.Algorithm); !ok || mh != h {
				return fmt.Errorf("%w: PSS with MGF1 over another hash than the message's", ErrUnsupported)
			}
		}
		saltLen = p.SaltLength
	}
	if h == 0 {
		if digest == nil {
			return fmt.Errorf("%w: signature algorithm %v names no hash", ErrUnsupported, alg.Algorithm)
		}
		if h, ok = hashByOID(digest.Algorithm); !ok {
			return fmt.Errorf("%w: digest algorithm %v", ErrUnsupported, digest.Algorithm)
		}
	}
	hh := h.New()
	hh.Write(message)
	sum := hh.Sum(nil)
	switch {
	case sch.rsa:
		if pub.RSA == nil {
			return fmt.Errorf("%w: RSA signature with a %s key", ErrSignature, pub)
		}
		var err error
		if sch.pss {
			err = rsa.VerifyPSS(pub.RSA, h, sum, signature, &rsa.PSSOptions{SaltLength: saltLen, Hash: h})
		} else {
			err = rsa.VerifyPKCS1v15(pub.RSA, h, sum, signature)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSignature, err)
		}
		return nil
	default:
		if pub.Curve == nil {
			return fmt.Errorf("%w: ECDSA signature with a %s key", ErrSignature, pub)
		}
		r, s, err := ecdsaRS(signature, sch.plain, pub.Curve.ByteLen())
		if err != nil {
			return err
		}
		if !verifyECDSA(pub, sum, r, s) {
			return ErrSignature
		}
		return nil
	}
}

func ecdsaRS(sig []byte, plain bool, size int) (*big.Int, *big.Int, error) {
	if plain || (len(sig) == 2*size && sig[0] != 0x30) {
		if len(sig)%2 != 0 || len(sig) == 0 {
			return nil, nil, fmt.Errorf("%w: plain ECDSA signature of odd length", ErrSignature)
		}
		n := len(sig) / 2
		return new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]), nil
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 {
		return nil, nil, fmt.Errorf("%w: ECDSA signature is not DER (r, s)", ErrSignature)
	}
	return rs.R, rs.S, nil
}

// stdCurve returns Go's implementation of a NIST curve, nil for others.
func stdCurve(id int) elliptic.Curve {
	switch id {
	case emrtd.ParamNISTP256:
		return elliptic.P256()
	case emrtd.ParamNISTP384:
		return elliptic.P384()
	case emrtd.ParamNISTP521:
		return elliptic.P521()
	}
	return nil
}

// verifyECDSA is ECDSA verification (SEC 1 §4.1.4) on any prime curve.
func verifyECDSA(pub *PublicKey, hash []byte, r, s *big.Int) bool {
	c := pub.Curve
	if std := stdCurve(c.ParameterID); std != nil {
		k := &ecdsa.PublicKey{Curve: std, X: pub.X, Y: pub.Y}
		return ecdsa.Verify(k, hash, r, s)
	}
	n := c.N
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return false
	}
	if !c.IsOnCurve(pub.X, pub.Y) {
		return false
	}
	e := new(big.Int).SetBytes(hash)
	if excess := len(hash)*8 - n.BitLen(); excess > 0 {
		e.Rsh(e, uint(excess))
	}
	w := new(big.Int).ModInverse(s, n)
	if w == nil {
		return false
	}
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, n)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, n)
	x1, y1 := c.ScalarBaseMult(u1.Bytes())
	x2, y2 := c.ScalarMult(pub.X, pub.Y, u2.Bytes())
	x, y := c.Add(x1, y1, x2, y2)
	if x.Sign() == 0 && y.Sign() == 0 {
		return false
	}
	x.Mod(x, n)
	return x.Cmp(r) == 0
}

// VerifyECDSA checks an ECDSA signature (DER or plain R||S) over hash,
// the digest already computed, with an EC key.
func (k *PublicKey) VerifyECDSA(hash, signature []byte) error {
	if k == nil || k.Curve == nil {
		return fmt.Errorf("%w: not an EC key", ErrSignature)
	}
	r, s, err := ecdsaRS(signature, false, k.Curve.ByteLen())
	if err != nil {
		return err
	}
	if !verifyECDSA(k, hash, r, s) {
		return ErrSignature
	}
	return nil
}

// SignatureHash returns the hash an ECDSA signature algorithm OID names
// (X9.62 or BSI TR-03111 plain), as DG14's ActiveAuthenticationInfo gives it.
func SignatureHash(alg asn1.ObjectIdentifier) (crypto.Hash, bool) {
	s, ok := schemeByOID(alg)
	if !ok || s.rsa || s.hash == 0 {
		return 0, false
	}
	return s.hash, true
}

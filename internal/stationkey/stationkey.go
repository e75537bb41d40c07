package stationkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Algorithm is the JWS algorithm of station signatures.
const Algorithm = "ES256"

// coordSize is the byte length of a P-256 coordinate and of R and S.
const coordSize = 32

// MaxJWSBytes bounds the size of a compact JWS accepted by VerifyJWS.
const MaxJWSBytes = 1 << 20

// ErrInvalidSignature is wrapped by every JWS verification failure.
var ErrInvalidSignature = errors.New("stationkey: invalid signature")

// Generate creates a new P-256 signing key.
func Generate() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("stationkey: generate: %w", err)
	}
	return k, nil
}

// Marshal encodes key as PKCS #8 DER.
func Marshal(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("stationkey: encode: %w", err)
	}
	return der, nil
}

// Unmarshal decodes a PKCS #8 DER key, accepting only P-256 ECDSA keys.
func Unmarshal(der []byte) (*ecdsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("stationkey: decode: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("stationkey: decode: not a P-256 ECDSA key")
	}
	return ek, nil
}

// publicJWK is the RFC 7517 form of a P-256 public key, members in the
// lexicographic order RFC 7638 hashes them in.
type publicJWK struct {
	Crv string `json:"crv"`
	Kty string `json:"kty"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func jwkOf(pub *ecdsa.PublicKey) (publicJWK, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return publicJWK{}, errors.New("stationkey: not a P-256 public key")
	}
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return publicJWK{}, fmt.Errorf("stationkey: public key: %w", err)
	}
	return publicJWK{
		Crv: "P-256", Kty: "EC",
		X: b64(raw[1 : 1+coordSize]), Y: b64(raw[1+coordSize:]),
	}, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of pub, base64url
// encoded: the key ID of station signatures. It returns "" for a key that is
// not P-256.
func Thumbprint(pub *ecdsa.PublicKey) string {
	j, err := jwkOf(pub)
	if err != nil {
		return ""
	}
	b, err := json.Marshal(j)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return b64(sum[:])
}

// PublicJWK returns pub as a JSON Web Key with kid, alg and use set.
func PublicJWK(pub *ecdsa.PublicKey) (json.RawMessage, error) {
	j, err := jwkOf(pub)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(struct {
		publicJWK
		Kid string `json:"kid"`
		Alg string `json:"alg"`
		Use string `json:"use"`
	}{j, Thumbprint(pub), Algorithm, "sig"})
	if err != nil {
		return nil, fmt.Errorf("stationkey: encode JWK: %w", err)
	}
	return b, nil
}

// PublicPEM returns pub as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo).
func PublicPEM(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("stationkey: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
}

// SignJWS signs payload with key and returns a compact ES256 JWS whose
// header names the key by its thumbprint.
func SignJWS(key *ecdsa.PrivateKey, payload []byte) (string, error) {
	if key == nil {
		return "", errors.New("stationkey: no signing key")
	}
	h, err := json.Marshal(header{Alg: Algorithm, Kid: Thumbprint(&key.PublicKey)})
	if err != nil {
		return "", fmt.Errorf("stationkey: encode header: %w", err)
	}
	input := b64(h) + "." + b64(payload)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", fmt.Errorf("stationkey: sign: %w", err)
	}
	sig := make([]byte, 2*coordSize)
	r.FillBytes(sig[:coordSize])
	s.FillBytes(sig[coordSize:])
	return input + "." + b64(sig), nil
}

// VerifyJWS checks a compact ES256 JWS against pub and returns its payload.
func VerifyJWS(pub *ecdsa.PublicKey, jws string) ([]byte, error) {
	if len(jws) > MaxJWSBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidSignature, MaxJWSBytes)
	}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrInvalidSignature)
	}
	hb, err := unb64(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrInvalidSignature, err)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrInvalidSignature, err)
	}
	if h.Alg != Algorithm {
		return nil, fmt.Errorf("%w: algorithm %q, want %s", ErrInvalidSignature, h.Alg, Algorithm)
	}
	payload, err := unb64(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrInvalidSignature, err)
	}
	sig, err := unb64(parts[2])
	if err != nil || len(sig) != 2*coordSize {
		return nil, fmt.Errorf("%w: signature is not %d bytes of R||S", ErrInvalidSignature, 2*coordSize)
	}
	if pub == nil {
		return nil, fmt.Errorf("%w: no public key", ErrInvalidSignature)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:coordSize])
	s := new(big.Int).SetBytes(sig[coordSize:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return nil, ErrInvalidSignature
	}
	return payload, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

package lds

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/capturestation/station/internal/tlv"
)

// Public keys generated with OpenSSL for these tests.
const (
	// rsa1024SPKI is a 1024-bit RSA key, the usual Active Authentication
	// key of older passports.
	rsa1024SPKI = "30819f300d06092a864886f70d010101050003818d0030818902818100b48ab1b9d4f9ce1aab19fa74e96f2066d9e95ec9a0ce0d79da9735cebb37dad02a3bbcd121986e39bd731da919232111e3ea898c74c10067817c549ba87c86af7aeb70b4bcdd026a4b2e11aea8fe636d51875d98bf263fb5d4f854230be7ce10b5b5e21469d504c71eb8c425e11fce8aa902fbb69284f5ef9ea7d2bcfdf2abab0203010001"
	// brainpoolNamedSPKI is a brainpoolP256r1 key with a named curve.
	brainpoolNamedSPKI = "305a301406072a8648ce3d020106092b2403030208010107034200047e23f70e4fa00be89b86574094f85f2b15423f38ee6dce91adeb6d0220d535a41a04c07b5a4923915dcfc590137ad79c814aecec050c95a02e386af274e510c5"
	// brainpoolExplicitSPKI is a brainpoolP256r1 key with explicit domain
	// parameters, as many chips store it.
	brainpoolExplicitSPKI = "308201333081ec06072a8648ce3d02013081e0020101302c06072a8648ce3d0101022100a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377304404207d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9042026dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b60441048bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7020101034200045d0b99642535ebccc0640649b9997037d46644dfabbeb48ba0f9405252c937dd16371a2385b482ee7c6d2bd55addbdce0723a7aa74c2034f58583393751966e8"
)

// spki encodes a SubjectPublicKeyInfo from its parts.
func spki(t testing.TB, alg asn1.ObjectIdentifier, params []byte, key asn1.BitString) []byte {
	t.Helper()
	ai := pkix.AlgorithmIdentifier{Algorithm: alg}
	if params != nil {
		ai.Parameters = asn1.RawValue{FullBytes: params}
	}
	b, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}{ai, key})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func p256SPKI(t testing.TB) ([]byte, *ecdsa.PublicKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, &k.PublicKey
}

func TestParseDG15(t *testing.T) {
	p256, p256Key := p256SPKI(t)
	tests := []struct {
		name      string
		spki      []byte
		alg       string
		curve     string
		curveName string
		goKey     bool
		params    bool
	}{
		{"RSA 1024", unhex(t, rsa1024SPKI), "1.2.840.113549.1.1.1", "", "", true, true},
		{"P-256", p256, "1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "P-256", true, true},
		{"brainpoolP256r1 named", unhex(t, brainpoolNamedSPKI), "1.2.840.10045.2.1", "1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", false, true},
		{"brainpoolP256r1 explicit", unhex(t, brainpoolExplicitSPKI), "1.2.840.10045.2.1", "", "", false, true},
		{"unknown algorithm", spki(t, asn1.ObjectIdentifier{1, 2, 3, 4}, nil, asn1.BitString{Bytes: []byte{1, 2}, BitLength: 16}), "1.2.3.4", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG15(BuildDG15(tt.spki))
			if err != nil {
				t.Fatal(err)
			}
			pk := d.PublicKey
			if !bytes.Equal(pk.Raw, tt.spki) || pk.Algorithm.String() != tt.alg || pk.CurveName() != tt.curveName ||
				(tt.curve == "" && pk.Curve != nil) || (tt.curve != "" && pk.Curve.String() != tt.curve) ||
				(pk.Key != nil) != tt.goKey || (pk.Parameters != nil) != tt.params {
				t.Fatalf("got alg %v curve %v (%q) key %T params %x", pk.Algorithm, pk.Curve, pk.CurveName(), pk.Key, pk.Parameters)
			}
			if tt.curve != "" && !tt.goKey && (len(pk.PublicKey) != 65 || pk.PublicKey[0] != 4) {
				t.Fatalf("EC point of %d bytes", len(pk.PublicKey))
			}
		})
	}
	d, err := ParseDG15(BuildDG15(p256))
	if err != nil || !p256Key.Equal(d.PublicKey.Key) {
		t.Fatalf("P-256 key not recovered: %v", err)
	}
	d, err = ParseDG15(BuildDG15(unhex(t, rsa1024SPKI)))
	if k, ok := d.PublicKey.Key.(*rsa.PublicKey); err != nil || !ok || k.N.BitLen() != 1024 || k.E != 65537 {
		t.Fatalf("RSA key: %T %v", d.PublicKey.Key, err)
	}
	if pk := d.PublicKey; pk.Parameters == nil || !bytes.Equal(pk.Parameters, []byte{5, 0}) {
		t.Fatalf("RSA parameters %x, want NULL", pk.Parameters)
	}
	// Explicit parameters are kept whole.
	d, err = ParseDG15(BuildDG15(unhex(t, brainpoolExplicitSPKI)))
	if err != nil || d.PublicKey.Parameters[0] != 0x30 || len(d.PublicKey.Parameters) != 0xE3 {
		t.Fatalf("explicit parameters %x, %v", d.PublicKey.Parameters, err)
	}
}

func TestParseDG15Malformed(t *testing.T) {
	ecPub := asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	p256OID, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	offCurve := append([]byte{4}, bytes.Repeat([]byte{1}, 64)...)
	rsaOID := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	good := unhex(t, rsa1024SPKI)
	tests := []struct {
		name string
		in   []byte
		elem string
	}{
		{"wrong outer tag", tlv.Encode(0x6E, good), ""},
		{"truncated", BuildDG15(good)[:50], "6F"},
		{"length past the end", cat(unhex(t, "6F81A3"), good), "6F"},
		{"empty DG15", tlv.Encode(0x6F, nil), "6F/30"},
		{"not a SEQUENCE", BuildDG15(unhex(t, "0401 00")), "6F"},
		{"bytes after the key", BuildDG15(cat(good, []byte{0x05, 0x00})), "6F"},
		{"SEQUENCE of garbage", BuildDG15(unhex(t, "3003 020100")), "6F/30"},
		{"broken inner length", BuildDG15(unhex(t, "3005 3003 0605")), "6F/30"},
		{"partial bytes in the key", BuildDG15(spki(t, rsaOID, []byte{5, 0}, asn1.BitString{Bytes: []byte{1, 2}, BitLength: 15})), "6F/30"},
		{"RSA key that is not RSAPublicKey", BuildDG15(spki(t, rsaOID, []byte{5, 0}, asn1.BitString{Bytes: []byte{1, 2}, BitLength: 16})), "6F/30"},
		{"P-256 point off the curve", BuildDG15(spki(t, ecPub, p256OID, asn1.BitString{Bytes: offCurve, BitLength: 520})), "6F/30"},
		{"bad curve OID", BuildDG15(spki(t, ecPub, []byte{0x06, 0x01, 0x80}, asn1.BitString{Bytes: offCurve, BitLength: 520})), "6F/30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG15(tt.in)
			if d != nil {
				t.Fatalf("got a DG15 with %v", err)
			}
			checkErr(t, err, ErrMalformed, "EF.DG15", tt.elem)
		})
	}
}

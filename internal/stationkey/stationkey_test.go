package stationkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	der, err := Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(der)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(k) {
		t.Fatal("key changed in a round trip")
	}
}

func TestUnmarshalRejectsOtherKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	for name, k := range map[string]any{"P-384": p384, "RSA": rk} {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Unmarshal(der); err == nil {
			t.Errorf("%s key accepted", name)
		}
	}
	if _, err := Unmarshal([]byte("garbage")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestThumbprintFollowsRFC7638(t *testing.T) {
	k, _ := Generate()
	raw, _ := k.PublicKey.Bytes()
	enc := base64.RawURLEncoding.EncodeToString
	canonical := `{"crv":"P-256","kty":"EC","x":"` + enc(raw[1:33]) + `","y":"` + enc(raw[33:]) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	if got, want := Thumbprint(&k.PublicKey), enc(sum[:]); got != want {
		t.Fatalf("thumbprint %s, want %s", got, want)
	}
	var jwk map[string]string
	b, err := PublicJWK(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &jwk); err != nil {
		t.Fatal(err)
	}
	if jwk["kid"] != Thumbprint(&k.PublicKey) || jwk["alg"] != "ES256" || jwk["crv"] != "P-256" || jwk["d"] != "" {
		t.Fatalf("JWK %s", b)
	}
	p, err := PublicPEM(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(p)
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil || !pub.(*ecdsa.PublicKey).Equal(&k.PublicKey) {
		t.Fatalf("PEM does not hold the key: %v", err)
	}
}

func TestJWS(t *testing.T) {
	k, _ := Generate()
	other, _ := Generate()
	jws, err := SignJWS(k, []byte("hash bytes"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyJWS(&k.PublicKey, jws)
	if err != nil || string(got) != "hash bytes" {
		t.Fatalf("verify: %q, %v", got, err)
	}
	parts := strings.Split(jws, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	tampered := base64.RawURLEncoding.EncodeToString([]byte("other hash"))
	tests := []struct {
		name string
		key  *ecdsa.PublicKey
		jws  string
	}{
		{"other key", &other.PublicKey, jws},
		{"tampered payload", &k.PublicKey, parts[0] + "." + tampered + "." + parts[2]},
		{"alg none", &k.PublicKey, none + "." + parts[1] + "."},
		{"two parts", &k.PublicKey, parts[0] + "." + parts[1]},
		{"short signature", &k.PublicKey, parts[0] + "." + parts[1] + ".AAAA"},
		{"bad base64", &k.PublicKey, "!!." + parts[1] + "." + parts[2]},
		{"no key", nil, jws},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := VerifyJWS(tt.key, tt.jws); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func FuzzVerifyJWS(f *testing.F) {
	k, _ := Generate()
	jws, _ := SignJWS(k, []byte("seed"))
	f.Add(jws)
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		payload, err := VerifyJWS(&k.PublicKey, s)
		if err == nil && s != jws && string(payload) != "seed" {
			t.Fatalf("forged JWS accepted: %q", s)
		}
	})
}

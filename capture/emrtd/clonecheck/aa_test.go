package clonecheck

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

var mrzKey = emrtd.MRZKey{DocumentNumber: "L898902C", DateOfBirth: "690806", DateOfExpiry: "940623"}

// ecdsa-plain-SHA256 (BSI TR-03111), as DG14 announces it.
var plainSHA256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}

// bacSession opens a virtual chip configured by cfg (its MRZ key and
// EF.COM are filled in) with BAC.
func bacSession(t *testing.T, cfg vchip.Config) (*vchip.Card, *emrtd.Session) {
	t.Helper()
	cfg.MRZ, cfg.Files = mrzKey, map[uint16][]byte{emrtd.FIDCOM: {0x60, 0x02, 0x5F, 0x01}}
	card, err := vchip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := emrtd.SelectApplication(context.Background(), card); err != nil {
		t.Fatal(err)
	}
	s, err := emrtd.BAC(context.Background(), card, mrzKey, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return card, s
}

func session(t *testing.T, key crypto.Signer, h crypto.Hash) *emrtd.Session {
	t.Helper()
	_, s := bacSession(t, vchip.Config{ActiveAuthenticationKey: key, ActiveAuthenticationHash: h})
	return s
}

func spki(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestActiveAuthentication(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tests := []struct {
		name    string
		chipKey crypto.Signer
		dg15    crypto.PublicKey
		alg     asn1.ObjectIdentifier
		wantErr error
	}{
		{"RSA ISO 9796-2", rsaKey, &rsaKey.PublicKey, nil, nil},
		{"ECDSA", ecKey, &ecKey.PublicKey, plainSHA256, nil},
		{"RSA clone", otherRSA, &rsaKey.PublicKey, nil, ErrActiveAuthentication},
		{"ECDSA clone", otherEC, &ecKey.PublicKey, plainSHA256, ErrActiveAuthentication},
		{"chip without AA", nil, &rsaKey.PublicKey, nil, emrtd.ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session(t, tt.chipKey, crypto.SHA256)
			err := ActiveAuthenticate(context.Background(), s, spki(t, tt.dg15), tt.alg, rand.Reader)
			if (tt.wantErr == nil && err != nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if err := ActiveAuthenticate(context.Background(), session(t, ecKey, crypto.SHA256), spki(t, &ecKey.PublicKey), nil, rand.Reader); err == nil {
		t.Fatal("ECDSA without DG14's algorithm accepted")
	}
	if err := ActiveAuthenticate(context.Background(), session(t, ecKey, crypto.SHA256), []byte{0x30, 0x00}, plainSHA256, rand.Reader); err == nil {
		t.Fatal("a malformed DG15 accepted")
	}
}

func TestISO9796Rejects(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	pub, err := passivePub(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	challenge := []byte("12345678")
	tests := []struct {
		name string
		sig  []byte
	}{
		{"empty", nil},
		{"too long", make([]byte, 200)},
		{"not below modulus", k.N.Bytes()},
		{"garbage", []byte{1, 2, 3}},
	}
	for _, tt := range tests {
		if err := verifyISO9796(pub, challenge, tt.sig); !errors.Is(err, ErrActiveAuthentication) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func FuzzVerifyISO9796(f *testing.F) {
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	pub, _ := passivePub(&k.PublicKey)
	f.Add([]byte{0x6A, 0xBC})
	f.Fuzz(func(t *testing.T, sig []byte) {
		if verifyISO9796(pub, []byte("12345678"), sig) == nil {
			t.Fatal("forged signature accepted")
		}
	})
}

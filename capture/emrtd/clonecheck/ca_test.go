package clonecheck

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

// ecSPKI and dhSPKI are the virtual chip's key encodings, for DG14.
func ecSPKI(t *testing.T, curveOID asn1.ObjectIdentifier, point []byte) []byte {
	t.Helper()
	b, err := vchip.ECPublicKeyInfo(curveOID, point)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dhSPKI(t *testing.T, g *emrtd.DHGroup, pub []byte) []byte {
	t.Helper()
	b, err := vchip.DHPublicKeyInfo(g, pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func caProtocol(last int) asn1.ObjectIdentifier {
	return append(append(asn1.ObjectIdentifier{}, caPrefixECDH...), last)
}

func TestChipAuthentication(t *testing.T) {
	curves := []struct {
		name string
		id   int
		oid  asn1.ObjectIdentifier
	}{
		{"brainpoolP256r1", emrtd.ParamBrainpoolP256r1, asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}},
		{"P-256", emrtd.ParamNISTP256, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}},
	}
	for _, cv := range curves {
		for _, last := range []int{1, 2, 4} {
			curve, err := emrtd.CurveByID(cv.id)
			if err != nil {
				t.Fatal(err)
			}
			chipKey, _ := curve.RandomScalar(rand.Reader)
			chipPub, _ := curve.PublicKey(chipKey, nil)
			cloneKey, _ := curve.RandomScalar(rand.Reader)
			proto := caProtocol(last)
			for _, clone := range []bool{false, true} {
				name := cv.name + "/" + proto.String()
				if clone {
					name += "/clone"
				}
				t.Run(name, func(t *testing.T) {
					private := chipKey
					if clone {
						private = cloneKey // a copied chip without the static private key
					}
					ctx := context.Background()
					card, s := bacSession(t, vchip.Config{ChipAuthentication: &vchip.ChipAuthentication{Protocol: proto, Group: curve, Private: private}})
					ns, err := ChipAuthenticate(ctx, card, s, ChipAuthentication{Protocol: proto, KeyID: -1,
						PublicKey: ecSPKI(t, cv.oid, chipPub)}, rand.Reader)
					if err != nil {
						t.Fatal(err)
					}
					_, err = emrtd.ReadFile(ctx, ns, emrtd.FIDCOM)
					if clone {
						if err == nil {
							t.Fatal("a chip without the static key passed Chip Authentication")
						}
						return
					}
					if err != nil {
						t.Fatalf("reading after Chip Authentication: %v", err)
					}
				})
			}
		}
	}
}

func TestChipAuthenticationRejects(t *testing.T) {
	tests := []struct {
		name string
		ca   ChipAuthentication
	}{
		{"not a CA protocol", ChipAuthentication{Protocol: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}}},
		{"unknown cipher", ChipAuthentication{Protocol: caProtocol(9)}},
		{"bad key", ChipAuthentication{Protocol: caProtocol(2), PublicKey: []byte{0x30, 0x01, 0x00}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ChipAuthenticate(context.Background(), nil, nil, tt.ca, rand.Reader); !errors.Is(err, ErrChipAuthentication) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestChipAuthenticationDH(t *testing.T) {
	grp, err := emrtd.GroupByID(emrtd.ParamDH2048224)
	if err != nil {
		t.Fatal(err)
	}
	g := grp.(*emrtd.DHGroup)
	chipKey, _ := g.RandomScalar(rand.Reader)
	chipPub, _ := g.PublicKey(chipKey, nil)
	for _, last := range []int{1, 2} {
		proto := append(append(asn1.ObjectIdentifier{}, caPrefixDH...), last)
		for _, clone := range []bool{false, true} {
			private := chipKey
			if clone {
				private, _ = g.RandomScalar(rand.Reader)
			}
			ctx := context.Background()
			card, s := bacSession(t, vchip.Config{ChipAuthentication: &vchip.ChipAuthentication{Protocol: proto, Group: g, Private: private}})
			ns, err := ChipAuthenticate(ctx, card, s, ChipAuthentication{Protocol: proto, KeyID: -1, PublicKey: dhSPKI(t, g, chipPub)}, rand.Reader)
			if err != nil {
				t.Fatalf("%v clone=%v: %v", proto, clone, err)
			}
			_, err = emrtd.ReadFile(ctx, ns, emrtd.FIDCOM)
			if (err == nil) == clone {
				t.Fatalf("%v clone=%v: read after CA: %v", proto, clone, err)
			}
		}
	}
	// An EC key for a DH protocol is refused before anything is sent.
	curve, _ := emrtd.CurveByID(emrtd.ParamNISTP256)
	k, _ := curve.RandomScalar(rand.Reader)
	p, _ := curve.PublicKey(k, nil)
	_, err = ChipAuthenticate(context.Background(), nil, nil, ChipAuthentication{Protocol: append(append(asn1.ObjectIdentifier{}, caPrefixDH...), 2), KeyID: -1,
		PublicKey: ecSPKI(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, p)}, rand.Reader)
	if !errors.Is(err, ErrChipAuthentication) {
		t.Fatalf("EC key for id-CA-DH: %v", err)
	}
}

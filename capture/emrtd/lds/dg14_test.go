package lds

import (
	"bytes"
	"encoding/asn1"
	"testing"

	"github.com/capturestation/station/internal/tlv"
)

func ecdsaWithSHA256() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2} }

func aaInfo() SecurityInfo {
	return SecurityInfo{Protocol: OIDActiveAuthentication(),
		ActiveAuthentication: &ActiveAuthenticationInfo{Version: 1, SignatureAlgorithm: ecdsaWithSHA256()}}
}

// dg14Literal is an EF.DG14 written by hand: ChipAuthenticationInfo
// id-CA-ECDH-AES-CBC-CMAC-128 version 1, ActiveAuthenticationInfo with
// ecdsa-with-SHA256, and a PACEInfo (id-PACE-ECDH-GM-AES-CBC-CMAC-128,
// parameters 13) from ICAO 9303-11 Appendix G, which DG14 keeps raw.
const dg14Literal = "6E3E 313C" +
	"300F 060A04007F00070202030202 020101" +
	"3015 0606678108010105 020101 06082A8648CE3D040302" +
	"3012 060A04007F00070202040202 020102 02010D"

func TestParseDG14(t *testing.T) {
	t.Run("literal", func(t *testing.T) {
		d, err := ParseDG14(unhex(t, dg14Literal))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Infos) != 3 {
			t.Fatalf("%d infos", len(d.Infos))
		}
		ca := d.Infos[0]
		if ca.Protocol.String() != "0.4.0.127.0.7.2.2.3.2.2" || ca.ChipAuthentication == nil ||
			*ca.ChipAuthentication != (ChipAuthenticationInfo{Version: 1}) || ca.OptionalData != nil {
			t.Fatalf("CA info %+v", ca)
		}
		aa := d.ActiveAuthentication()
		if aa == nil || aa.Version != 1 || !aa.SignatureAlgorithm.Equal(ecdsaWithSHA256()) {
			t.Fatalf("AA info %+v", aa)
		}
		pace := d.Infos[2]
		if pace.Protocol.String() != "0.4.0.127.0.7.2.2.4.2.2" || pace.ChipAuthentication != nil ||
			pace.ChipAuthenticationPublicKey != nil || pace.ActiveAuthentication != nil ||
			!bytes.Equal(pace.Raw, unhex(t, "3012 060A04007F00070202040202 020102 02010D")) ||
			!bytes.Equal(pace.RequiredData, []byte{2, 1, 2}) || !bytes.Equal(pace.OptionalData, []byte{2, 1, 13}) {
			t.Fatalf("PACE info %+v", pace)
		}
		if len(d.ChipAuthentication()) != 1 || len(d.ChipAuthenticationPublicKeys()) != 0 {
			t.Fatal("filters")
		}
	})

	t.Run("built", func(t *testing.T) {
		p256, p256Key := p256SPKI(t)
		dhAlg := asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
		dhParams, _ := asn1.Marshal(struct{ P, G, Q int }{23, 5, 11})
		dhKey, _ := asn1.Marshal(7)
		dh := spki(t, dhAlg, dhParams, asn1.BitString{Bytes: dhKey, BitLength: 8 * len(dhKey)})
		ta := SecurityInfo{Protocol: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}, RequiredData: []byte{2, 1, 1}}
		caDomain := SecurityInfo{Protocol: append(OIDChipAuthentication(), 2), RequiredData: unhex(t, "3009 0607 2A8648CE3D0201")}
		infos := []SecurityInfo{
			{Protocol: append(OIDChipAuthentication(), 2, 4), ChipAuthentication: &ChipAuthenticationInfo{Version: 1, KeyID: 0x01020304, HasKeyID: true}},
			{Protocol: append(OIDChipAuthenticationPublicKey(), 2), ChipAuthenticationPublicKey: &ChipAuthenticationPublicKeyInfo{
				PublicKey: PublicKeyInfo{Raw: p256}, KeyID: 0x01020304, HasKeyID: true}},
			{Protocol: append(OIDChipAuthenticationPublicKey(), 2), ChipAuthenticationPublicKey: &ChipAuthenticationPublicKeyInfo{
				PublicKey: PublicKeyInfo{Raw: unhex(t, brainpoolExplicitSPKI)}}},
			{Protocol: append(OIDChipAuthenticationPublicKey(), 1), ChipAuthenticationPublicKey: &ChipAuthenticationPublicKeyInfo{
				PublicKey: PublicKeyInfo{Raw: dh}}},
			{Protocol: append(OIDChipAuthentication(), 1, 1), ChipAuthentication: &ChipAuthenticationInfo{Version: 1}},
			aaInfo(),
			ta,
			caDomain,
		}
		b := BuildDG14(infos...)
		d, err := ParseDG14(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Infos) != len(infos) {
			t.Fatalf("%d infos, want %d", len(d.Infos), len(infos))
		}
		for i, got := range d.Infos {
			want := infos[i]
			if !got.Protocol.Equal(want.Protocol) {
				t.Errorf("info %d protocol %v, want %v", i, got.Protocol, want.Protocol)
			}
			switch {
			case want.ChipAuthentication != nil:
				if got.ChipAuthentication == nil || *got.ChipAuthentication != *want.ChipAuthentication {
					t.Errorf("info %d: CA %+v", i, got.ChipAuthentication)
				}
			case want.ChipAuthenticationPublicKey != nil:
				g, w := got.ChipAuthenticationPublicKey, want.ChipAuthenticationPublicKey
				if g == nil || !bytes.Equal(g.PublicKey.Raw, w.PublicKey.Raw) || g.KeyID != w.KeyID || g.HasKeyID != w.HasKeyID {
					t.Errorf("info %d: CA public key %+v", i, g)
				}
			case want.ActiveAuthentication != nil:
				if got.ActiveAuthentication == nil || !got.ActiveAuthentication.SignatureAlgorithm.Equal(want.ActiveAuthentication.SignatureAlgorithm) {
					t.Errorf("info %d: AA %+v", i, got.ActiveAuthentication)
				}
			default:
				if got.ChipAuthentication != nil || got.ChipAuthenticationPublicKey != nil || got.ActiveAuthentication != nil ||
					!bytes.Equal(got.RequiredData, want.RequiredData) || got.OptionalData != nil {
					t.Errorf("info %d: raw entry %+v", i, got)
				}
			}
		}
		if k := d.Infos[1].ChipAuthenticationPublicKey.PublicKey; !p256Key.Equal(k.Key) || k.CurveName() != "P-256" {
			t.Errorf("P-256 CA key not recovered")
		}
		if k := d.Infos[2].ChipAuthenticationPublicKey.PublicKey; k.Key != nil || k.Parameters == nil {
			t.Errorf("explicit brainpool CA key: %T", k.Key)
		}
		if k := d.Infos[3].ChipAuthenticationPublicKey.PublicKey; k.Key != nil || !bytes.Equal(k.PublicKey, dhKey) || !k.Algorithm.Equal(dhAlg) {
			t.Errorf("DH CA key: %T %x", k.Key, k.PublicKey)
		}
		if len(d.ChipAuthentication()) != 2 || len(d.ChipAuthenticationPublicKeys()) != 3 || d.ActiveAuthentication() == nil {
			t.Errorf("filters")
		}
		// Building from the parsed entries gives the same file.
		if again := BuildDG14(d.Infos...); !bytes.Equal(again, b) {
			t.Errorf("rebuilt DG14 differs")
		}
	})
}

func TestParseDG14Malformed(t *testing.T) {
	oid := func(o asn1.ObjectIdentifier) []byte { b, _ := asn1.Marshal(o); return b }
	dg14 := func(entries ...[]byte) []byte {
		return tlv.EncodeConstructed(0x6E, tlv.EncodeConstructed(0x31, entries...))
	}
	seq := func(parts ...[]byte) []byte { return tlv.EncodeConstructed(0x30, parts...) }
	caOID := oid(append(OIDChipAuthentication(), 2, 2))
	pkOID := oid(append(OIDChipAuthenticationPublicKey(), 2))
	aaOID := oid(OIDActiveAuthentication())
	one := unhex(t, "020101")
	many := make([][]byte, MaxSecurityInfos+1)
	for i := range many {
		many[i] = seq(caOID, one)
	}
	tests := []struct {
		name string
		in   []byte
		elem string
	}{
		{"wrong outer tag", tlv.EncodeConstructed(0x6F, tlv.EncodeConstructed(0x31)), ""},
		{"truncated", unhex(t, dg14Literal)[:30], "6E"},
		{"file length past the end", unhex(t, "6E05 3102 3000"), "6E"},
		{"SET length past the end", unhex(t, "6E04 3110 3000"), "6E/31"},
		{"empty DG14", tlv.EncodeConstructed(0x6E), "6E/31"},
		{"not a SET", tlv.EncodeConstructed(0x6E, seq(caOID, one)), "6E"},
		{"bytes after the SET", cat(unhex(t, "6E04 3100 0500")), "6E"},
		{"empty SET", dg14(), "6E/31"},
		{"entry truncated inside", tlv.EncodeConstructed(0x6E, tlv.Encode(0x31, unhex(t, "3005 0603"))), "6E/31"},
		{"entry not a SEQUENCE", dg14(tlv.Encode(0x04, one)), "6E/31/30[1]"},
		{"entry with one element", dg14(seq(caOID)), "6E/31/30[1]"},
		{"entry with four elements", dg14(seq(caOID, one, one, one)), "6E/31/30[1]"},
		{"protocol not an OID", dg14(seq(one, one)), "6E/31/30[1]/02"},
		{"protocol OID broken", dg14(seq(unhex(t, "060180"), one)), "6E/31/30[1]/06"},
		{"second entry broken", dg14(seq(caOID, one), seq(caOID)), "6E/31/30[2]"},
		{"CA version not INTEGER", dg14(seq(caOID, unhex(t, "0401 01"))), "6E/31/30[1]: version"},
		{"CA version negative", dg14(seq(caOID, unhex(t, "0201 FF"))), "6E/31/30[1]: version"},
		{"CA version empty", dg14(seq(caOID, unhex(t, "0200"))), "6E/31/30[1]: version"},
		{"CA keyId too large", dg14(seq(caOID, one, unhex(t, "0209 010000000000000000"))), "6E/31/30[1]: keyId"},
		{"CA public key not a SEQUENCE", dg14(seq(pkOID, one)), "6E/31/30[1]: chipAuthenticationPublicKey"},
		{"CA public key broken", dg14(seq(pkOID, unhex(t, "3003 020100"))), "6E/31/30[1]: chipAuthenticationPublicKey"},
		{"CA public key keyId not INTEGER", dg14(seq(pkOID, unhex(t, brainpoolNamedSPKI), unhex(t, "0500"))), "6E/31/30[1]: keyId"},
		{"AA algorithm missing", dg14(seq(aaOID, one)), "6E/31/30[1]: signatureAlgorithm"},
		{"AA algorithm not an OID", dg14(seq(aaOID, one, one)), "6E/31/30[1]: signatureAlgorithm"},
		{"AA algorithm OID broken", dg14(seq(aaOID, one, unhex(t, "0600"))), "6E/31/30[1]: signatureAlgorithm"},
		{"too many entries", dg14(many...), "6E/31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG14(tt.in)
			if d != nil {
				t.Fatalf("got a DG14 with %v", err)
			}
			checkErr(t, err, ErrMalformed, "EF.DG14", tt.elem)
		})
	}
}

package emrtd_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

// Values of the ICAO 9303-11 Appendix I worked example (PACE with Chip
// Authentication Mapping, ECDH, brainpoolP256r1, AES-128, MRZ password).
const (
	iCardAccess = "31143012060A04007F0007020204060202010202010D"
	iK          = "894D03F148C6265E89845B218856EA34D00EF8E8"
	iKpi        = "4E6F6FBF7BE748B932C7B74161BBA9DF"
	iNonce      = "658B860BC94DF6F044FCE6D5C82CF8E5"
	iNonceEnc   = "CB60E8E0D85B76A9BD304747C2AD42E2"
	iSKMapIFD   = "5D8BB87BD74D985A4B7D4325B9F7B976FE835122773400798914AA22738135CC"
	iPKMapIFD   = "047F1D410ADB7DDB3B84BF1030800981A9105D7457B4A3ADE002384F3086C67EDE1AB889104A27DB6D842B019020FBF3CEACB0DC627F7BDCAC29969E19D0E553C1"
	iSKMapIC    = "9E56A6B59C95D06ECE5CD10F983BB2F4F1943528E577F23881D89D8C3BBEE0AA"
	iPKMapIC    = "04A234236AA9B9621E8EFB73B5245C0E09D2576E5277183C1208BDD55280CAE8B304F365713A356E65A451E165ECC9AC0AC46E3771342C8FE5AEDD092685338E23"
	iH          = "042C1DCC1773346492C6636A36EE4B965E292E9AAE7EE37736EF58B9D0A043F348403A8CF33CA7DC0D9DF61D0889CE24424FF97C1AAD48A5CA2A554B071EF7638D"
	iGHat       = "0489F0B5EABF3BE293C75903A3986131925C9F5B515CA95AF485DC7E886F03245D44BEFB2DD3A0DBD71CB5E618971CF4747F12B79E548379A40E45963BAAF3E829"
	iSKIFD      = "76ECFDAA9841C323A3F5FC5E88B88DB3EFF7E35EBF57A7E6946CB630006C2120"
	iPKIFD      = "04446C934084D9DAB863944F219520076C29EE3F7AE6722B11FF319EC1C7728F955483400BFF60BF0C5929270009277DC2A515E12575010AD9BA916CF1BF86FEFC"
	iSKIC       = "CD626EF3C256E235FE8912CAC28279E626008EDA6B3A05C4CF862A3BDAB79E78"
	iPKIC       = "0402AD566F3C6EC7F9324509AD50A51FA52030782A4968FCFEDF737DAEA993333111C3B9B4C2287789BD137E7F8AA882E2A3C633CCD6ECC2C63C57AD401A09C2E1"
	iShared     = "67950559D0C06B4D4B86972D14460837461087F8419FDBC36AAF6CEAAC462832"
	iKSEnc      = "0A9DA4DB03BDDE39FC5202BC44B2E89E"
	iKSMAC      = "4B1C06491ED5140CA2B537D344C6C0B1"
	iTIFD       = "E86BD06018A1CD3B"
	iTIC        = "8596CF055C67C1A3"
	iAIC        = "1EEA964DAAE372AC990E3EFDE6333353BFC89A6704D93DA8798CF77F5B7A54BD10CBA372B42BE0B9B5F28AA8DE2F4F92"
	iCAIC       = "85DC3FA93D0952BFA82F5FD189EE75BD82F11D1F0B8ED4BF5319AC9B53C426B3"
	iStaticPK   = "041872709494399E7470A6431BE25E83EEE24FEA568C2ED28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F"
)

var appendixIKey = emrtd.MRZKey{DocumentNumber: "C11T002JM", DateOfBirth: "960812", DateOfExpiry: "231031"}

// appendixIStaticKey recovers the chip's static private key, which the
// example does not print, from SK_Map,IC and CA_IC: SK_IC = SK_Map,IC ·
// CA_IC⁻¹ mod n. The caller checks it against the printed public key.
func appendixIStaticKey(t testing.TB, c *emrtd.Curve) []byte {
	t.Helper()
	ca := new(big.Int).SetBytes(unhex(t, iCAIC))
	sk := new(big.Int).ModInverse(ca, c.N)
	sk.Mul(sk, new(big.Int).SetBytes(unhex(t, iSKMapIC))).Mod(sk, c.N)
	return sk.FillBytes(make([]byte, 32))
}

func TestAppendixIComputations(t *testing.T) {
	pw, err := appendixIKey.PACEPassword()
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "K", pw.Secret, iK)
	eqHex(t, "K_pi", emrtd.PACEPasswordKey(pw, emrtd.AES128), iKpi)
	c, _ := emrtd.CurveByID(emrtd.ParamBrainpoolP256r1)
	h, err := c.Agree(unhex(t, iSKMapIFD), unhex(t, iPKMapIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H", h, iH)
	gen, err := c.MapGeneric(unhex(t, iNonce), h)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "G~", gen, iGHat)
	k, _ := c.Agree(unhex(t, iSKIC), unhex(t, iPKIFD))
	eqHex(t, "K", c.SharedSecret(k), iShared)
	ksEnc, ksMAC := emrtd.PACESessionKeys(c.SharedSecret(k), emrtd.AES128)
	eqHex(t, "KS_enc", ksEnc, iKSEnc)
	eqHex(t, "KS_mac", ksMAC, iKSMAC)

	ca, err := emrtd.DecryptChipAuthenticationData(ksEnc, unhex(t, iAIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "CA_IC", ca, iCAIC)
	// The IV is E(KS_enc, -1), printed in the example.
	iv, _ := emrtd.EncryptCBC(emrtd.AES128, ksEnc, nil, bytes.Repeat([]byte{0xFF}, 16))
	eqHex(t, "IV", iv, "F6A3B75A1E933941DD7A13E2520779DF")

	static := appendixIStaticKey(t, c)
	pub, _ := c.PublicKey(static, nil)
	eqHex(t, "static public key", pub, iStaticPK)
	ca2, err := emrtd.ChipAuthenticationData(c, static, unhex(t, iSKMapIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "CA_IC from the chip keys", ca2, iCAIC)
	a, err := emrtd.EncryptChipAuthenticationData(ksEnc, ca2)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "A_IC", a, iAIC)
}

// TestAppendixIWorkedExample runs PACE-CAM between the terminal and the test
// chip with the keys of Appendix I, checks every APDU, and verifies the chip
// against its static public key.
func TestAppendixIWorkedExample(t *testing.T) {
	ctx := context.Background()
	ca, err := emrtd.ParseCardAccess(unhex(t, iCardAccess))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ca.ChoosePACE()
	if err != nil || info.Mapping != emrtd.MappingChipAuthentication {
		t.Fatalf("PACEInfo %+v, %v", info, err)
	}
	c, _ := emrtd.CurveByID(emrtd.ParamBrainpoolP256r1)
	card, err := vchip.New(vchip.Config{
		MRZ:                   appendixIKey,
		PACE:                  []emrtd.PACEInfo{info},
		ChipAuthenticationKey: appendixIStaticKey(t, c),
		Files:                 map[uint16][]byte{emrtd.FIDCOM: unhex(t, appendixDCOM)},
		// The example's SK_IC exceeds n; the chip draws keys below n, so it
		// is given the same key reduced mod n.
		Rand: bytes.NewReader(append(unhex(t, iNonce+iSKMapIC),
			new(big.Int).Mod(new(big.Int).SetBytes(unhex(t, iSKIC)), c.N).FillBytes(make([]byte, 32))...)),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: card}
	pw, _ := appendixIKey.PACEPassword()
	sess, err := emrtd.PACE(ctx, rec, pw, info, emrtd.PACEOptions{
		Rand: bytes.NewReader(unhex(t, iSKMapIFD+iSKIFD)), OmitParameterID: true,
	})
	if err != nil {
		t.Fatalf("PACE-CAM: %v", err)
	}
	rec.check(t, []exchange{
		{"0022C1A40F800A04007F00070202040602830101", "9000"},
		{"10860000027C0000", "7C128010" + iNonceEnc + "9000"},
		{"10860000457C438141" + iPKMapIFD + "00", "7C438241" + iPKMapIC + "9000"},
		{"10860000457C438341" + iPKIFD + "00", "7C438441" + iPKIC + "9000"},
		{"008600000C7C0A8508" + iTIFD + "00", "7C3C8608" + iTIC + "8A30" + iAIC + "9000"},
	})
	cam := sess.CAM()
	if cam == nil {
		t.Fatal("no CAM data after PACE-CAM")
	}
	eqHex(t, "CA_IC", cam.ChipAuthenticationData, iCAIC)
	if err := cam.Verify(unhex(t, iStaticPK)); err != nil {
		t.Fatalf("Verify with the chip's key: %v", err)
	}
	other, _ := c.PublicKey([]byte{7}, nil)
	if err := cam.Verify(other); !errors.Is(err, emrtd.ErrCAM) {
		t.Fatalf("Verify with another key: %v, want ErrCAM", err)
	}
	if err := emrtd.SelectApplication(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if _, err := emrtd.ReadFile(ctx, sess, emrtd.FIDCOM); err != nil {
		t.Fatal(err)
	}
}

func TestCAMRejectsBadData(t *testing.T) {
	ksEnc := unhex(t, iKSEnc)
	for _, bad := range []string{"", "00", iAIC[:30]} {
		if _, err := emrtd.DecryptChipAuthenticationData(ksEnc, unhex(t, bad)); !errors.Is(err, emrtd.ErrCAM) && !errors.Is(err, emrtd.ErrCrypto) {
			t.Errorf("DecryptChipAuthenticationData(%s) = %v", bad, err)
		}
	}
	// A chip that omits DO'8A' fails PACE-CAM.
	ca, _ := emrtd.ParseCardAccess(unhex(t, iCardAccess))
	info, _ := ca.ChoosePACE()
	pw, _ := appendixIKey.PACEPassword()
	script := [][]byte{unhex(t, "9000"), unhex(t, "7C128010"+iNonceEnc+"9000"),
		unhex(t, "7C438241"+iPKMapIC+"9000"), unhex(t, "7C438441"+iPKIC+"9000"),
		unhex(t, "7C0A8608"+iTIC+"9000")}
	_, err := emrtd.PACE(context.Background(), &scriptedChip{script}, pw, info,
		emrtd.PACEOptions{Rand: bytes.NewReader(unhex(t, iSKMapIFD+iSKIFD)), OmitParameterID: true})
	if !errors.Is(err, emrtd.ErrCAM) {
		t.Fatalf("PACE-CAM without DO'8A': %v, want ErrCAM", err)
	}
}

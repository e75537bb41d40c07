package emrtd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/internal/vchip"
)

// Values of the ICAO 9303-11 Appendix G.1 worked example (PACE, ECDH Generic
// Mapping, brainpoolP256r1, AES-128, MRZ password).
const (
	g1CardAccess = "31143012060A04007F0007020204020202010202010D"
	g1Nonce      = "3F00C4D39D153F2B2A214A078D899B22"
	g1NonceEnc   = "95A3A016522EE98D01E76CB6B98B42C3"
	g1SKMapIFD   = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"
	g1PKMapIFD   = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
	g1SKMapIC    = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560"
	g1PKMapIC    = "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
	g1H          = "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181"
	g1GHat       = "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
	g1SKIFD      = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"
	g1PKIFD      = "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"
	g1SKIC       = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A"
	g1PKIC       = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
	g1Shared     = "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925"
	g1KSEnc      = "F5F0E35C0D7161EE6724EE513A0D9A7F"
	g1KSMAC      = "FE251C7858B356B24514B3BD5F4297D1"
	g1TIFD       = "C2B0BD78D94BA866"
	g1TIC        = "3ABB9674BCE93C08"
)

var appendixGKey = emrtd.MRZKey{DocumentNumber: "T22000129", DateOfBirth: "640812", DateOfExpiry: "101031"}

func g1Info(t testing.TB) emrtd.PACEInfo {
	t.Helper()
	ca, err := emrtd.ParseCardAccess(unhex(t, g1CardAccess))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ca.ChoosePACE()
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestAppendixG1Computations(t *testing.T) {
	info := g1Info(t)
	if info.Agreement != emrtd.AgreementECDH || info.Mapping != emrtd.MappingGeneric ||
		info.Cipher != emrtd.AES128 || info.ParameterID != emrtd.ParamBrainpoolP256r1 || info.Version != 2 {
		t.Fatalf("PACEInfo = %+v", info)
	}
	pw, err := appendixGKey.PACEPassword()
	if err != nil {
		t.Fatal(err)
	}
	s, err := emrtd.DecryptCBC(emrtd.AES128, emrtd.PACEPasswordKey(pw, emrtd.AES128), nil, unhex(t, g1NonceEnc))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "nonce s", s, g1Nonce)

	c, _ := emrtd.CurveByID(emrtd.ParamBrainpoolP256r1)
	eqHex(t, "PK_map,IFD", c.Marshal(c.ScalarBaseMult(unhex(t, g1SKMapIFD))), g1PKMapIFD)
	eqHex(t, "PK_map,IC", c.Marshal(c.ScalarBaseMult(unhex(t, g1SKMapIC))), g1PKMapIC)
	mx, my, err := c.Unmarshal(unhex(t, g1PKMapIC))
	if err != nil {
		t.Fatal(err)
	}
	hx, hy := c.ScalarMult(mx, my, unhex(t, g1SKMapIFD))
	eqHex(t, "H", c.Marshal(hx, hy), g1H)
	gx, gy, err := emrtd.MapGeneric(c, s, hx, hy)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "G~", c.Marshal(gx, gy), g1GHat)
	eqHex(t, "PK_IFD", c.Marshal(c.ScalarMult(gx, gy, unhex(t, g1SKIFD))), g1PKIFD)
	eqHex(t, "PK_IC", c.Marshal(c.ScalarMult(gx, gy, unhex(t, g1SKIC))), g1PKIC)
	px, py, _ := c.Unmarshal(unhex(t, g1PKIC))
	kx, _ := c.ScalarMult(px, py, unhex(t, g1SKIFD))
	shared := kx.FillBytes(make([]byte, 32))
	eqHex(t, "K", shared, g1Shared)
	ksEnc, ksMAC := emrtd.PACESessionKeys(shared, emrtd.AES128)
	eqHex(t, "KS_enc", ksEnc, g1KSEnc)
	eqHex(t, "KS_mac", ksMAC, g1KSMAC)
	tIFD, err := emrtd.PACEToken(emrtd.AES128, ksMAC, info.Protocol, unhex(t, g1PKIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "T_IFD", tIFD, g1TIFD)
	tIC, _ := emrtd.PACEToken(emrtd.AES128, ksMAC, info.Protocol, unhex(t, g1PKIFD))
	eqHex(t, "T_IC", tIC, g1TIC)
}

func g1Chip(t testing.TB) *vchip.Card {
	t.Helper()
	card, err := vchip.New(vchip.Config{
		MRZ:   appendixGKey,
		PACE:  []emrtd.PACEInfo{g1Info(t)},
		Files: map[uint16][]byte{emrtd.FIDCOM: unhex(t, appendixDCOM)},
		Rand:  bytes.NewReader(unhex(t, g1Nonce+g1SKMapIC+g1SKIC)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return card
}

// TestAppendixG1WorkedExample runs PACE between the terminal code and the
// test chip with the ephemeral keys of ICAO 9303-11 Appendix G.1 and checks
// every APDU against the published values.
func TestAppendixG1WorkedExample(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(fmt.Sprintf("omitParameterID=%v", omit), func(t *testing.T) {
			ctx := context.Background()
			rec := &recorder{next: g1Chip(t)}
			pw, _ := appendixGKey.PACEPassword()
			sess, err := emrtd.PACE(ctx, rec, pw, g1Info(t), emrtd.PACEOptions{
				Rand:            bytes.NewReader(unhex(t, g1SKMapIFD+g1SKIFD)),
				OmitParameterID: omit,
			})
			if err != nil {
				t.Fatalf("PACE: %v", err)
			}
			if sess.Cipher() != emrtd.AES128 {
				t.Fatalf("session cipher %v", sess.Cipher())
			}
			mse := "0022C1A412 800A04007F00070202040202 830101 84010D"
			if omit {
				mse = "0022C1A40F 800A04007F00070202040202 830101"
			}
			rec.check(t, []exchange{
				{mse, "9000"},
				{"10860000027C0000", "7C128010" + g1NonceEnc + "9000"},
				{"10860000457C438141" + g1PKMapIFD + "00", "7C438241" + g1PKMapIC + "9000"},
				{"10860000457C438341" + g1PKIFD + "00", "7C438441" + g1PKIC + "9000"},
				{"008600000C7C0A8508" + g1TIFD + "00", "7C0A8608" + g1TIC + "9000"},
			})
			// The first protected command uses SSC 1 with AES (IV = E(KS_enc, SSC)).
			// These bytes are not part of Appendix G.1; they follow from its
			// session keys and agree with an independent implementation.
			rec.log = nil
			if err := emrtd.SelectApplication(ctx, sess); err != nil {
				t.Fatal(err)
			}
			rec.check(t, []exchange{{
				"0CA4040C1D 871101752F676B09FAC86A87D632749A49C7CC 8E08C18BA1FCE707BD9F 00",
				"99029000 8E08BEA7B381C494A079 9000",
			}})
			com, err := emrtd.ReadFile(ctx, sess, emrtd.FIDCOM)
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "EF.COM over PACE", com, appendixDCOM)
		})
	}
}

func TestPACEAllCurvesAndCiphers(t *testing.T) {
	ciphers := []emrtd.Cipher{emrtd.TDES, emrtd.AES128, emrtd.AES192, emrtd.AES256}
	curves := []int{emrtd.ParamNISTP256, emrtd.ParamNISTP384, emrtd.ParamNISTP521,
		emrtd.ParamBrainpoolP256r1, emrtd.ParamBrainpoolP384r1, emrtd.ParamBrainpoolP512r1}
	for i, id := range curves {
		// Every curve once, every cipher at least once, keeping the test fast.
		c := ciphers[i%len(ciphers)]
		t.Run(fmt.Sprintf("param%d-%v", id, c), func(t *testing.T) {
			t.Parallel()
			oid, err := emrtd.PACEProtocol(emrtd.AgreementECDH, emrtd.MappingGeneric, c)
			if err != nil {
				t.Fatal(err)
			}
			info := emrtd.PACEInfo{Protocol: oid, Version: 2, ParameterID: id,
				Agreement: emrtd.AgreementECDH, Mapping: emrtd.MappingGeneric, Cipher: c}
			card, err := vchip.New(vchip.Config{MRZ: appendixGKey, CAN: "123456", PACE: []emrtd.PACEInfo{info},
				Files: map[uint16][]byte{emrtd.FIDCOM: unhex(t, appendixDCOM)}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// The terminal reads EF.CardAccess in the clear first.
			raw, err := emrtd.ReadFile(ctx, card, emrtd.FIDCardAccess)
			if err != nil {
				t.Fatal(err)
			}
			ca, err := emrtd.ParseCardAccess(raw)
			if err != nil {
				t.Fatal(err)
			}
			chosen, err := ca.ChoosePACE()
			if err != nil {
				t.Fatal(err)
			}
			pw, _ := emrtd.CANPassword("123456")
			sess, err := emrtd.PACE(ctx, card, pw, chosen, emrtd.PACEOptions{})
			if err != nil {
				t.Fatalf("PACE: %v", err)
			}
			if err := emrtd.SelectApplication(ctx, sess); err != nil {
				t.Fatal(err)
			}
			com, err := emrtd.ReadFile(ctx, sess, emrtd.FIDCOM)
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "EF.COM", com, appendixDCOM)
		})
	}
}

func TestPACEWrongPassword(t *testing.T) {
	ctx := context.Background()
	card := g1Chip(t)
	wrong, _ := emrtd.MRZKey{DocumentNumber: "T22000128", DateOfBirth: "640812", DateOfExpiry: "101031"}.PACEPassword()
	_, err := emrtd.PACE(ctx, card, wrong, g1Info(t), emrtd.PACEOptions{})
	if !errors.Is(err, emrtd.ErrAuthenticationFailed) {
		t.Fatalf("PACE with wrong password: %v, want ErrAuthenticationFailed", err)
	}
}

// scriptedChip answers with fixed responses in order.
type scriptedChip struct{ resp [][]byte }

func (s *scriptedChip) Transmit(context.Context, []byte) ([]byte, error) {
	if len(s.resp) == 0 {
		return nil, errors.New("script exhausted")
	}
	r := s.resp[0]
	s.resp = s.resp[1:]
	return r, nil
}

func TestPACERejectsBadChipAnswers(t *testing.T) {
	offCurve := unhex(t, g1PKMapIC)
	offCurve[64] ^= 1
	ok := unhex(t, "9000")
	tests := []struct {
		name string
		resp [][]byte
		want error
	}{
		{"nonce missing", [][]byte{ok, unhex(t, "7C009000")}, emrtd.ErrPACE},
		{"short nonce", [][]byte{ok, unhex(t, "7C0480020102"+"9000")}, emrtd.ErrPACE},
		{"mapping key off curve", [][]byte{ok, unhex(t, "7C128010"+g1NonceEnc+"9000"),
			append(append(unhex(t, "7C438241"), offCurve...), 0x90, 0)}, emrtd.ErrPACE},
		{"chip echoes terminal key", [][]byte{ok, unhex(t, "7C128010"+g1NonceEnc+"9000"),
			unhex(t, "7C438241"+g1PKMapIC+"9000"), unhex(t, "7C438441"+g1PKIFD+"9000")}, emrtd.ErrPACE},
		{"wrong chip token", [][]byte{ok, unhex(t, "7C128010"+g1NonceEnc+"9000"),
			unhex(t, "7C438241"+g1PKMapIC+"9000"), unhex(t, "7C438441"+g1PKIC+"9000"),
			unhex(t, "7C0A8608"+"3ABB9674BCE93C09"+"9000")}, emrtd.ErrPACE},
		{"MSE refused", [][]byte{unhex(t, "6A88")}, emrtd.ErrReferenceNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, _ := appendixGKey.PACEPassword()
			_, err := emrtd.PACE(context.Background(), &scriptedChip{tt.resp}, pw, g1Info(t),
				emrtd.PACEOptions{Rand: bytes.NewReader(unhex(t, g1SKMapIFD+g1SKIFD))})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCardAccessChoice(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // chosen OID, or "" for ErrNoSupportedPACE
		entries int
	}{
		{"G.1", g1CardAccess, "0.4.0.127.0.7.2.2.4.2.2", 1},
		// GM 3DES and GM AES-256 on brainpoolP256r1: AES-256 wins.
		{"prefers AES", "31283012060A04007F0007020204020102010202010D3012060A04007F0007020204020402010202010D", "0.4.0.127.0.7.2.2.4.2.4", 2},
		// DH-GM and ECDH-IM only: nothing supported.
		{"unsupported", "31283012060A04007F000702020401020201020201003012060A04007F0007020204040202010202010D", "", 2},
		// GM and CAM: GM chosen.
		{"GM over CAM", "31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D", "0.4.0.127.0.7.2.2.4.2.2", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca, err := emrtd.ParseCardAccess(unhex(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(ca.PACE) != tt.entries {
				t.Fatalf("%d PACEInfos, want %d", len(ca.PACE), tt.entries)
			}
			got, err := ca.ChoosePACE()
			if tt.want == "" {
				if !errors.Is(err, emrtd.ErrNoSupportedPACE) {
					t.Fatalf("err = %v, want ErrNoSupportedPACE", err)
				}
				return
			}
			if err != nil || got.Protocol.String() != tt.want {
				t.Fatalf("chose %v (%v), want %s", got.Protocol, err, tt.want)
			}
			// Re-encoding gives the same bytes.
			again, err := emrtd.EncodeCardAccess(ca.PACE...)
			if err != nil || !bytes.Equal(again, unhex(t, tt.in)) {
				t.Fatalf("re-encoded %X, %v", again, err)
			}
		})
	}
	for _, bad := range []string{"3003020101", "31053003020101", "3106300406020400", "", "310A3008060204003003020101"} {
		if _, err := emrtd.ParseCardAccess(unhex(t, bad)); !errors.Is(err, emrtd.ErrCardAccess) {
			t.Errorf("ParseCardAccess(%s) = %v, want ErrCardAccess", bad, err)
		}
	}
}

func TestRandomScalarRange(t *testing.T) {
	c, _ := emrtd.CurveByID(emrtd.ParamNISTP521)
	// An all-ones source is out of range after masking (≥ N) and must be
	// retried, then rejected when it never changes.
	if _, err := c.RandomScalar(bytes.NewReader(bytes.Repeat([]byte{0xFF}, 66*200))); err == nil {
		t.Fatal("accepted a scalar ≥ N")
	}
	k, err := c.RandomScalar(bytes.NewReader(append(bytes.Repeat([]byte{0xFF}, 66), bytes.Repeat([]byte{0x01}, 66)...)))
	if err != nil {
		t.Fatal(err)
	}
	if v := new(big.Int).SetBytes(k); v.Sign() <= 0 || v.Cmp(c.N) >= 0 {
		t.Fatal("scalar out of range")
	}
}

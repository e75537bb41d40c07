package emrtd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
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

	g, _ := emrtd.GroupByID(emrtd.ParamBrainpoolP256r1)
	pub := func(sk, gen string) []byte {
		var genB []byte
		if gen != "" {
			genB = unhex(t, gen)
		}
		p, err := g.PublicKey(unhex(t, sk), genB)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	eqHex(t, "PK_map,IFD", pub(g1SKMapIFD, ""), g1PKMapIFD)
	eqHex(t, "PK_map,IC", pub(g1SKMapIC, ""), g1PKMapIC)
	h, err := g.Agree(unhex(t, g1SKMapIFD), unhex(t, g1PKMapIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H", h, g1H)
	gen, err := g.MapGeneric(s, h)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "G~", gen, g1GHat)
	eqHex(t, "PK_IFD", pub(g1SKIFD, g1GHat), g1PKIFD)
	eqHex(t, "PK_IC", pub(g1SKIC, g1GHat), g1PKIC)
	k, err := g.Agree(unhex(t, g1SKIFD), unhex(t, g1PKIC))
	if err != nil {
		t.Fatal(err)
	}
	shared := g.SharedSecret(k)
	eqHex(t, "K", shared, g1Shared)
	ksEnc, ksMAC := emrtd.PACESessionKeys(shared, emrtd.AES128)
	eqHex(t, "KS_enc", ksEnc, g1KSEnc)
	eqHex(t, "KS_mac", ksMAC, g1KSMAC)
	tIFD, err := emrtd.PACEToken(emrtd.AES128, ksMAC, info.Protocol, 0x86, unhex(t, g1PKIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "T_IFD", tIFD, g1TIFD)
	tIC, _ := emrtd.PACEToken(emrtd.AES128, ksMAC, info.Protocol, 0x86, unhex(t, g1PKIFD))
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
	groups := []int{emrtd.ParamNISTP256, emrtd.ParamNISTP384, emrtd.ParamNISTP521,
		emrtd.ParamBrainpoolP256r1, emrtd.ParamBrainpoolP384r1, emrtd.ParamBrainpoolP512r1,
		emrtd.ParamNISTP224, emrtd.ParamDH1024, emrtd.ParamNISTP192, emrtd.ParamBrainpoolP192r1,
		emrtd.ParamBrainpoolP224r1, emrtd.ParamBrainpoolP320r1, emrtd.ParamDH2048224, emrtd.ParamDH2048256}
	for i, id := range groups {
		// Every group once, every cipher at least once, keeping the test fast.
		c := ciphers[i%len(ciphers)]
		t.Run(fmt.Sprintf("param%d-%v", id, c), func(t *testing.T) {
			t.Parallel()
			g, err := emrtd.GroupByID(id)
			if err != nil {
				t.Fatal(err)
			}
			oid, err := emrtd.PACEProtocol(g.Agreement(), emrtd.MappingGeneric, c)
			if err != nil {
				t.Fatal(err)
			}
			info := emrtd.PACEInfo{Protocol: oid, Version: 2, ParameterID: id,
				Agreement: g.Agreement(), Mapping: emrtd.MappingGeneric, Cipher: c}
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
		// DH-GM and ECDH-IM: ECDH first.
		{"ECDH before DH", "31283012060A04007F000702020401020201020201003012060A04007F0007020204040202010202010D", "0.4.0.127.0.7.2.2.4.4.2", 2},
		// ECDH-GM on reserved parameters 3, and without a parameter ID
		// (explicit domain parameters): nothing supported.
		{"unsupported", "3125" + "3012060A04007F00070202040202020102020103" + "300F060A04007F00070202040202020102", "", 2},
		// GM and CAM: CAM chosen, as Appendix J recommends.
		{"CAM over GM", "31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D", "0.4.0.127.0.7.2.2.4.6.2", 2},
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

// Values of the ICAO 9303-11 Appendix G.2 worked example (PACE, DH Generic
// Mapping, 1024-bit MODP group with 160-bit subgroup, AES-128, MRZ password).
const (
	g2CardAccess = "31143012060A04007F00070202040102020102020100"
	g2Nonce      = "FA5B7E3E49753A0DB9178B7B9BD898C8"
	g2NonceEnc   = "854D8DF5827FA6852D1A4FA701CDDDCA"
	g2SKMapIFD   = "5265030F751F4AD18B08AC565FC7AC952E41618D"
	g2PKMapIFD   = "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920" +
		"B49174A602CB47965CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022D" +
		"CB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C"
	g2SKMapIC = "66DDAFEAC1609CB5B963BB0CB3FF8B3E047F336C"
	g2PKMapIC = "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7" +
		"B235C2DBF2F38748312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F24" +
		"49400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6"
	g2H = "5BABEBEF5B74E5BA94B5C063FDA15F1F1CDE94873EE0A5D3A2FCAB49F258D07F544F13CB66658C3AFEE9E727389BE3F6" +
		"CBBBD32128A8C21DD6EEA3CF7091CDDFB08B8D007D40318DCCA4FFBF51208790FB4BD111E5A968ED6B6F08B26CA87C41" +
		"0B3CE0C310CE104EABD16629AA48620C1279270CB0750C0D37C57FFFE302AE7F"
	g2GHat = "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A12370249684D64EE37AF44B8DBD9D45BF6023919C" +
		"BAA027AB97ACC771666C8E98FF483301BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84" +
		"EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5"
	g2SKIFD = "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA"
	g2PKIFD = "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD911551B9AE4D04369F29A02626C86FBC674" +
		"7CC7BC352645B6161A2A42D44EDA80A08FA8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F431731722" +
		"36B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4"
	g2SKIC = "A5B780126B7C980E9FCEA1D4539DA1D27C342DFA"
	g2PKIC = "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152BD8B3A213F53820C42ADC79AB5D0AEEC3" +
		"AEFB91394DA476BD97B9B14D0A65C1FC71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064" +
		"386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1"
	g2Shared = "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E38B834B6A9E9CD7184BA8834AFF5043D4" +
		"36950C4C1E7832367C10CB8C314D40E5990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E" +
		"465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD"
	g2TIFD = "B46DD9BD4D98381F"
	g2TIC  = "917F37B5C0E6D8D1"
	// The example chip also returns the certification authority reference
	// for Terminal Authentication in DO'87'.
	g2CAR = "870F444554455354435643413030303033"
)

func g2Info(t testing.TB) emrtd.PACEInfo {
	t.Helper()
	ca, err := emrtd.ParseCardAccess(unhex(t, g2CardAccess))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ca.ChoosePACE()
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestAppendixG2Computations(t *testing.T) {
	info := g2Info(t)
	if info.Agreement != emrtd.AgreementDH || info.ParameterID != emrtd.ParamDH1024 || info.Cipher != emrtd.AES128 {
		t.Fatalf("PACEInfo = %+v", info)
	}
	g, err := emrtd.GroupByID(info.ParameterID)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := appendixGKey.PACEPassword()
	s, err := emrtd.DecryptCBC(emrtd.AES128, emrtd.PACEPasswordKey(pw, emrtd.AES128), nil, unhex(t, g2NonceEnc))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "nonce", s, g2Nonce)
	pk, _ := g.PublicKey(unhex(t, g2SKMapIFD), nil)
	eqHex(t, "PK_map,IFD", pk, g2PKMapIFD)
	h, err := g.Agree(unhex(t, g2SKMapIFD), unhex(t, g2PKMapIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H", h, g2H)
	gen, err := g.MapGeneric(s, h)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "mapped generator", gen, g2GHat)
	pk, _ = g.PublicKey(unhex(t, g2SKIC), gen)
	eqHex(t, "PK_IC", pk, g2PKIC)
	k, err := g.Agree(unhex(t, g2SKIFD), unhex(t, g2PKIC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "K", g.SharedSecret(k), g2Shared)
	_, ksMAC := emrtd.PACESessionKeys(g.SharedSecret(k), emrtd.AES128)
	tIFD, _ := emrtd.PACEToken(emrtd.AES128, ksMAC, info.Protocol, g.PublicKeyTag(), unhex(t, g2PKIC))
	eqHex(t, "T_IFD", tIFD, g2TIFD)
	// Values outside the subgroup are refused.
	for _, bad := range []string{"01", g2PKIC[:len(g2PKIC)-2] + "00"} {
		if _, err := g.Agree(unhex(t, g2SKIFD), unhex(t, fmt.Sprintf("%0256s", bad))); !errors.Is(err, emrtd.ErrInvalidDHValue) {
			t.Errorf("Agree accepted %s...: %v", bad[:2], err)
		}
	}
}

// TestAppendixG2WorkedExample runs DH PACE between the terminal and the test
// chip with the keys of Appendix G.2, checks every APDU, and replays the
// example chip's final answer (which adds a DO'87') to the terminal alone.
func TestAppendixG2WorkedExample(t *testing.T) {
	ctx := context.Background()
	card, err := vchip.New(vchip.Config{
		MRZ:  appendixGKey,
		PACE: []emrtd.PACEInfo{g2Info(t)},
		Rand: bytes.NewReader(unhex(t, g2Nonce+g2SKMapIC+g2SKIC)),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: card}
	pw, _ := appendixGKey.PACEPassword()
	terminalKeys := func() *bytes.Reader { return bytes.NewReader(unhex(t, g2SKMapIFD+g2SKIFD)) }
	if _, err := emrtd.PACE(ctx, rec, pw, g2Info(t), emrtd.PACEOptions{Rand: terminalKeys(), OmitParameterID: true}); err != nil {
		t.Fatalf("PACE: %v", err)
	}
	want := []exchange{
		{"0022C1A40F800A04007F00070202040102830101", "9000"},
		{"10860000027C0000", "7C128010" + g2NonceEnc + "9000"},
		{"10860000867C8183818180" + g2PKMapIFD + "00", "7C8183828180" + g2PKMapIC + "9000"},
		{"10860000867C8183838180" + g2PKIFD + "00", "7C8183848180" + g2PKIC + "9000"},
		{"008600000C7C0A8508" + g2TIFD + "00", "7C0A8608" + g2TIC + "9000"},
	}
	rec.check(t, want)

	var script [][]byte
	for _, e := range want[:4] {
		script = append(script, unhex(t, e.resp))
	}
	script = append(script, unhex(t, "7C1B8608"+g2TIC+g2CAR+"9000"))
	if _, err := emrtd.PACE(ctx, &scriptedChip{script}, pw, g2Info(t), emrtd.PACEOptions{Rand: terminalKeys(), OmitParameterID: true}); err != nil {
		t.Fatalf("PACE against the example chip's answers: %v", err)
	}
}

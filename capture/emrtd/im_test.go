package emrtd_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/vchip"
)

// Values of the ICAO 9303-11 Appendix H worked examples (PACE with
// Integrated Mapping, AES-128).
const (
	hKpi = "591468CDA83D65219CCCB8560233600F"

	h1Nonce    = "2923BE84E16CD6AE529049F1F1BBE9EB"
	h1NonceEnc = "143DC40C08C8E891FBED7DEDB92B64AD"
	h1T        = "5DD4CBFC96F5453B130D890A1CDBAE32"
	h1R        = "E4447E2DFB3586BAC05DDB00156B57FBB2179A3949294C97254189800C517BAA8DA0FF397ED8C445D3E421E4FEB57322"
	h1Rp       = "A2F8FF2DF50E52C6599F386ADCB595D229F6A167ADE2BE5F2C3296ADD5B7430E"
	h1GHat     = "048E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D4274C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD"
	h1SKIC     = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A"
	h1PKIC     = "0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8932B69A962B52A0985AD2C0A271EE6A13A8ADDDCD1A3A994B9DED257F4D22753"
	h1SKIFD    = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"
	h1PKIFD    = "0489CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D46755DE9B7B778280B6BEBD57439ADFEB0E21FD4ED6DF42578C13418A59B34C37"
	h1Shared   = "4F150FDE1D4F0E38E95017B891BAE17133A0DF45B0D3E18B60BA7BEAFDC2C713"
	h1KSEnc    = "0D3FEB33251A6370893D62AE8DAAF51B"
	h1KSMAC    = "B01E89E3D9E8719E586B50B4A7506E0B"
	h1TIC      = "75D4D96E8D5B0308"
	h1TIFD     = "450F02B86F6A0909"

	h2Nonce    = "FA5B7E3E49753A0DB9178B7B9BD898C8"
	h2NonceEnc = "9ABB8864CA0FF1551E620D1EF4E13510"
	h2T        = "B3A6DB3C870C3E99245E0D1C06B747DE"
	h2R        = "EAB98D13E09052952AA729907C3C946184DEA0FE74AD2B3AF506F0A83018459C38099CD1F7FF4EA0A078DB1FAC1365505E3DC85500EF95E20B4EEF2E88489233" +
		"BEE0546B472F994B618D168702406791DEEF3CB4810932EC278F3533FDB860EB4835C36FA4F1BF3FA0B828A718C96BDE88FBA38A3E6C35AAA10959251EB5FC710FC187258995944C0F926E249373F485"
	h2Rp = "A0C7C50C002061A51CC87D254EF38068607417B6EE1B36473CFB800D2D2E5FA2B6980F01105D24FAB22ACD1BFA5C8A4C093ECDFAFE6D7125D42A843E338603835CF19AFAFF75EFE21DC5F6AA1F9AE46C" +
		"25087E7368166FB08C1E4627AFED7D93570417B790FF7F747E57F432B04E1236819E0DFEF5B6E77CA4999925328182D2"
	h2GHat = "1D7D767F11E333BCD6DBAEF40E799E7A926B96973550656FF3C830726D118D61C276CDCC61D475CF03A98E0C0E79CAEBA5BE25578BD4551D0B10903236F0B0F9" +
		"76852FA78EEA14EA0ACA87D1E91F688FE0DFF897BBE35A472621D343564B262F34223AE8FC59B664BFEDFA2BFE7516CA5510A6BBB633D517EC25D4E0BBAA16C2"
	h2SKIC = "020F018C7284B047FA7721A337EFB7ACB1440BB30C5252BD41C97C30C994BB78E9F0C5B32744D84017D21FFA6878396A6469CA283EF5C000DAF7D261A39AB886" +
		"0ED4610AB5343390897AAB5A7787E4FAEFA0649C6A94FDF82D991E8E3FC332F5142729E7040A3F7D5A4D3CD75CBEE1F043C1CAD2DD484FEB4ED22B597D36688E"
	h2PKIC = "928D9A0F9DBA450F13FC859C6F290D1D36E42431138A4378500BEB4E0401854CFF111F71CB6DC1D0335807A11388CC8EAA87B07907AAD9FBA6B169AF6D8C26AF" +
		"8DDDC39ADC3AD2E3FF882B84D23E9768E95A80E4746FB07A9767679FE92133B4D379935C771BD7FBED6C7BB4B1708B275EA75679524CDC9C6A91370CC662A2F3"
	h2SKIFD = "4BD0E54740F9A028E6A515BFDAF967848C4F5F5FFF65AA0915947FFD1A0DF2FA6981271BC905F3551457B7E03AC3B8066DE4AA406C1171FB43DD939C4BA16175" +
		"103BA3DEE16419AA248118F90CC36A3D6F4C373652E0C3CCE7F0F1D0C5425B3600F0F0D6A67F004C8BBA33F2B4733C7252445C1DFC4F1107203F71D2EFB28161"
	h2PKIFD = "0F0CC62945A8029251FB7EF3C094E12EC68E4EF07F27CB9D9CD04C5C4250FAE0E4F8A951557E929AEB48E5C6DD47F2F5CD7C351A9BD2CD722C07EDE166770F08" +
		"FFCB370262CF308DD7B07F2E0DA9CAAA1492344C852906919538C98A4BA4187E76CE9D87832386D319CE2E043C3343AEAE6EDBA1A9894DC5094D22F7FE1351D5"
	h2Shared = "419410D6C0A17A4C07C54872CE1CBCEB0A2705C1A434C8A89A4CFE41F1D78124CA7EC52BDE7615E5345E48AB1ABB6E7D1D59A57F3174084D3CA4570397C1F622" +
		"28BDFDB2DA191EA2239E2C060DBE3BBC23C2FCD0AF12E0F9E0B99FCF91FF1959011D5798B2FCBC1F14FCC24E441F4C8F9B08D977E9498560E63E7FFAB3134EA7"
	h2KSEnc = "01AFC10CF87BE36D8179E87370171F07"
	h2KSMAC = "23F0FBD05FD6C7B8B88F4C8309669061"
	h2TIC   = "C2F04230187E1525"
	h2TIFD  = "55D61977CBF5307E"
)

func TestAppendixHComputations(t *testing.T) {
	tests := []struct {
		name                                           string
		id                                             int
		nonce, nonceEnc, tNonce, r, rp, gen            string
		skIC, pkIC, skIFD, pkIFD, shared, ksEnc, ksMAC string
		tIC, tIFD                                      string
	}{
		{"H.1 ECDH", emrtd.ParamBrainpoolP256r1, h1Nonce, h1NonceEnc, h1T, h1R, h1Rp, h1GHat,
			h1SKIC, h1PKIC, h1SKIFD, h1PKIFD, h1Shared, h1KSEnc, h1KSMAC, h1TIC, h1TIFD},
		{"H.2 DH", emrtd.ParamDH1024, h2Nonce, h2NonceEnc, h2T, h2R, h2Rp, h2GHat,
			h2SKIC, h2PKIC, h2SKIFD, h2PKIFD, h2Shared, h2KSEnc, h2KSMAC, h2TIC, h2TIFD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := emrtd.GroupByID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			s, err := emrtd.DecryptCBC(emrtd.AES128, unhex(t, hKpi), nil, unhex(t, tt.nonceEnc))
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "s", s, tt.nonce)
			var p *big.Int
			switch g := g.(type) {
			case *emrtd.Curve:
				p = g.P
			case *emrtd.DHGroup:
				p = g.P
			}
			r, err := emrtd.PseudoRandom(emrtd.AES128, s, unhex(t, tt.tNonce), p)
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "R(s,t)", r, tt.r)
			rp := new(big.Int).Mod(new(big.Int).SetBytes(r), p)
			eqHex(t, "R_p(s,t)", rp.Bytes(), tt.rp)
			gen, err := g.MapIntegrated(emrtd.AES128, s, unhex(t, tt.tNonce))
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "mapped generator", gen, tt.gen)
			pkIC, _ := g.PublicKey(unhex(t, tt.skIC), gen)
			eqHex(t, "PK_IC", pkIC, tt.pkIC)
			pkIFD, _ := g.PublicKey(unhex(t, tt.skIFD), gen)
			eqHex(t, "PK_IFD", pkIFD, tt.pkIFD)
			k, err := g.Agree(unhex(t, tt.skIFD), pkIC)
			if err != nil {
				t.Fatal(err)
			}
			eqHex(t, "K", g.SharedSecret(k), tt.shared)
			ksEnc, ksMAC := emrtd.PACESessionKeys(g.SharedSecret(k), emrtd.AES128)
			eqHex(t, "KS_enc", ksEnc, tt.ksEnc)
			eqHex(t, "KS_mac", ksMAC, tt.ksMAC)
			oid, _ := emrtd.PACEProtocol(g.Agreement(), emrtd.MappingIntegrated, emrtd.AES128)
			tIC, _ := emrtd.PACEToken(emrtd.AES128, ksMAC, oid, g.PublicKeyTag(), pkIFD)
			eqHex(t, "T_IC", tIC, tt.tIC)
			tIFD, _ := emrtd.PACEToken(emrtd.AES128, ksMAC, oid, g.PublicKeyTag(), pkIC)
			eqHex(t, "T_IFD", tIFD, tt.tIFD)
		})
	}
}

// TestAppendixH1Exchange runs ECDH-IM between the terminal and the test chip
// with the nonces and keys of Appendix H.1. The example's password is not
// printed, so the encrypted nonce differs; every later APDU depends only on
// s, t and the keys and matches the example.
func TestAppendixH1Exchange(t *testing.T) {
	ctx := context.Background()
	oid, _ := emrtd.PACEProtocol(emrtd.AgreementECDH, emrtd.MappingIntegrated, emrtd.AES128)
	info := emrtd.PACEInfo{Protocol: oid, Version: 2, ParameterID: emrtd.ParamBrainpoolP256r1,
		Agreement: emrtd.AgreementECDH, Mapping: emrtd.MappingIntegrated, Cipher: emrtd.AES128}
	card, err := vchip.New(vchip.Config{MRZ: appendixGKey, PACE: []emrtd.PACEInfo{info},
		Rand: bytes.NewReader(unhex(t, h1Nonce+h1SKIC))})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: card}
	pw, _ := appendixGKey.PACEPassword()
	if _, err := emrtd.PACE(ctx, rec, pw, info, emrtd.PACEOptions{
		Rand: bytes.NewReader(unhex(t, h1T+h1SKIFD)), OmitParameterID: true}); err != nil {
		t.Fatalf("PACE-IM: %v", err)
	}
	z, _ := emrtd.EncryptCBC(emrtd.AES128, emrtd.PACEPasswordKey(pw, emrtd.AES128), nil, unhex(t, h1Nonce))
	rec.check(t, []exchange{
		{"0022C1A40F800A04007F00070202040402830101", "9000"},
		{"10860000027C0000", "7C128010" + bytesHex(z) + "9000"},
		{"10860000147C128110" + h1T + "00", "7C0282009000"},
		{"10860000457C438341" + h1PKIFD + "00", "7C438441" + h1PKIC + "9000"},
		{"008600000C7C0A8508" + h1TIFD + "00", "7C0A8608" + h1TIC + "9000"},
	})
}

func TestIntegratedMappingVariants(t *testing.T) {
	for _, tt := range []struct {
		id int
		c  emrtd.Cipher
	}{
		{emrtd.ParamBrainpoolP256r1, emrtd.AES256},
		{emrtd.ParamNISTP384, emrtd.TDES},
		{emrtd.ParamBrainpoolP384r1, emrtd.AES192},
		{emrtd.ParamDH1024, emrtd.AES128},
	} {
		t.Run(fmt.Sprintf("param%d-%v", tt.id, tt.c), func(t *testing.T) {
			t.Parallel()
			g, _ := emrtd.GroupByID(tt.id)
			oid, err := emrtd.PACEProtocol(g.Agreement(), emrtd.MappingIntegrated, tt.c)
			if err != nil {
				t.Fatal(err)
			}
			info := emrtd.PACEInfo{Protocol: oid, Version: 2, ParameterID: tt.id,
				Agreement: g.Agreement(), Mapping: emrtd.MappingIntegrated, Cipher: tt.c}
			if !info.Supported() {
				t.Fatal("not supported")
			}
			card, err := vchip.New(vchip.Config{MRZ: appendixGKey, PACE: []emrtd.PACEInfo{info},
				Files: map[uint16][]byte{emrtd.FIDCOM: unhex(t, appendixDCOM)}})
			if err != nil {
				t.Fatal(err)
			}
			pw, _ := appendixGKey.PACEPassword()
			ctx := context.Background()
			sess, err := emrtd.PACE(ctx, card, pw, info, emrtd.PACEOptions{})
			if err != nil {
				t.Fatalf("PACE-IM: %v", err)
			}
			if err := emrtd.SelectApplication(ctx, sess); err != nil {
				t.Fatal(err)
			}
			if _, err := emrtd.ReadFile(ctx, sess, emrtd.FIDCOM); err != nil {
				t.Fatal(err)
			}
		})
	}
	// P-224 has p ≡ 1 mod 4: no point encoding, so no Integrated Mapping.
	oid, _ := emrtd.PACEProtocol(emrtd.AgreementECDH, emrtd.MappingIntegrated, emrtd.AES128)
	if (emrtd.PACEInfo{Protocol: oid, ParameterID: emrtd.ParamNISTP224, Agreement: emrtd.AgreementECDH,
		Mapping: emrtd.MappingIntegrated, Cipher: emrtd.AES128}).Supported() {
		t.Error("IM on P-224 reported as supported")
	}
}

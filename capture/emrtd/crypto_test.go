package emrtd_test

import (
	"bytes"
	"crypto/elliptic"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func eqHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if !strings.EqualFold(hex.EncodeToString(got), strings.ReplaceAll(want, " ", "")) {
		t.Errorf("%s = %X, want %s", what, got, want)
	}
}

// Appendix D worked example document (ICAO 9303-11 Appendix D.2).
var appendixDKey = emrtd.MRZKey{DocumentNumber: "L898902C", DateOfBirth: "690806", DateOfExpiry: "940623"}

func TestAppendixDKeyDerivation(t *testing.T) {
	info, err := appendixDKey.Information()
	if err != nil || info != "L898902C<369080619406236" {
		t.Fatalf("MRZ_information = %q, %v", info, err)
	}
	seed, err := appendixDKey.Seed()
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "K_seed", seed, "239AB9CB282DAF66231DC5A4DF6BFBAE")
	kEnc, kMAC := emrtd.BACKeys(seed)
	eqHex(t, "K_enc", kEnc, "AB94FDECF2674FDFB9B391F85D7F76F2")
	eqHex(t, "K_mac", kMAC, "7962D9ECE03D1ACD4C76089DCE131543")

	// D.3: session keys from K_seed = K.IFD xor K.IC.
	ksEnc, ksMAC := emrtd.BACKeys(unhex(t, "0036D272F5C350ACAC50C3F572D23600"))
	eqHex(t, "KS_enc", ksEnc, "979EC13B1CBFE9DCD01AB0FED307EAE5")
	eqHex(t, "KS_mac", ksMAC, "F1CB1F1FB5ADF208806B89DC579DC1F8")

	// D.3: terminal cryptogram and MAC.
	s := unhex(t, "781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")
	eIFD, err := emrtd.EncryptCBC(emrtd.TDES, kEnc, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "E_IFD", eIFD, "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
	mIFD, err := emrtd.RetailMAC(kMAC, eIFD)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "M_IFD", mIFD, "5F1448EEA8AD90A7")
	r, err := emrtd.DecryptCBC(emrtd.TDES, kEnc, nil, unhex(t, "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "R", r, "4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B")
}

func TestMRZInformationLongDocumentNumber(t *testing.T) {
	// Appendix D.2: a document number longer than nine characters is used
	// whole, followed by its check digit.
	info, err := emrtd.MRZKey{DocumentNumber: "D23145890734", DateOfBirth: "340712", DateOfExpiry: "950712"}.Information()
	if err != nil || info != "D23145890734934071279507122" {
		t.Fatalf("MRZ_information = %q, %v", info, err)
	}
}

func TestCheckDigit(t *testing.T) {
	for _, tt := range []struct {
		field string
		want  byte
	}{{"L898902C<", 3}, {"690806", 1}, {"940623", 6}, {"T22000129", 3}, {"640812", 5}, {"101031", 8}, {"D23145890734", 9}} {
		if got := emrtd.CheckDigit(tt.field); got != tt.want {
			t.Errorf("CheckDigit(%q) = %d, want %d", tt.field, got, tt.want)
		}
	}
}

func TestMRZKeyValidation(t *testing.T) {
	for _, k := range []emrtd.MRZKey{
		{DocumentNumber: "", DateOfBirth: "690806", DateOfExpiry: "940623"},
		{DocumentNumber: "L89-8902", DateOfBirth: "690806", DateOfExpiry: "940623"},
		{DocumentNumber: "L898902C", DateOfBirth: "6908", DateOfExpiry: "940623"},
		{DocumentNumber: "L898902C", DateOfBirth: "690806", DateOfExpiry: "94062X"},
	} {
		if _, err := k.Seed(); !errors.Is(err, emrtd.ErrInvalidKey) {
			t.Errorf("Seed(%+v) error = %v, want ErrInvalidKey", k, err)
		}
	}
	if _, err := emrtd.CANPassword("12a456"); !errors.Is(err, emrtd.ErrInvalidKey) {
		t.Errorf("CANPassword accepted letters: %v", err)
	}
}

func TestKDFAESLengths(t *testing.T) {
	// Appendix G: K_pi for AES-128 from the MRZ password of T22000129.
	pw, err := emrtd.MRZKey{DocumentNumber: "T22000129", DateOfBirth: "640812", DateOfExpiry: "101031"}.PACEPassword()
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "pi", pw.Secret, "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD")
	eqHex(t, "K_pi", emrtd.KDF(pw.Secret, emrtd.KDFPassword, emrtd.AES128), "89DED1B26624EC1E634C1989302849DD")
	for _, c := range []emrtd.Cipher{emrtd.TDES, emrtd.AES128, emrtd.AES192, emrtd.AES256} {
		if got := len(emrtd.KDF(pw.Secret, 1, c)); got != c.KeyLen() {
			t.Errorf("KDF for %v gave %d bytes, want %d", c, got, c.KeyLen())
		}
	}
}

func TestCMACRFC4493(t *testing.T) {
	// RFC 4493 §4 test vectors.
	key := unhex(t, "2b7e151628aed2a6abf7158809cf4f3c")
	msg := unhex(t, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	} {
		got, err := emrtd.CMAC(key, msg[:tt.n])
		if err != nil {
			t.Fatal(err)
		}
		eqHex(t, "CMAC", got, tt.want)
	}
}

func TestPadUnpad(t *testing.T) {
	for _, tt := range []struct{ in, out string }{
		{"", "8000000000000000"},
		{"011E", "011E800000000000"},
		{"0CA4020C", "0CA4020C80000000"},
		{"0102030405060708", "01020304050607088000000000000000"},
	} {
		p := emrtd.Pad(unhex(t, tt.in), 8)
		eqHex(t, "Pad("+tt.in+")", p, tt.out)
		u, err := emrtd.Unpad(p)
		if err != nil || !bytes.Equal(u, unhex(t, tt.in)) {
			t.Errorf("Unpad(%X) = %X, %v", p, u, err)
		}
	}
	if _, err := emrtd.Unpad(unhex(t, "0102030400000000")); !errors.Is(err, emrtd.ErrCrypto) {
		t.Errorf("Unpad without marker: %v", err)
	}
}

func TestCurvesAreConsistent(t *testing.T) {
	for id := emrtd.ParamNISTP192; id <= emrtd.ParamNISTP521; id++ {
		c, err := emrtd.CurveByID(id)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(c.Name, func(t *testing.T) {
			if !c.IsOnCurve(c.Gx, c.Gy) {
				t.Fatal("generator not on curve")
			}
			if !c.P.ProbablyPrime(16) || !c.N.ProbablyPrime(16) {
				t.Fatal("p or n is not prime")
			}
			// N·G is the point at infinity, (N-1)·G = -G.
			if x, y := c.ScalarBaseMult(c.N.Bytes()); x.Sign() != 0 || y.Sign() != 0 {
				t.Fatal("N·G is not infinity")
			}
			nm1 := new(big.Int).Sub(c.N, big.NewInt(1))
			x, y := c.ScalarBaseMult(nm1.Bytes())
			if x.Cmp(c.Gx) != 0 || new(big.Int).Add(y, c.Gy).Cmp(c.P) != 0 {
				t.Fatal("(N-1)·G is not -G")
			}
			// 2G + 3G = 5G, and marshalling round-trips.
			x2, y2 := c.ScalarBaseMult([]byte{2})
			x3, y3 := c.ScalarBaseMult([]byte{3})
			x5, y5 := c.ScalarBaseMult([]byte{5})
			sx, sy := c.Add(x2, y2, x3, y3)
			if sx.Cmp(x5) != 0 || sy.Cmp(y5) != 0 {
				t.Fatal("2G + 3G != 5G")
			}
			px, py, err := c.Unmarshal(c.Marshal(x5, y5))
			if err != nil || px.Cmp(x5) != 0 || py.Cmp(y5) != 0 {
				t.Fatalf("marshal round trip: %v", err)
			}
			bad := c.Marshal(x5, y5)
			bad[len(bad)-1] ^= 1
			if _, _, err := c.Unmarshal(bad); !errors.Is(err, emrtd.ErrInvalidPoint) {
				t.Fatalf("off-curve point accepted: %v", err)
			}
		})
	}
}

func TestNISTCurvesMatchStandardLibrary(t *testing.T) {
	k := unhex(t, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99")
	for _, tt := range []struct {
		id  int
		std elliptic.Curve
	}{{emrtd.ParamNISTP256, elliptic.P256()}, {emrtd.ParamNISTP384, elliptic.P384()}, {emrtd.ParamNISTP521, elliptic.P521()}} {
		c, _ := emrtd.CurveByID(tt.id)
		x, y := c.ScalarBaseMult(k)
		wx, wy := tt.std.ScalarBaseMult(k)
		if x.Cmp(wx) != 0 || y.Cmp(wy) != 0 {
			t.Errorf("%s: k·G differs from crypto/elliptic", c.Name)
		}
	}
}

func TestDHGroupsAreConsistent(t *testing.T) {
	for _, id := range []int{emrtd.ParamDH1024, emrtd.ParamDH2048224, emrtd.ParamDH2048256} {
		g, err := emrtd.GroupByID(id)
		if err != nil {
			t.Fatal(err)
		}
		dh := g.(*emrtd.DHGroup)
		one := big.NewInt(1)
		pm1 := new(big.Int).Sub(dh.P, one)
		if !dh.P.ProbablyPrime(8) || !dh.Q.ProbablyPrime(16) || new(big.Int).Mod(pm1, dh.Q).Sign() != 0 ||
			new(big.Int).Exp(dh.G, dh.Q, dh.P).Cmp(one) != 0 || dh.G.Cmp(one) == 0 {
			t.Errorf("%s: constants inconsistent", dh.Name)
		}
	}
	if _, err := emrtd.GroupByID(3); !errors.Is(err, emrtd.ErrUnsupportedParameters) {
		t.Errorf("reserved ID 3: %v", err)
	}
}

package emrtd

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/capturestation/station/internal/tlv"
)

// Group is a PACE key agreement group with standardized domain parameters:
// an elliptic curve (ECDH) or a prime-order subgroup of Z*p (DH). Elements
// cross the interface in their transmitted encoding (an uncompressed point,
// or a big-endian integer of the length of p), so terminal and chip code
// stay free of group-specific types. Every method that takes an encoded
// element from the other party validates it first.
type Group interface {
	// ID is the standardized domain parameter identifier (ICAO 9303-11
	// §9.5.1).
	ID() int
	// Agreement is ECDH or DH.
	Agreement() Agreement
	// RandomScalar draws a private key in [1, order).
	RandomScalar(rnd io.Reader) ([]byte, error)
	// PublicKey returns sk applied to the generator (the standard one when
	// generator is nil), encoded.
	PublicKey(sk, generator []byte) ([]byte, error)
	// Agree applies sk to the other party's encoded public key, which it
	// validates, and returns the encoded shared element.
	Agree(sk, peer []byte) ([]byte, error)
	// MapGeneric returns the Generic Mapping generator from the decrypted
	// nonce s and the shared element h: s·G + H, or g^s·h mod p.
	MapGeneric(nonce, h []byte) ([]byte, error)
	// MapIntegrated returns the Integrated Mapping generator from the
	// decrypted nonce s and the terminal's nonce t: f_G(R_p(s, t)), or
	// R_p(s, t)^((p-1)/q) mod p.
	MapIntegrated(c Cipher, nonce, t []byte) ([]byte, error)
	// SharedSecret returns the key agreement secret of an encoded shared
	// element: the x-coordinate, or the element itself, at full length.
	SharedSecret(element []byte) []byte
	// PublicKeyTag is the tag of the public value inside a 7F49 public key
	// data object: 86 for a point, 84 for a DH value.
	PublicKeyTag() tlv.Tag
}

var (
	_ Group = (*Curve)(nil)
	_ Group = (*DHGroup)(nil)
)

// GroupByID returns the PACE group for a standardized domain parameter
// identifier: the MODP groups of RFC 5114 (IDs 0, 1, 2) and CurveByID's
// curves (IDs 8 to 18).
func GroupByID(id int) (Group, error) {
	switch id {
	case ParamDH1024, ParamDH2048224, ParamDH2048256:
		return dhGroup(id), nil
	}
	return CurveByID(id)
}

// ID returns the curve's domain parameter identifier.
func (c *Curve) ID() int { return c.ParameterID }

// Agreement returns AgreementECDH.
func (c *Curve) Agreement() Agreement { return AgreementECDH }

// PublicKeyTag returns 86 (elliptic curve point).
func (c *Curve) PublicKeyTag() tlv.Tag { return 0x86 }

// PublicKey returns sk·generator encoded (generator nil means G).
func (c *Curve) PublicKey(sk, generator []byte) ([]byte, error) {
	gx, gy := c.Gx, c.Gy
	if generator != nil {
		var err error
		if gx, gy, err = c.Unmarshal(generator); err != nil {
			return nil, err
		}
	}
	x, y := c.ScalarMult(gx, gy, sk)
	if x.Sign() == 0 && y.Sign() == 0 {
		return nil, fmt.Errorf("%w: public key is the point at infinity", ErrInvalidPoint)
	}
	return c.Marshal(x, y), nil
}

// Agree returns sk·peer encoded, after validating peer.
func (c *Curve) Agree(sk, peer []byte) ([]byte, error) {
	px, py, err := c.Unmarshal(peer)
	if err != nil {
		return nil, err
	}
	x, y := c.ScalarMult(px, py, sk)
	if x.Sign() == 0 && y.Sign() == 0 {
		return nil, fmt.Errorf("%w: shared point is the point at infinity", ErrInvalidPoint)
	}
	return c.Marshal(x, y), nil
}

// MapGeneric returns s·G + H (ICAO 9303-11 §4.4.3.3.1).
func (c *Curve) MapGeneric(nonce, h []byte) ([]byte, error) {
	hx, hy, err := c.Unmarshal(h)
	if err != nil {
		return nil, err
	}
	sx, sy := c.ScalarBaseMult(nonce)
	gx, gy := c.Add(sx, sy, hx, hy)
	if gx.Sign() == 0 && gy.Sign() == 0 {
		return nil, fmt.Errorf("%w: mapped generator is the point at infinity", ErrInvalidPoint)
	}
	return c.Marshal(gx, gy), nil
}

// SharedSecret returns the x-coordinate of an encoded point.
func (c *Curve) SharedSecret(element []byte) []byte {
	n := c.ByteLen()
	if len(element) != 1+2*n {
		return nil
	}
	return append([]byte(nil), element[1:1+n]...)
}

// Standardized identifiers of the RFC 5114 MODP groups.
const (
	// ParamDH1024 is the 1024-bit MODP group with a 160-bit prime order
	// subgroup (RFC 5114 §2.1).
	ParamDH1024 = 0
	// ParamDH2048224 is the 2048-bit MODP group with a 224-bit prime order
	// subgroup (RFC 5114 §2.2).
	ParamDH2048224 = 1
	// ParamDH2048256 is the 2048-bit MODP group with a 256-bit prime order
	// subgroup (RFC 5114 §2.3).
	ParamDH2048256 = 2
)

// DHGroup is a prime-order subgroup of Z*p for DH PACE: generator G of
// prime order Q modulo P.
type DHGroup struct {
	Name        string
	ParameterID int
	P, G, Q     *big.Int
}

func dhGroup(id int) *DHGroup {
	h := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(s, 16)
		if !ok {
			panic("emrtd: bad DH group constant")
		}
		return v
	}
	switch id {
	case ParamDH2048224:
		return &DHGroup{
			Name:        "2048-bit MODP group with 224-bit subgroup",
			ParameterID: id,
			P: h("AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15" +
				"EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207" +
				"C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330" +
				"278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8" +
				"BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71" +
				"CF9DE5384E71B81C0AC4DFFE0C10E64F"),
			G: h("AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFA" +
				"AB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A" +
				"E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EF" +
				"BB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381" +
				"B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC0179" +
				"81BC087F2A7065B384B890D3191F2BFA"),
			Q: h("801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB"),
		}
	case ParamDH2048256:
		return &DHGroup{
			Name:        "2048-bit MODP group with 256-bit subgroup",
			ParameterID: id,
			P: h("87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA30" +
				"16C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B" +
				"6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0E" +
				"F13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026" +
				"C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F" +
				"693877FAD7EF09CADB094AE91E1A1597"),
			G: h("3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555" +
				"BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B" +
				"777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55" +
				"A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915" +
				"B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D4795451" +
				"5E2327CFEF98C582664B4C0F6CC41659"),
			Q: h("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3"),
		}
	}
	return &DHGroup{
		Name:        "1024-bit MODP group with 160-bit subgroup",
		ParameterID: ParamDH1024,
		P: h("B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C0" +
			"13ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0" +
			"A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371"),
		G: h("A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213" +
			"160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A" +
			"D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5"),
		Q: h("F518AA8781A8DF278ABA4E7D64B7CB9D49462353"),
	}
}

// ErrInvalidDHValue reports a DH public value outside the subgroup.
var ErrInvalidDHValue = errors.New("emrtd: invalid DH public value")

// ID returns the group's domain parameter identifier.
func (g *DHGroup) ID() int { return g.ParameterID }

// Agreement returns AgreementDH.
func (g *DHGroup) Agreement() Agreement { return AgreementDH }

// PublicKeyTag returns 84 (DH public value).
func (g *DHGroup) PublicKeyTag() tlv.Tag { return 0x84 }

func (g *DHGroup) byteLen() int { return (g.P.BitLen() + 7) / 8 }

func (g *DHGroup) encode(v *big.Int) []byte { return v.FillBytes(make([]byte, g.byteLen())) }

// decode parses and validates an element: 1 < y < p-1 and y^q = 1 mod p.
func (g *DHGroup) decode(b []byte) (*big.Int, error) {
	if len(b) != g.byteLen() {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidDHValue, len(b), g.byteLen())
	}
	y := new(big.Int).SetBytes(b)
	pm1 := new(big.Int).Sub(g.P, big.NewInt(1))
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pm1) >= 0 {
		return nil, fmt.Errorf("%w: out of range", ErrInvalidDHValue)
	}
	if new(big.Int).Exp(y, g.Q, g.P).Cmp(big.NewInt(1)) != 0 {
		return nil, fmt.Errorf("%w: not in the prime-order subgroup", ErrInvalidDHValue)
	}
	return y, nil
}

// RandomScalar draws an exponent in [1, Q).
func (g *DHGroup) RandomScalar(rnd io.Reader) ([]byte, error) {
	return randomBelow(g.Q, rnd)
}

// PublicKey returns generator^sk mod p (generator nil means G).
func (g *DHGroup) PublicKey(sk, generator []byte) ([]byte, error) {
	base := g.G
	if generator != nil {
		var err error
		if base, err = g.decode(generator); err != nil {
			return nil, err
		}
	}
	return g.encode(new(big.Int).Exp(base, new(big.Int).SetBytes(sk), g.P)), nil
}

// Agree returns peer^sk mod p after validating peer.
func (g *DHGroup) Agree(sk, peer []byte) ([]byte, error) {
	y, err := g.decode(peer)
	if err != nil {
		return nil, err
	}
	return g.encode(new(big.Int).Exp(y, new(big.Int).SetBytes(sk), g.P)), nil
}

// MapGeneric returns g^s·h mod p.
func (g *DHGroup) MapGeneric(nonce, h []byte) ([]byte, error) {
	hv, err := g.decode(h)
	if err != nil {
		return nil, err
	}
	v := new(big.Int).Exp(g.G, new(big.Int).SetBytes(nonce), g.P)
	v.Mul(v, hv).Mod(v, g.P)
	if v.Cmp(big.NewInt(1)) == 0 {
		return nil, fmt.Errorf("%w: mapped generator is 1", ErrInvalidDHValue)
	}
	return g.encode(v), nil
}

// SharedSecret returns the element itself.
func (g *DHGroup) SharedSecret(element []byte) []byte { return append([]byte(nil), element...) }

// randomBelow draws uniformly from [1, n) by masked rejection sampling and
// returns the value at n's byte length.
func randomBelow(n *big.Int, rnd io.Reader) ([]byte, error) {
	size := (n.BitLen() + 7) / 8
	excess := uint(8*size - n.BitLen())
	buf := make([]byte, size)
	k := new(big.Int)
	for range 128 {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, fmt.Errorf("emrtd: drawing a private key: %w", err)
		}
		buf[0] &= 0xFF >> excess
		k.SetBytes(buf)
		if k.Sign() > 0 && k.Cmp(n) < 0 {
			return buf, nil
		}
	}
	return nil, errors.New("emrtd: random source keeps producing out-of-range keys; check it")
}

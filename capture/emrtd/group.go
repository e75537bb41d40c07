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
// identifier: CurveByID's curves and the 1024-bit MODP group with a 160-bit
// subgroup (ID 0).
func GroupByID(id int) (Group, error) {
	if id == ParamDH1024 {
		return dh1024(), nil
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

// ParamDH1024 identifies the 1024-bit MODP group with a 160-bit prime order
// subgroup (RFC 5114 §2.1).
const ParamDH1024 = 0

// DHGroup is a prime-order subgroup of Z*p for DH PACE: generator G of
// prime order Q modulo P.
type DHGroup struct {
	Name        string
	ParameterID int
	P, G, Q     *big.Int
}

func dh1024() *DHGroup {
	h := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(s, 16)
		if !ok {
			panic("emrtd: bad DH group constant")
		}
		return v
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

package emrtd

import (
	"encoding/hex"
	"fmt"
	"math/big"
)

// Constants of the Integrated Mapping pseudo-random function (ICAO 9303-11
// §4.4.3.3.2), for nonces of 128 and 256 bits.
const (
	imC0128 = "a668892a7c41e3ca739f40b057d85904"
	imC1128 = "a4e136ac725f738b01c1f60217c188ad"
	imC0256 = "d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676"
	imC1256 = "54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517"
)

// imKeyLen is k of the pseudo-random function in bytes (3DES counts as 128
// bits).
func imKeyLen(c Cipher) int { return c.KeyLen() }

// IntegratedNonceLen is the length of the nonce s for Integrated Mapping:
// the smallest multiple of the block size not shorter than the key.
func IntegratedNonceLen(c Cipher) int {
	bs := c.BlockSize()
	return (imKeyLen(c) + bs - 1) / bs * bs
}

// PseudoRandom computes R(s, t), the Integrated Mapping pseudo-random
// function (ICAO 9303-11 §4.4.3.3.2): k0 = E(t, s), then x_i = E(k_{i-1}, c1)
// and k_i = E(k_{i-1}, c0) truncated to the key size, in CBC mode with a zero
// IV, for the smallest n with n·l ≥ log2(p) + 64. It returns x1 || … || xn,
// before reduction modulo p.
func PseudoRandom(c Cipher, s, t []byte, p *big.Int) ([]byte, error) {
	k := imKeyLen(c)
	if !c.valid() || len(t) != k {
		return nil, fmt.Errorf("%w: nonce t of %d bytes for %v", ErrCrypto, len(t), c)
	}
	var c0s, c1s string
	switch len(s) {
	case 16:
		c0s, c1s = imC0128, imC1128
	case 32:
		c0s, c1s = imC0256, imC1256
	default:
		return nil, fmt.Errorf("%w: nonce s of %d bytes", ErrCrypto, len(s))
	}
	c0, _ := hex.DecodeString(c0s)
	c1, _ := hex.DecodeString(c1s)
	l := 8 * len(s)
	n := (p.BitLen() + 64 + l - 1) / l
	key, err := EncryptCBC(c, t, nil, s)
	if err != nil {
		return nil, err
	}
	key = key[:k]
	out := make([]byte, 0, n*len(s))
	for range n {
		x, err := EncryptCBC(c, key, nil, c1)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
		next, err := EncryptCBC(c, key, nil, c0)
		if err != nil {
			return nil, err
		}
		key = next[:k]
	}
	return out, nil
}

// MapIntegrated returns the Integrated Mapping generator f_G(R_p(s, t)) using
// the point encoding of ICAO 9303-11 Appendix B.2 (affine coordinates); it
// needs p ≡ 3 mod 4.
func (c *Curve) MapIntegrated(ci Cipher, nonce, t []byte) ([]byte, error) {
	r, err := PseudoRandom(ci, nonce, t, c.P)
	if err != nil {
		return nil, err
	}
	x, y, err := c.encodePoint(new(big.Int).Mod(new(big.Int).SetBytes(r), c.P))
	if err != nil {
		return nil, err
	}
	return c.Marshal(x, y), nil
}

// encodePoint maps a field element to a curve point (Appendix B.2).
func (c *Curve) encodePoint(t *big.Int) (*big.Int, *big.Int, error) {
	p := c.P
	if new(big.Int).And(p, big.NewInt(3)).Int64() != 3 {
		return nil, nil, fmt.Errorf("%w: integrated mapping needs p ≡ 3 mod 4, not so for %s", ErrUnsupportedParameters, c.Name)
	}
	if t.Sign() == 0 {
		return nil, nil, fmt.Errorf("%w: pseudo-random value is zero", ErrInvalidPoint)
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	mul := func(a, b *big.Int) *big.Int { return mod(new(big.Int).Mul(a, b)) }
	// 1. α = -t² mod p
	alpha := mod(new(big.Int).Neg(mul(t, t)))
	// 2. X2 = -b·a⁻¹·(1 + (α + α²)⁻¹) mod p
	aa := mod(new(big.Int).Add(alpha, mul(alpha, alpha)))
	aaInv := new(big.Int).ModInverse(aa, p)
	aInv := new(big.Int).ModInverse(c.A, p)
	if aaInv == nil || aInv == nil {
		return nil, nil, fmt.Errorf("%w: degenerate point encoding input", ErrInvalidPoint)
	}
	x2 := mul(mod(new(big.Int).Neg(c.B)), aInv)
	x2 = mul(x2, mod(new(big.Int).Add(big.NewInt(1), aaInv)))
	// 3. X3 = α·X2
	x3 := mul(alpha, x2)
	// 4. h2 = X2³ + a·X2 + b
	h2 := mod(new(big.Int).Add(new(big.Int).Add(mul(mul(x2, x2), x2), mul(c.A, x2)), c.B))
	// 6. U = t³·h2
	u := mul(mul(mul(t, t), t), h2)
	// 7. A = h2^(p-1-(p+1)/4)
	e := new(big.Int).Sub(p, big.NewInt(1))
	e.Sub(e, new(big.Int).Rsh(new(big.Int).Add(p, big.NewInt(1)), 2))
	a := new(big.Int).Exp(h2, e, p)
	// 8./9. choose the coordinates
	var x, y *big.Int
	if mul(mul(a, a), h2).Cmp(big.NewInt(1)) == 0 {
		x, y = x2, mul(a, h2)
	} else {
		x, y = x3, mul(a, u)
	}
	if !c.IsOnCurve(x, y) {
		return nil, nil, fmt.Errorf("%w: point encoding left the curve", ErrInvalidPoint)
	}
	return x, y, nil // cofactor 1 for all supported curves
}

// MapIntegrated returns the Integrated Mapping generator
// f_g(R_p(s, t)) = R_p(s, t)^((p-1)/q) mod p, which must not be 1.
func (g *DHGroup) MapIntegrated(ci Cipher, nonce, t []byte) ([]byte, error) {
	r, err := PseudoRandom(ci, nonce, t, g.P)
	if err != nil {
		return nil, err
	}
	rp := new(big.Int).Mod(new(big.Int).SetBytes(r), g.P)
	e := new(big.Int).Sub(g.P, big.NewInt(1))
	e.Div(e, g.Q)
	v := new(big.Int).Exp(rp, e, g.P)
	if v.Cmp(big.NewInt(1)) <= 0 {
		return nil, fmt.Errorf("%w: integrated mapping gave a trivial generator", ErrInvalidDHValue)
	}
	return g.encode(v), nil
}

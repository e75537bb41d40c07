package emrtd

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// ErrInvalidPoint reports an encoded public key that is not a point of the
// curve (wrong length or encoding, coordinates out of range, not on the
// curve, or the point at infinity).
var ErrInvalidPoint = errors.New("emrtd: invalid elliptic curve point")

// Curve is a prime-field elliptic curve in short Weierstrass form
// y² = x³ + a·x + b (mod p) with a generator G of prime order N and
// cofactor 1, as used by PACE ECDH. Unlike crypto/elliptic it allows any a,
// which the Brainpool curves need, and any generator, which the PACE mapping
// needs. Points are affine (x, y) pairs; (0, 0) stands for the point at
// infinity, as in crypto/elliptic.
//
// The arithmetic uses math/big and is not constant time (see the package
// documentation).
type Curve struct {
	// Name is the curve's common name.
	Name string
	// ParameterID is the standardized domain parameter identifier of ICAO
	// 9303-11 §9.5.1 (BSI TR-03110-3 Table 4).
	ParameterID int
	// P is the field prime, A and B the equation coefficients, N the order
	// of the generator (Gx, Gy).
	P, A, B, N, Gx, Gy *big.Int
}

// Standardized domain parameter identifiers of elliptic curves (ICAO 9303-11
// §9.5.1).
const (
	ParamNISTP192        = 8
	ParamBrainpoolP192r1 = 9
	ParamNISTP224        = 10
	ParamBrainpoolP224r1 = 11
	ParamNISTP256        = 12
	ParamBrainpoolP256r1 = 13
	ParamBrainpoolP320r1 = 14
	ParamNISTP384        = 15
	ParamBrainpoolP384r1 = 16
	ParamBrainpoolP512r1 = 17
	ParamNISTP521        = 18
)

// ErrUnsupportedParameters reports domain parameters this package cannot use.
var ErrUnsupportedParameters = errors.New("emrtd: unsupported domain parameters")

// CurveByID returns the curve for a standardized domain parameter
// identifier: NIST P-192, P-224, P-256, P-384, P-521 and brainpoolP192r1,
// P224r1, P256r1, P320r1, P384r1, P512r1 (IDs 8 to 18).
func CurveByID(id int) (*Curve, error) {
	switch id {
	case ParamNISTP192:
		return hexCurve("NIST P-192", id,
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF",
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFC",
			"64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1",
			"188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012",
			"07192B95FFC8DA78631011ED6B24CDD573F977A11E794811",
			"FFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831"), nil
	case ParamBrainpoolP192r1:
		return hexCurve("brainpoolP192r1", id,
			"C302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297",
			"6A91174076B1E0E19C39C031FE8685C1CAE040E5C69A28EF",
			"469A28EF7C28CCA3DC721D044F4496BCCA7EF4146FBF25C9",
			"C0A0647EAAB6A48753B033C56CB0F0900A2F5C4853375FD6",
			"14B690866ABD5BB88B5F4828C1490002E6773FA2FA299B8F",
			"C302F41D932A36CDA7A3462F9E9E916B5BE8F1029AC4ACC1"), nil
	case ParamBrainpoolP224r1:
		return hexCurve("brainpoolP224r1", id,
			"D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF",
			"68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43",
			"2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B",
			"0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D",
			"58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD",
			"D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F"), nil
	case ParamBrainpoolP320r1:
		return hexCurve("brainpoolP320r1", id,
			"D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27",
			"3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4",
			"520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6",
			"43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611",
			"14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1",
			"D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311"), nil
	case ParamNISTP224:
		return nistCurve("NIST P-224", id, elliptic.P224().Params()), nil
	case ParamNISTP256:
		return nistCurve("NIST P-256", id, elliptic.P256().Params()), nil
	case ParamNISTP384:
		return nistCurve("NIST P-384", id, elliptic.P384().Params()), nil
	case ParamNISTP521:
		return nistCurve("NIST P-521", id, elliptic.P521().Params()), nil
	case ParamBrainpoolP256r1:
		return hexCurve("brainpoolP256r1", id,
			"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
			"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
			"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
			"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
			"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
			"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"), nil
	case ParamBrainpoolP384r1:
		return hexCurve("brainpoolP384r1", id,
			"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
			"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
			"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
			"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
			"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
			"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565"), nil
	case ParamBrainpoolP512r1:
		return hexCurve("brainpoolP512r1", id,
			"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
			"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
			"3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
			"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
			"7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
			"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069"), nil
	}
	return nil, fmt.Errorf("%w: domain parameter ID %d is not a supported curve", ErrUnsupportedParameters, id)
}

func nistCurve(name string, id int, p *elliptic.CurveParams) *Curve {
	a := new(big.Int).Sub(p.P, big.NewInt(3))
	return &Curve{Name: name, ParameterID: id, P: p.P, A: a, B: p.B, N: p.N, Gx: p.Gx, Gy: p.Gy}
}

// hexCurve builds a curve from its constants in hexadecimal.
func hexCurve(name string, id int, p, a, b, gx, gy, n string) *Curve {
	h := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(s, 16)
		if !ok {
			panic("emrtd: bad curve constant for " + name)
		}
		return v
	}
	return &Curve{Name: name, ParameterID: id, P: h(p), A: h(a), B: h(b), N: h(n), Gx: h(gx), Gy: h(gy)}
}

// ByteLen is the length in bytes of a field element.
func (c *Curve) ByteLen() int { return (c.P.BitLen() + 7) / 8 }

// IsOnCurve reports whether (x, y) is an affine point of the curve with
// coordinates in [0, p).
func (c *Curve) IsOnCurve(x, y *big.Int) bool {
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
		return false
	}
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, c.P)
	rhs := new(big.Int).Mul(x, x)
	rhs.Add(rhs, c.A)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, c.B)
	rhs.Mod(rhs, c.P)
	return y2.Cmp(rhs) == 0
}

// jacobian is a point (X/Z², Y/Z³); Z = 0 is the point at infinity.
type jacobian struct{ x, y, z *big.Int }

func (c *Curve) toJacobian(x, y *big.Int) jacobian {
	if x.Sign() == 0 && y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

func (c *Curve) toAffine(p jacobian) (*big.Int, *big.Int) {
	if p.z.Sign() == 0 {
		return new(big.Int), new(big.Int)
	}
	zinv := new(big.Int).ModInverse(p.z, c.P)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	zinv2.Mod(zinv2, c.P)
	x := new(big.Int).Mul(p.x, zinv2)
	x.Mod(x, c.P)
	zinv2.Mul(zinv2, zinv)
	y := new(big.Int).Mul(p.y, zinv2)
	y.Mod(y, c.P)
	return x, y
}

func (c *Curve) double(p jacobian) jacobian {
	if p.z.Sign() == 0 || p.y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	m := func(a, b *big.Int) *big.Int { r := new(big.Int).Mul(a, b); return r.Mod(r, c.P) }
	xx := m(p.x, p.x)
	yy := m(p.y, p.y)
	yyyy := m(yy, yy)
	zz := m(p.z, p.z)
	s := m(p.x, yy)
	s.Lsh(s, 2).Mod(s, c.P)
	mm := new(big.Int).Mul(xx, big.NewInt(3))
	mm.Add(mm, m(c.A, m(zz, zz))).Mod(mm, c.P)
	x3 := m(mm, mm)
	x3.Sub(x3, s).Sub(x3, s).Mod(x3, c.P)
	y3 := new(big.Int).Sub(s, x3)
	y3 = m(mm, y3)
	y3.Sub(y3, new(big.Int).Lsh(yyyy, 3)).Mod(y3, c.P)
	z3 := m(p.y, p.z)
	z3.Lsh(z3, 1).Mod(z3, c.P)
	return jacobian{x3, y3, z3}
}

func (c *Curve) add(p, q jacobian) jacobian {
	if p.z.Sign() == 0 {
		return q
	}
	if q.z.Sign() == 0 {
		return p
	}
	m := func(a, b *big.Int) *big.Int { r := new(big.Int).Mul(a, b); return r.Mod(r, c.P) }
	z1z1 := m(p.z, p.z)
	z2z2 := m(q.z, q.z)
	u1 := m(p.x, z2z2)
	u2 := m(q.x, z1z1)
	s1 := m(m(p.y, q.z), z2z2)
	s2 := m(m(q.y, p.z), z1z1)
	if u1.Cmp(u2) == 0 {
		if s1.Cmp(s2) == 0 {
			return c.double(p)
		}
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	h := new(big.Int).Sub(u2, u1)
	h.Mod(h, c.P)
	r := new(big.Int).Sub(s2, s1)
	r.Mod(r, c.P)
	hh := m(h, h)
	hhh := m(h, hh)
	v := m(u1, hh)
	x3 := m(r, r)
	x3.Sub(x3, hhh).Sub(x3, v).Sub(x3, v).Mod(x3, c.P)
	y3 := new(big.Int).Sub(v, x3)
	y3 = m(r, y3)
	y3.Sub(y3, m(s1, hhh)).Mod(y3, c.P)
	z3 := m(m(p.z, q.z), h)
	return jacobian{x3, y3, z3}
}

// Add returns the sum of two points.
func (c *Curve) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	return c.toAffine(c.add(c.toJacobian(x1, y1), c.toJacobian(x2, y2)))
}

// ScalarMult returns k·(x, y) for a big-endian scalar k. It uses a Montgomery
// ladder, so the sequence of group operations does not depend on k's bits;
// the big-integer arithmetic below it is still not constant time.
func (c *Curve) ScalarMult(x, y *big.Int, k []byte) (*big.Int, *big.Int) {
	r0 := jacobian{new(big.Int), new(big.Int), new(big.Int)}
	r1 := c.toJacobian(x, y)
	for _, b := range k {
		for bit := 7; bit >= 0; bit-- {
			if (b>>uint(bit))&1 == 0 {
				r1 = c.add(r0, r1)
				r0 = c.double(r0)
			} else {
				r0 = c.add(r0, r1)
				r1 = c.double(r1)
			}
		}
	}
	return c.toAffine(r0)
}

// ScalarBaseMult returns k·G.
func (c *Curve) ScalarBaseMult(k []byte) (*big.Int, *big.Int) {
	return c.ScalarMult(c.Gx, c.Gy, k)
}

// Marshal encodes a point uncompressed: 04 || X || Y, each coordinate padded
// to ByteLen (ICAO 9303-11 §9.4, BSI TR-03111).
func (c *Curve) Marshal(x, y *big.Int) []byte {
	n := c.ByteLen()
	out := make([]byte, 1+2*n)
	out[0] = 4
	x.FillBytes(out[1 : 1+n])
	y.FillBytes(out[1+n:])
	return out
}

// Unmarshal decodes an uncompressed point and checks that it lies on the
// curve and is not the point at infinity. Compressed points are rejected.
func (c *Curve) Unmarshal(b []byte) (*big.Int, *big.Int, error) {
	n := c.ByteLen()
	if len(b) != 1+2*n || b[0] != 4 {
		return nil, nil, fmt.Errorf("%w: want %d bytes starting 04 for %s, got %d", ErrInvalidPoint, 1+2*n, c.Name, len(b))
	}
	x := new(big.Int).SetBytes(b[1 : 1+n])
	y := new(big.Int).SetBytes(b[1+n:])
	if x.Sign() == 0 && y.Sign() == 0 || !c.IsOnCurve(x, y) {
		return nil, nil, fmt.Errorf("%w: not on %s", ErrInvalidPoint, c.Name)
	}
	return x, y, nil
}

// RandomScalar draws a private key uniformly from [1, N) by rejection
// sampling: it reads the byte length of N from rnd, masks the excess high
// bits and retries while the value is out of range. It returns the scalar as
// a big-endian byte string of N's byte length.
func (c *Curve) RandomScalar(rnd io.Reader) ([]byte, error) {
	return randomBelow(c.N, rnd)
}

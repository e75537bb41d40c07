package vchip

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"io"
	"math/big"

	"github.com/capturestation/station/capture/emrtd"
)

// internalAuthenticate answers Active Authentication (ICAO 9303-11 §6.1)
// inside a secure messaging session.
func (c *Card) internalAuthenticate(cmd emrtd.Command) emrtd.Response {
	key := c.cfg.ActiveAuthenticationKey
	switch {
	case key == nil:
		return status(emrtd.SWINSNotSupported)
	case c.sm == nil:
		return status(emrtd.SWSecurityStatus)
	case len(cmd.Data) != 8:
		return status(emrtd.SWWrongLength)
	}
	var sig []byte
	var err error
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sig, err = signISO9796(k, cmd.Data, c.cfg.Rand)
	case *ecdsa.PrivateKey:
		h := c.cfg.ActiveAuthenticationHash
		if h == 0 {
			h = crypto.SHA256
		}
		hh := h.New()
		hh.Write(cmd.Data)
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(c.cfg.Rand, k, hh.Sum(nil)); err == nil {
			size := (k.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	default:
		return status(emrtd.SWINSNotSupported)
	}
	if err != nil {
		return status(emrtd.SWNoPreciseDiagnosis)
	}
	return emrtd.Response{Data: sig, SW: emrtd.SWSuccess}
}

// signISO9796 makes an ISO/IEC 9796-2 scheme 1 signature with partial
// recovery and SHA-1: 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC, raised to d.
func signISO9796(k *rsa.PrivateKey, challenge []byte, rnd io.Reader) ([]byte, error) {
	size := k.Size()
	h := crypto.SHA1.New()
	m1 := make([]byte, size-h.Size()-2)
	if _, err := io.ReadFull(rnd, m1); err != nil {
		return nil, err
	}
	h.Write(m1)
	h.Write(challenge)
	m := append(append(append([]byte{0x6A}, m1...), h.Sum(nil)...), 0xBC)
	s := new(big.Int).Exp(new(big.Int).SetBytes(m), k.D, k.N)
	return s.FillBytes(make([]byte, size)), nil
}

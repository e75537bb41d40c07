package vchip

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/internal/tlv"
)

// PACE responder errors; the chip answers 6A80 for ErrPACEData and 6300 for
// ErrPACEToken.
var (
	ErrPACEData  = errors.New("vchip: malformed PACE step")
	ErrPACEToken = errors.New("vchip: terminal PACE token does not verify")
)

// PACEResponder is the chip's side of PACE GM ECDH (ICAO 9303-11 §4.4): it
// answers the four GENERAL AUTHENTICATE steps in order.
type PACEResponder struct {
	info  emrtd.PACEInfo
	curve *emrtd.Curve
	kpi   []byte
	rnd   io.Reader

	step      int
	nonce     []byte
	gx, gy    *big.Int
	pkMapIC   []byte
	pkIC      []byte
	skIC      []byte
	ksEnc     []byte
	ksMAC     []byte
	pkIFDSeen []byte
}

// NewPACEResponder prepares the chip side for one PACE run with the given
// protocol and the chip's copy of the password; rnd supplies the nonce and
// the chip's ephemeral keys.
func NewPACEResponder(info emrtd.PACEInfo, pw emrtd.Password, rnd io.Reader) (*PACEResponder, error) {
	if !info.Supported() {
		return nil, fmt.Errorf("%w: %v not supported by the responder", emrtd.ErrUnsupportedParameters, info.Protocol)
	}
	curve, err := emrtd.CurveByID(info.ParameterID)
	if err != nil {
		return nil, err
	}
	return &PACEResponder{info: info, curve: curve, kpi: emrtd.PACEPasswordKey(pw, info.Cipher), rnd: rnd}, nil
}

// Step answers one GENERAL AUTHENTICATE command data field (7C ...) and
// returns the response data field. After the last step it also returns the
// secure messaging session (SSC zero).
func (p *PACEResponder) Step(data []byte) ([]byte, *emrtd.SecureMessaging, error) {
	outer, err := tlv.Find(data, emrtd.TagDynamicAuthData)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
	}
	field := func(tag tlv.Tag) ([]byte, error) {
		o, err := tlv.Find(outer.Value, tag)
		if err != nil {
			return nil, fmt.Errorf("%w: step %d: %v", ErrPACEData, p.step+1, err)
		}
		return o.Value, nil
	}
	c := p.info.Cipher
	switch p.step {
	case 0:
		if len(outer.Value) != 0 {
			return nil, nil, fmt.Errorf("%w: step 1 carries data", ErrPACEData)
		}
		p.nonce = make([]byte, c.BlockSize())
		if _, err := io.ReadFull(p.rnd, p.nonce); err != nil {
			return nil, nil, err
		}
		z, err := emrtd.EncryptCBC(c, p.kpi, nil, p.nonce)
		if err != nil {
			return nil, nil, err
		}
		p.step++
		return answer(emrtd.TagPACENonce, z), nil, nil
	case 1:
		raw, err := field(emrtd.TagMappingIFD)
		if err != nil {
			return nil, nil, err
		}
		mx, my, err := p.curve.Unmarshal(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
		}
		sk, err := p.curve.RandomScalar(p.rnd)
		if err != nil {
			return nil, nil, err
		}
		p.pkMapIC = p.curve.Marshal(p.curve.ScalarBaseMult(sk))
		hx, hy := p.curve.ScalarMult(mx, my, sk)
		if p.gx, p.gy, err = emrtd.MapGeneric(p.curve, p.nonce, hx, hy); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
		}
		p.step++
		return answer(emrtd.TagMappingIC, p.pkMapIC), nil, nil
	case 2:
		raw, err := field(emrtd.TagEphemeralIFD)
		if err != nil {
			return nil, nil, err
		}
		px, py, err := p.curve.Unmarshal(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
		}
		if p.skIC, err = p.curve.RandomScalar(p.rnd); err != nil {
			return nil, nil, err
		}
		p.pkIC = p.curve.Marshal(p.curve.ScalarMult(p.gx, p.gy, p.skIC))
		if subtle.ConstantTimeCompare(p.pkIC, raw) == 1 {
			return nil, nil, fmt.Errorf("%w: terminal key equals the chip's", ErrPACEData)
		}
		kx, _ := p.curve.ScalarMult(px, py, p.skIC)
		p.ksEnc, p.ksMAC = emrtd.PACESessionKeys(kx.FillBytes(make([]byte, p.curve.ByteLen())), c)
		p.pkIFDSeen = raw
		p.step++
		return answer(emrtd.TagEphemeralIC, p.pkIC), nil, nil
	case 3:
		tIFD, err := field(emrtd.TagTokenIFD)
		if err != nil {
			return nil, nil, err
		}
		want, err := emrtd.PACEToken(c, p.ksMAC, p.info.Protocol, p.pkIC)
		if err != nil {
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare(want, tIFD) != 1 {
			return nil, nil, ErrPACEToken
		}
		tIC, err := emrtd.PACEToken(c, p.ksMAC, p.info.Protocol, p.pkIFDSeen)
		if err != nil {
			return nil, nil, err
		}
		sm, err := emrtd.NewSecureMessaging(c, p.ksEnc, p.ksMAC, emrtd.ZeroSSC(c))
		if err != nil {
			return nil, nil, err
		}
		p.step++
		return answer(emrtd.TagTokenIC, tIC), sm, nil
	}
	return nil, nil, fmt.Errorf("%w: PACE already completed", ErrPACEData)
}

func answer(tag tlv.Tag, v []byte) []byte {
	return tlv.Encode(emrtd.TagDynamicAuthData, tlv.Encode(tag, v))
}

package vchip

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/internal/tlv"
)

// PACE responder errors; the chip answers 6A80 for ErrPACEData and 6300 for
// ErrPACEToken.
var (
	ErrPACEData  = errors.New("vchip: malformed PACE step")
	ErrPACEToken = errors.New("vchip: terminal PACE token does not verify")
)

// PACEResponder is the chip's side of PACE (ICAO 9303-11 §4.4) with Generic
// or Integrated Mapping over ECDH or DH, or Chip Authentication Mapping over
// ECDH: it answers the four GENERAL AUTHENTICATE steps in order.
type PACEResponder struct {
	info  emrtd.PACEInfo
	group emrtd.Group
	kpi   []byte
	rnd   io.Reader
	caKey []byte

	step  int
	skMap []byte
	nonce []byte
	gen   []byte
	pkIC  []byte
	pkIFD []byte
	ksEnc []byte
	ksMAC []byte
}

// NewPACEResponder prepares the chip side for one PACE run with the given
// protocol and the chip's copy of the password; rnd supplies the nonce and
// the chip's ephemeral keys. caKey is the chip's static Chip Authentication
// private key, required for Chip Authentication Mapping and unused
// otherwise.
func NewPACEResponder(info emrtd.PACEInfo, pw emrtd.Password, caKey []byte, rnd io.Reader) (*PACEResponder, error) {
	if info.Mapping == emrtd.MappingChipAuthentication && len(caKey) == 0 {
		return nil, fmt.Errorf("%w: chip authentication mapping needs the chip's static key", emrtd.ErrUnsupportedParameters)
	}
	if !info.Supported() {
		return nil, fmt.Errorf("%w: %v not supported by the responder", emrtd.ErrUnsupportedParameters, info.Protocol)
	}
	group, err := emrtd.GroupByID(info.ParameterID)
	if err != nil {
		return nil, err
	}
	return &PACEResponder{info: info, group: group, kpi: emrtd.PACEPasswordKey(pw, info.Cipher), rnd: rnd, caKey: caKey}, nil
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
	c, g := p.info.Cipher, p.group
	switch p.step {
	case 0:
		if len(outer.Value) != 0 {
			return nil, nil, fmt.Errorf("%w: step 1 carries data", ErrPACEData)
		}
		n := c.BlockSize()
		if p.info.Mapping == emrtd.MappingIntegrated {
			n = emrtd.IntegratedNonceLen(c)
		}
		p.nonce = make([]byte, n)
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
		pkMapIFD, err := field(emrtd.TagMappingIFD)
		if err != nil {
			return nil, nil, err
		}
		if p.info.Mapping == emrtd.MappingIntegrated {
			if p.gen, err = g.MapIntegrated(c, p.nonce, pkMapIFD); err != nil {
				return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
			}
			p.step++
			return answer(emrtd.TagMappingIC, nil), nil, nil
		}
		sk, err := g.RandomScalar(p.rnd)
		if err != nil {
			return nil, nil, err
		}
		p.skMap = sk
		pkMapIC, err := g.PublicKey(sk, nil)
		if err != nil {
			return nil, nil, err
		}
		h, err := g.Agree(sk, pkMapIFD)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
		}
		if p.gen, err = g.MapGeneric(p.nonce, h); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
		}
		p.step++
		return answer(emrtd.TagMappingIC, pkMapIC), nil, nil
	case 2:
		if p.pkIFD, err = field(emrtd.TagEphemeralIFD); err != nil {
			return nil, nil, err
		}
		sk, err := g.RandomScalar(p.rnd)
		if err != nil {
			return nil, nil, err
		}
		if p.pkIC, err = g.PublicKey(sk, p.gen); err != nil {
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare(p.pkIC, p.pkIFD) == 1 {
			return nil, nil, fmt.Errorf("%w: terminal key equals the chip's", ErrPACEData)
		}
		k, err := g.Agree(sk, p.pkIFD)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPACEData, err)
		}
		p.ksEnc, p.ksMAC = emrtd.PACESessionKeys(g.SharedSecret(k), c)
		p.step++
		return answer(emrtd.TagEphemeralIC, p.pkIC), nil, nil
	case 3:
		tIFD, err := field(emrtd.TagTokenIFD)
		if err != nil {
			return nil, nil, err
		}
		want, err := emrtd.PACEToken(c, p.ksMAC, p.info.Protocol, g.PublicKeyTag(), p.pkIC)
		if err != nil {
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare(want, tIFD) != 1 {
			return nil, nil, ErrPACEToken
		}
		tIC, err := emrtd.PACEToken(c, p.ksMAC, p.info.Protocol, g.PublicKeyTag(), p.pkIFD)
		if err != nil {
			return nil, nil, err
		}
		sm, err := emrtd.NewSecureMessaging(c, p.ksEnc, p.ksMAC, emrtd.ZeroSSC(c))
		if err != nil {
			return nil, nil, err
		}
		p.step++
		inner := tlv.Encode(emrtd.TagTokenIC, tIC)
		if p.info.Mapping == emrtd.MappingChipAuthentication {
			curve, ok := g.(*emrtd.Curve)
			if !ok {
				return nil, nil, fmt.Errorf("%w: CAM on a DH group", ErrPACEData)
			}
			ca, err := emrtd.ChipAuthenticationData(curve, p.caKey, p.skMap)
			if err != nil {
				return nil, nil, err
			}
			aIC, err := emrtd.EncryptChipAuthenticationData(p.ksEnc, ca)
			if err != nil {
				return nil, nil, err
			}
			inner = tlv.Append(inner, emrtd.TagEncryptedChipAuthData, aIC)
		}
		return tlv.Encode(emrtd.TagDynamicAuthData, inner), sm, nil
	}
	return nil, nil, fmt.Errorf("%w: PACE already completed", ErrPACEData)
}

func answer(tag tlv.Tag, v []byte) []byte {
	return tlv.Encode(emrtd.TagDynamicAuthData, tlv.Encode(tag, v))
}

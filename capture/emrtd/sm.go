package emrtd

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// Secure messaging errors.
var (
	// ErrSMResponse reports a protected response that is malformed or lacks
	// a mandatory data object; its content must not be used.
	ErrSMResponse = errors.New("emrtd: malformed secure messaging response")
	// ErrSMMAC reports a protected message whose MAC does not verify: the
	// data was altered or the session keys or SSC differ. The secure
	// channel cannot be trusted any more; authenticate again.
	ErrSMMAC = errors.New("emrtd: secure messaging MAC mismatch")
	// ErrSMCommand reports a command that cannot be protected (it already
	// has secure messaging bits in CLA, or is chained).
	ErrSMCommand = errors.New("emrtd: command cannot be protected")
)

// Secure messaging data object tags (ICAO 9303-11 §9.8, ISO/IEC 7816-4 §10).
const (
	TagSMCryptogramOdd tlv.Tag = 0x85 // cryptogram, odd INS, no padding indicator
	TagSMCryptogram    tlv.Tag = 0x87 // padding indicator 01 followed by the cryptogram
	TagSMLe            tlv.Tag = 0x97 // protected Le
	TagSMStatus        tlv.Tag = 0x99 // protected status word
	TagSMMAC           tlv.Tag = 0x8E // cryptographic checksum
)

// MACLen is the length of secure messaging MACs and PACE tokens.
const MACLen = 8

// SecureMessaging holds the state of one secure messaging session (ICAO
// 9303-11 §9.8): the session keys and the send sequence counter. The
// terminal uses WrapCommand and UnwrapResponse; a chip implementation builds
// on IncrementSSC, Encrypt, Decrypt and MAC. It is not safe for concurrent
// use; Session serialises access.
type SecureMessaging struct {
	c      Cipher
	enc    cipher.Block
	mac    cipher.Block // AES key, or single-DES K1 for the retail MAC
	mac2   cipher.Block // single-DES K2 (3DES only)
	ssc    []byte
	closed bool
}

// NewSecureMessaging starts a session with the given session keys and
// initial send sequence counter (8 bytes for 3DES, 16 for AES).
func NewSecureMessaging(c Cipher, ksEnc, ksMAC, ssc []byte) (*SecureMessaging, error) {
	if !c.valid() {
		return nil, fmt.Errorf("%w: unknown cipher %v", ErrCrypto, c)
	}
	if len(ssc) != c.BlockSize() {
		return nil, fmt.Errorf("%w: SSC of %d bytes for %v", ErrCrypto, len(ssc), c)
	}
	enc, err := newBlock(c, ksEnc)
	if err != nil {
		return nil, fmt.Errorf("session encryption key: %w", err)
	}
	if len(ksMAC) != c.KeyLen() {
		return nil, fmt.Errorf("%w: %d-byte MAC key for %v", ErrCrypto, len(ksMAC), c)
	}
	s := &SecureMessaging{c: c, enc: enc, ssc: append([]byte(nil), ssc...)}
	if c == TDES {
		if s.mac, err = des.NewCipher(ksMAC[:8]); err != nil {
			return nil, err
		}
		if s.mac2, err = des.NewCipher(ksMAC[8:]); err != nil {
			return nil, err
		}
	} else if s.mac, err = newBlock(c, ksMAC); err != nil {
		return nil, fmt.Errorf("session MAC key: %w", err)
	}
	return s, nil
}

// Cipher returns the session's cipher.
func (s *SecureMessaging) Cipher() Cipher { return s.c }

// SSC returns a copy of the current send sequence counter.
func (s *SecureMessaging) SSC() []byte { return append([]byte(nil), s.ssc...) }

// IncrementSSC adds one to the send sequence counter; it is done before
// protecting each command and before verifying each response.
func (s *SecureMessaging) IncrementSSC() {
	for i := len(s.ssc) - 1; i >= 0; i-- {
		s.ssc[i]++
		if s.ssc[i] != 0 {
			return
		}
	}
}

// iv returns the CBC IV: zero for 3DES, E(KSenc, SSC) for AES.
func (s *SecureMessaging) iv() []byte {
	iv := make([]byte, s.c.BlockSize())
	if s.c != TDES {
		s.enc.Encrypt(iv, s.ssc)
	}
	return iv
}

// Encrypt pads plain (method 2) and encrypts it under KSenc with the IV for
// the current SSC.
func (s *SecureMessaging) Encrypt(plain []byte) []byte {
	p := Pad(plain, s.c.BlockSize())
	out := make([]byte, len(p))
	cipher.NewCBCEncrypter(s.enc, s.iv()).CryptBlocks(out, p)
	return out
}

// Decrypt decrypts a cryptogram under KSenc with the IV for the current SSC
// and removes the padding.
func (s *SecureMessaging) Decrypt(cryptogram []byte) ([]byte, error) {
	bs := s.c.BlockSize()
	if len(cryptogram) == 0 || len(cryptogram)%bs != 0 {
		return nil, fmt.Errorf("%w: cryptogram of %d bytes", ErrSMResponse, len(cryptogram))
	}
	out := make([]byte, len(cryptogram))
	cipher.NewCBCDecrypter(s.enc, s.iv()).CryptBlocks(out, cryptogram)
	return Unpad(out)
}

// MAC returns the 8-byte MAC over SSC || data, padded with method 2: the
// retail MAC for 3DES, AES-CMAC truncated to 8 bytes for AES.
func (s *SecureMessaging) MAC(data []byte) []byte {
	m := make([]byte, 0, len(s.ssc)+len(data))
	m = append(append(m, s.ssc...), data...)
	if s.c == TDES {
		return retailMAC(s.mac, s.mac2, m)
	}
	return cmac(s.mac, Pad(m, s.c.BlockSize()))[:MACLen]
}

// VerifyMAC compares MAC(data) with mac in constant time.
func (s *SecureMessaging) VerifyMAC(data, mac []byte) bool {
	return len(mac) == MACLen && subtle.ConstantTimeCompare(s.MAC(data), mac) == 1
}

// WrapCommand protects a plain command (ICAO 9303-11 §9.8.6): it increments
// the SSC, encrypts the data into DO'87' (DO'85' for an odd INS), protects Le
// in DO'97', and appends the MAC in DO'8E'. It returns the encoded protected
// APDU.
func (s *SecureMessaging) WrapCommand(cmd Command) ([]byte, error) {
	if cmd.CLA&0x0C != 0 || cmd.CLA&0x10 != 0 {
		return nil, fmt.Errorf("%w: CLA %02X already has secure messaging or chaining bits", ErrSMCommand, cmd.CLA)
	}
	if len(cmd.Data) > MaxExtendedData-64 || cmd.Ne < 0 || cmd.Ne > MaxExtendedNe {
		return nil, fmt.Errorf("%w: %d data bytes, Ne %d", ErrSMCommand, len(cmd.Data), cmd.Ne)
	}
	s.IncrementSSC()
	ext := cmd.extended()
	header := []byte{cmd.CLA | 0x0C, cmd.INS, cmd.P1, cmd.P2}

	body := make([]byte, 0, len(cmd.Data)+48)
	if len(cmd.Data) > 0 {
		crypt := s.Encrypt(cmd.Data)
		if cmd.INS&1 == 1 {
			body = tlv.Append(body, TagSMCryptogramOdd, crypt)
		} else {
			v := make([]byte, 0, 1+len(crypt))
			body = tlv.Append(body, TagSMCryptogram, append(append(v, 0x01), crypt...))
		}
	}
	if cmd.Ne > 0 {
		if ext {
			body = tlv.Append(body, TagSMLe, []byte{byte(cmd.Ne >> 8), byte(cmd.Ne)})
		} else {
			body = tlv.Append(body, TagSMLe, []byte{byte(cmd.Ne)})
		}
	}
	macInput := append(Pad(header, s.c.BlockSize()), body...)
	body = tlv.Append(body, TagSMMAC, s.MAC(macInput))

	out := Command{CLA: header[0], INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: body, Ne: MaxShortNe, Extended: ext}
	if out.extended() {
		out.Ne = MaxExtendedNe
	}
	return out.Bytes()
}

// UnwrapResponse verifies and decrypts a protected response APDU (ICAO
// 9303-11 §9.8.6). It increments the SSC, then checks the MAC before any
// content is used.
//
// A response that is a bare status word other than 9000 is a chip that
// answered unprotected (it usually means the chip has left secure messaging,
// as it does for 6987 and 6988): it is returned as a Response with no data and
// a *StatusError, never as data. A bare 9000 is rejected with ErrSMResponse.
func (s *SecureMessaging) UnwrapResponse(b []byte) (Response, error) {
	r, err := ParseResponse(b)
	if err != nil {
		return Response{}, err
	}
	s.IncrementSSC()
	if len(r.Data) == 0 {
		if r.SW == SWSuccess {
			return Response{}, fmt.Errorf("%w: unprotected success status without MAC", ErrSMResponse)
		}
		return Response{SW: r.SW}, &StatusError{SW: r.SW}
	}
	var crypt, status, mac *tlv.Object
	odd := false
	macEnd, pos := 0, 0
	sc := tlv.NewScanner(r.Data)
	for sc.Scan() {
		o := sc.Object()
		start := pos
		pos += len(o.Raw)
		if mac != nil {
			return Response{}, fmt.Errorf("%w: data object %s after the MAC", ErrSMResponse, o.Tag)
		}
		switch o.Tag {
		case TagSMCryptogram, TagSMCryptogramOdd:
			if crypt != nil || status != nil {
				return Response{}, fmt.Errorf("%w: unexpected cryptogram %s", ErrSMResponse, o.Tag)
			}
			crypt, odd = &o, o.Tag == TagSMCryptogramOdd
		case TagSMStatus:
			if status != nil {
				return Response{}, fmt.Errorf("%w: repeated DO'99'", ErrSMResponse)
			}
			status = &o
		case TagSMMAC:
			mac, macEnd = &o, start
		default:
			return Response{}, fmt.Errorf("%w: unexpected data object %s", ErrSMResponse, o.Tag)
		}
	}
	if err := sc.Err(); err != nil {
		return Response{}, fmt.Errorf("%w: %v", ErrSMResponse, err)
	}
	if mac == nil {
		return Response{}, fmt.Errorf("%w: no DO'8E' MAC", ErrSMResponse)
	}
	if !s.VerifyMAC(r.Data[:macEnd], mac.Value) {
		return Response{}, ErrSMMAC
	}
	if status == nil || len(status.Value) != 2 {
		return Response{}, fmt.Errorf("%w: missing or malformed DO'99' status", ErrSMResponse)
	}
	out := Response{SW: uint16(status.Value[0])<<8 | uint16(status.Value[1])}
	if crypt != nil {
		v := crypt.Value
		if !odd {
			if len(v) < 1 || v[0] != 0x01 {
				return Response{}, fmt.Errorf("%w: DO'87' padding indicator missing", ErrSMResponse)
			}
			v = v[1:]
		}
		plain, err := s.Decrypt(v)
		if err != nil {
			return Response{}, fmt.Errorf("%w: %v", ErrSMResponse, err)
		}
		out.Data = plain
	}
	return out, nil
}

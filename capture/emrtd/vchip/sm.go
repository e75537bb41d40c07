package vchip

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/internal/tlv"
)

// ErrProtectedCommand reports a protected command that the chip must reject
// with 6988 (or 6987 when data objects are missing).
var ErrProtectedCommand = errors.New("vchip: protected command rejected")

// ErrBACCryptogram reports a MUTUAL AUTHENTICATE whose cryptogram does not
// verify; the chip answers 6300.
var ErrBACCryptogram = errors.New("vchip: BAC cryptogram does not verify")

// UnwrapCommand verifies and decrypts a protected command APDU the way a chip
// does (ICAO 9303-11 §9.8): it increments the SSC, checks the DO'8E' MAC over
// the padded header and the data objects, then decrypts DO'87'/'85' and reads
// Le from DO'97'. It returns the plain command.
func UnwrapCommand(sm *emrtd.SecureMessaging, apdu []byte) (emrtd.Command, error) {
	cmd, err := emrtd.ParseCommand(apdu)
	if err != nil {
		return emrtd.Command{}, fmt.Errorf("%w: %v", ErrProtectedCommand, err)
	}
	sm.IncrementSSC()
	if cmd.CLA&0x0C != 0x0C {
		return emrtd.Command{}, fmt.Errorf("%w: CLA %02X is not protected", ErrProtectedCommand, cmd.CLA)
	}
	var crypt, le, mac *tlv.Object
	pos, macAt := 0, -1
	s := tlv.NewScanner(cmd.Data)
	for s.Scan() {
		o := s.Object()
		start := pos
		pos += len(o.Raw)
		if mac != nil {
			return emrtd.Command{}, fmt.Errorf("%w: data after the MAC", ErrProtectedCommand)
		}
		switch o.Tag {
		case emrtd.TagSMCryptogram, emrtd.TagSMCryptogramOdd:
			if crypt != nil || le != nil {
				return emrtd.Command{}, fmt.Errorf("%w: misplaced cryptogram", ErrProtectedCommand)
			}
			crypt = &o
		case emrtd.TagSMLe:
			if le != nil {
				return emrtd.Command{}, fmt.Errorf("%w: repeated DO'97'", ErrProtectedCommand)
			}
			le = &o
		case emrtd.TagSMMAC:
			mac, macAt = &o, start
		default:
			return emrtd.Command{}, fmt.Errorf("%w: unexpected data object %s", ErrProtectedCommand, o.Tag)
		}
	}
	if err := s.Err(); err != nil {
		return emrtd.Command{}, fmt.Errorf("%w: %v", ErrProtectedCommand, err)
	}
	if mac == nil {
		return emrtd.Command{}, fmt.Errorf("%w: no MAC", ErrProtectedCommand)
	}
	header := emrtd.Pad([]byte{cmd.CLA, cmd.INS, cmd.P1, cmd.P2}, sm.Cipher().BlockSize())
	if !sm.VerifyMAC(append(header, cmd.Data[:macAt]...), mac.Value) {
		return emrtd.Command{}, fmt.Errorf("%w: MAC mismatch", ErrProtectedCommand)
	}
	plain := emrtd.Command{CLA: cmd.CLA &^ 0x0C, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2}
	if crypt != nil {
		v := crypt.Value
		if crypt.Tag == emrtd.TagSMCryptogram {
			if len(v) < 1 || v[0] != 0x01 {
				return emrtd.Command{}, fmt.Errorf("%w: padding indicator", ErrProtectedCommand)
			}
			v = v[1:]
		}
		if plain.Data, err = sm.Decrypt(v); err != nil {
			return emrtd.Command{}, fmt.Errorf("%w: %v", ErrProtectedCommand, err)
		}
	}
	if le != nil {
		switch len(le.Value) {
		case 1:
			plain.Ne = int(le.Value[0])
			if plain.Ne == 0 {
				plain.Ne = emrtd.MaxShortNe
			}
		case 2:
			plain.Ne = int(le.Value[0])<<8 | int(le.Value[1])
			if plain.Ne == 0 {
				plain.Ne = emrtd.MaxExtendedNe
			}
			plain.Extended = true
		default:
			return emrtd.Command{}, fmt.Errorf("%w: DO'97' of %d bytes", ErrProtectedCommand, len(le.Value))
		}
	}
	return plain, nil
}

// WrapResponse protects a response the way a chip does: it increments the
// SSC, encrypts the data into DO'87' (DO'85' when odd is set), adds the status
// in DO'99' and the MAC in DO'8E'. The outer status word repeats the inner
// one.
func WrapResponse(sm *emrtd.SecureMessaging, r emrtd.Response, odd bool) []byte {
	sm.IncrementSSC()
	var body []byte
	if len(r.Data) > 0 {
		crypt := sm.Encrypt(r.Data)
		if odd {
			body = tlv.Append(body, emrtd.TagSMCryptogramOdd, crypt)
		} else {
			body = tlv.Append(body, emrtd.TagSMCryptogram, append([]byte{0x01}, crypt...))
		}
	}
	body = tlv.Append(body, emrtd.TagSMStatus, []byte{byte(r.SW >> 8), byte(r.SW)})
	body = tlv.Append(body, emrtd.TagSMMAC, sm.MAC(body))
	return emrtd.Response{Data: body, SW: r.SW}.Bytes()
}

// BACAnswer is the chip's half of MUTUAL AUTHENTICATE (ICAO 9303-11 §4.3.3):
// it verifies the terminal's cryptogram E_IFD||M_IFD against the chip's
// challenge, and returns the answer E_IC||M_IC for the chip's key share kIC
// together with the session it opens.
func BACAnswer(kEnc, kMAC, rndIC, kIC, cmdData []byte) ([]byte, *emrtd.SecureMessaging, error) {
	if len(cmdData) != 40 {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrBACCryptogram, len(cmdData))
	}
	eIFD, mIFD := cmdData[:32], cmdData[32:]
	want, err := emrtd.RetailMAC(kMAC, eIFD)
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare(want, mIFD) != 1 {
		return nil, nil, fmt.Errorf("%w: MAC", ErrBACCryptogram)
	}
	s, err := emrtd.DecryptCBC(emrtd.TDES, kEnc, nil, eIFD)
	if err != nil {
		return nil, nil, err
	}
	rndIFD, gotIC, kIFD := s[:8], s[8:16], s[16:32]
	if subtle.ConstantTimeCompare(gotIC, rndIC) != 1 {
		return nil, nil, fmt.Errorf("%w: challenge", ErrBACCryptogram)
	}
	r := make([]byte, 0, 32)
	r = append(append(append(r, rndIC...), rndIFD...), kIC...)
	eIC, err := emrtd.EncryptCBC(emrtd.TDES, kEnc, nil, r)
	if err != nil {
		return nil, nil, err
	}
	mIC, err := emrtd.RetailMAC(kMAC, eIC)
	if err != nil {
		return nil, nil, err
	}
	sm, err := emrtd.BACSessionKeys(kIFD, kIC, rndIC, rndIFD)
	if err != nil {
		return nil, nil, err
	}
	return append(eIC, mIC...), sm, nil
}

package vchip

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/internal/tlv"
)

// aidLDS1 is the eMRTD LDS1 application identifier (ICAO 9303-10).
const aidLDS1 = "\xA0\x00\x00\x02\x47\x10\x01"

// Config describes the simulated document.
type Config struct {
	// MRZ is the key printed in the document's MRZ (BAC and PACE-MRZ).
	MRZ emrtd.MRZKey
	// CAN is the card access number for PACE-CAN; empty disables it.
	CAN string
	// PACE lists the PACEInfos published in EF.CardAccess; empty means a
	// BAC-only chip without EF.CardAccess.
	PACE []emrtd.PACEInfo
	// ChipAuthenticationKey is the chip's static Chip Authentication private
	// key, needed to offer PACE with Chip Authentication Mapping.
	ChipAuthenticationKey []byte
	// ActiveAuthenticationKey is the chip's Active Authentication private
	// key (RSA or ECDSA); nil means the chip does not offer it.
	ActiveAuthenticationKey crypto.Signer
	// ActiveAuthenticationHash is the hash of ECDSA Active Authentication
	// (what DG14's ActiveAuthenticationInfo announces); RSA uses SHA-1.
	ActiveAuthenticationHash crypto.Hash
	// ATRInfo is the content of EF.ATR/INFO in the master file (for
	// example its extended length information); nil means no such file.
	ATRInfo []byte
	// CardSecurity is the content of EF.CardSecurity in the master file,
	// readable after PACE; nil means no such file.
	CardSecurity []byte
	// ChipAuthentication enables Chip Authentication with a static key.
	ChipAuthentication *ChipAuthentication
	// Faults are misbehaviours to show (tests of the reader's error paths).
	Faults []Fault
	// Files holds the LDS1 application's elementary files by FID.
	Files map[uint16][]byte
	// Rand supplies challenges, nonces and ephemeral keys; nil means
	// crypto/rand.
	Rand io.Reader
}

// Card is an in-process eMRTD chip. It implements emrtd.Transport.
type Card struct {
	mu         sync.Mutex
	cfg        Config
	cardAccess []byte
	kEnc, kMAC []byte

	appSelected bool
	current     []byte
	sm          *emrtd.SecureMessaging
	rndIC       []byte
	pace        *PACEResponder
	paceInfo    *emrtd.PACEInfo
	paceRef     emrtd.PasswordRef
	// caCipher is set between MSE:Set AT for Chip Authentication and its
	// GENERAL AUTHENTICATE; nextSM replaces sm after the current answer.
	caCipher emrtd.Cipher
	nextSM   *emrtd.SecureMessaging
	// seen counts, per fault, the commands it matched.
	seen []int
}

var _ emrtd.Transport = (*Card)(nil)

// New builds a chip from cfg.
func New(cfg Config) (*Card, error) {
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	seed, err := cfg.MRZ.Seed()
	if err != nil {
		return nil, fmt.Errorf("vchip: MRZ key: %w", err)
	}
	c := &Card{cfg: cfg}
	c.kEnc, c.kMAC = emrtd.BACKeys(seed)
	if len(cfg.PACE) > 0 {
		if c.cardAccess, err = emrtd.EncodeCardAccess(cfg.PACE...); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Transmit answers one command APDU, with the configured faults applied.
func (c *Card) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := c.fault(apdu)
	if f != nil {
		switch f.Kind {
		case FaultDelay:
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(f.Delay):
			}
		case FaultStatus:
			return sw(f.Status), nil
		}
	}
	out := c.answer(apdu)
	if f != nil {
		out = f.apply(out)
	}
	return out, nil
}

// answer processes one command APDU.
func (c *Card) answer(apdu []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd, err := emrtd.ParseCommand(apdu)
	if err != nil {
		return sw(emrtd.SWWrongLength)
	}
	if cmd.CLA&0x0C == 0x0C {
		if c.sm == nil {
			return sw(emrtd.SWSMDataIncorrect)
		}
		plain, err := UnwrapCommand(c.sm, apdu)
		if err != nil {
			c.sm = nil
			return sw(emrtd.SWSMDataIncorrect)
		}
		resp := c.process(plain)
		if c.sm == nil { // the command itself ended the session
			return resp.Bytes()
		}
		out := WrapResponse(c.sm, resp, plain.INS&1 == 1)
		if c.nextSM != nil { // Chip Authentication: new keys from the next command on
			c.sm, c.nextSM = c.nextSM, nil
		}
		return out
	}
	// A plain command ends secure messaging (ICAO 9303-11 §9.8) and is then
	// processed without it: LDS files answer 6982 again.
	c.sm = nil
	return c.process(cmd).Bytes()
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

func status(s uint16) emrtd.Response { return emrtd.Response{SW: s} }

func (c *Card) process(cmd emrtd.Command) emrtd.Response {
	if cmd.CLA&0x10 != 0 && cmd.INS != 0x86 {
		return status(0x6884) // chaining not supported
	}
	switch cmd.INS {
	case 0xA4:
		return c.selectFile(cmd)
	case 0xB0, 0xB1:
		return c.readBinary(cmd)
	case 0x84:
		return c.getChallenge(cmd)
	case 0x82:
		return c.mutualAuthenticate(cmd)
	case 0x22:
		return c.setAT(cmd)
	case 0x86:
		return c.generalAuthenticate(cmd)
	case 0x88:
		return c.internalAuthenticate(cmd)
	}
	return status(emrtd.SWINSNotSupported)
}

func (c *Card) selectFile(cmd emrtd.Command) emrtd.Response {
	switch cmd.P1 {
	case 0x04:
		if string(cmd.Data) != aidLDS1 {
			return status(emrtd.SWFileNotFound)
		}
		c.appSelected, c.current = true, nil
		return status(emrtd.SWSuccess)
	case 0x00, 0x02:
		if len(cmd.Data) != 2 {
			return status(emrtd.SWWrongData)
		}
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if fid == emrtd.FIDCardAccess && c.cardAccess != nil {
			c.current = c.cardAccess
			return status(emrtd.SWSuccess)
		}
		if fid == emrtd.FIDATRInfo && c.cfg.ATRInfo != nil && !c.appSelected {
			c.current = c.cfg.ATRInfo
			return status(emrtd.SWSuccess)
		}
		if fid == emrtd.FIDCardSecurity && c.cfg.CardSecurity != nil && !c.appSelected {
			if c.sm == nil {
				return status(emrtd.SWSecurityStatus)
			}
			c.current = c.cfg.CardSecurity
			return status(emrtd.SWSuccess)
		}
		data, ok := c.cfg.Files[fid]
		if !ok || !c.appSelected {
			return status(emrtd.SWFileNotFound)
		}
		if c.sm == nil {
			return status(emrtd.SWSecurityStatus)
		}
		c.current = data
		return status(emrtd.SWSuccess)
	}
	return status(emrtd.SWWrongP1P2)
}

func (c *Card) readBinary(cmd emrtd.Command) emrtd.Response {
	if c.current == nil {
		return status(emrtd.SWConditionsNotSatisfied)
	}
	var offset int
	if cmd.INS == 0xB0 {
		if cmd.P1&0x80 != 0 {
			return status(emrtd.SWFunctionNotSupported) // short EF identifiers
		}
		offset = int(cmd.P1)<<8 | int(cmd.P2)
	} else {
		o, err := tlv.Find(cmd.Data, 0x54)
		if err != nil || len(o.Value) == 0 || len(o.Value) > 3 {
			return status(emrtd.SWWrongData)
		}
		for _, b := range o.Value {
			offset = offset<<8 | int(b)
		}
	}
	if offset > len(c.current) {
		return status(emrtd.SWWrongParameters)
	}
	n := min(cmd.Ne, len(c.current)-offset)
	data := c.current[offset : offset+n]
	if cmd.INS == 0xB1 {
		data = tlv.Encode(0x53, data)
	}
	code := uint16(emrtd.SWSuccess)
	if n < cmd.Ne {
		code = emrtd.SWEndOfFile
	}
	return emrtd.Response{Data: data, SW: code}
}

func (c *Card) getChallenge(cmd emrtd.Command) emrtd.Response {
	if cmd.Ne != 8 {
		return status(emrtd.SWWrongLength)
	}
	c.sm = nil
	c.rndIC = make([]byte, 8)
	if _, err := io.ReadFull(c.cfg.Rand, c.rndIC); err != nil {
		return status(emrtd.SWNoPreciseDiagnosis)
	}
	return emrtd.Response{Data: c.rndIC, SW: emrtd.SWSuccess}
}

func (c *Card) mutualAuthenticate(cmd emrtd.Command) emrtd.Response {
	if c.rndIC == nil {
		return status(emrtd.SWConditionsNotSatisfied)
	}
	rndIC := c.rndIC
	c.rndIC = nil
	kIC := make([]byte, 16)
	if _, err := io.ReadFull(c.cfg.Rand, kIC); err != nil {
		return status(emrtd.SWNoPreciseDiagnosis)
	}
	ans, sm, err := BACAnswer(c.kEnc, c.kMAC, rndIC, kIC, cmd.Data)
	if err != nil {
		return status(emrtd.SWAuthenticationFailed)
	}
	c.sm = sm
	return emrtd.Response{Data: ans, SW: emrtd.SWSuccess}
}

func (c *Card) setAT(cmd emrtd.Command) emrtd.Response {
	switch {
	case cmd.P1 == 0x41 && cmd.P2 == 0xA4:
		return c.setCA(cmd)
	case cmd.P1 == 0x41 && cmd.P2 == 0xA6:
		return c.setKAT(cmd)
	}
	if cmd.P1 != 0xC1 || cmd.P2 != 0xA4 {
		return status(emrtd.SWWrongP1P2)
	}
	c.pace, c.paceInfo, c.sm = nil, nil, nil
	proto, err := tlv.Find(cmd.Data, 0x80)
	if err != nil {
		return status(emrtd.SWWrongData)
	}
	ref, err := tlv.Find(cmd.Data, 0x83)
	if err != nil || len(ref.Value) != 1 {
		return status(emrtd.SWWrongData)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(tlv.Encode(0x06, proto.Value), &oid); err != nil {
		return status(emrtd.SWWrongData)
	}
	paramID := -1
	if p, err := tlv.Find(cmd.Data, 0x84); err == nil && len(p.Value) == 1 {
		paramID = int(p.Value[0])
	}
	for i := range c.cfg.PACE {
		info := c.cfg.PACE[i]
		if info.Protocol.Equal(oid) && (paramID < 0 || paramID == info.ParameterID) {
			c.paceInfo, c.paceRef = &info, emrtd.PasswordRef(ref.Value[0])
			return status(emrtd.SWSuccess)
		}
	}
	return status(emrtd.SWReferenceNotFound)
}

func (c *Card) password(ref emrtd.PasswordRef) (emrtd.Password, error) {
	switch ref {
	case emrtd.PasswordMRZ:
		return c.cfg.MRZ.PACEPassword()
	case emrtd.PasswordCAN:
		if c.cfg.CAN != "" {
			return emrtd.CANPassword(c.cfg.CAN)
		}
	}
	return emrtd.Password{}, errors.New("vchip: password type not available")
}

func (c *Card) generalAuthenticate(cmd emrtd.Command) emrtd.Response {
	if c.caCipher != 0 {
		return c.caGeneralAuthenticate(cmd)
	}
	if c.paceInfo == nil {
		return status(emrtd.SWConditionsNotSatisfied)
	}
	if c.pace == nil {
		pw, err := c.password(c.paceRef)
		if err != nil {
			return status(emrtd.SWReferenceNotFound)
		}
		if c.pace, err = NewPACEResponder(*c.paceInfo, pw, c.cfg.ChipAuthenticationKey, c.cfg.Rand); err != nil {
			return status(emrtd.SWFunctionNotSupported)
		}
	}
	last := cmd.CLA&0x10 == 0
	ans, sm, err := c.pace.Step(cmd.Data)
	if err != nil || last != (sm != nil) {
		c.pace, c.paceInfo = nil, nil
		if errors.Is(err, ErrPACEToken) {
			return status(emrtd.SWAuthenticationFailed)
		}
		return status(emrtd.SWWrongData)
	}
	if sm != nil {
		c.pace, c.paceInfo = nil, nil
		c.sm = sm
	}
	return emrtd.Response{Data: ans, SW: emrtd.SWSuccess}
}

// ATR returns the chip's answer to reset: that of a contactless card behind
// a PC/SC reader (PC/SC part 3: 3B 8n 80 01, no historical bytes, TCK).
func (c *Card) ATR() []byte { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }

// Reset returns the chip to its state after power-on: no application
// selected, no secure messaging, no authentication in progress.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.appSelected, c.current, c.sm, c.rndIC = false, nil, nil, nil
	c.pace, c.paceInfo, c.caCipher, c.nextSM = nil, nil, 0, nil
}

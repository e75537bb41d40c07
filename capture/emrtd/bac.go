package emrtd

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// ErrBACResponse reports a MUTUAL AUTHENTICATE answer that does not prove
// knowledge of the key: wrong length, wrong MAC or wrong nonces. Either the
// MRZ key is wrong or the chip is not genuine.
var ErrBACResponse = errors.New("emrtd: BAC response does not authenticate the chip")

// BACKeys derives the document basic access keys K_enc and K_mac from the
// key seed (ICAO 9303-11 §9.7.1, counters 1 and 2).
func BACKeys(seed []byte) (kEnc, kMAC []byte) {
	return KDF(seed, KDFEnc, TDES), KDF(seed, KDFMAC, TDES)
}

// BACSessionKeys derives the secure messaging state that both sides compute
// at the end of BAC (ICAO 9303-11 §9.7.4): K_seed = K.IFD xor K.IC, the
// session keys from it and SSC = the four low bytes of RND.IC then of
// RND.IFD.
func BACSessionKeys(kIFD, kIC, rndIC, rndIFD []byte) (*SecureMessaging, error) {
	if len(kIFD) != 16 || len(kIC) != 16 || len(rndIC) != 8 || len(rndIFD) != 8 {
		return nil, fmt.Errorf("%w: BAC key material of the wrong length", ErrCrypto)
	}
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, kIC)
	ssc := append(append(make([]byte, 0, 8), rndIC[4:]...), rndIFD[4:]...)
	ksEnc, ksMAC := BACKeys(seed)
	return NewSecureMessaging(TDES, ksEnc, ksMAC, ssc)
}

// BAC runs Basic Access Control (ICAO 9303-11 §4.3) over t with the MRZ key
// and returns the secure messaging session. rnd supplies RND.IFD and K.IFD
// (24 bytes); nil means crypto/rand.
func BAC(ctx context.Context, t Transport, key MRZKey, rnd io.Reader) (*Session, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	seed, err := key.Seed()
	if err != nil {
		return nil, err
	}
	kEnc, kMAC := BACKeys(seed)

	challenge, err := Send(ctx, t, Command{INS: 0x84, Ne: 8})
	if err != nil {
		return nil, fmt.Errorf("BAC: GET CHALLENGE: %w", err)
	}
	if len(challenge.Data) != 8 {
		return nil, fmt.Errorf("%w: challenge of %d bytes, want 8", ErrBACResponse, len(challenge.Data))
	}
	rndIC := challenge.Data

	var own [24]byte // RND.IFD || K.IFD
	if _, err := io.ReadFull(rnd, own[:]); err != nil {
		return nil, fmt.Errorf("BAC: generating terminal nonces: %w", err)
	}
	rndIFD, kIFD := own[:8], own[8:]
	s := make([]byte, 0, 32)
	s = append(append(append(s, rndIFD...), rndIC...), kIFD...)
	eIFD, err := EncryptCBC(TDES, kEnc, nil, s)
	if err != nil {
		return nil, err
	}
	mIFD, err := RetailMAC(kMAC, eIFD)
	if err != nil {
		return nil, err
	}
	resp, err := Send(ctx, t, Command{INS: 0x82, Data: append(eIFD, mIFD...), Ne: 40})
	if err != nil {
		if errors.Is(err, ErrAuthenticationFailed) || errors.Is(err, ErrSecurityStatus) {
			return nil, fmt.Errorf("BAC: the chip rejected the MRZ key; check document number, date of birth and date of expiry: %w", err)
		}
		return nil, fmt.Errorf("BAC: MUTUAL AUTHENTICATE: %w", err)
	}
	if len(resp.Data) != 40 {
		return nil, fmt.Errorf("%w: answer of %d bytes, want 40", ErrBACResponse, len(resp.Data))
	}
	eIC, mIC := resp.Data[:32], resp.Data[32:]
	want, err := RetailMAC(kMAC, eIC)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(want, mIC) != 1 {
		return nil, fmt.Errorf("%w: MAC mismatch", ErrBACResponse)
	}
	r, err := DecryptCBC(TDES, kEnc, nil, eIC)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(r[:8], rndIC) != 1 || subtle.ConstantTimeCompare(r[8:16], rndIFD) != 1 {
		return nil, fmt.Errorf("%w: nonces do not match", ErrBACResponse)
	}
	sm, err := BACSessionKeys(kIFD, r[16:32], rndIC, rndIFD)
	if err != nil {
		return nil, err
	}
	return NewSession(t, sm), nil
}

package clonecheck

import (
	"bytes"
	"context"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
)

// ErrActiveAuthentication is wrapped when the chip's answer does not prove
// possession of the DG15 key.
var ErrActiveAuthentication = errors.New("clonecheck: active authentication failed")

// ChallengeSize is the length of the terminal's challenge (RND.IFD).
const ChallengeSize = 8

// ActiveAuthenticate sends INTERNAL AUTHENTICATE with a random challenge
// over t (normally the secure messaging session) and verifies the answer
// with the DG15 public key (a DER SubjectPublicKeyInfo). sigAlg is the
// signature algorithm of DG14's ActiveAuthenticationInfo; it is required
// for ECDSA keys and ignored for RSA.
func ActiveAuthenticate(ctx context.Context, t emrtd.Transport, dg15Key []byte, sigAlg asn1.ObjectIdentifier, rnd io.Reader) error {
	pub, err := passive.ParsePublicKeyInfo(dg15Key)
	if err != nil {
		return fmt.Errorf("clonecheck: DG15: %w", err)
	}
	var hash crypto.Hash
	if pub.Curve != nil {
		var ok bool
		if hash, ok = passive.SignatureHash(sigAlg); !ok {
			return fmt.Errorf("clonecheck: ECDSA active authentication needs DG14's signature algorithm, got %v", sigAlg)
		}
	}
	challenge := make([]byte, ChallengeSize)
	if _, err := io.ReadFull(rnd, challenge); err != nil {
		return fmt.Errorf("clonecheck: challenge: %w", err)
	}
	resp, err := emrtd.Send(ctx, t, emrtd.Command{INS: 0x88, Data: challenge, Ne: 256})
	if err != nil {
		return fmt.Errorf("clonecheck: INTERNAL AUTHENTICATE: %w", err)
	}
	if pub.RSA != nil {
		return verifyISO9796(pub, challenge, resp.Data)
	}
	h := hash.New()
	h.Write(challenge)
	if err := pub.VerifyECDSA(h.Sum(nil), resp.Data); err != nil {
		return fmt.Errorf("%w: %v", ErrActiveAuthentication, err)
	}
	return nil
}

// trailerHash maps the ISO/IEC 9796-2 trailer's hash identifier.
func trailerHash(id byte) (crypto.Hash, bool) {
	switch id {
	case 0x33:
		return crypto.SHA1, true
	case 0x34:
		return crypto.SHA256, true
	case 0x35:
		return crypto.SHA512, true
	case 0x36:
		return crypto.SHA384, true
	case 0x38:
		return crypto.SHA224, true
	}
	return 0, false
}

// verifyISO9796 checks an ISO/IEC 9796-2 scheme 1 signature with partial
// message recovery: the representative is 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer,
// where M2 is the challenge.
func verifyISO9796(pub *passive.PublicKey, m2, sig []byte) error {
	k := pub.RSA.Size()
	if len(sig) == 0 || len(sig) > k {
		return fmt.Errorf("%w: signature of %d bytes for a %d-byte key", ErrActiveAuthentication, len(sig), k)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.RSA.N) >= 0 {
		return fmt.Errorf("%w: signature not below the modulus", ErrActiveAuthentication)
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.RSA.E)), pub.RSA.N).FillBytes(make([]byte, k))
	hash, tlen := crypto.SHA1, 1
	switch {
	case m[k-1] == 0xBC:
	case m[k-1] == 0xCC:
		var ok bool
		if hash, ok = trailerHash(m[k-2]); !ok {
			return fmt.Errorf("%w: unknown hash identifier %02X in the trailer", ErrActiveAuthentication, m[k-2])
		}
		tlen = 2
	default:
		return fmt.Errorf("%w: the recovered message has no ISO/IEC 9796-2 trailer", ErrActiveAuthentication)
	}
	if m[0] != 0x6A {
		return fmt.Errorf("%w: the recovered message header is %02X, not 6A (partial recovery)", ErrActiveAuthentication, m[0])
	}
	hl := hash.Size()
	if k < 1+hl+tlen+1 {
		return fmt.Errorf("%w: key too short for %v", ErrActiveAuthentication, hash)
	}
	m1 := m[1 : k-tlen-hl]
	d := m[k-tlen-hl : k-tlen]
	h := hash.New()
	h.Write(m1)
	h.Write(m2)
	if !bytes.Equal(h.Sum(nil), d) {
		return fmt.Errorf("%w: the signature does not cover the challenge", ErrActiveAuthentication)
	}
	return nil
}

package clonecheck

import (
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/internal/tlv"
)

// ErrChipAuthentication is wrapped when Chip Authentication cannot be run
// or the chip does not answer with the keys it should derive.
var ErrChipAuthentication = errors.New("clonecheck: chip authentication failed")

// caPrefixECDH is id-CA-ECDH (BSI TR-03110-3, ICAO 9303-11 §9.2.7);
// the last arc selects 3DES (1) or AES-128/192/256 (2, 3, 4).
var caPrefixECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2}

// ChipAuthentication is what DG14 says about the chip's Chip
// Authentication: the protocol of a ChipAuthenticationInfo and the chip's
// static key from the matching ChipAuthenticationPublicKeyInfo.
type ChipAuthentication struct {
	// Protocol is the ChipAuthenticationInfo OID, e.g. id-CA-ECDH-AES-CBC-CMAC-128.
	Protocol asn1.ObjectIdentifier
	// KeyID is the keyId when DG14 lists several keys, or -1.
	KeyID int
	// PublicKey is the chip's static key as a DER SubjectPublicKeyInfo.
	PublicKey []byte
}

// caCipher returns the secure messaging cipher of a CA-ECDH protocol.
func caCipher(oid asn1.ObjectIdentifier) (emrtd.Cipher, error) {
	if len(oid) != len(caPrefixECDH)+1 || !oid[:len(caPrefixECDH)].Equal(caPrefixECDH) {
		return 0, fmt.Errorf("%w: protocol %v is not CA-ECDH (CA-DH is not supported)", ErrChipAuthentication, oid)
	}
	switch oid[len(oid)-1] {
	case 1:
		return emrtd.TDES, nil
	case 2:
		return emrtd.AES128, nil
	case 3:
		return emrtd.AES192, nil
	case 4:
		return emrtd.AES256, nil
	}
	return 0, fmt.Errorf("%w: unknown CA cipher in %v", ErrChipAuthentication, oid)
}

// ChipAuthenticate runs Chip Authentication (ICAO 9303-11 §6.2) over the
// secure messaging session s, whose underlying transport is card: an
// ephemeral key agreement with the chip's static DG14 key, after which only
// the genuine chip can continue secure messaging. It returns the new
// session; the first command sent through it proves the chip, and a clone
// fails it with emrtd.ErrSMMAC or an error status.
func ChipAuthenticate(ctx context.Context, card emrtd.Transport, s *emrtd.Session, ca ChipAuthentication, rnd io.Reader) (*emrtd.Session, error) {
	c, err := caCipher(ca.Protocol)
	if err != nil {
		return nil, err
	}
	pub, err := passive.ParsePublicKeyInfo(ca.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: DG14 public key: %v", ErrChipAuthentication, err)
	}
	if pub.Curve == nil {
		return nil, fmt.Errorf("%w: DG14 holds a %s key for an ECDH protocol", ErrChipAuthentication, pub)
	}
	curve := pub.Curve
	sk, err := curve.RandomScalar(rnd)
	if err != nil {
		return nil, fmt.Errorf("clonecheck: ephemeral key: %w", err)
	}
	ephemeral, err := curve.PublicKey(sk, nil)
	if err != nil {
		return nil, err
	}
	shared, err := curve.Agree(sk, curve.Marshal(pub.X, pub.Y))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrChipAuthentication, err)
	}
	var keyRef []byte
	if ca.KeyID >= 0 {
		keyRef = tlv.Encode(0x84, []byte{byte(ca.KeyID)})
	}
	if c == emrtd.TDES {
		// Version 1: MSE:Set KAT carries the ephemeral key.
		data := append(tlv.Encode(0x91, ephemeral), keyRef...)
		if _, err := emrtd.Send(ctx, s, emrtd.Command{INS: 0x22, P1: 0x41, P2: 0xA6, Data: data}); err != nil {
			return nil, fmt.Errorf("%w: MSE:Set KAT: %w", ErrChipAuthentication, err)
		}
	} else {
		oid, err := asn1.Marshal(ca.Protocol)
		if err != nil {
			return nil, err
		}
		data := append(tlv.Encode(0x80, oid[2:]), keyRef...)
		if _, err := emrtd.Send(ctx, s, emrtd.Command{INS: 0x22, P1: 0x41, P2: 0xA4, Data: data}); err != nil {
			return nil, fmt.Errorf("%w: MSE:Set AT: %w", ErrChipAuthentication, err)
		}
		ga := tlv.Encode(0x7C, tlv.Encode(0x80, ephemeral))
		if _, err := emrtd.Send(ctx, s, emrtd.Command{INS: 0x86, Data: ga, Ne: 256}); err != nil {
			return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE: %w", ErrChipAuthentication, err)
		}
	}
	ksEnc, ksMAC := emrtd.PACESessionKeys(curve.SharedSecret(shared), c)
	sm, err := emrtd.NewSecureMessaging(c, ksEnc, ksMAC, emrtd.ZeroSSC(c))
	if err != nil {
		return nil, err
	}
	return emrtd.NewSession(card, sm), nil
}

package clonecheck

import (
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/internal/tlv"
)

// ErrChipAuthentication is wrapped when Chip Authentication cannot be run
// or the chip does not answer with the keys it should derive.
var ErrChipAuthentication = errors.New("clonecheck: chip authentication failed")

// id-CA-DH and id-CA-ECDH (BSI TR-03110-3, ICAO 9303-11 §9.2.7); the last
// arc selects 3DES (1) or AES-128/192/256 (2, 3, 4).
var (
	caPrefixDH   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1}
	caPrefixECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2}
	// oidDHPublicNumber is X9.42 dhpublicnumber, the DH key of DG14.
	oidDHPublicNumber = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
)

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

// caCipher returns the secure messaging cipher of a CA protocol and
// whether it is ECDH.
func caCipher(oid asn1.ObjectIdentifier) (emrtd.Cipher, error) {
	if len(oid) != len(caPrefixECDH)+1 || (!oid[:len(caPrefixECDH)].Equal(caPrefixECDH) && !oid[:len(caPrefixDH)].Equal(caPrefixDH)) {
		return 0, fmt.Errorf("%w: protocol %v is not Chip Authentication (id-CA-DH or id-CA-ECDH)", ErrChipAuthentication, oid)
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
	group, chipKey, err := caKey(ca.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: DG14 public key: %v", ErrChipAuthentication, err)
	}
	if (group.Agreement() == emrtd.AgreementDH) != ca.Protocol[:len(caPrefixDH)].Equal(caPrefixDH) {
		return nil, fmt.Errorf("%w: DG14's key does not suit protocol %v", ErrChipAuthentication, ca.Protocol)
	}
	sk, err := group.RandomScalar(rnd)
	if err != nil {
		return nil, fmt.Errorf("clonecheck: ephemeral key: %w", err)
	}
	ephemeral, err := group.PublicKey(sk, nil)
	if err != nil {
		return nil, err
	}
	shared, err := group.Agree(sk, chipKey)
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
	ksEnc, ksMAC := emrtd.PACESessionKeys(group.SharedSecret(shared), c)
	sm, err := emrtd.NewSecureMessaging(c, ksEnc, ksMAC, emrtd.ZeroSSC(c))
	if err != nil {
		return nil, err
	}
	return emrtd.NewSession(card, sm), nil
}

// caKey reads the chip's static key from a DG14 SubjectPublicKeyInfo: an
// EC key (any curve package passive reads) or an X9.42 DH key. It returns
// the group and the key in the group's transmitted encoding.
func caKey(spki []byte) (emrtd.Group, []byte, error) {
	var info struct {
		Alg struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) > 0 {
		return nil, nil, fmt.Errorf("not a SubjectPublicKeyInfo")
	}
	if !info.Alg.Algorithm.Equal(oidDHPublicNumber) {
		pub, err := passive.ParsePublicKeyInfo(spki)
		if err != nil {
			return nil, nil, err
		}
		if pub.Curve == nil {
			return nil, nil, fmt.Errorf("a %s key cannot do key agreement", pub)
		}
		return pub.Curve, pub.Curve.Marshal(pub.X, pub.Y), nil
	}
	var params struct {
		P, G, Q *big.Int
		Rest    asn1.RawContent `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(info.Alg.Parameters.FullBytes, &params); err != nil || params.P == nil || params.Q == nil {
		return nil, nil, fmt.Errorf("DH domain parameters: not p, g, q")
	}
	if params.P.BitLen() < 1024 || params.P.BitLen() > 4096 {
		return nil, nil, fmt.Errorf("DH modulus of %d bits", params.P.BitLen())
	}
	var y *big.Int
	if _, err := asn1.Unmarshal(info.Key.RightAlign(), &y); err != nil || y == nil {
		return nil, nil, fmt.Errorf("DH public value is not an INTEGER")
	}
	g := &emrtd.DHGroup{Name: "DG14 DH", ParameterID: -1, P: params.P, G: params.G, Q: params.Q}
	return g, y.FillBytes(make([]byte, (params.P.BitLen()+7)/8)), nil
}

package emrtd

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/capturestation/station/internal/tlv"
)

// ErrPACE reports a PACE run that failed on the terminal's side of the
// checks: a malformed chip answer, an invalid chip public key, or a chip
// authentication token that does not verify (wrong password or a chip that
// is not genuine).
var ErrPACE = errors.New("emrtd: PACE failed")

// Tags of the PACE GENERAL AUTHENTICATE dynamic authentication data
// (ICAO 9303-11 §4.4.4.2).
const (
	TagDynamicAuthData tlv.Tag = 0x7C
	TagPACENonce       tlv.Tag = 0x80
	TagMappingIFD      tlv.Tag = 0x81
	TagMappingIC       tlv.Tag = 0x82
	TagEphemeralIFD    tlv.Tag = 0x83
	TagEphemeralIC     tlv.Tag = 0x84
	TagTokenIFD        tlv.Tag = 0x85
	TagTokenIC         tlv.Tag = 0x86
	TagPublicKey       tlv.Tag = 0x7F49
	// TagEncryptedChipAuthData carries A_IC in the last answer of PACE-CAM.
	TagEncryptedChipAuthData tlv.Tag = 0x8A
)

// PACEOptions tunes a PACE run.
type PACEOptions struct {
	// Rand supplies the terminal's ephemeral private keys; nil means
	// crypto/rand. Tests use it to replay worked examples.
	Rand io.Reader
	// OmitParameterID leaves the domain parameter ID (tag 84) out of MSE:Set
	// AT. ICAO 9303-11 requires it only when the chip offers several
	// parameter sets; sending it is always accepted by conforming chips.
	OmitParameterID bool
}

// PACEPasswordKey derives K_pi = KDF(π, 3) for the cipher (ICAO 9303-11
// §9.7.3).
func PACEPasswordKey(pw Password, c Cipher) []byte {
	return KDF(pw.Secret, KDFPassword, c)
}

// PACESessionKeys derives KS_enc and KS_mac from the shared secret (the
// x-coordinate of the agreed point) (ICAO 9303-11 §9.7.1).
func PACESessionKeys(shared []byte, c Cipher) (ksEnc, ksMAC []byte) {
	return KDF(shared, KDFEnc, c), KDF(shared, KDFMAC, c)
}

// PublicKeyDO builds the public key data object 7F49 over which PACE tokens
// are computed (ICAO 9303-11 §4.4.3.4, §9.4): the protocol OID (06) and the
// public value under the group's tag (86 for a point, 84 for DH).
func PublicKeyDO(protocol asn1.ObjectIdentifier, valueTag tlv.Tag, value []byte) ([]byte, error) {
	oid, err := asn1.Marshal(protocol)
	if err != nil {
		return nil, fmt.Errorf("encoding protocol OID: %w", err)
	}
	return tlv.EncodeConstructed(TagPublicKey, oid, tlv.Encode(valueTag, value)), nil
}

// PACEToken computes the authentication token over the other party's public
// key: MAC(KS_mac, 7F49{OID, public value}) with AES-CMAC truncated to 8
// bytes, or the retail MAC for 3DES (ICAO 9303-11 §4.4.3.4).
func PACEToken(c Cipher, ksMAC []byte, protocol asn1.ObjectIdentifier, valueTag tlv.Tag, value []byte) ([]byte, error) {
	do, err := PublicKeyDO(protocol, valueTag, value)
	if err != nil {
		return nil, err
	}
	if c == TDES {
		return RetailMAC(ksMAC, do)
	}
	m, err := CMAC(ksMAC, do)
	if err != nil {
		return nil, err
	}
	return m[:MACLen], nil
}

// ZeroSSC returns the initial send sequence counter after PACE: all zero,
// of the cipher's block size.
func ZeroSSC(c Cipher) []byte { return make([]byte, c.BlockSize()) }

// PACE runs PACE (ICAO 9303-11 §4.4) with Generic or Integrated Mapping over
// ECDH or DH, or with Chip Authentication Mapping over ECDH, with the password and the
// chip's PACEInfo (see ParseCardAccess and ChoosePACE), and returns the
// secure messaging session, whose SSC starts at zero. After CAM,
// Session.CAM holds the data to verify against the chip's static key.
func PACE(ctx context.Context, t Transport, pw Password, info PACEInfo, opts PACEOptions) (*Session, error) {
	if !info.Supported() {
		return nil, fmt.Errorf("%w: %v-%v-%v PACE with domain parameters %d is not implemented; choose another PACEInfo",
			ErrUnsupportedParameters, info.Agreement, info.Mapping, info.Cipher, info.ParameterID)
	}
	group, err := GroupByID(info.ParameterID)
	if err != nil {
		return nil, err
	}
	if group.Agreement() != info.Agreement {
		return nil, fmt.Errorf("%w: %v protocol with %v domain parameters %d", ErrUnsupportedParameters, info.Agreement, group.Agreement(), info.ParameterID)
	}
	c := info.Cipher
	if !c.valid() {
		return nil, fmt.Errorf("%w: cipher of %v", ErrUnsupportedParameters, info.Protocol)
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	oidDER, err := asn1.Marshal(info.Protocol)
	if err != nil {
		return nil, fmt.Errorf("encoding PACE OID: %w", err)
	}

	// MSE:Set AT.
	mse := tlv.Append(nil, 0x80, oidDER[2:])
	mse = tlv.Append(mse, 0x83, []byte{byte(pw.Ref)})
	if !opts.OmitParameterID {
		mse = tlv.Append(mse, 0x84, []byte{byte(info.ParameterID)})
	}
	if _, err := Send(ctx, t, Command{INS: 0x22, P1: 0xC1, P2: 0xA4, Data: mse}); err != nil {
		return nil, fmt.Errorf("PACE: MSE:Set AT: %w", err)
	}

	// Step 1: encrypted nonce.
	z, err := generalAuthenticate(ctx, t, true, nil, TagPACENonce)
	if err != nil {
		return nil, fmt.Errorf("PACE: requesting the nonce: %w", err)
	}
	if len(z) == 0 || len(z)%c.BlockSize() != 0 || len(z) > 64 {
		return nil, fmt.Errorf("%w: encrypted nonce of %d bytes", ErrPACE, len(z))
	}
	s, err := DecryptCBC(c, PACEPasswordKey(pw, c), nil, z)
	if err != nil {
		return nil, err
	}

	// Step 2: mapping.
	var gen, pkMapIC []byte
	if info.Mapping == MappingIntegrated {
		tNonce := make([]byte, imKeyLen(c))
		if _, err := io.ReadFull(rnd, tNonce); err != nil {
			return nil, fmt.Errorf("PACE: drawing the mapping nonce: %w", err)
		}
		if _, err := generalAuthenticate(ctx, t, true, tlv.Encode(TagMappingIFD, tNonce), TagMappingIC); err != nil {
			return nil, fmt.Errorf("PACE: mapping: %w", err)
		}
		if gen, err = group.MapIntegrated(c, s, tNonce); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPACE, err)
		}
	} else {
		skMap, err := group.RandomScalar(rnd)
		if err != nil {
			return nil, err
		}
		pkMapIFD, err := group.PublicKey(skMap, nil)
		if err != nil {
			return nil, err
		}
		if pkMapIC, err = generalAuthenticate(ctx, t, true, tlv.Encode(TagMappingIFD, pkMapIFD), TagMappingIC); err != nil {
			return nil, fmt.Errorf("PACE: mapping: %w", err)
		}
		h, err := group.Agree(skMap, pkMapIC)
		if err != nil {
			return nil, fmt.Errorf("%w: chip mapping key: %v", ErrPACE, err)
		}
		if gen, err = group.MapGeneric(s, h); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPACE, err)
		}
	}

	// Step 3: key agreement on the mapped generator.
	skEph, err := group.RandomScalar(rnd)
	if err != nil {
		return nil, err
	}
	pkIFD, err := group.PublicKey(skEph, gen)
	if err != nil {
		return nil, err
	}
	pkIC, err := generalAuthenticate(ctx, t, true, tlv.Encode(TagEphemeralIFD, pkIFD), TagEphemeralIC)
	if err != nil {
		return nil, fmt.Errorf("PACE: key agreement: %w", err)
	}
	if subtle.ConstantTimeCompare(pkIC, pkIFD) == 1 {
		return nil, fmt.Errorf("%w: chip echoed the terminal's ephemeral key", ErrPACE)
	}
	k, err := group.Agree(skEph, pkIC)
	if err != nil {
		return nil, fmt.Errorf("%w: chip ephemeral key: %v", ErrPACE, err)
	}
	ksEnc, ksMAC := PACESessionKeys(group.SharedSecret(k), c)

	// Step 4: mutual authentication tokens.
	tIFD, err := PACEToken(c, ksMAC, info.Protocol, group.PublicKeyTag(), pkIC)
	if err != nil {
		return nil, err
	}
	final, err := generalAuthenticateData(ctx, t, false, tlv.Encode(TagTokenIFD, tIFD))
	var tIC []byte
	if err == nil {
		tIC, err = dataObject(final, TagTokenIC)
	}
	if err != nil {
		if errors.Is(err, ErrAuthenticationFailed) || errors.Is(err, ErrSecurityStatus) {
			return nil, fmt.Errorf("PACE: the chip rejected the %v; check it: %w", pw.Ref, err)
		}
		return nil, fmt.Errorf("PACE: mutual authentication: %w", err)
	}
	want, err := PACEToken(c, ksMAC, info.Protocol, group.PublicKeyTag(), pkIFD)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(want, tIC) != 1 {
		return nil, fmt.Errorf("%w: chip authentication token does not verify", ErrPACE)
	}
	var cam *CAMData
	if info.Mapping == MappingChipAuthentication {
		if cam, err = camData(group, ksEnc, pkMapIC, final); err != nil {
			return nil, err
		}
	}
	sm, err := NewSecureMessaging(c, ksEnc, ksMAC, ZeroSSC(c))
	if err != nil {
		return nil, err
	}
	sess := NewSession(t, sm)
	sess.cam = cam
	return sess, nil
}

// camData decrypts the chip authentication data of the last PACE answer.
func camData(group Group, ksEnc, pkMapIC, final []byte) (*CAMData, error) {
	curve, ok := group.(*Curve)
	if !ok {
		return nil, fmt.Errorf("%w: chip authentication mapping needs an elliptic curve", ErrUnsupportedParameters)
	}
	aIC, err := dataObject(final, TagEncryptedChipAuthData)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCAM, err)
	}
	ca, err := DecryptChipAuthenticationData(ksEnc, aIC)
	if err != nil {
		return nil, err
	}
	if v := new(big.Int).SetBytes(ca); v.Sign() == 0 || v.Cmp(curve.N) >= 0 {
		return nil, fmt.Errorf("%w: CA_IC out of range", ErrCAM)
	}
	return &CAMData{curve: curve, MappingKey: pkMapIC, ChipAuthenticationData: ca}, nil
}

// generalAuthenticate sends one GENERAL AUTHENTICATE step with the data
// objects in 7C and returns the value of the wanted tag from the answer.
func generalAuthenticate(ctx context.Context, t Transport, chained bool, data []byte, want tlv.Tag) ([]byte, error) {
	inner, err := generalAuthenticateData(ctx, t, chained, data)
	if err != nil {
		return nil, err
	}
	return dataObject(inner, want)
}

// generalAuthenticateData sends one GENERAL AUTHENTICATE step and returns
// the content of the answer's 7C.
func generalAuthenticateData(ctx context.Context, t Transport, chained bool, data []byte) ([]byte, error) {
	cmd := Command{INS: 0x86, Data: tlv.Encode(TagDynamicAuthData, data), Ne: MaxShortNe}
	if chained {
		cmd.CLA = 0x10
	}
	resp, err := Send(ctx, t, cmd)
	if err != nil {
		return nil, err
	}
	o, err := tlv.Find(resp.Data, TagDynamicAuthData)
	if err != nil {
		return nil, fmt.Errorf("%w: answer lacks dynamic authentication data: %v", ErrPACE, err)
	}
	return o.Value, nil
}

func dataObject(inner []byte, want tlv.Tag) ([]byte, error) {
	o, err := tlv.Find(inner, want)
	if err != nil {
		return nil, fmt.Errorf("%w: answer lacks data object %s: %v", ErrPACE, want, err)
	}
	return o.Value, nil
}

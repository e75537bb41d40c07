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
	TagECPoint         tlv.Tag = 0x86
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

// MapGeneric computes the Generic Mapping generator G~ = s·G + H (ICAO
// 9303-11 §4.4.3.3.1), where s is the decrypted nonce and H the shared point
// of the mapping key agreement.
func MapGeneric(c *Curve, nonce []byte, hx, hy *big.Int) (*big.Int, *big.Int, error) {
	sx, sy := c.ScalarBaseMult(nonce)
	gx, gy := c.Add(sx, sy, hx, hy)
	if gx.Sign() == 0 && gy.Sign() == 0 {
		return nil, nil, fmt.Errorf("%w: mapped generator is the point at infinity", ErrPACE)
	}
	return gx, gy, nil
}

// PACESessionKeys derives KS_enc and KS_mac from the shared secret (the
// x-coordinate of the agreed point) (ICAO 9303-11 §9.7.1).
func PACESessionKeys(shared []byte, c Cipher) (ksEnc, ksMAC []byte) {
	return KDF(shared, KDFEnc, c), KDF(shared, KDFMAC, c)
}

// PublicKeyDO builds the public key data object 7F49 over which PACE tokens
// are computed (ICAO 9303-11 §4.4.3.4, §9.4): the protocol OID (06) and the
// uncompressed elliptic curve point (86).
func PublicKeyDO(protocol asn1.ObjectIdentifier, point []byte) ([]byte, error) {
	oid, err := asn1.Marshal(protocol)
	if err != nil {
		return nil, fmt.Errorf("encoding protocol OID: %w", err)
	}
	return tlv.EncodeConstructed(TagPublicKey, oid, tlv.Encode(TagECPoint, point)), nil
}

// PACEToken computes the authentication token over the other party's public
// key: MAC(KS_mac, 7F49{OID, 86 point}) with AES-CMAC truncated to 8 bytes,
// or the retail MAC for 3DES (ICAO 9303-11 §4.4.3.4).
func PACEToken(c Cipher, ksMAC []byte, protocol asn1.ObjectIdentifier, point []byte) ([]byte, error) {
	do, err := PublicKeyDO(protocol, point)
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

// PACE runs PACE with Generic Mapping over ECDH (ICAO 9303-11 §4.4) with the
// password and the chip's PACEInfo (see ParseCardAccess and ChoosePACE) and
// returns the secure messaging session, whose SSC starts at zero.
func PACE(ctx context.Context, t Transport, pw Password, info PACEInfo, opts PACEOptions) (*Session, error) {
	if info.Agreement != AgreementECDH || info.Mapping != MappingGeneric {
		return nil, fmt.Errorf("%w: %v-%v PACE is not implemented; choose a GM ECDH PACEInfo", ErrUnsupportedParameters, info.Agreement, info.Mapping)
	}
	curve, err := CurveByID(info.ParameterID)
	if err != nil {
		return nil, err
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
	if len(z) != c.BlockSize() {
		return nil, fmt.Errorf("%w: encrypted nonce of %d bytes", ErrPACE, len(z))
	}
	s, err := DecryptCBC(c, PACEPasswordKey(pw, c), nil, z)
	if err != nil {
		return nil, err
	}

	// Step 2: mapping.
	skMap, err := curve.RandomScalar(rnd)
	if err != nil {
		return nil, err
	}
	pkMapIFD := curve.Marshal(curve.ScalarBaseMult(skMap))
	pkMapICRaw, err := generalAuthenticate(ctx, t, true, tlv.Encode(TagMappingIFD, pkMapIFD), TagMappingIC)
	if err != nil {
		return nil, fmt.Errorf("PACE: mapping: %w", err)
	}
	mx, my, err := curve.Unmarshal(pkMapICRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: chip mapping key: %v", ErrPACE, err)
	}
	hx, hy := curve.ScalarMult(mx, my, skMap)
	gx, gy, err := MapGeneric(curve, s, hx, hy)
	if err != nil {
		return nil, err
	}

	// Step 3: key agreement on the mapped generator.
	skEph, err := curve.RandomScalar(rnd)
	if err != nil {
		return nil, err
	}
	pkIFD := curve.Marshal(curve.ScalarMult(gx, gy, skEph))
	pkICRaw, err := generalAuthenticate(ctx, t, true, tlv.Encode(TagEphemeralIFD, pkIFD), TagEphemeralIC)
	if err != nil {
		return nil, fmt.Errorf("PACE: key agreement: %w", err)
	}
	px, py, err := curve.Unmarshal(pkICRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: chip ephemeral key: %v", ErrPACE, err)
	}
	if subtle.ConstantTimeCompare(pkICRaw, pkIFD) == 1 {
		return nil, fmt.Errorf("%w: chip echoed the terminal's ephemeral key", ErrPACE)
	}
	kx, ky := curve.ScalarMult(px, py, skEph)
	if kx.Sign() == 0 && ky.Sign() == 0 {
		return nil, fmt.Errorf("%w: shared point is the point at infinity", ErrPACE)
	}
	shared := kx.FillBytes(make([]byte, curve.ByteLen()))
	ksEnc, ksMAC := PACESessionKeys(shared, c)

	// Step 4: mutual authentication tokens.
	tIFD, err := PACEToken(c, ksMAC, info.Protocol, pkICRaw)
	if err != nil {
		return nil, err
	}
	tIC, err := generalAuthenticate(ctx, t, false, tlv.Encode(TagTokenIFD, tIFD), TagTokenIC)
	if err != nil {
		if errors.Is(err, ErrAuthenticationFailed) || errors.Is(err, ErrSecurityStatus) {
			return nil, fmt.Errorf("PACE: the chip rejected the %v; check it: %w", pw.Ref, err)
		}
		return nil, fmt.Errorf("PACE: mutual authentication: %w", err)
	}
	want, err := PACEToken(c, ksMAC, info.Protocol, pkIFD)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(want, tIC) != 1 {
		return nil, fmt.Errorf("%w: chip authentication token does not verify", ErrPACE)
	}
	sm, err := NewSecureMessaging(c, ksEnc, ksMAC, ZeroSSC(c))
	if err != nil {
		return nil, err
	}
	return NewSession(t, sm), nil
}

// generalAuthenticate sends one GENERAL AUTHENTICATE step with the data
// objects in 7C and returns the value of the wanted tag from the answer.
func generalAuthenticate(ctx context.Context, t Transport, chained bool, data []byte, want tlv.Tag) ([]byte, error) {
	cmd := Command{INS: 0x86, Data: tlv.Encode(TagDynamicAuthData, data), Ne: MaxShortNe}
	if chained {
		cmd.CLA = 0x10
	}
	resp, err := Send(ctx, t, cmd)
	if err != nil {
		return nil, err
	}
	o, err := tlv.FindPath(resp.Data, TagDynamicAuthData, want)
	if err != nil {
		return nil, fmt.Errorf("%w: answer lacks data object %s: %v", ErrPACE, want, err)
	}
	return o.Value, nil
}

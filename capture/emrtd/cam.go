package emrtd

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"math/big"
)

// ErrCAM reports Chip Authentication Mapping data that is malformed or that
// does not authenticate the chip against its static public key.
var ErrCAM = errors.New("emrtd: chip authentication mapping failed")

// CAMData is what PACE with Chip Authentication Mapping (ICAO 9303-11
// §4.4.3.5) leaves to verify once the chip's static public key is known
// (from the ChipAuthenticationPublicKeyInfo of EF.CardSecurity, whose
// signature Passive Authentication must check).
type CAMData struct {
	curve *Curve
	// MappingKey is the chip's mapping public key PK_Map,IC.
	MappingKey []byte
	// ChipAuthenticationData is the decrypted CA_IC.
	ChipAuthenticationData []byte
}

// Verify checks PK_Map,IC = CA_IC · PK_IC for the chip's static public key
// (an uncompressed point on the PACE curve). Only a chip holding the static
// private key can produce CA_IC; the chip counts as genuine only if the
// document holding the key also passes Passive Authentication.
func (d *CAMData) Verify(staticPublicKey []byte) error {
	got, err := d.curve.Agree(d.ChipAuthenticationData, staticPublicKey)
	if err != nil {
		return fmt.Errorf("%w: static public key: %v", ErrCAM, err)
	}
	if !bytes.Equal(got, d.MappingKey) {
		return fmt.Errorf("%w: CA_IC does not match the chip's static key", ErrCAM)
	}
	return nil
}

// camIV returns E(KS_enc, -1), the IV for the chip authentication data
// (ICAO 9303-11 §4.4.3.5.4).
func camIV(ksEnc []byte) ([]byte, error) {
	b, err := aes.NewCipher(ksEnc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCrypto, err)
	}
	iv := bytes.Repeat([]byte{0xFF}, aes.BlockSize)
	b.Encrypt(iv, iv)
	return iv, nil
}

// ChipAuthenticationData computes the chip's CA_IC = SK_IC⁻¹ · SK_Map,IC mod
// n from its static and mapping private keys (ICAO 9303-11 §4.4.3.5.1).
func ChipAuthenticationData(c *Curve, staticKey, mappingKey []byte) ([]byte, error) {
	inv := new(big.Int).ModInverse(new(big.Int).SetBytes(staticKey), c.N)
	if inv == nil {
		return nil, fmt.Errorf("%w: static key not invertible", ErrCAM)
	}
	ca := inv.Mul(inv, new(big.Int).SetBytes(mappingKey))
	ca.Mod(ca, c.N)
	return ca.FillBytes(make([]byte, (c.N.BitLen()+7)/8)), nil
}

// EncryptChipAuthenticationData pads CA_IC (method 2) and encrypts it with
// AES-CBC under KS_enc and IV = E(KS_enc, -1), giving A_IC.
func EncryptChipAuthenticationData(ksEnc, caIC []byte) ([]byte, error) {
	iv, err := camIV(ksEnc)
	if err != nil {
		return nil, err
	}
	return EncryptCBC(aesFor(ksEnc), ksEnc, iv, Pad(caIC, aes.BlockSize))
}

// DecryptChipAuthenticationData recovers CA_IC from A_IC.
func DecryptChipAuthenticationData(ksEnc, aIC []byte) ([]byte, error) {
	iv, err := camIV(ksEnc)
	if err != nil {
		return nil, err
	}
	if len(aIC) == 0 || len(aIC)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: encrypted data of %d bytes", ErrCAM, len(aIC))
	}
	p, err := DecryptCBC(aesFor(ksEnc), ksEnc, iv, aIC)
	if err != nil {
		return nil, err
	}
	ca, err := Unpad(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCAM, err)
	}
	return ca, nil
}

func aesFor(key []byte) Cipher {
	switch len(key) {
	case 24:
		return AES192
	case 32:
		return AES256
	}
	return AES128
}

package emrtd

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Cipher is a secure messaging block cipher with its key length, as named by
// the PACE object identifiers (ICAO 9303-11 §9.2).
type Cipher uint8

// Ciphers.
const (
	// TDES is two-key triple DES in CBC mode with a retail MAC
	// (ISO/IEC 9797-1 MAC algorithm 3), used by BAC and PACE-*-3DES.
	TDES Cipher = iota + 1
	// AES128 is AES-128 in CBC mode with AES-CMAC.
	AES128
	// AES192 is AES-192 in CBC mode with AES-CMAC.
	AES192
	// AES256 is AES-256 in CBC mode with AES-CMAC.
	AES256
)

// String names the cipher.
func (c Cipher) String() string {
	switch c {
	case TDES:
		return "3DES"
	case AES128:
		return "AES-128"
	case AES192:
		return "AES-192"
	case AES256:
		return "AES-256"
	}
	return "Cipher(" + strconv.Itoa(int(c)) + ")"
}

// KeyLen is the key length in bytes (16 for two-key 3DES).
func (c Cipher) KeyLen() int {
	switch c {
	case TDES, AES128:
		return 16
	case AES192:
		return 24
	case AES256:
		return 32
	}
	return 0
}

// BlockSize is the cipher's block size in bytes, which is also the length of
// the send sequence counter.
func (c Cipher) BlockSize() int {
	if c == TDES {
		return des.BlockSize
	}
	return aes.BlockSize
}

func (c Cipher) valid() bool { return c >= TDES && c <= AES256 }

// ErrCrypto reports malformed cryptographic input (wrong key or block length,
// bad padding).
var ErrCrypto = errors.New("emrtd: cryptographic input malformed")

// KDF counters (ICAO 9303-11 §9.7.1).
const (
	KDFEnc      = 1 // encryption key
	KDFMAC      = 2 // MAC key
	KDFPassword = 3 // PACE password key K_pi
)

// KDF derives a key of c's length from a shared secret and a counter (ICAO
// 9303-11 §9.7.1): SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256. For
// 3DES the 16 bytes are K1||K2 with DES parity adjusted.
func KDF(secret []byte, counter uint32, c Cipher) []byte {
	var ctr [4]byte
	binary.BigEndian.PutUint32(ctr[:], counter)
	var digest []byte
	switch c {
	case AES192, AES256:
		h := sha256.New()
		h.Write(secret)
		h.Write(ctr[:])
		digest = h.Sum(nil)
	default:
		h := sha1.New()
		h.Write(secret)
		h.Write(ctr[:])
		digest = h.Sum(nil)
	}
	key := digest[:c.KeyLen()]
	if c == TDES {
		AdjustParity(key)
	}
	return key
}

// AdjustParity sets the least significant bit of each byte so that every
// byte has odd parity, as DES keys require.
func AdjustParity(key []byte) {
	for i, b := range key {
		b &^= 1
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 == 0 {
			b |= 1
		}
		key[i] = b
	}
}

// newBlock returns the block cipher for key: two-key 3DES as K1 K2 K1, or
// AES of the key's length.
func newBlock(c Cipher, key []byte) (cipher.Block, error) {
	if len(key) != c.KeyLen() || !c.valid() {
		return nil, fmt.Errorf("%w: %d-byte key for %v", ErrCrypto, len(key), c)
	}
	if c == TDES {
		k := make([]byte, 0, 24)
		k = append(append(k, key...), key[:8]...)
		return des.NewTripleDESCipher(k)
	}
	return aes.NewCipher(key)
}

// EncryptCBC encrypts data, whose length must be a multiple of the block
// size, in CBC mode under key with the given IV (nil means all zero).
func EncryptCBC(c Cipher, key, iv, data []byte) ([]byte, error) {
	b, err := newBlock(c, key)
	if err != nil {
		return nil, err
	}
	return cbc(b, iv, data, true)
}

// DecryptCBC decrypts data in CBC mode under key with the given IV (nil
// means all zero).
func DecryptCBC(c Cipher, key, iv, data []byte) ([]byte, error) {
	b, err := newBlock(c, key)
	if err != nil {
		return nil, err
	}
	return cbc(b, iv, data, false)
}

func cbc(b cipher.Block, iv, data []byte, encrypt bool) ([]byte, error) {
	bs := b.BlockSize()
	if len(data)%bs != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a multiple of the %d-byte block", ErrCrypto, len(data), bs)
	}
	if iv == nil {
		iv = make([]byte, bs)
	}
	if len(iv) != bs {
		return nil, fmt.Errorf("%w: IV of %d bytes", ErrCrypto, len(iv))
	}
	out := make([]byte, len(data))
	if encrypt {
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, data)
	} else {
		cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	}
	return out, nil
}

// Pad applies ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a
// multiple of blockSize (always at least one byte).
func Pad(data []byte, blockSize int) []byte {
	n := len(data) + 1
	if r := n % blockSize; r != 0 {
		n += blockSize - r
	}
	out := make([]byte, n)
	copy(out, data)
	out[len(data)] = 0x80
	return out
}

// Unpad removes ISO/IEC 9797-1 padding method 2.
func Unpad(data []byte) ([]byte, error) {
	for i := len(data) - 1; i >= 0; i-- {
		switch data[i] {
		case 0x00:
			continue
		case 0x80:
			return data[:i], nil
		}
		break
	}
	return nil, fmt.Errorf("%w: padding method 2 not found", ErrCrypto)
}

// RetailMAC computes the ISO/IEC 9797-1 MAC algorithm 3 with DES over data
// padded with method 2: single-DES CBC under K1, then the last block
// decrypted with K2 and encrypted with K1. key is the 16-byte K1||K2.
func RetailMAC(key, data []byte) ([]byte, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("%w: retail MAC key of %d bytes", ErrCrypto, len(key))
	}
	k1, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, err
	}
	k2, err := des.NewCipher(key[8:16])
	if err != nil {
		return nil, err
	}
	return retailMAC(k1, k2, data), nil
}

func retailMAC(k1, k2 cipher.Block, data []byte) []byte {
	p := Pad(data, des.BlockSize)
	var h [8]byte
	for i := 0; i < len(p); i += 8 {
		subtle.XORBytes(h[:], h[:], p[i:i+8])
		k1.Encrypt(h[:], h[:])
	}
	k2.Decrypt(h[:], h[:])
	k1.Encrypt(h[:], h[:])
	return h[:]
}

// CMAC computes AES-CMAC (NIST SP 800-38B, RFC 4493) over data and returns
// the full 16-byte tag; ICAO 9303 uses its first 8 bytes.
func CMAC(key, data []byte) ([]byte, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: CMAC key: %v", ErrCrypto, err)
	}
	return cmac(b, data), nil
}

func cmac(b cipher.Block, data []byte) []byte {
	const bs = aes.BlockSize
	var l, k1, k2 [bs]byte
	b.Encrypt(l[:], l[:])
	shiftXor(k1[:], l[:])
	shiftXor(k2[:], k1[:])

	n := (len(data) + bs - 1) / bs
	complete := n > 0 && len(data)%bs == 0
	if n == 0 {
		n = 1
	}
	var last [bs]byte
	if complete {
		subtle.XORBytes(last[:], data[(n-1)*bs:], k1[:])
	} else {
		rem := data[(n-1)*bs:]
		copy(last[:], rem)
		last[len(rem)] = 0x80
		subtle.XORBytes(last[:], last[:], k2[:])
	}
	var x [bs]byte
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x[:], x[:], data[i*bs:(i+1)*bs])
		b.Encrypt(x[:], x[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	b.Encrypt(x[:], x[:])
	return x[:]
}

// shiftXor sets dst to src shifted left by one bit, reduced by the
// polynomial x^128 + x^7 + x^2 + x + 1 (constant 0x87) if a bit fell out.
func shiftXor(dst, src []byte) {
	carry := src[0] >> 7
	for i := 0; i < len(src)-1; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[len(src)-1] = src[len(src)-1] << 1
	dst[len(src)-1] ^= 0x87 * carry
}

package emrtd

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"

	"github.com/capturestation/station/capture/mrz"
)

// ErrInvalidKey reports an access key (MRZ fields or CAN) that is malformed.
var ErrInvalidKey = errors.New("emrtd: invalid access key")

// MRZKey is the part of the machine readable zone that opens the chip with
// BAC or PACE: document number, date of birth and date of expiry (YYMMDD), as
// printed in the MRZ.
type MRZKey struct {
	DocumentNumber string
	DateOfBirth    string
	DateOfExpiry   string
}

// Information returns MRZ_information (ICAO 9303-11 §9.7.2): the document
// number padded with '<' to at least nine characters, the dates, each
// followed by its check digit.
func (k MRZKey) Information() (string, error) {
	doc := strings.ToUpper(strings.TrimSpace(k.DocumentNumber))
	if doc == "" || !mrzChars(doc) {
		return "", fmt.Errorf("%w: document number must be letters, digits or '<'", ErrInvalidKey)
	}
	for len(doc) < 9 {
		doc += "<"
	}
	for _, d := range []struct{ name, v string }{{"date of birth", k.DateOfBirth}, {"date of expiry", k.DateOfExpiry}} {
		if len(d.v) != 6 || strings.Trim(d.v, "0123456789") != "" {
			return "", fmt.Errorf("%w: %s must be six digits YYMMDD", ErrInvalidKey, d.name)
		}
	}
	var b strings.Builder
	for _, f := range []string{doc, k.DateOfBirth, k.DateOfExpiry} {
		b.WriteString(f)
		b.WriteByte('0' + CheckDigit(f))
	}
	return b.String(), nil
}

// Seed returns the BAC key seed: the first 16 bytes of SHA-1(MRZ_information)
// (ICAO 9303-11 §9.7.2).
func (k MRZKey) Seed() ([]byte, error) {
	info, err := k.Information()
	if err != nil {
		return nil, err
	}
	h := sha1.Sum([]byte(info))
	return h[:16], nil
}

// CheckDigit computes the ICAO 9303-3 §4.9 check digit of an MRZ field
// (weights 7, 3, 1; A-Z count 10-35; '<' and anything else count 0), as a
// number: mrz.CheckDigit with bytes outside the MRZ alphabet read as '<'.
func CheckDigit(field string) byte {
	b := []byte(field)
	for i, c := range b {
		if !mrzChars(string(c)) {
			b[i] = '<'
		}
	}
	d, _ := mrz.CheckDigit(string(b))
	return d - '0'
}

func mrzChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return false
		}
	}
	return true
}

// PasswordRef identifies the PACE password type (ICAO 9303-11 §4.4.4.1, MSE:
// Set AT tag 83).
type PasswordRef byte

// PACE password references.
const (
	PasswordMRZ PasswordRef = 1
	PasswordCAN PasswordRef = 2
)

// String names the password type.
func (p PasswordRef) String() string {
	switch p {
	case PasswordMRZ:
		return "MRZ"
	case PasswordCAN:
		return "CAN"
	}
	return fmt.Sprintf("PasswordRef(%d)", byte(p))
}

// Password is a PACE password: its reference and the key material π from
// which K_pi = KDF(π, 3) is derived.
type Password struct {
	Ref PasswordRef
	// Secret is SHA-1(MRZ_information) for the MRZ, the ASCII digits for a
	// CAN.
	Secret []byte
}

// PACEPassword returns the MRZ-derived PACE password (ICAO 9303-11 §9.7.3).
func (k MRZKey) PACEPassword() (Password, error) {
	info, err := k.Information()
	if err != nil {
		return Password{}, err
	}
	h := sha1.Sum([]byte(info))
	return Password{Ref: PasswordMRZ, Secret: h[:]}, nil
}

// CANPassword returns the PACE password for a card access number (six
// digits printed on the document).
func CANPassword(can string) (Password, error) {
	if can == "" || len(can) > 16 || strings.Trim(can, "0123456789") != "" {
		return Password{}, fmt.Errorf("%w: a CAN is the digits printed on the document", ErrInvalidKey)
	}
	return Password{Ref: PasswordCAN, Secret: []byte(can)}, nil
}

// KeyFromMRZ returns the chip access key of a parsed MRZ. The MRZ should be
// valid: a key from a misread MRZ only fails later, as a refused BAC or PACE.
func KeyFromMRZ(m *mrz.MRZ) MRZKey {
	birth, expiry := m.RawDates()
	return MRZKey{DocumentNumber: m.DocumentNumber, DateOfBirth: birth, DateOfExpiry: expiry}
}

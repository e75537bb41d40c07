package emrtd

import (
	"errors"
	"fmt"
)

// Status words used by ICAO 9303 chips (ISO/IEC 7816-4 §5.6).
const (
	SWSuccess                = 0x9000
	SWEndOfFile              = 0x6282
	SWAuthenticationFailed   = 0x6300
	SWWrongLength            = 0x6700
	SWSecurityStatus         = 0x6982
	SWAuthMethodBlocked      = 0x6983
	SWConditionsNotSatisfied = 0x6985
	SWSMDataMissing          = 0x6987
	SWSMDataIncorrect        = 0x6988
	SWWrongData              = 0x6A80
	SWFunctionNotSupported   = 0x6A81
	SWFileNotFound           = 0x6A82
	SWWrongP1P2              = 0x6A86
	SWReferenceNotFound      = 0x6A88
	SWWrongParameters        = 0x6B00
	SWINSNotSupported        = 0x6D00
	SWCLANotSupported        = 0x6E00
	SWNoPreciseDiagnosis     = 0x6F00
)

// Sentinel errors matched by *StatusError through errors.Is; branch on these
// rather than on raw status words.
var (
	// ErrAuthenticationFailed: 63xx, the chip rejected an authentication
	// (wrong MRZ or CAN, or a wrong token). Check the access key.
	ErrAuthenticationFailed = errors.New("authentication failed")
	// ErrWrongLength: 6700, Lc or Le is wrong for this command.
	ErrWrongLength = errors.New("wrong length")
	// ErrSecurityStatus: 6982, the file needs access control (BAC/PACE)
	// or a further authentication first.
	ErrSecurityStatus = errors.New("security status not satisfied")
	// ErrAuthMethodBlocked: 6983, the password is blocked (PACE retry
	// counter); the CAN is needed to resume.
	ErrAuthMethodBlocked = errors.New("authentication method blocked")
	// ErrConditionsNotSatisfied: 6985, the command is not allowed in the
	// chip's current state.
	ErrConditionsNotSatisfied = errors.New("conditions of use not satisfied")
	// ErrSMDataMissing: 6987, the chip expected secure messaging data
	// objects that were missing; the secure channel is closed.
	ErrSMDataMissing = errors.New("secure messaging data objects missing")
	// ErrSMDataIncorrect: 6988, the chip rejected the secure messaging data
	// objects (MAC or SSC mismatch); the secure channel is closed.
	ErrSMDataIncorrect = errors.New("secure messaging data objects incorrect")
	// ErrWrongData: 6A80, incorrect parameters in the command data field.
	ErrWrongData = errors.New("incorrect data field")
	// ErrFunctionNotSupported: 6A81.
	ErrFunctionNotSupported = errors.New("function not supported")
	// ErrFileNotFound: 6A82, no such file or application on this chip
	// (optional data groups are often absent).
	ErrFileNotFound = errors.New("file or application not found")
	// ErrReferenceNotFound: 6A88, referenced data (a key or password
	// reference) not found.
	ErrReferenceNotFound = errors.New("referenced data not found")
	// ErrWrongParameters: 6A86 or 6B00, P1-P2 wrong (for READ BINARY, an
	// offset beyond the file).
	ErrWrongParameters = errors.New("incorrect parameters P1-P2")
	// ErrWrongLe: 6Cxx, the expected length was wrong; SW2 holds the exact
	// length (StatusError.Available).
	ErrWrongLe = errors.New("wrong Le field")
	// ErrMoreData: 61xx, more response bytes are available through GET
	// RESPONSE; SW2 holds how many (StatusError.Available).
	ErrMoreData = errors.New("more response data available")
	// ErrNotSupported: 6D00 or 6E00, instruction or class not supported.
	ErrNotSupported = errors.New("instruction or class not supported")
	// ErrChipError: any other status word.
	ErrChipError = errors.New("chip reported an error")
)

// StatusError is a status word other than success returned by the chip.
type StatusError struct {
	// SW is the status word SW1 SW2.
	SW uint16
}

// Error describes the status word and what it usually means.
func (e *StatusError) Error() string {
	return fmt.Sprintf("emrtd: chip returned status %04X: %v", e.SW, e.kind())
}

// Available returns SW2 for 61xx and 6Cxx, the number of bytes available or
// the exact length to ask for (0 meaning 256), and -1 otherwise.
func (e *StatusError) Available() int {
	switch e.SW >> 8 {
	case 0x61, 0x6C:
		if e.SW&0xFF == 0 {
			return 256
		}
		return int(e.SW & 0xFF)
	}
	return -1
}

// Unwrap returns the sentinel error for the status word.
func (e *StatusError) Unwrap() error { return e.kind() }

func (e *StatusError) kind() error {
	switch e.SW {
	case SWWrongLength:
		return ErrWrongLength
	case SWSecurityStatus:
		return ErrSecurityStatus
	case SWAuthMethodBlocked:
		return ErrAuthMethodBlocked
	case SWConditionsNotSatisfied:
		return ErrConditionsNotSatisfied
	case SWSMDataMissing:
		return ErrSMDataMissing
	case SWSMDataIncorrect:
		return ErrSMDataIncorrect
	case SWWrongData:
		return ErrWrongData
	case SWFunctionNotSupported:
		return ErrFunctionNotSupported
	case SWFileNotFound:
		return ErrFileNotFound
	case SWReferenceNotFound:
		return ErrReferenceNotFound
	case SWWrongP1P2, SWWrongParameters:
		return ErrWrongParameters
	case SWINSNotSupported, SWCLANotSupported:
		return ErrNotSupported
	}
	switch e.SW >> 8 {
	case 0x63:
		return ErrAuthenticationFailed
	case 0x6C:
		return ErrWrongLe
	case 0x61:
		return ErrMoreData
	}
	return ErrChipError
}

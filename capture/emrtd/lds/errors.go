package lds

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by a parser of this package is an
// *Error wrapping one of them.
var (
	// ErrMalformed reports a file that does not follow ICAO 9303 part 10,
	// ISO/IEC 19794-5 or ISO/IEC 39794-5: a wrong tag, a length pointing
	// past the data, a missing mandatory element, an impossible count or
	// value.
	ErrMalformed = errors.New("lds: malformed data")
	// ErrUnsupported reports a well-identified encoding this package does
	// not decode, such as an ISO/IEC 19794-5:2011 face record or an
	// ISO/IEC 39794-5 3D face representation.
	ErrUnsupported = errors.New("lds: unsupported encoding")
)

// Error says which file and which element of it is wrong.
type Error struct {
	// File names the elementary file, such as "EF.DG2".
	File string
	// Element is the path of tags to the faulty element, outermost first,
	// such as "75/7F61/7F60[1]/5F2E", possibly followed by a structure
	// inside the value (": face 1 image information").
	Element string
	// Reason says what is wrong. It never contains personal data.
	Reason string
	// Kind is ErrMalformed or ErrUnsupported.
	Kind error
	// Err is the underlying error (from the TLV decoder, encoding/asn1,
	// crypto/x509 or the mrz package), or nil.
	Err error
}

// Error returns "lds: FILE ELEMENT: REASON: CAUSE".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("lds: ")
	b.WriteString(e.File)
	if e.Element != "" {
		b.WriteString(" ")
		b.WriteString(e.Element)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Kind and, when set, Err, so errors.Is matches both.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// withheld wraps an error whose text may contain personal data (the mrz
// package quotes field values): it stays reachable through errors.Is and
// errors.As, but its text is not repeated.
type withheld struct{ err error }

// Error returns a fixed text in place of the wrapped error's.
func (w withheld) Error() string { return "details withheld (personal data)" }

// Unwrap returns the wrapped error.
func (w withheld) Unwrap() error { return w.err }

// loc is the file and element path errors are reported against.
type loc struct {
	file string
	path string
}

// at returns the location of a child element.
func (l loc) at(elem string) loc {
	if l.path == "" {
		return loc{l.file, elem}
	}
	return loc{l.file, l.path + "/" + elem}
}

// in returns the location of a structure inside the element's value.
func (l loc) in(what string) loc {
	if l.path == "" {
		return loc{l.file, what}
	}
	return loc{l.file, l.path + ": " + what}
}

// bad returns an *Error wrapping ErrMalformed and cause (which may be nil).
// The arguments must not carry personal data.
func (l loc) bad(cause error, format string, args ...any) *Error {
	return &Error{File: l.file, Element: l.path, Reason: fmt.Sprintf(format, args...), Kind: ErrMalformed, Err: cause}
}

// unsupported returns an *Error wrapping ErrUnsupported.
func (l loc) unsupported(format string, args ...any) *Error {
	return &Error{File: l.file, Element: l.path, Reason: fmt.Sprintf(format, args...), Kind: ErrUnsupported}
}

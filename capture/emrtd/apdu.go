package emrtd

import (
	"context"
	"errors"
	"fmt"
)

// Transport carries one command APDU to the chip and returns the chip's
// complete response APDU, status word SW1 SW2 included. Drivers (PC/SC, a
// virtual chip) implement it; the protocols in this package sit above it.
type Transport interface {
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
}

// Limits of ISO/IEC 7816-4 command APDUs.
const (
	// MaxShortData is the largest command data field of a short APDU.
	MaxShortData = 255
	// MaxShortNe is the largest expected response length of a short APDU.
	MaxShortNe = 256
	// MaxExtendedData is the largest command data field of an extended APDU.
	MaxExtendedData = 65535
	// MaxExtendedNe is the largest expected response length of an extended APDU.
	MaxExtendedNe = 65536
)

// ErrMalformedAPDU reports an APDU that does not follow ISO/IEC 7816-4.
var ErrMalformedAPDU = errors.New("emrtd: malformed APDU")

// Command is an ISO/IEC 7816-4 command APDU.
type Command struct {
	CLA, INS, P1, P2 byte
	// Data is the command data field (Nc = len(Data)).
	Data []byte
	// Ne is the maximum number of response bytes expected, 0 for none;
	// 256 is written as Le=00 in a short APDU, 65536 as 0000 in an
	// extended one.
	Ne int
	// Extended forces the extended-length encoding even when the short one
	// would do; it is chosen automatically when Data or Ne need it.
	Extended bool
}

// extended reports whether the command must use extended lengths.
func (c Command) extended() bool {
	return c.Extended || len(c.Data) > MaxShortData || c.Ne > MaxShortNe
}

// Bytes encodes the command (ISO/IEC 7816-4 §5.1, cases 1 to 4, short or
// extended).
func (c Command) Bytes() ([]byte, error) {
	return c.AppendBytes(make([]byte, 0, 4+3+len(c.Data)+3))
}

// AppendBytes appends the encoded command to dst.
func (c Command) AppendBytes(dst []byte) ([]byte, error) {
	if len(c.Data) > MaxExtendedData {
		return nil, fmt.Errorf("%w: %d data bytes, at most %d fit an APDU", ErrMalformedAPDU, len(c.Data), MaxExtendedData)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return nil, fmt.Errorf("%w: Ne %d out of range 0..%d", ErrMalformedAPDU, c.Ne, MaxExtendedNe)
	}
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2)
	ext := c.extended()
	if len(c.Data) > 0 {
		if ext {
			dst = append(dst, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
		} else {
			dst = append(dst, byte(len(c.Data)))
		}
		dst = append(dst, c.Data...)
	}
	if c.Ne > 0 {
		switch {
		case !ext:
			dst = append(dst, byte(c.Ne)) // 256 wraps to 00
		case len(c.Data) == 0:
			dst = append(dst, 0, byte(c.Ne>>8), byte(c.Ne)) // 65536 wraps to 0000
		default:
			dst = append(dst, byte(c.Ne>>8), byte(c.Ne))
		}
	}
	return dst, nil
}

// ParseCommand decodes a command APDU. It is strict: the body must be exactly
// one of the ISO/IEC 7816-4 cases. Data aliases b.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, a header needs 4", ErrMalformedAPDU, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.Ne = int(body[0])
		if c.Ne == 0 {
			c.Ne = MaxShortNe
		}
		return c, nil
	case body[0] != 0: // case 3S or 4S
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
		case 2 + nc:
			c.Ne = int(body[1+nc])
			if c.Ne == 0 {
				c.Ne = MaxShortNe
			}
		default:
			return Command{}, fmt.Errorf("%w: Lc %d does not match a body of %d bytes", ErrMalformedAPDU, nc, len(body))
		}
		c.Data = body[1 : 1+nc : 1+nc]
		return c, nil
	}
	// Extended: body starts with 00.
	c.Extended = true
	if len(body) == 3 { // case 2E
		c.Ne = int(body[1])<<8 | int(body[2])
		if c.Ne == 0 {
			c.Ne = MaxExtendedNe
		}
		return c, nil
	}
	if len(body) < 3 {
		return Command{}, fmt.Errorf("%w: extended length field truncated", ErrMalformedAPDU)
	}
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, fmt.Errorf("%w: extended Lc of zero", ErrMalformedAPDU)
	}
	switch len(body) {
	case 3 + nc: // case 3E
	case 5 + nc: // case 4E
		c.Ne = int(body[3+nc])<<8 | int(body[4+nc])
		if c.Ne == 0 {
			c.Ne = MaxExtendedNe
		}
	default:
		return Command{}, fmt.Errorf("%w: extended Lc %d does not match a body of %d bytes", ErrMalformedAPDU, nc, len(body))
	}
	c.Data = body[3 : 3+nc : 3+nc]
	return c, nil
}

// Response is a response APDU split into its data field and status word.
type Response struct {
	Data []byte
	SW   uint16
}

// ParseResponse splits a response APDU. Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes has no status word", ErrMalformedAPDU, len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// Bytes encodes the response: data followed by SW1 SW2.
func (r Response) Bytes() []byte {
	out := make([]byte, 0, len(r.Data)+2)
	out = append(out, r.Data...)
	return append(out, byte(r.SW>>8), byte(r.SW))
}

// Err returns nil when the status word reports success (9000, or a 62xx/63xx
// warning that still carries data such as 6282 end of file), and a
// *StatusError otherwise.
func (r Response) Err() error {
	if r.SW == SWSuccess || r.SW == SWEndOfFile {
		return nil
	}
	return &StatusError{SW: r.SW}
}

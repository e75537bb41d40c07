package emrtd

import (
	"context"
	"errors"
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// File identifiers and application identifier of ICAO 9303-10.
const (
	FIDCardAccess uint16 = 0x011C
	FIDCOM        uint16 = 0x011E
	FIDSOD        uint16 = 0x011D
	// FIDCardSecurity is EF.CardSecurity in the master file (the same
	// number as EF.SOD, which lives in the LDS1 application).
	FIDCardSecurity uint16 = 0x011D
)

// aidLDS1 is the eMRTD LDS1 application identifier.
const aidLDS1 = "\xA0\x00\x00\x02\x47\x10\x01"

// ErrFileTooLarge reports a file whose header announces more than
// MaxFileSize bytes.
var ErrFileTooLarge = errors.New("emrtd: file too large")

// MaxFileSize bounds ReadFile: no LDS1 file legitimately exceeds it.
const MaxFileSize = 4 << 20

// DefaultChunk is the READ BINARY length used by ReadFile; 0xDF keeps a
// protected response within a short APDU with any cipher.
const DefaultChunk = 0xDF

// SelectApplication selects the eMRTD LDS1 application (SELECT by AID, no
// response data).
func SelectApplication(ctx context.Context, t Transport) error {
	_, err := Send(ctx, t, Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: []byte(aidLDS1)})
	if err != nil {
		return fmt.Errorf("selecting the eMRTD application: %w", err)
	}
	return nil
}

// SelectFile selects an elementary file by its identifier under the current
// application (P1 02; for EF.CardAccess in the master file, select it before
// the application).
func SelectFile(ctx context.Context, t Transport, fid uint16) error {
	_, err := Send(ctx, t, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	if err != nil {
		return fmt.Errorf("selecting file %04X: %w", fid, err)
	}
	return nil
}

// ReadBinary reads up to n bytes (1..256) of the selected file at offset,
// with READ BINARY (B0) below 32 768 and its odd-INS form (B1, offset in
// DO'54', data in DO'53') beyond.
func ReadBinary(ctx context.Context, t Transport, offset, n int) ([]byte, error) {
	if offset < 0 || offset > 0xFFFFFF || n < 1 || n > MaxExtendedNe-4 {
		return nil, fmt.Errorf("%w: READ BINARY offset %d length %d", ErrMalformedAPDU, offset, n)
	}
	if offset <= 0x7FFF {
		r, err := Send(ctx, t, Command{INS: 0xB0, P1: byte(offset >> 8), P2: byte(offset), Ne: n})
		if err != nil {
			return nil, fmt.Errorf("reading at offset %d: %w", offset, err)
		}
		return r.Data, nil
	}
	off := []byte{byte(offset >> 16), byte(offset >> 8), byte(offset)}
	r, err := Send(ctx, t, Command{INS: 0xB1, Data: tlv.Encode(0x54, off), Ne: n + 4})
	if err != nil {
		return nil, fmt.Errorf("reading at offset %d: %w", offset, err)
	}
	o, err := tlv.Find(r.Data, 0x53)
	if err != nil {
		return nil, fmt.Errorf("reading at offset %d: answer lacks DO'53': %w", offset, err)
	}
	return o.Value, nil
}

// ReadFile selects an elementary file and reads it whole. The length comes
// from the file's own TLV header (every LDS file is one BER-TLV object) and is
// checked against MaxFileSize before reading on; memory grows with the bytes
// actually read, never with the announced length.
func ReadFile(ctx context.Context, t Transport, fid uint16) ([]byte, error) {
	return ReadFileChunked(ctx, t, fid, DefaultChunk)
}

// ExtendedChunk is the READ BINARY length for chips and readers that take
// extended-length APDUs: a protected answer of this size still fits.
const ExtendedChunk = 0xFF00

// ReadFileChunked is ReadFile with reads of up to chunk bytes. A chunk above
// DefaultChunk needs extended-length APDUs, which both the chip (see
// ExtendedLength) and the reader must support: a refused read is not
// retried, as the secure messaging counters would no longer agree.
func ReadFileChunked(ctx context.Context, t Transport, fid uint16, chunk int) ([]byte, error) {
	chunk = min(max(chunk, 1), ExtendedChunk)
	if err := SelectFile(ctx, t, fid); err != nil {
		return nil, err
	}
	head, err := ReadBinary(ctx, t, 0, 8)
	if err != nil {
		return nil, err
	}
	_, tn, err := tlv.ParseTag(head)
	if err != nil {
		return nil, fmt.Errorf("file %04X header: %w", fid, err)
	}
	l, ln, err := tlv.ParseLength(head[tn:])
	if err != nil {
		return nil, fmt.Errorf("file %04X header: %w", fid, err)
	}
	total := tn + ln + l
	if l > MaxFileSize || total > MaxFileSize {
		return nil, fmt.Errorf("%w: file %04X announces %d bytes", ErrFileTooLarge, fid, total)
	}
	out := append([]byte(nil), head[:min(len(head), total)]...)
	for len(out) < total {
		data, err := ReadBinary(ctx, t, len(out), min(chunk, total-len(out)))
		if err != nil {
			return nil, err
		}
		if len(data) == 0 {
			return nil, fmt.Errorf("file %04X: chip returned no data at offset %d of %d", fid, len(out), total)
		}
		out = append(out, data...)
	}
	return out[:total], nil
}

// FIDATRInfo is EF.ATR/INFO in the master file (ISO/IEC 7816-4 §8.2.1.1,
// ICAO 9303-10 §3.11.2).
const FIDATRInfo uint16 = 0x2F01

// ExtendedLength reads EF.ATR/INFO before access control and returns the
// largest response APDU data the chip announces in its extended length
// information (DO'7F66'), or 0 when it announces none: then only short
// APDUs are safe.
func ExtendedLength(ctx context.Context, t Transport) (int, error) {
	if err := SelectFile(ctx, t, FIDATRInfo); err != nil {
		if errors.Is(err, ErrFileNotFound) {
			return 0, nil
		}
		return 0, err
	}
	resp, err := Send(ctx, t, Command{INS: 0xB0, Ne: MaxShortNe})
	if err != nil && resp.SW != SWEndOfFile {
		return 0, err
	}
	info, err := tlv.Find(resp.Data, 0x7F66)
	if err != nil {
		return 0, nil
	}
	objs, err := tlv.DecodeAll(info.Value)
	if err != nil || len(objs) < 2 || objs[1].Tag != 0x02 || len(objs[1].Value) == 0 || len(objs[1].Value) > 3 {
		return 0, fmt.Errorf("%w: EF.ATR/INFO extended length information", ErrMalformedAPDU)
	}
	n := 0
	for _, b := range objs[1].Value {
		n = n<<8 | int(b)
	}
	return n, nil
}

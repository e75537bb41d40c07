package zfm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
)

// conn speaks the packet protocol over a Port. It is not safe for
// concurrent use; the Scanner serialises access.
type conn struct {
	port  Port
	addr  uint32
	where string // "/dev/ttyUSB0 at 57600 baud"
	reply time.Duration
	// closing is closed by Scanner.Close so waits end at once.
	closing <-chan struct{}

	buf  []byte // read buffer
	r, w int    // unread bytes are buf[r:w]
	// dirty is set when an exchange was abandoned while the module may
	// still be sending; the next exchange drains the line first.
	dirty bool
	// gone is the sticky error once the device went away.
	gone error
	// skipped counts garbage bytes and stray packets dropped while
	// waiting for answers, for diagnostics.
	skipped atomic.Int64
}

func newConn(port Port, addr uint32, where string, reply time.Duration, closing <-chan struct{}) *conn {
	return &conn{port: port, addr: addr, where: where, reply: reply, closing: closing, buf: make([]byte, 4096)}
}

// lineReader adapts the conn to io.ByteReader for ReadPacket, with a
// context and a deadline.
type lineReader struct {
	c        *conn
	ctx      context.Context
	op       string
	deadline time.Time
}

func (lr *lineReader) ReadByte() (byte, error) {
	c := lr.c
	for c.r == c.w {
		if err := c.fill(lr.ctx, lr.op, lr.deadline); err != nil {
			return 0, err
		}
	}
	b := c.buf[c.r]
	c.r++
	return b, nil
}

// fill reads once from the port, or fails when the context, the scanner
// or the deadline ended.
func (c *conn) fill(ctx context.Context, op string, deadline time.Time) error {
	if c.gone != nil {
		return c.gone
	}
	select {
	case <-c.closing:
		return fmt.Errorf("%s: %w", op, ErrClosed)
	default:
	}
	if err := ctx.Err(); err != nil {
		c.dirty = true
		return fmt.Errorf("%s on %s: %w", op, c.where, err)
	}
	if !deadline.IsZero() && time.Now().After(deadline) {
		c.dirty = true
		return fmt.Errorf("%s: no reply from the module on %s within %v: check the wiring, the baud rate, the module address and its power: %w",
			op, c.where, c.reply, fingerprint.ErrTimeout)
	}
	n, err := c.port.Read(c.buf[c.w:])
	if err != nil {
		return c.fail(op, err)
	}
	c.w += n
	if c.w == len(c.buf) && c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	return nil
}

// fail turns a port error into the driver's error, remembering a device
// that went away.
func (c *conn) fail(op string, err error) error {
	if errors.Is(err, ErrClosed) {
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
	c.gone = fmt.Errorf("%s: the module on %s went away (%v): reconnect it and open the scanner again: %w",
		op, c.where, err, fingerprint.ErrUnplugged)
	return c.gone
}

// send writes one packet.
func (c *conn) send(op string, pid PID, content []byte) error {
	if c.gone != nil {
		return c.gone
	}
	b, err := Packet{Address: c.addr, PID: pid, Content: content}.Encode()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := c.port.Write(b); err != nil {
		return c.fail(op, err)
	}
	return nil
}

// drain discards what the module is still sending after an abandoned
// exchange: it reads until the line stays quiet for one poll period, for
// at most the reply timeout.
func (c *conn) drain(ctx context.Context, op string) error {
	c.r, c.w = 0, 0
	if err := c.port.Discard(); err != nil {
		return c.fail(op, err)
	}
	if !c.dirty {
		return nil
	}
	end := time.Now().Add(c.reply)
	for time.Now().Before(end) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s on %s: %w", op, c.where, err)
		}
		n, err := c.port.Read(c.buf)
		if err != nil {
			return c.fail(op, err)
		}
		if n == 0 {
			break
		}
		c.skipped.Add(int64(n))
	}
	c.dirty = false
	return nil
}

// readPacket reads the next packet addressed to the driver within the
// reply timeout, skipping garbage and packets for other addresses.
func (c *conn) readPacket(ctx context.Context, op string) (Packet, error) {
	lr := &lineReader{c: c, ctx: ctx, op: op, deadline: time.Now().Add(c.reply)}
	for {
		p, skipped, err := ReadPacket(lr)
		c.skipped.Add(int64(skipped))
		if err != nil {
			var ce *ChecksumError
			if errors.As(err, &ce) {
				c.dirty = true
				return p, fmt.Errorf("%s: %w from the module on %s: check the cable and the baud rate", op, err, c.where)
			}
			return p, err
		}
		if p.Address != c.addr {
			c.skipped.Add(int64(len(p.Content) + headerSize + 2))
			continue
		}
		return p, nil
	}
}

// exchange sends a command and returns the acknowledgement's
// confirmation code and parameters. Stray data packets before the
// acknowledgement are skipped. A non-zero code is not an error here.
func (c *conn) exchange(ctx context.Context, op string, ins byte, params ...byte) (byte, []byte, error) {
	if err := c.drain(ctx, op); err != nil {
		return 0, nil, err
	}
	if err := c.send(op, PIDCommand, append([]byte{ins}, params...)); err != nil {
		return 0, nil, err
	}
	for {
		p, err := c.readPacket(ctx, op)
		if err != nil {
			return 0, nil, err
		}
		if p.PID != PIDAck {
			c.skipped.Add(int64(len(p.Content) + headerSize + 2))
			continue
		}
		if len(p.Content) == 0 {
			c.dirty = true
			return 0, nil, fmt.Errorf("%s: empty acknowledgement from the module on %s: %w", op, c.where, fingerprint.ErrProtocol)
		}
		return p.Content[0], p.Content[1:], nil
	}
}

// command is exchange with a non-zero confirmation code turned into a
// *ModuleError and a check of the parameter length.
func (c *conn) command(ctx context.Context, op string, want int, ins byte, params ...byte) ([]byte, error) {
	code, rest, err := c.exchange(ctx, op, ins, params...)
	if err != nil {
		return nil, err
	}
	if code != CodeOK {
		return rest, &ModuleError{Op: op, Where: c.where, Code: code}
	}
	if len(rest) < want {
		return rest, fmt.Errorf("%s: the module on %s answered %d parameter bytes, want %d: %w", op, c.where, len(rest), want, fingerprint.ErrProtocol)
	}
	return rest, nil
}

// SysParams are the module's status register and basic parameters, as
// ReadSysPara returns them.
type SysParams struct {
	// Status is the system status register: bit 0 busy, bit 1 finger
	// matched, bit 2 password verified, bit 3 image buffer holds a valid
	// image.
	Status        uint16
	SystemID      uint16
	LibrarySize   int
	SecurityLevel int
	Address       uint32
	// PacketSize is the data packet size in bytes: 32, 64, 128 or 256.
	PacketSize int
	// Baud is the module's configured baud rate (9600 × N).
	Baud int
}

// PacketSizeCode returns the SetSysPara code of a data packet size, or
// false when the size is not one the modules know.
func PacketSizeCode(size int) (byte, bool) {
	switch size {
	case 32:
		return 0, true
	case 64:
		return 1, true
	case 128:
		return 2, true
	case 256:
		return 3, true
	}
	return 0, false
}

// ParseSysParams decodes the 16 parameter bytes of a ReadSysPara answer.
func ParseSysParams(b []byte) (SysParams, error) {
	if len(b) < 16 {
		return SysParams{}, fmt.Errorf("system parameters are 16 bytes, got %d: %w", len(b), fingerprint.ErrProtocol)
	}
	u := func(i int) uint16 { return binary.BigEndian.Uint16(b[i:]) }
	code := u(12)
	if code > 3 {
		return SysParams{}, fmt.Errorf("packet size code %d is not 0..3: %w", code, fingerprint.ErrProtocol)
	}
	return SysParams{
		Status:        u(0),
		SystemID:      u(2),
		LibrarySize:   int(u(4)),
		SecurityLevel: int(u(6)),
		Address:       binary.BigEndian.Uint32(b[8:]),
		PacketSize:    32 << code,
		Baud:          9600 * int(u(14)),
	}, nil
}

// Encode returns the 16 parameter bytes of a ReadSysPara answer.
func (p SysParams) Encode() []byte {
	code, _ := PacketSizeCode(p.PacketSize)
	b := make([]byte, 0, 16)
	b = binary.BigEndian.AppendUint16(b, p.Status)
	b = binary.BigEndian.AppendUint16(b, p.SystemID)
	b = binary.BigEndian.AppendUint16(b, uint16(p.LibrarySize))
	b = binary.BigEndian.AppendUint16(b, uint16(p.SecurityLevel))
	b = binary.BigEndian.AppendUint32(b, p.Address)
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	b = binary.BigEndian.AppendUint16(b, uint16(p.Baud/9600))
	return b
}

// ProdInfo is the product information an R503 returns to ReadProdInfo.
type ProdInfo struct {
	Model        string // module type, e.g. "R503"
	Batch        string
	Serial       string
	HWVersion    [2]byte // main and sub version
	SensorModel  string
	Width        int // image width in pixels
	Height       int
	TemplateSize int
	LibrarySize  int
}

// prodInfoSize is the length of the ReadProdInfo parameters.
const prodInfoSize = 46

// ParseProdInfo decodes the parameters of a ReadProdInfo answer.
func ParseProdInfo(b []byte) (ProdInfo, error) {
	if len(b) < prodInfoSize {
		return ProdInfo{}, fmt.Errorf("product information is %d bytes, got %d: %w", prodInfoSize, len(b), fingerprint.ErrProtocol)
	}
	str := func(s []byte) string {
		for i, c := range s {
			if c == 0 {
				s = s[:i]
				break
			}
		}
		return string(s)
	}
	u := func(i int) int { return int(binary.BigEndian.Uint16(b[i:])) }
	return ProdInfo{
		Model:        str(b[0:16]),
		Batch:        str(b[16:20]),
		Serial:       str(b[20:28]),
		HWVersion:    [2]byte{b[28], b[29]},
		SensorModel:  str(b[30:38]),
		Width:        u(38),
		Height:       u(40),
		TemplateSize: u(42),
		LibrarySize:  u(44),
	}, nil
}

// Encode returns the parameters of a ReadProdInfo answer, padded with
// the four reserved bytes.
func (p ProdInfo) Encode() []byte {
	b := make([]byte, prodInfoSize+4)
	copy(b[0:16], p.Model)
	copy(b[16:20], p.Batch)
	copy(b[20:28], p.Serial)
	b[28], b[29] = p.HWVersion[0], p.HWVersion[1]
	copy(b[30:38], p.SensorModel)
	binary.BigEndian.PutUint16(b[38:], uint16(p.Width))
	binary.BigEndian.PutUint16(b[40:], uint16(p.Height))
	binary.BigEndian.PutUint16(b[42:], uint16(p.TemplateSize))
	binary.BigEndian.PutUint16(b[44:], uint16(p.LibrarySize))
	return b
}

package zfm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/capturestation/station/drivers/fingerprint"
)

// Packet framing constants.
const (
	// Header is the two-byte start code of every packet, sent high byte
	// first.
	Header uint16 = 0xEF01
	// DefaultAddress is the factory address of every module.
	DefaultAddress uint32 = 0xFFFFFFFF
	// MaxLength is the largest value of a packet's length field the parser
	// accepts: 256 bytes of content and the two checksum bytes.
	MaxLength = 256 + 2
	// headerSize is the byte count before the content: start code,
	// address, identifier and length.
	headerSize = 2 + 4 + 1 + 2
	headerHi   = byte(Header >> 8)
	headerLo   = byte(Header & 0xFF)
)

// PID is a packet identifier.
type PID byte

// Packet identifiers.
const (
	PIDCommand PID = 0x01 // command from the host
	PIDData    PID = 0x02 // data packet, more follow
	PIDAck     PID = 0x07 // acknowledgement from the module
	PIDEndData PID = 0x08 // last data packet
)

// String names the identifier.
func (p PID) String() string {
	switch p {
	case PIDCommand:
		return "command"
	case PIDData:
		return "data"
	case PIDAck:
		return "acknowledge"
	case PIDEndData:
		return "end of data"
	}
	return fmt.Sprintf("pid(0x%02X)", byte(p))
}

func (p PID) valid() bool {
	return p == PIDCommand || p == PIDData || p == PIDAck || p == PIDEndData
}

// Instruction codes the package uses or simulates.
const (
	InsGenImg       byte = 0x01 // take an image into the image buffer
	InsUpImage      byte = 0x0A // upload the image buffer to the host
	InsSetSysPara   byte = 0x0E // set one system parameter
	InsReadSysPara  byte = 0x0F // read the status register and parameters
	InsSetPwd       byte = 0x12 // set the handshake password
	InsVfyPwd       byte = 0x13 // verify the handshake password
	InsAuraLed      byte = 0x35 // ring LED control (R503)
	InsReadProdInfo byte = 0x3C // product information (R503)
	InsHandshake    byte = 0x40 // is the module alive (R503 and later R30x)
	InsLEDOn        byte = 0x50 // LED on (AS608 variants)
	InsLEDOff       byte = 0x51 // LED off (AS608 variants)
)

// System parameter numbers for SetSysPara.
const (
	ParamBaud       byte = 4 // N, baud rate = N × 9600
	ParamSecurity   byte = 5 // matching threshold 1..5
	ParamPacketSize byte = 6 // data packet size code 0..3
)

// Packet is one frame on the line.
type Packet struct {
	Address uint32
	PID     PID
	// Content is the instruction, acknowledgement or data bytes, without
	// the checksum.
	Content []byte
}

// Checksum returns the 16-bit sum of the identifier, the length field
// and the content, as the module computes it.
func (p Packet) Checksum() uint16 {
	n := len(p.Content) + 2
	sum := uint16(p.PID) + uint16(n>>8) + uint16(n&0xFF)
	for _, b := range p.Content {
		sum += uint16(b)
	}
	return sum
}

// Encode returns the packet's bytes on the line. It fails when the
// content does not fit in one packet.
func (p Packet) Encode() ([]byte, error) {
	if len(p.Content)+2 > MaxLength {
		return nil, fmt.Errorf("zfm: packet content of %d bytes is longer than the %d a packet holds", len(p.Content), MaxLength-2)
	}
	b := make([]byte, 0, headerSize+len(p.Content)+2)
	b = binary.BigEndian.AppendUint16(b, Header)
	b = binary.BigEndian.AppendUint32(b, p.Address)
	b = append(b, byte(p.PID))
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Content)+2))
	b = append(b, p.Content...)
	b = binary.BigEndian.AppendUint16(b, p.Checksum())
	return b, nil
}

// ChecksumError reports a packet whose checksum does not match its
// bytes. It matches fingerprint.ErrProtocol.
type ChecksumError struct {
	Packet   Packet // the packet as received
	Got      uint16 // checksum on the line
	Computed uint16 // checksum of the received bytes
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("corrupted %s packet: checksum 0x%04X on the line, 0x%04X computed", e.Packet.PID, e.Got, e.Computed)
}

// Is makes the error match fingerprint.ErrProtocol.
func (e *ChecksumError) Is(target error) bool { return target == fingerprint.ErrProtocol }

// ReadPacket reads the next packet from r. Bytes that cannot start a
// packet (anything before a start code, or a start code followed by an
// unknown identifier or an impossible length) are skipped and counted in
// skipped, so the reader resynchronises after garbage on the line. A
// packet whose checksum does not match is returned together with a
// *ChecksumError. An end of input inside a packet gives
// io.ErrUnexpectedEOF; errors of r are returned as they are.
func ReadPacket(r io.ByteReader) (p Packet, skipped int, err error) {
	var back []byte // bytes to scan again after a false start
	next := func() (byte, error) {
		if len(back) > 0 {
			b := back[0]
			back = back[1:]
			return b, nil
		}
		return r.ReadByte()
	}
	for {
		b, err := next()
		if err != nil {
			return Packet{}, skipped, err
		}
		if b != headerHi {
			skipped++
			continue
		}
		var hdr [headerSize]byte
		hdr[0] = b
		for i := 1; i < headerSize; i++ {
			if hdr[i], err = next(); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return Packet{}, skipped, err
			}
		}
		n := int(binary.BigEndian.Uint16(hdr[7:9]))
		pid := PID(hdr[6])
		if hdr[1] != headerLo || !pid.valid() || n < 2 || n > MaxLength {
			// A false start: scan again from the byte after it.
			skipped++
			rest := make([]byte, 0, headerSize-1+len(back))
			rest = append(rest, hdr[1:]...)
			back = append(rest, back...)
			continue
		}
		body := make([]byte, n)
		for i := range body {
			if body[i], err = next(); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return Packet{}, skipped, err
			}
		}
		p = Packet{
			Address: binary.BigEndian.Uint32(hdr[2:6]),
			PID:     pid,
			Content: body[:n-2],
		}
		got := binary.BigEndian.Uint16(body[n-2:])
		if sum := p.Checksum(); sum != got {
			return p, skipped, &ChecksumError{Packet: p, Got: got, Computed: sum}
		}
		return p, skipped, nil
	}
}

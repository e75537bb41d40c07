package uru4000

import (
	"crypto/aes"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/capturestation/station/drivers/fingerprint"
)

// Image geometry and resolution shared by every model of the family.
const (
	// Width is the number of pixels in one sensor line.
	Width = 384
	// Height is the number of lines of a full image.
	Height = 290
	// PPI is the sensor resolution.
	PPI = 500
)

// USB layout of the fingerprint interface.
const (
	// EndpointInterrupt is the interrupt IN endpoint (address 0x81) that
	// carries finger and power notifications.
	EndpointInterrupt = 0x81
	// EndpointBulk is the bulk IN endpoint (address 0x82) that carries
	// image frames.
	EndpointBulk = 0x82

	// RequestTypeIn is bmRequestType of a vendor, device-recipient read.
	RequestTypeIn uint8 = 0xc0
	// RequestTypeOut is bmRequestType of a vendor, device-recipient write.
	RequestTypeOut uint8 = 0x40
	// RequestRegister is bRequest of every register access; wValue holds
	// the first register, wIndex is zero and wLength is the register count.
	RequestRegister uint8 = 0x04

	// InterruptLength is the size of every interrupt packet.
	InterruptLength = 64
	// FrameHeaderLength is the size of the header in front of the image
	// lines of a bulk frame.
	FrameHeaderLength = 64
	// MaxFrameLength is the largest frame the device sends: the header and
	// a full image.
	MaxFrameLength = FrameHeaderLength + Width*Height
	// ChallengeLength is the size of the authentication challenge and of
	// its response.
	ChallengeLength = 16
	// MaxBlocks is the number of block descriptors in a frame header.
	MaxBlocks = 15
)

// Registers, addressed by wValue of the register request.
const (
	// RegHWStat is the hardware status register. Bit 7 set means low power;
	// bits 7 and 2 together mean the power logic needs a reboot; bit 0
	// reports that such a reboot finished.
	RegHWStat uint16 = 0x07
	// RegScrambleIndex takes five bytes: the key number from the frame
	// header followed by a 32-bit little-endian seed chosen by the host.
	RegScrambleIndex uint16 = 0x33
	// RegScrambleKey returns four bytes after RegScrambleIndex was written:
	// the little-endian scramble key for that key number, XORed with the
	// seed.
	RegScrambleKey uint16 = 0x34
	// RegMode selects the operating mode (the Mode constants).
	RegMode uint16 = 0x4e
	// RegDeviceInfo holds 16 bytes of hardware and firmware revision data.
	RegDeviceInfo uint16 = 0xf0
	// RegResponse takes the 16-byte answer to the challenge.
	RegResponse uint16 = 0x2000
	// RegChallenge holds the 16-byte challenge of the authenticating models.
	RegChallenge uint16 = 0x2010
)

// HWSTAT bits.
const (
	// HWStatLowPower is set while the sensor is powered down.
	HWStatLowPower = 0x80
	// HWStatNeedsReboot, together with HWStatLowPower, marks a confused
	// power state that needs a power reboot.
	HWStatNeedsReboot = 0x04
	// HWStatRebootDone shows when a power reboot finished.
	HWStatRebootDone   = 0x01
	hwstatRebootMask   = HWStatLowPower | HWStatNeedsReboot
	hwstatPowerUpValue = 0x0f
)

// Mode is a value of RegMode.
type Mode uint8

// Operating modes.
const (
	ModeInit           Mode = 0x00
	ModeAwaitFingerOn  Mode = 0x10
	ModeAwaitFingerOff Mode = 0x12
	ModeCapture        Mode = 0x20
	ModeCaptureAux     Mode = 0x30
	ModeOff            Mode = 0x70
	ModeReady          Mode = 0x80
)

// String names the mode.
func (m Mode) String() string {
	switch m {
	case ModeInit:
		return "init"
	case ModeAwaitFingerOn:
		return "await finger on"
	case ModeAwaitFingerOff:
		return "await finger off"
	case ModeCapture:
		return "capture"
	case ModeCaptureAux:
		return "capture aux"
	case ModeOff:
		return "off"
	case ModeReady:
		return "ready"
	}
	return fmt.Sprintf("mode(%#02x)", uint8(m))
}

// InterruptType is the big-endian 16-bit code at the start of an interrupt
// packet.
type InterruptType uint16

// Interrupt codes.
const (
	// IrqScanPowerOn follows a successful power-up.
	IrqScanPowerOn InterruptType = 0x56aa
	// IrqFingerOn reports a finger on the glass.
	IrqFingerOn InterruptType = 0x0101
	// IrqFingerOff reports the finger lifted.
	IrqFingerOff InterruptType = 0x0200
	// IrqFailing warns that the next scan will probably fail (it shows up
	// now and then on real devices); the driver logs nothing and goes on.
	IrqFailing InterruptType = 0x0800
)

// String names the interrupt.
func (t InterruptType) String() string {
	switch t {
	case IrqScanPowerOn:
		return "scan power on"
	case IrqFingerOn:
		return "finger on"
	case IrqFingerOff:
		return "finger off"
	case IrqFailing:
		return "scan failure warning"
	}
	return fmt.Sprintf("interrupt(%#04x)", uint16(t))
}

func (t InterruptType) known() bool {
	switch t {
	case IrqScanPowerOn, IrqFingerOn, IrqFingerOff, IrqFailing:
		return true
	}
	return false
}

// ParseInterrupt decodes one interrupt packet. A packet of the wrong length
// or with an unknown code is an error wrapping fingerprint.ErrProtocol; the
// code is still returned when the packet had at least two bytes.
func ParseInterrupt(p []byte) (InterruptType, error) {
	if len(p) < 2 {
		return 0, fmt.Errorf("uru4000: interrupt packet of %d bytes, want %d: %w", len(p), InterruptLength, fingerprint.ErrProtocol)
	}
	t := InterruptType(binary.BigEndian.Uint16(p))
	if len(p) != InterruptLength {
		return t, fmt.Errorf("uru4000: interrupt packet of %d bytes, want %d: %w", len(p), InterruptLength, fingerprint.ErrProtocol)
	}
	if !t.known() {
		return t, fmt.Errorf("uru4000: unknown %v: %w", t, fingerprint.ErrProtocol)
	}
	return t, nil
}

// EncodeInterrupt builds the packet the device sends for t.
func EncodeInterrupt(t InterruptType) []byte {
	p := make([]byte, InterruptLength)
	binary.BigEndian.PutUint16(p, uint16(t))
	return p
}

// Block descriptor flags.
const (
	// BlockChangeKey: the host must fetch the key of the next key number
	// before decoding this block.
	BlockChangeKey uint8 = 0x80
	// BlockNoKeyUpdate: the block is sent as is and the key stream does not
	// advance over it.
	BlockNoKeyUpdate uint8 = 0x04
	// BlockEncrypted: the block is scrambled.
	BlockEncrypted uint8 = 0x02
	// BlockNotPresent: the block's lines are not in the frame; the image
	// repeats the lines that follow.
	BlockNotPresent uint8 = 0x01
)

// Block describes a run of image lines in a frame.
type Block struct {
	Flags uint8
	Lines int
}

// Frame is a parsed bulk image frame.
type Frame struct {
	// Lines is the number of image lines carried in Data.
	Lines int
	// KeyNumber selects the scramble key of the first block.
	KeyNumber uint8
	// Blocks lists the runs of lines that make up the image, in order.
	Blocks []Block
	// Data holds Lines*Width bytes of raw, possibly scrambled lines.
	Data []byte
}

// Header layout offsets.
const (
	hdrLines     = 4
	hdrKeyNumber = 6
	hdrBlocks    = 16
)

// ParseFrame checks and decodes a bulk frame. The header must announce at
// most Height lines, the frame must carry all of them, and the block list
// (ended by the first block of zero lines) must account for exactly the
// carried lines and for at most Height image lines. Errors wrap
// fingerprint.ErrProtocol. The returned Data aliases p.
func ParseFrame(p []byte) (*Frame, error) {
	if len(p) < FrameHeaderLength {
		return nil, fmt.Errorf("uru4000: frame of %d bytes is shorter than its header: %w", len(p), fingerprint.ErrProtocol)
	}
	f := &Frame{
		Lines:     int(binary.LittleEndian.Uint16(p[hdrLines:])),
		KeyNumber: p[hdrKeyNumber],
	}
	if f.Lines == 0 || f.Lines > Height {
		return nil, fmt.Errorf("uru4000: frame header announces %d lines (1..%d): %w", f.Lines, Height, fingerprint.ErrProtocol)
	}
	if need := FrameHeaderLength + f.Lines*Width; len(p) < need {
		return nil, fmt.Errorf("uru4000: frame of %d bytes, header announces %d lines (%d bytes): %w", len(p), f.Lines, need, fingerprint.ErrProtocol)
	}
	present, total := 0, 0
	for i := 0; i < MaxBlocks; i++ {
		b := Block{Flags: p[hdrBlocks+2*i], Lines: int(p[hdrBlocks+2*i+1])}
		if b.Lines == 0 {
			break
		}
		f.Blocks = append(f.Blocks, b)
		total += b.Lines
		if b.Flags&BlockNotPresent == 0 {
			present += b.Lines
		}
	}
	if present != f.Lines {
		return nil, fmt.Errorf("uru4000: frame blocks carry %d lines, header announces %d: %w", present, f.Lines, fingerprint.ErrProtocol)
	}
	if total > Height {
		return nil, fmt.Errorf("uru4000: frame blocks describe %d lines, the image has %d: %w", total, Height, fingerprint.ErrProtocol)
	}
	f.Data = p[FrameHeaderLength : FrameHeaderLength+f.Lines*Width]
	return f, nil
}

// EncodeFrameHeader writes the header of a frame with the given key number
// and blocks into h, which must hold FrameHeaderLength bytes. The announced
// line count is the sum of the blocks that are present.
func EncodeFrameHeader(h []byte, keyNumber uint8, blocks []Block) error {
	if len(h) < FrameHeaderLength {
		return fmt.Errorf("uru4000: header buffer of %d bytes", len(h))
	}
	if len(blocks) > MaxBlocks {
		return fmt.Errorf("uru4000: %d blocks, at most %d", len(blocks), MaxBlocks)
	}
	clear(h[:FrameHeaderLength])
	lines := 0
	for i, b := range blocks {
		if b.Lines <= 0 || b.Lines > 255 {
			return fmt.Errorf("uru4000: block %d has %d lines (1..255)", i, b.Lines)
		}
		h[hdrBlocks+2*i] = b.Flags
		h[hdrBlocks+2*i+1] = uint8(b.Lines)
		if b.Flags&BlockNotPresent == 0 {
			lines += b.Lines
		}
	}
	binary.LittleEndian.PutUint16(h[hdrLines:], uint16(lines))
	h[hdrKeyNumber] = keyNumber
	return nil
}

// The scramble key is a 32-bit Fibonacci LFSR: the parity of the tapped
// bits enters at the top while the register shifts right, one step per
// image byte.
const keyTaps = 1<<0 | 1<<2 | 1<<3 | 1<<6 | 1<<10 | 1<<12 | 1<<19 | 1<<22 | 1<<25 | 1<<28 | 1<<31

func stepKey(k uint32) uint32 {
	return k>>1 | uint32(bits.OnesCount32(k&keyTaps)&1)<<31
}

// maskByte gathers the eight key bits (4, 8, 11, 14, 18, 21, 24 and 29,
// lowest first) that mask one image byte.
func maskByte(k uint32) byte {
	return byte(k>>4&1) |
		byte(k>>8&1)<<1 |
		byte(k>>11&1)<<2 |
		byte(k>>14&1)<<3 |
		byte(k>>18&1)<<4 |
		byte(k>>21&1)<<5 |
		byte(k>>24&1)<<6 |
		byte(k>>29&1)<<7
}

// advanceKey steps the key over n bytes that are not scrambled.
func advanceKey(k uint32, n int) uint32 {
	for range n {
		k = stepKey(k)
	}
	return k
}

// Descramble decodes one scrambled block in place and returns the key for
// the next block. The device sends the block one byte late: byte i+1 of the
// wire data is plain byte i masked with the key stream, the first wire byte
// is filler and the block's last plain byte is not sent, so it comes back
// as zero.
func Descramble(data []byte, key uint32) uint32 {
	if len(data) == 0 {
		return key
	}
	for i := 0; i < len(data)-1; i++ {
		data[i] = data[i+1] ^ maskByte(key)
		key = stepKey(key)
	}
	data[len(data)-1] = 0
	return stepKey(key)
}

// Scramble is the device side of Descramble: it encodes plain into out
// (same length), with filler as the first wire byte, and returns the key for
// the next block. The last plain byte is dropped.
func Scramble(out, plain []byte, key uint32, filler byte) uint32 {
	if len(plain) == 0 {
		return key
	}
	out[0] = filler
	for i := 0; i < len(plain)-1; i++ {
		out[i+1] = plain[i] ^ maskByte(key)
		key = stepKey(key)
	}
	return stepKey(key)
}

// ChallengeKey returns the AES-128 key of the challenge-response
// authentication of the second-generation Microsoft reader, a published
// protocol constant.
func ChallengeKey() [16]byte {
	return [16]byte{
		0x79, 0xac, 0x91, 0x79, 0x5c, 0xa1, 0x47, 0x8e,
		0x98, 0xe0, 0x0f, 0x3c, 0x59, 0x8f, 0x5f, 0x4b,
	}
}

// Respond computes the response to a challenge: the challenge encrypted as
// one AES-128 block under key.
func Respond(key [16]byte, challenge []byte) ([]byte, error) {
	if len(challenge) != ChallengeLength {
		return nil, fmt.Errorf("uru4000: challenge of %d bytes, want %d: %w", len(challenge), ChallengeLength, fingerprint.ErrProtocol)
	}
	c, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("uru4000: challenge cipher: %w", err)
	}
	out := make([]byte, ChallengeLength)
	c.Encrypt(out, challenge)
	return out, nil
}

// looksScrambled tells plain from scrambled data on models that do not
// declare scrambling but whose firmware may still apply it. It looks at the
// first two lines of the first block the descrambler would decode (where
// that block opens the frame these are the lines at the edge of the glass),
// sums them pixel by pixel and measures the spread of the sums: plain edge
// lines are smooth, scrambled lines are noise. A frame without such a block
// has nothing to descramble.
func looksScrambled(f *Frame) bool {
	line := 0
	for _, b := range f.Blocks {
		if b.Flags&BlockNotPresent != 0 {
			continue
		}
		if b.Flags&(BlockEncrypted|BlockNoKeyUpdate) == BlockEncrypted && b.Lines >= 2 {
			return spread(f.Data[line*Width:(line+1)*Width], f.Data[(line+1)*Width:(line+2)*Width]) >= scrambleThreshold
		}
		line += b.Lines
	}
	return false
}

// spread is the mean squared deviation of the pixel sums of two lines.
func spread(a, b []byte) int {
	mean := 0
	for i := range Width {
		mean += int(a[i]) + int(b[i])
	}
	mean /= Width
	sum := 0
	for i := range Width {
		d := int(a[i]) + int(b[i]) - mean
		sum += d * d
	}
	return sum / Width
}

// scrambleThreshold is the spread above which lines count as scrambled.
const scrambleThreshold = 5000

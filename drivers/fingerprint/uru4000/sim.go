package uru4000

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
)

// SimConfig describes the device a Simulator plays and the firmware
// behaviours it shows.
type SimConfig struct {
	// Model is the product simulated; its flags decide authentication,
	// scrambling and image orientation.
	Model Model
	// HWStat is the HWSTAT value at plug-in; zero means 0x80 (low power).
	// 0x84 or 0x85 plays the confused power state that needs a reboot.
	HWStat byte
	// RebootPolls is how many HWSTAT reads a power reboot takes before the
	// reboot-done bit shows; negative means never.
	RebootPolls int
	// PowerUpDelay is how many power-up writes the sensor ignores before it
	// powers up (a slow device).
	PowerUpDelay int
	// NeverPowersUp makes the sensor ignore every power-up write.
	NeverPowersUp bool
	// MissedScanPower is how many power-ups go without the scan-power-on
	// interrupt.
	MissedScanPower int
	// AuthKey is the key the firmware checks challenge responses with;
	// nil means ChallengeKey(). Only used when Model.Authenticates.
	AuthKey *[16]byte
	// Scrambles makes the firmware scramble frames even when the model
	// does not declare it.
	Scrambles bool
	// Blocks is the frame layout; nil means two blocks of 145 lines, the
	// second starting a new key, scrambled when the firmware scrambles.
	Blocks []Block
	// Seed derives the firmware's scramble keys, challenges and filler
	// bytes, so runs are repeatable.
	Seed uint64
	// AutoFinger places the finger FingerDelay after the host starts
	// waiting for one, and lifts it FingerDelay after the host starts
	// waiting for the lift.
	AutoFinger  bool
	FingerDelay time.Duration
	// DeviceInfo is the content of the device information register.
	DeviceInfo [16]byte
}

// Simulator is an in-process U.are.U device. It implements Transport and
// answers register requests, mode changes, interrupts and bulk frames as the
// firmware does, including power sequencing, challenge-response
// authentication and frame scrambling. Test hooks inject faults. All methods
// are safe for concurrent use.
type Simulator struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	cfg     SimConfig
	rng     *rand.Rand

	regs      map[uint16]byte
	hw        byte
	confused  bool
	rebooting int // HWSTAT reads left before reboot-done; -1 never
	inReboot  bool
	ignored   int
	missed    int
	authed    bool
	challenge []byte
	mode      Mode
	frameNo   uint8

	finger bool
	image  *image.Gray
	auto   time.Time // when the automatic finger event fires; zero if none

	irqs [][]byte

	unplugged    bool
	closed       bool
	unplugAfter  int // bytes of the next frame before unplug; -1 none
	corruptLeft  int
	corrupt      func([]byte) []byte
	stalled      map[uint16]bool
	hangBulk     bool
	controlCount int
}

// NewSimulator returns a plugged-in, unpowered device.
func NewSimulator(cfg SimConfig) *Simulator {
	if cfg.HWStat == 0 {
		cfg.HWStat = HWStatLowPower
	}
	s := &Simulator{
		changed:     make(chan struct{}),
		cfg:         cfg,
		rng:         rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		regs:        map[uint16]byte{},
		hw:          cfg.HWStat,
		confused:    cfg.HWStat&hwstatRebootMask == hwstatRebootMask,
		unplugAfter: -1,
		stalled:     map[uint16]bool{},
	}
	for i, b := range cfg.DeviceInfo {
		s.regs[RegDeviceInfo+uint16(i)] = b
	}
	return s
}

func (s *Simulator) scrambles() bool { return s.cfg.Model.Scrambles || s.cfg.Scrambles }

func (s *Simulator) blocks() []Block {
	if s.cfg.Blocks != nil {
		return s.cfg.Blocks
	}
	var f uint8
	if s.scrambles() {
		f = BlockEncrypted
	}
	return []Block{{Flags: f, Lines: 145}, {Flags: f | BlockChangeKey, Lines: 145}}
}

// broadcast wakes every blocked read; s.mu must be held.
func (s *Simulator) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Simulator) powered() bool { return s.hw&HWStatLowPower == 0 && !s.inReboot }

func (s *Simulator) queue(t InterruptType) {
	s.irqs = append(s.irqs, EncodeInterrupt(t))
	s.broadcast()
}

// ---- test controls ----

// SetImage sets what the sensor sees: an upright print, dark ridges on a
// light background, Width by Height pixels.
func (s *Simulator) SetImage(img *image.Gray) error {
	if img == nil || img.Rect.Dx() != Width || img.Rect.Dy() != Height {
		return fmt.Errorf("uru4000 simulator: image must be %dx%d", Width, Height)
	}
	cp := image.NewGray(image.Rect(0, 0, Width, Height))
	for y := range Height {
		copy(cp.Pix[y*Width:(y+1)*Width], img.Pix[(y)*img.Stride:][:Width])
	}
	s.mu.Lock()
	s.image = cp
	s.mu.Unlock()
	return nil
}

// Platen returns what the sensor's glass sees of a larger (or smaller)
// print: its centre, Width by Height pixels, white where the print does not
// reach. Its result suits SetImage.
func Platen(img *image.Gray) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, Width, Height))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	b := img.Bounds()
	off := image.Pt(b.Min.X+(b.Dx()-Width)/2, b.Min.Y+(b.Dy()-Height)/2)
	draw.Draw(out, out.Bounds(), img, off, draw.Src)
	return out
}

// PlaceFinger puts a finger on the glass.
func (s *Simulator) PlaceFinger() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFinger(true)
}

// LiftFinger takes the finger off the glass.
func (s *Simulator) LiftFinger() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFinger(false)
}

func (s *Simulator) setFinger(on bool) {
	was := s.finger
	s.finger = on
	if was == on || !s.powered() {
		return
	}
	switch {
	case on && s.mode == ModeAwaitFingerOn:
		s.queue(IrqFingerOn)
	case !on && s.mode == ModeAwaitFingerOff:
		s.queue(IrqFingerOff)
	}
}

// Unplug makes the device vanish: every transfer, including blocked ones,
// fails with fingerprint.ErrUnplugged.
func (s *Simulator) Unplug() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplugged = true
	s.broadcast()
}

// UnplugDuringNextFrame makes the device vanish after sending the first n
// bytes of the next frame.
func (s *Simulator) UnplugDuringNextFrame(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplugAfter = n
}

// CorruptFrames passes the next n frames through f before sending them.
func (s *Simulator) CorruptFrames(n int, f func(frame []byte) []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corruptLeft, s.corrupt = n, f
}

// InjectInterrupt queues a raw interrupt packet.
func (s *Simulator) InjectInterrupt(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.irqs = append(s.irqs, append([]byte(nil), p...))
	s.broadcast()
}

// StallRegister makes control requests that touch reg go unanswered: they
// fail as timed out.
func (s *Simulator) StallRegister(reg uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalled[reg] = true
}

// HangBulk makes the device stop sending frames.
func (s *Simulator) HangBulk(hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangBulk = hang
	s.broadcast()
}

// Mode returns the current operating mode.
func (s *Simulator) Mode() Mode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode
}

// Powered reports whether the sensor is powered up.
func (s *Simulator) Powered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.powered()
}

// ControlCount returns the number of control transfers answered so far.
func (s *Simulator) ControlCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.controlCount
}

// ---- Transport ----

func (s *Simulator) gone() error {
	if s.closed {
		return errors.New("uru4000 simulator: transport closed")
	}
	if s.unplugged {
		return fmt.Errorf("uru4000 simulator: no device: %w", fingerprint.ErrUnplugged)
	}
	return nil
}

// Control answers a register read or write.
func (s *Simulator) Control(ctx context.Context, rType, request uint8, val, idx uint16, data []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.gone(); err != nil {
		return 0, err
	}
	for i := range len(data) {
		if s.stalled[val+uint16(i)] {
			return 0, fmt.Errorf("uru4000 simulator: control transfer to register %#04x timed out: %w", val, fingerprint.ErrTimeout)
		}
	}
	if request != RequestRegister || idx != 0 || (rType != RequestTypeIn && rType != RequestTypeOut) {
		return 0, fmt.Errorf("uru4000 simulator: control request %#02x/%#02x stalled", rType, request)
	}
	s.controlCount++
	if rType == RequestTypeIn {
		s.readRegs(val, data)
	} else {
		s.writeRegs(val, data)
	}
	return len(data), nil
}

func (s *Simulator) readRegs(reg uint16, data []byte) {
	if reg == RegChallenge && len(data) == ChallengeLength {
		s.challenge = make([]byte, ChallengeLength)
		for i := range s.challenge {
			s.challenge[i] = byte(s.rng.Uint32())
		}
		s.authed = false
		copy(data, s.challenge)
		return
	}
	for i := range data {
		r := reg + uint16(i)
		if r == RegHWStat {
			data[i] = s.readHWStat()
			continue
		}
		data[i] = s.regs[r]
	}
}

func (s *Simulator) readHWStat() byte {
	if s.inReboot && s.rebooting >= 0 {
		if s.rebooting == 0 {
			s.inReboot = false
			s.hw |= HWStatRebootDone
		} else {
			s.rebooting--
		}
	}
	return s.hw
}

func (s *Simulator) writeRegs(reg uint16, data []byte) {
	switch {
	case reg == RegHWStat && len(data) == 1:
		s.writeHWStat(data[0])
		return
	case reg == RegMode && len(data) == 1:
		s.setMode(Mode(data[0]))
		return
	case reg == RegScrambleIndex && len(data) == 5:
		seed := binary.LittleEndian.Uint32(data[1:])
		var k [4]byte
		binary.LittleEndian.PutUint32(k[:], s.key(data[0])^seed)
		s.regs[RegScrambleIndex] = data[0]
		for i, b := range k {
			s.regs[RegScrambleKey+uint16(i)] = b
		}
		return
	case reg == RegResponse && len(data) == ChallengeLength:
		key := ChallengeKey()
		if s.cfg.AuthKey != nil {
			key = *s.cfg.AuthKey
		}
		want, err := Respond(key, s.challenge)
		s.authed = err == nil && string(want) == string(data)
		return
	}
	for i, b := range data {
		s.regs[reg+uint16(i)] = b
	}
}

func (s *Simulator) writeHWStat(v byte) {
	switch {
	case s.confused && v&HWStatLowPower == 0:
		s.hw = v
		s.confused = false
		s.inReboot = true
		s.rebooting = s.cfg.RebootPolls
	case v&HWStatLowPower != 0:
		s.hw = v
	case s.inReboot:
		// The power logic is busy rebooting.
	case s.cfg.NeverPowersUp:
	case s.cfg.Model.Authenticates && !s.authed:
	case s.ignored < s.cfg.PowerUpDelay:
		s.ignored++
	default:
		wasLow := s.hw&HWStatLowPower != 0
		s.hw = v
		s.authed = false
		if wasLow {
			if s.missed < s.cfg.MissedScanPower {
				s.missed++
			} else {
				s.queue(IrqScanPowerOn)
			}
		}
	}
	s.broadcast()
}

func (s *Simulator) setMode(m Mode) {
	s.mode = m
	s.auto = time.Time{}
	if s.powered() {
		switch m {
		case ModeAwaitFingerOn:
			if s.finger {
				s.queue(IrqFingerOn)
			} else if s.cfg.AutoFinger {
				s.auto = time.Now().Add(s.cfg.FingerDelay)
			}
		case ModeAwaitFingerOff:
			if !s.finger {
				s.queue(IrqFingerOff)
			} else if s.cfg.AutoFinger {
				s.auto = time.Now().Add(s.cfg.FingerDelay)
			}
		}
	}
	s.broadcast()
}

// key returns the firmware's scramble key for a key number.
func (s *Simulator) key(n uint8) uint32 {
	z := s.cfg.Seed + uint64(n)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	k := uint32(z ^ z>>31)
	if k == 0 {
		k = 1
	}
	return k
}

// wait blocks until the state changes, d passes (if positive) or ctx ends;
// s.mu must be held and is held again on return.
func (s *Simulator) wait(ctx context.Context, d time.Duration) error {
	ch := s.changed
	s.mu.Unlock()
	defer s.mu.Lock()
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-ch:
	case <-timer:
	}
	return nil
}

// ReadInterrupt returns the next interrupt packet, waiting for one.
func (s *Simulator) ReadInterrupt(ctx context.Context, buf []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if err := s.gone(); err != nil {
			return 0, err
		}
		if !s.auto.IsZero() && !time.Now().Before(s.auto) {
			s.auto = time.Time{}
			s.setFinger(s.mode == ModeAwaitFingerOn)
		}
		if len(s.irqs) > 0 {
			p := s.irqs[0]
			s.irqs = s.irqs[1:]
			return copy(buf, p), nil
		}
		var d time.Duration
		if !s.auto.IsZero() {
			d = max(time.Until(s.auto), time.Microsecond)
		}
		if err := s.wait(ctx, d); err != nil {
			return 0, err
		}
	}
}

// ReadBulk returns one image frame while the device is in capture mode and
// waits otherwise.
func (s *Simulator) ReadBulk(ctx context.Context, buf []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if err := s.gone(); err != nil {
			return 0, err
		}
		if s.mode == ModeCapture && s.powered() && !s.hangBulk {
			break
		}
		if err := s.wait(ctx, 0); err != nil {
			return 0, err
		}
	}
	frame, err := s.frame()
	if err != nil {
		return 0, err
	}
	if s.corruptLeft > 0 {
		s.corruptLeft--
		frame = s.corrupt(frame)
	}
	if s.unplugAfter >= 0 {
		n := copy(buf, frame[:min(s.unplugAfter, len(frame))])
		s.unplugAfter = -1
		s.unplugged = true
		s.broadcast()
		return n, fmt.Errorf("uru4000 simulator: device vanished mid-transfer: %w", fingerprint.ErrUnplugged)
	}
	return copy(buf, frame), nil
}

// rawImage is what the sensor reads: light ridges on dark, upside down on
// rotated models.
func (s *Simulator) rawImage() []byte {
	raw := make([]byte, Width*Height)
	if s.image == nil || !s.finger {
		return raw
	}
	last := len(raw) - 1
	for i, v := range s.image.Pix {
		j := i
		if s.cfg.Model.Rotated {
			j = last - i
		}
		raw[j] = 255 - v
	}
	return raw
}

// frame builds the next bulk frame.
func (s *Simulator) frame() ([]byte, error) {
	blocks := s.blocks()
	raw := s.rawImage()
	keyNumber := s.frameNo
	s.frameNo++
	hdr := make([]byte, FrameHeaderLength)
	if err := EncodeFrameHeader(hdr, keyNumber, blocks); err != nil {
		return nil, fmt.Errorf("uru4000 simulator: %w", err)
	}
	out := hdr
	scramble := s.scrambles()
	key := s.key(keyNumber)
	line := 0
	for _, b := range blocks {
		n := b.Lines * Width
		plain := raw[line*Width : line*Width+n]
		line += b.Lines
		if scramble && b.Flags&BlockChangeKey != 0 {
			keyNumber++
			key = s.key(keyNumber)
		}
		switch {
		case b.Flags&BlockNotPresent != 0:
			if scramble && b.Flags&BlockNoKeyUpdate == 0 {
				key = advanceKey(key, n)
			}
			continue
		case !scramble || b.Flags&BlockNoKeyUpdate != 0:
			out = append(out, plain...)
		case b.Flags&BlockEncrypted != 0:
			enc := make([]byte, n)
			key = Scramble(enc, plain, key, byte(s.rng.Uint32()))
			out = append(out, enc...)
		default:
			key = advanceKey(key, n)
			out = append(out, plain...)
		}
	}
	return out, nil
}

// Close releases the simulated device; blocked reads return.
func (s *Simulator) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.broadcast()
	return nil
}

var _ Transport = (*Simulator)(nil)

package uru4000

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
)

// DriverName is the fingerprint.Info.Driver of this family.
const DriverName = "uru4000"

// ErrAuthentication reports that an authenticating model never powered its
// sensor up although the driver answered its challenges: the device did
// not accept the answers. It wraps fingerprint.ErrProtocol.
var ErrAuthentication = fmt.Errorf("uru4000: challenge-response authentication not accepted: %w", fingerprint.ErrProtocol)

// ErrClosed reports a Capture on a closed scanner.
var ErrClosed = errors.New("uru4000: scanner closed")

// Options tunes the driver's retry and timing policy. The zero value means
// the defaults, which follow the device's known timing.
type Options struct {
	// PowerUpAttempts bounds the HWSTAT writes that try to power the sensor
	// up (default 100).
	PowerUpAttempts int
	// RetryInterval is the pause between power-up and reboot attempts
	// (default 10ms).
	RetryInterval time.Duration
	// ScanPowerTimeout is how long to wait for the scan-power-on interrupt
	// after a power-up (default 300ms).
	ScanPowerTimeout time.Duration
	// InitAttempts bounds the whole power-up sequence when the scan-power-on
	// interrupt does not come (default 3).
	InitAttempts int
	// FrameAttempts bounds the bulk reads of one capture when frames come
	// back malformed (default 3).
	FrameAttempts int
	// FrameTimeout bounds one bulk frame read (default 5s).
	FrameTimeout time.Duration
	// ControlTimeout bounds one register access (default 5s).
	ControlTimeout time.Duration
	// MaxBadInterrupts is how many malformed or unknown interrupt packets
	// in a row are skipped before Capture gives up (default 8).
	MaxBadInterrupts int
	// Seed returns the random seed that hides the scramble key on the wire
	// (default: crypto/rand).
	Seed func() uint32
}

func (o Options) withDefaults() Options {
	if o.PowerUpAttempts <= 0 {
		o.PowerUpAttempts = 100
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = 10 * time.Millisecond
	}
	if o.ScanPowerTimeout <= 0 {
		o.ScanPowerTimeout = 300 * time.Millisecond
	}
	if o.InitAttempts <= 0 {
		o.InitAttempts = 3
	}
	if o.FrameAttempts <= 0 {
		o.FrameAttempts = 3
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = 5 * time.Second
	}
	if o.ControlTimeout <= 0 {
		o.ControlTimeout = 5 * time.Second
	}
	if o.MaxBadInterrupts <= 0 {
		o.MaxBadInterrupts = 8
	}
	if o.Seed == nil {
		o.Seed = randomSeed
	}
	return o
}

func randomSeed() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	return binary.LittleEndian.Uint32(b[:])
}

// Scanner is an open reader. It implements fingerprint.Scanner.
type Scanner struct {
	t     Transport
	model Model
	info  fingerprint.Info
	opts  Options

	devInfo [16]byte

	// busy is held by the running Capture; Close waits for it.
	busy    atomic.Bool
	mu      sync.Mutex // guards closed and running.Add
	closed  bool
	running sync.WaitGroup
	// closing ends a running Capture when Close is called.
	closing   context.Context
	stopAll   context.CancelFunc
	closeOnce sync.Once
	closeErr  error

	// fingerDown is true after a capture until the finger-off interrupt is
	// seen; only the goroutine holding busy touches it.
	fingerDown bool
}

var _ fingerprint.Scanner = (*Scanner)(nil)

// Open initialises the device behind t (power-up, authentication where the
// model needs it, scan-power confirmation) and returns the scanner. path
// locates the device in its Info. On error t is closed.
func Open(ctx context.Context, t Transport, m Model, path string, opts Options) (*Scanner, error) {
	closing, stop := context.WithCancel(context.Background())
	s := &Scanner{
		t:     t,
		model: m,
		opts:  opts.withDefaults(),
		info: fingerprint.Info{
			Driver: DriverName,
			Path:   path,
			Vendor: m.Vendor,
			Model:  m.Name,
			PPI:    PPI,
			Width:  Width,
			Height: Height,
		},
		closing: closing,
		stopAll: stop,
	}
	if err := s.init(ctx); err != nil {
		stop()
		_ = t.Close()
		return nil, fmt.Errorf("uru4000: opening %v: %w", m, err)
	}
	return s, nil
}

// Info describes the device.
func (s *Scanner) Info() fingerprint.Info { return s.info }

// Model returns the model the scanner was opened as.
func (s *Scanner) Model() Model { return s.model }

// DeviceInfo returns the 16 bytes of the device information register read
// at open; bytes 4-5 and 10-11 hold revision numbers.
func (s *Scanner) DeviceInfo() [16]byte { return s.devInfo }

// Close stops a running capture, switches the sensor off and releases the
// device. It is safe to call more than once.
func (s *Scanner) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.stopAll()
		s.running.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		// Switching off is a courtesy; a vanished device cannot be.
		_ = s.writeReg(ctx, RegMode, byte(ModeOff))
		s.closeErr = s.t.Close()
	})
	return s.closeErr
}

// ---- register access ----

func (s *Scanner) controlCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.ControlTimeout)
}

func (s *Scanner) readRegs(ctx context.Context, reg uint16, n int) ([]byte, error) {
	ctx, cancel := s.controlCtx(ctx)
	defer cancel()
	buf := make([]byte, n)
	got, err := s.t.Control(ctx, RequestTypeIn, RequestRegister, reg, 0, buf)
	if err != nil {
		return nil, fmt.Errorf("reading register %#04x: %w", reg, err)
	}
	if got != n {
		return nil, fmt.Errorf("reading register %#04x: got %d bytes, want %d: %w", reg, got, n, fingerprint.ErrProtocol)
	}
	return buf, nil
}

func (s *Scanner) writeRegs(ctx context.Context, reg uint16, vals []byte) error {
	ctx, cancel := s.controlCtx(ctx)
	defer cancel()
	got, err := s.t.Control(ctx, RequestTypeOut, RequestRegister, reg, 0, vals)
	if err != nil {
		return fmt.Errorf("writing register %#04x: %w", reg, err)
	}
	if got != len(vals) {
		return fmt.Errorf("writing register %#04x: sent %d bytes, want %d: %w", reg, got, len(vals), fingerprint.ErrProtocol)
	}
	return nil
}

func (s *Scanner) readReg(ctx context.Context, reg uint16) (byte, error) {
	b, err := s.readRegs(ctx, reg, 1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (s *Scanner) writeReg(ctx context.Context, reg uint16, v byte) error {
	return s.writeRegs(ctx, reg, []byte{v})
}

func (s *Scanner) setMode(ctx context.Context, m Mode) error {
	if err := s.writeReg(ctx, RegMode, byte(m)); err != nil {
		return fmt.Errorf("entering mode %v: %w", m, err)
	}
	return nil
}

// sleep pauses for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ---- initialisation ----

// init runs the power sequence until the device confirms scan power.
func (s *Scanner) init(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		err := s.powerCycle(ctx)
		if err != nil {
			return err
		}
		ok, err := s.awaitScanPower(ctx)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		if attempt >= s.opts.InitAttempts {
			return fmt.Errorf("no scan-power-on interrupt after %d power-ups: %w", attempt, fingerprint.ErrTimeout)
		}
	}
	info, err := s.readRegs(ctx, RegDeviceInfo, 16)
	if err != nil {
		return err
	}
	copy(s.devInfo[:], info)
	return nil
}

// powerCycle brings the sensor from whatever state it is in to powered up.
func (s *Scanner) powerCycle(ctx context.Context) error {
	hw, err := s.readReg(ctx, RegHWStat)
	if err != nil {
		return err
	}
	if hw&hwstatRebootMask == hwstatRebootMask {
		if hw, err = s.rebootPower(ctx, hw); err != nil {
			return err
		}
	}
	if hw&HWStatLowPower == 0 {
		// Power down first so that the power-up below is a clean edge.
		if err := s.writeReg(ctx, RegHWStat, hw|HWStatLowPower); err != nil {
			return err
		}
	}
	return s.powerUp(ctx, hw&hwstatPowerUpValue)
}

// rebootPower recovers a device whose HWSTAT reports a confused power state:
// write the low bits back and poll until the reboot-done bit shows.
func (s *Scanner) rebootPower(ctx context.Context, hw byte) (byte, error) {
	if err := s.writeReg(ctx, RegHWStat, hw&hwstatPowerUpValue); err != nil {
		return 0, err
	}
	for range s.opts.PowerUpAttempts {
		v, err := s.readReg(ctx, RegHWStat)
		if err != nil {
			return 0, err
		}
		if v&HWStatRebootDone != 0 {
			return v, nil
		}
		if err := sleep(ctx, s.opts.RetryInterval); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("power reboot did not finish after %d polls: %w", s.opts.PowerUpAttempts, fingerprint.ErrTimeout)
}

// powerUp writes the power-up value until HWSTAT leaves low power,
// answering the challenge between attempts on authenticating models.
func (s *Scanner) powerUp(ctx context.Context, value byte) error {
	for attempt := 1; ; attempt++ {
		if err := s.writeReg(ctx, RegHWStat, value); err != nil {
			return err
		}
		hw, err := s.readReg(ctx, RegHWStat)
		if err != nil {
			return err
		}
		if hw&HWStatLowPower == 0 {
			return nil
		}
		if attempt >= s.opts.PowerUpAttempts {
			if s.model.Authenticates {
				return fmt.Errorf("sensor still in low power after %d power-ups with answered challenges: %w: %w", attempt, ErrAuthentication, fingerprint.ErrTimeout)
			}
			return fmt.Errorf("sensor still in low power after %d power-ups: %w", attempt, fingerprint.ErrTimeout)
		}
		if err := sleep(ctx, s.opts.RetryInterval); err != nil {
			return err
		}
		if s.model.Authenticates {
			if err := s.authenticate(ctx); err != nil {
				return err
			}
		}
	}
}

// authenticate answers the device's challenge.
func (s *Scanner) authenticate(ctx context.Context) error {
	ch, err := s.readRegs(ctx, RegChallenge, ChallengeLength)
	if err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	resp, err := Respond(ChallengeKey(), ch)
	if err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	if err := s.writeRegs(ctx, RegResponse, resp); err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	return nil
}

// awaitScanPower waits for the scan-power-on interrupt, ignoring others.
// It reports false when the interrupt did not come in time.
func (s *Scanner) awaitScanPower(ctx context.Context) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, s.opts.ScanPowerTimeout)
	defer cancel()
	buf := make([]byte, InterruptLength)
	for {
		n, err := s.t.ReadInterrupt(wctx, buf)
		if err != nil {
			if ctx.Err() != nil {
				return false, fmt.Errorf("awaiting scan power: %w", ctx.Err())
			}
			if wctx.Err() != nil || errors.Is(err, fingerprint.ErrTimeout) {
				return false, nil
			}
			return false, fmt.Errorf("awaiting scan power: %w", err)
		}
		if t, err := ParseInterrupt(buf[:n]); err == nil && t == IrqScanPowerOn {
			return true, nil
		}
	}
}

// ---- capture ----

// Capture waits for a finger, reads one frame and returns the image: 8-bit
// grey, dark ridges on a light background, upright, Width by Height pixels
// at PPI. When the finger of the previous capture has not been seen lifted,
// it first reports StageRemoveFinger and waits for that. A second concurrent
// Capture fails with fingerprint.ErrBusy; Close ends a running one.
func (s *Scanner) Capture(ctx context.Context, progress fingerprint.Progress) (fingerprint.Image, error) {
	if !s.busy.CompareAndSwap(false, true) {
		return fingerprint.Image{}, fmt.Errorf("uru4000: capture: %w", fingerprint.ErrBusy)
	}
	defer s.busy.Store(false)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fingerprint.Image{}, fmt.Errorf("uru4000: capture: %w", ErrClosed)
	}
	s.running.Add(1)
	s.mu.Unlock()
	defer s.running.Done()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.closing, cancel)
	defer stop()

	report := func(st fingerprint.Stage) {
		if progress != nil {
			progress(st)
		}
	}
	img, err := s.capture(ctx, report)
	if err != nil {
		if s.closing.Err() != nil {
			return fingerprint.Image{}, fmt.Errorf("uru4000: capture: %w: %w", ErrClosed, err)
		}
		return fingerprint.Image{}, fmt.Errorf("uru4000: capture: %w", err)
	}
	return img, nil
}

func (s *Scanner) capture(ctx context.Context, report func(fingerprint.Stage)) (fingerprint.Image, error) {
	if s.fingerDown {
		report(fingerprint.StageRemoveFinger)
		if err := s.setMode(ctx, ModeAwaitFingerOff); err != nil {
			return fingerprint.Image{}, err
		}
		if err := s.awaitInterrupt(ctx, IrqFingerOff); err != nil {
			return fingerprint.Image{}, fmt.Errorf("waiting for the finger to lift: %w", err)
		}
		s.fingerDown = false
	}

	report(fingerprint.StageWaitingForFinger)
	if err := s.setMode(ctx, ModeAwaitFingerOn); err != nil {
		return fingerprint.Image{}, err
	}
	if err := s.awaitInterrupt(ctx, IrqFingerOn); err != nil {
		return fingerprint.Image{}, fmt.Errorf("waiting for a finger: %w", err)
	}
	s.fingerDown = true
	report(fingerprint.StageFingerDetected)

	if err := s.setMode(ctx, ModeCapture); err != nil {
		return fingerprint.Image{}, err
	}
	gray, err := s.readImage(ctx)
	if err != nil {
		return fingerprint.Image{}, err
	}
	captured := time.Now()
	report(fingerprint.StageImageReady)

	if err := s.setMode(ctx, ModeAwaitFingerOff); err != nil {
		return fingerprint.Image{}, err
	}
	report(fingerprint.StageRemoveFinger)
	return fingerprint.Image{Gray: gray, PPI: PPI, Captured: captured}, nil
}

// awaitInterrupt reads interrupts until want arrives. Other known codes
// are skipped; malformed or unknown packets are skipped too, up to
// MaxBadInterrupts in a row. A deadline that passes while waiting is
// reported as fingerprint.ErrTimeout together with the context error.
func (s *Scanner) awaitInterrupt(ctx context.Context, want InterruptType) error {
	buf := make([]byte, InterruptLength)
	bad := 0
	for {
		n, err := s.t.ReadInterrupt(ctx, buf)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				if errors.Is(ctxErr, context.DeadlineExceeded) {
					return fmt.Errorf("%w: %w", fingerprint.ErrTimeout, ctxErr)
				}
				return ctxErr
			}
			return err
		}
		t, err := ParseInterrupt(buf[:n])
		if err != nil {
			bad++
			if bad >= s.opts.MaxBadInterrupts {
				return fmt.Errorf("%d bad interrupt packets in a row, last: %w", bad, err)
			}
			continue
		}
		bad = 0
		if t == want {
			return nil
		}
	}
}

// readImage reads frames until one is well formed, then decodes it.
func (s *Scanner) readImage(ctx context.Context) (*image.Gray, error) {
	buf := make([]byte, MaxFrameLength)
	var lastErr error
	for range s.opts.FrameAttempts {
		rctx, cancel := context.WithTimeout(ctx, s.opts.FrameTimeout)
		n, err := s.t.ReadBulk(rctx, buf)
		timedOut := rctx.Err() != nil
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("reading frame: %w", ctx.Err())
			}
			if timedOut && !errors.Is(err, fingerprint.ErrTimeout) {
				return nil, fmt.Errorf("reading frame: no frame within %v: %w: %w", s.opts.FrameTimeout, fingerprint.ErrTimeout, err)
			}
			return nil, fmt.Errorf("reading frame: %w", err)
		}
		f, err := ParseFrame(buf[:n])
		if err != nil {
			lastErr = err
			continue
		}
		return s.decode(ctx, f)
	}
	return nil, fmt.Errorf("no well-formed frame in %d reads: %w", s.opts.FrameAttempts, lastErr)
}

// fetchKey asks the device for the scramble key of keyNumber, hiding it
// behind a fresh random seed.
func (s *Scanner) fetchKey(ctx context.Context, keyNumber uint8) (uint32, error) {
	seed := s.opts.Seed()
	var idx [5]byte
	idx[0] = keyNumber
	binary.LittleEndian.PutUint32(idx[1:], seed)
	if err := s.writeRegs(ctx, RegScrambleIndex, idx[:]); err != nil {
		return 0, fmt.Errorf("selecting scramble key %d: %w", keyNumber, err)
	}
	b, err := s.readRegs(ctx, RegScrambleKey, 4)
	if err != nil {
		return 0, fmt.Errorf("reading scramble key %d: %w", keyNumber, err)
	}
	return binary.LittleEndian.Uint32(b) ^ seed, nil
}

// decode unscrambles the frame where needed and lays it out as an upright
// image with dark ridges.
func (s *Scanner) decode(ctx context.Context, f *Frame) (*image.Gray, error) {
	if s.model.Scrambles || looksScrambled(f) {
		keyNumber := f.KeyNumber
		key, err := s.fetchKey(ctx, keyNumber)
		if err != nil {
			return nil, err
		}
		line := 0
		for _, b := range f.Blocks {
			if b.Flags&BlockChangeKey != 0 {
				keyNumber++
				if key, err = s.fetchKey(ctx, keyNumber); err != nil {
					return nil, err
				}
			}
			n := b.Lines * Width
			switch {
			case b.Flags&BlockNoKeyUpdate != 0:
				// Sent as is; the key stream stands still.
			case b.Flags&BlockNotPresent != 0:
				key = advanceKey(key, n)
			case b.Flags&BlockEncrypted != 0:
				key = Descramble(f.Data[line*Width:line*Width+n], key)
			default:
				key = advanceKey(key, n)
			}
			if b.Flags&BlockNotPresent == 0 {
				line += b.Lines
			}
		}
	}
	return s.layout(f), nil
}

// layout places the carried lines into the image: blocks that are not
// present repeat the lines that follow them. Raw pixels are light ridges on
// dark, so they are inverted; rotated models are turned upright.
func (s *Scanner) layout(f *Frame) *image.Gray {
	raw := make([]byte, Width*Height)
	src, dst := 0, 0
	for _, b := range f.Blocks {
		n := b.Lines * Width
		end := min(src+n, len(f.Data))
		copy(raw[dst:dst+n], f.Data[src:end])
		if b.Flags&BlockNotPresent == 0 {
			src += n
		}
		dst += n
	}
	img := image.NewGray(image.Rect(0, 0, Width, Height))
	last := len(raw) - 1
	for i, v := range raw {
		j := i
		if s.model.Rotated {
			j = last - i
		}
		img.Pix[j] = 255 - v
	}
	return img
}

package zfm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
)

// DriverName is the fingerprint.Info driver name of this package.
const DriverName = "zfm"

// Defaults of Options.
const (
	DefaultBaud           = 57600
	DefaultPoll           = 100 * time.Millisecond
	DefaultReplyTimeout   = 2 * time.Second
	DefaultFingerPoll     = 50 * time.Millisecond
	DefaultUploadAttempts = 2
)

// Options configure a Scanner. The zero value suits a module with
// factory settings at 57600 baud.
type Options struct {
	// Baud is the line speed; 0 means 57600. The module's speed is
	// 9600 × N, N = 1..12.
	Baud int
	// Address is the module address; 0 means DefaultAddress (0xFFFFFFFF).
	Address uint32
	// Password is the handshake password (factory value 0).
	Password uint32
	// Model selects the model; ModelAuto asks the module.
	Model Model
	// PacketSize, when non-zero (32, 64, 128 or 256), is written to the
	// module with SetSysPara if it differs. The driver reassembles data
	// packets of any size, so this only tunes the transfer.
	PacketSize int
	// Poll is the longest a single read of the line waits (the serial
	// VTIME, at least 100 ms); it bounds how late a cancellation is
	// noticed. 0 means 100 ms.
	Poll time.Duration
	// ReplyTimeout is how long the driver waits for each answer or data
	// packet; 0 means 2 s.
	ReplyTimeout time.Duration
	// FingerPoll is the pause between two GenImg polls while waiting for a
	// finger; 0 means 50 ms.
	FingerPoll time.Duration
	// FingerTimeout, when positive, ends a capture with ErrTimeout when no
	// finger is placed in that time. Otherwise the capture waits until its
	// context ends.
	FingerTimeout time.Duration
	// UploadAttempts is how many times an image upload that failed with a
	// protocol error (bad checksum, lost packet) is tried in all; 0 means
	// 2, 1 means no retry.
	UploadAttempts int
	// WaitForLift makes Capture wait, after reporting StageRemoveFinger,
	// until the finger leaves the sensor.
	WaitForLift bool
	// NoLED leaves the LED alone during captures on models that let the
	// host drive it.
	NoLED bool
}

func (o Options) withDefaults() Options {
	if o.Baud == 0 {
		o.Baud = DefaultBaud
	}
	if o.Address == 0 {
		o.Address = DefaultAddress
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = DefaultReplyTimeout
	}
	if o.FingerPoll <= 0 {
		o.FingerPoll = DefaultFingerPoll
	}
	if o.UploadAttempts <= 0 {
		o.UploadAttempts = DefaultUploadAttempts
	}
	return o
}

// Scanner is an open module. It implements fingerprint.Scanner. Its
// methods may be called from several goroutines; one operation runs at a
// time and the others fail with fingerprint.ErrBusy.
type Scanner struct {
	opts   Options
	port   Port
	c      *conn
	info   fingerprint.Info
	model  Model
	spec   modelSpec
	params SysParams
	prod   *ProdInfo

	busy      sync.Mutex // held by the running operation
	closeOnce sync.Once
	closing   chan struct{}
	closeErr  error
}

var _ fingerprint.Scanner = (*Scanner)(nil)

// Open opens the module on the tty at path (e.g. /dev/ttyUSB0 or
// /dev/serial0) with github.com/tarm/serial and checks it answers: it
// verifies the password, reads the system parameters, sets the packet
// size if asked and identifies the model.
func Open(ctx context.Context, path string, opts Options) (*Scanner, error) {
	opts = opts.withDefaults()
	port, err := OpenSerial(path, opts.Baud, opts.Poll)
	if err != nil {
		return nil, fmt.Errorf("zfm: %w: check the device path and its permissions", err)
	}
	s, err := New(ctx, port, path, opts)
	if err != nil {
		port.Close()
		return nil, err
	}
	return s, nil
}

// New starts a Scanner on an open port, checking the module as Open
// does; path names the port in Info and in messages. On success the
// Scanner owns the port and Close closes it; when New fails the caller
// still owns the port and must close it.
func New(ctx context.Context, port Port, path string, opts Options) (*Scanner, error) {
	opts = opts.withDefaults()
	s := &Scanner{opts: opts, port: port, closing: make(chan struct{})}
	where := fmt.Sprintf("%s at %d baud", path, opts.Baud)
	s.c = newConn(port, opts.Address, where, opts.ReplyTimeout, s.closing)
	if err := s.start(ctx, path); err != nil {
		return nil, fmt.Errorf("zfm: %w", err)
	}
	return s, nil
}

func (s *Scanner) start(ctx context.Context, path string) error {
	if err := s.verifyPassword(ctx); err != nil {
		return err
	}
	params, err := s.readSysParams(ctx)
	if err != nil {
		return err
	}
	if size := s.opts.PacketSize; size != 0 && size != params.PacketSize {
		if err := s.setPacketSize(ctx, size); err != nil {
			return err
		}
		if params, err = s.readSysParams(ctx); err != nil {
			return err
		}
	}
	s.params = params

	s.model = s.opts.Model
	if s.model == ModelAuto || s.model.spec().prodInfo {
		pi, err := s.readProdInfo(ctx)
		switch {
		case err == nil:
			s.prod = &pi
			if s.model == ModelAuto {
				s.model = modelFromProdInfo(pi.Model)
			}
		case isGone(err) || ctx.Err() != nil:
			return err
		case s.model == ModelAuto:
			// An older module: it has no product information.
			s.model = ModelGeneric
		}
	}
	s.spec = s.model.spec()
	if s.prod != nil && s.prod.Width > 0 && s.prod.Height > 0 && s.prod.Width*s.prod.Height%2 == 0 {
		s.spec.width, s.spec.height = s.prod.Width, s.prod.Height
	}
	s.info = fingerprint.Info{
		Driver: DriverName,
		Path:   path,
		Vendor: s.spec.vendor,
		Model:  string(s.model),
		PPI:    s.spec.ppi,
		Width:  s.spec.width,
		Height: s.spec.height,
	}
	if s.prod != nil {
		s.info.Serial = s.prod.Serial
	}
	return nil
}

func isGone(err error) bool {
	return errors.Is(err, fingerprint.ErrUnplugged) || errors.Is(err, ErrClosed)
}

// Info describes the module.
func (s *Scanner) Info() fingerprint.Info { return s.info }

// Model returns the model the scanner identified or was told.
func (s *Scanner) Model() Model { return s.model }

// ProductInfo returns the module's product information, when it gave
// one (R503).
func (s *Scanner) ProductInfo() (ProdInfo, bool) {
	if s.prod == nil {
		return ProdInfo{}, false
	}
	return *s.prod, true
}

// Skipped returns how many garbage bytes and stray packet bytes the
// driver dropped while resynchronising, since the scanner was opened.
func (s *Scanner) Skipped() int64 { return s.c.skipped.Load() }

// Close releases the port. A running operation ends with ErrClosed
// within the poll period.
func (s *Scanner) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.closeErr = s.port.Close()
	})
	return s.closeErr
}

// acquire starts an operation, or fails with ErrBusy or ErrClosed.
func (s *Scanner) acquire(op string) error {
	select {
	case <-s.closing:
		return fmt.Errorf("zfm: %s on %s: %w", op, s.c.where, ErrClosed)
	default:
	}
	if !s.busy.TryLock() {
		return fmt.Errorf("zfm: %s on %s: another operation is running: %w", op, s.c.where, fingerprint.ErrBusy)
	}
	return nil
}

func (s *Scanner) verifyPassword(ctx context.Context) error {
	pw := binary.BigEndian.AppendUint32(nil, s.opts.Password)
	_, err := s.c.command(ctx, "verify password", 0, InsVfyPwd, pw...)
	return err
}

func (s *Scanner) readSysParams(ctx context.Context) (SysParams, error) {
	const op = "read system parameters"
	b, err := s.c.command(ctx, op, 16, InsReadSysPara)
	if err != nil {
		return SysParams{}, err
	}
	p, err := ParseSysParams(b)
	if err != nil {
		return SysParams{}, fmt.Errorf("%s from the module on %s: %w", op, s.c.where, err)
	}
	return p, nil
}

func (s *Scanner) setPacketSize(ctx context.Context, size int) error {
	code, ok := PacketSizeCode(size)
	if !ok {
		return fmt.Errorf("set packet size: %d bytes is not 32, 64, 128 or 256", size)
	}
	_, err := s.c.command(ctx, "set packet size", 0, InsSetSysPara, ParamPacketSize, code)
	return err
}

func (s *Scanner) readProdInfo(ctx context.Context) (ProdInfo, error) {
	const op = "read product information"
	b, err := s.c.command(ctx, op, prodInfoSize, InsReadProdInfo)
	if err != nil {
		return ProdInfo{}, err
	}
	return ParseProdInfo(b)
}

// SystemParameters reads the module's status register and parameters.
func (s *Scanner) SystemParameters(ctx context.Context) (SysParams, error) {
	if err := s.acquire("read system parameters"); err != nil {
		return SysParams{}, err
	}
	defer s.busy.Unlock()
	p, err := s.readSysParams(ctx)
	if err != nil {
		return SysParams{}, fmt.Errorf("zfm: %w", err)
	}
	s.params = p
	return p, nil
}

// SetSystemParameter writes one system parameter with SetSysPara:
// ParamBaud (N, 9600 × N baud), ParamSecurity (1..5) or ParamPacketSize
// (0..3). A new baud rate takes effect on the module at once or after a
// power cycle depending on the model; reopen the scanner at the new rate.
func (s *Scanner) SetSystemParameter(ctx context.Context, param, value byte) error {
	const op = "set system parameter"
	if err := s.acquire(op); err != nil {
		return err
	}
	defer s.busy.Unlock()
	if _, err := s.c.command(ctx, op, 0, InsSetSysPara, param, value); err != nil {
		return fmt.Errorf("zfm: %w", err)
	}
	return nil
}

// Handshake asks the module whether it is ready (HandShake, 0x40). Models
// without the command answer with an error.
func (s *Scanner) Handshake(ctx context.Context) error {
	const op = "handshake"
	if err := s.acquire(op); err != nil {
		return err
	}
	defer s.busy.Unlock()
	if _, err := s.c.command(ctx, op, 0, InsHandshake); err != nil {
		return fmt.Errorf("zfm: %w", err)
	}
	return nil
}

// SetLED switches the LED on or off on models that let the host drive
// it (R503 ring, AS608 variants); other models fail with ErrUnsupported.
func (s *Scanner) SetLED(ctx context.Context, on bool) error {
	const op = "set LED"
	if err := s.acquire(op); err != nil {
		return err
	}
	defer s.busy.Unlock()
	st := ledOff
	if on {
		st = ledSteady
	}
	if err := s.led(ctx, st); err != nil {
		return fmt.Errorf("zfm: %w", err)
	}
	return nil
}

// ledState is what the capture shows on the LED.
type ledState int

const (
	ledOff     ledState = iota
	ledWaiting          // waiting for a finger
	ledSteady           // on
	ledDone             // image taken
)

// R503 aura control codes and colours.
const (
	auraBreathing = 0x01
	auraOn        = 0x03
	auraOff       = 0x04
	auraBlue      = 0x02
	auraGreen     = 0x04
)

func (s *Scanner) led(ctx context.Context, st ledState) error {
	const op = "set LED"
	switch s.spec.led {
	case ledAura:
		ctrl, color := byte(auraOff), byte(auraBlue)
		switch st {
		case ledWaiting:
			ctrl = auraBreathing
		case ledSteady:
			ctrl = auraOn
		case ledDone:
			ctrl, color = auraOn, auraGreen
		}
		_, err := s.c.command(ctx, op, 0, InsAuraLed, ctrl, 0x40, color, 0)
		return err
	case ledOnOff:
		ins := InsLEDOff
		if st != ledOff {
			ins = InsLEDOn
		}
		_, err := s.c.command(ctx, op, 0, ins)
		return err
	}
	return fmt.Errorf("%s: model %s on %s has no host-driven LED: %w", op, s.model, s.c.where, ErrUnsupported)
}

// captureLED drives the LED during a capture. Failures other than a
// vanished device are ignored: the LED is a courtesy.
func (s *Scanner) captureLED(ctx context.Context, st ledState) error {
	if s.opts.NoLED || s.spec.led == ledNone {
		return nil
	}
	if err := s.led(ctx, st); err != nil && (isGone(err) || ctx.Err() != nil) {
		return err
	}
	return nil
}

// Capture waits for a finger, takes an image and uploads it. It reports
// StageWaitingForFinger, StageFingerDetected, StageImageReady and
// StageRemoveFinger in that order. It ends with the context's error when
// ctx ends (matching also fingerprint.ErrTimeout when its deadline
// passed), with fingerprint.ErrTimeout when the module stops answering or
// Options.FingerTimeout passes, with fingerprint.ErrUnplugged when the
// device goes away and with an error matching fingerprint.ErrProtocol
// when the upload stays corrupted after Options.UploadAttempts tries.
func (s *Scanner) Capture(ctx context.Context, progress fingerprint.Progress) (fingerprint.Image, error) {
	if err := s.acquire("capture"); err != nil {
		return fingerprint.Image{}, err
	}
	defer s.busy.Unlock()
	img, err := s.capture(ctx, progress)
	if err != nil {
		return fingerprint.Image{}, fmt.Errorf("zfm: %w", err)
	}
	return img, nil
}

func (s *Scanner) capture(ctx context.Context, progress fingerprint.Progress) (img fingerprint.Image, err error) {
	report := func(st fingerprint.Stage) {
		if progress != nil {
			progress(st)
		}
	}
	report(fingerprint.StageWaitingForFinger)
	if err := s.captureLED(ctx, ledWaiting); err != nil {
		return img, err
	}
	defer func() {
		if isGone(err) {
			return
		}
		// Switch the LED off even when ctx ended.
		offCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ReplyTimeout)
		defer cancel()
		if lerr := s.captureLED(offCtx, ledOff); lerr != nil && err == nil {
			err = lerr
		}
	}()

	if err := s.waitFinger(ctx); err != nil {
		return img, err
	}
	report(fingerprint.StageFingerDetected)

	var gray *image.Gray
	for attempt := 1; ; attempt++ {
		gray, err = s.upload(ctx)
		if err == nil {
			break
		}
		var me *ModuleError
		if attempt >= s.opts.UploadAttempts || !errors.Is(err, fingerprint.ErrProtocol) || errors.As(err, &me) && me.Code != CodeImageUpload && me.Code != CodeDataReceive {
			if attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return img, err
		}
	}
	img = fingerprint.Image{Gray: gray, PPI: s.spec.ppi, Captured: time.Now()}
	report(fingerprint.StageImageReady)
	if err := s.captureLED(ctx, ledDone); err != nil {
		return fingerprint.Image{}, err
	}
	report(fingerprint.StageRemoveFinger)
	if s.opts.WaitForLift {
		if err := s.waitLift(ctx); err != nil {
			return fingerprint.Image{}, err
		}
	}
	return img, nil
}

// waitFinger polls GenImg until the module took an image.
func (s *Scanner) waitFinger(ctx context.Context) error {
	const op = "wait for finger"
	var deadline time.Time
	if s.opts.FingerTimeout > 0 {
		deadline = time.Now().Add(s.opts.FingerTimeout)
	}
	bad := 0 // corrupted answers in a row
	for {
		code, _, err := s.c.exchange(ctx, op, InsGenImg)
		switch {
		case err != nil:
			if !errors.Is(err, fingerprint.ErrProtocol) || bad >= 2 {
				return s.ctxErr(ctx, err)
			}
			bad++
		case code == CodeOK:
			return nil
		case code == CodeNoFinger || code == CodeImageFail:
			bad = 0
		default:
			return &ModuleError{Op: op, Where: s.c.where, Code: code}
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return fmt.Errorf("%s: no finger placed on the module on %s within %v: place a finger on the sensor: %w",
				op, s.c.where, s.opts.FingerTimeout, fingerprint.ErrTimeout)
		}
		if err := s.sleep(ctx, op, s.opts.FingerPoll); err != nil {
			return err
		}
	}
}

// waitLift polls GenImg until the module reports no finger.
func (s *Scanner) waitLift(ctx context.Context) error {
	const op = "wait for finger removal"
	for {
		code, _, err := s.c.exchange(ctx, op, InsGenImg)
		if err != nil {
			return s.ctxErr(ctx, err)
		}
		if code == CodeNoFinger {
			return nil
		}
		if err := s.sleep(ctx, op, s.opts.FingerPoll); err != nil {
			return err
		}
	}
}

// ctxErr adds fingerprint.ErrTimeout to an error caused by the context's
// deadline.
func (s *Scanner) ctxErr(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, fingerprint.ErrTimeout) {
		return fmt.Errorf("%w: %w", err, fingerprint.ErrTimeout)
	}
	return err
}

func (s *Scanner) sleep(ctx context.Context, op string, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.closing:
		return fmt.Errorf("%s: %w", op, ErrClosed)
	case <-ctx.Done():
		return s.ctxErr(ctx, fmt.Errorf("%s on %s: %w", op, s.c.where, ctx.Err()))
	}
}

// upload runs UpImage and reassembles the data packets into the image.
func (s *Scanner) upload(ctx context.Context) (*image.Gray, error) {
	const op = "upload image"
	code, _, err := s.c.exchange(ctx, op, InsUpImage)
	if err != nil {
		return nil, s.ctxErr(ctx, err)
	}
	if code != CodeOK {
		return nil, &ModuleError{Op: op, Where: s.c.where, Code: code}
	}
	w, h := s.spec.width, s.spec.height
	want := w * h / 2
	data := make([]byte, 0, want)
	for packets := 0; ; packets++ {
		p, err := s.c.readPacket(ctx, op)
		if err != nil {
			return nil, s.ctxErr(ctx, fmt.Errorf("%w (after %d of %d image bytes)", err, len(data), want))
		}
		if p.PID != PIDData && p.PID != PIDEndData {
			s.c.dirty = true
			return nil, fmt.Errorf("%s: %s packet in the middle of the image data from the module on %s: %w", op, p.PID, s.c.where, fingerprint.ErrProtocol)
		}
		data = append(data, p.Content...)
		if len(data) > want {
			s.c.dirty = true
			return nil, fmt.Errorf("%s: the module on %s sent more than the %d image bytes of a %d×%d image: check the configured model: %w",
				op, s.c.where, want, w, h, fingerprint.ErrProtocol)
		}
		if p.PID == PIDEndData {
			break
		}
	}
	if len(data) != want {
		return nil, fmt.Errorf("%s: the module on %s sent %d image bytes, a %d×%d image has %d: check the configured model: %w",
			op, s.c.where, len(data), w, h, want, fingerprint.ErrProtocol)
	}
	return Unpack(data, w, h), nil
}

// Unpack expands 4-bit image data (two pixels a byte, the left pixel in
// the high nibble, rows top to bottom) into an 8-bit image: nibble v
// becomes v × 17, so 0 stays black and 15 becomes 255. data must hold
// w×h/2 bytes.
func Unpack(data []byte, w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, b := range data[:w*h/2] {
		img.Pix[2*i] = (b >> 4) * 17
		img.Pix[2*i+1] = (b & 0x0F) * 17
	}
	return img
}

// Pack is the inverse of Unpack: it keeps the high four bits of each
// pixel of a w×h image (w×h even) and packs two pixels a byte.
func Pack(img *image.Gray) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, 0, w*h/2)
	var hi byte
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			v := img.GrayAt(x, y).Y >> 4
			if n%2 == 0 {
				hi = v << 4
			} else {
				out = append(out, hi|v)
			}
			n++
		}
	}
	return out
}

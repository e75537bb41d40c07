package zfmsim

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"sync"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/capturestation/station/drivers/fingerprint/zfm"
)

// Options configure a simulated module. The zero value is an R307 with
// factory settings: address 0xFFFFFFFF, password 0, 128-byte data
// packets, 57600 baud.
type Options struct {
	// Model is the model simulated; ModelAuto means R307.
	Model zfm.Model
	// Address is the module address; 0 means 0xFFFFFFFF.
	Address uint32
	// Password is the handshake password; when non-zero the module
	// answers 0x21 to every command until VfyPwd succeeds.
	Password uint32
	// PacketSize is the data packet size, 32, 64, 128 or 256; 0 means 128.
	PacketSize int
	// Baud is the module's line speed; 0 means 57600. The simulator reads
	// the speed the host set on the tty and ignores commands sent at
	// another one, as a module sees only framing errors then.
	Baud int
	// SecurityLevel is reported by ReadSysPara; 0 means 3.
	SecurityLevel int
	// LibrarySize is reported by ReadSysPara; 0 means the model's.
	LibrarySize int
	// Serial is the serial number an R503 reports; "" means "00000001".
	Serial string
	// ReadyByte makes the module send 0x55 once started, as modules do
	// after power-up.
	ReadyByte bool
}

func (o Options) withDefaults() Options {
	if o.Model == zfm.ModelAuto {
		o.Model = zfm.ModelR307
	}
	if o.Address == 0 {
		o.Address = zfm.DefaultAddress
	}
	if o.PacketSize == 0 {
		o.PacketSize = 128
	}
	if o.Baud == 0 {
		o.Baud = 57600
	}
	if o.SecurityLevel == 0 {
		o.SecurityLevel = 3
	}
	if o.LibrarySize == 0 {
		switch o.Model {
		case zfm.ModelR503:
			o.LibrarySize = 200
		case zfm.ModelAS608:
			o.LibrarySize = 300
		case zfm.ModelZFM20, zfm.ModelR305:
			o.LibrarySize = 162
		default:
			o.LibrarySize = 1000
		}
	}
	if o.Serial == "" {
		o.Serial = "00000001"
	}
	return o
}

// LEDState is the simulated LED.
type LEDState struct {
	On bool
	// Ctrl and Color are the last AuraLedConfig control code and colour
	// index (R503); zero on other models.
	Ctrl, Color byte
}

// Sim is a simulated module behind a pty pair: it owns the master side
// and serves the host that opens the slave path like any serial port.
type Sim struct {
	opts   Options
	path   string
	master *os.File
	slave  *os.File // held open so the pty survives host reopenings

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu         sync.Mutex
	addr       uint32
	password   uint32
	verified   bool
	packetSize int
	baud       int
	security   int
	finger     *image.Gray // prepared image of the placed finger, nil when lifted
	fingerIn   int         // GenImg polls left before finger appears
	pending    *image.Gray // finger that appears after fingerIn polls
	imageBuf   []byte      // packed image buffer, nil when empty
	led        LEDState
	polls      int
	commands   []byte
	unplugged  bool
	silent     bool
	delay      time.Duration
	garbage    []byte
	garbageN   int
	corruptAt  int
	corruptN   int
	unplugAt   int
	unplugSet  bool
	forced     map[byte]forcedCode
}

type forcedCode struct {
	code byte
	n    int
}

// Start creates a pty pair, starts a module on its master side and
// returns the slave path the host opens (e.g. /dev/pts/3). The module
// runs until ctx ends or Close is called.
func Start(ctx context.Context, opts Options) (*Sim, string, error) {
	opts = opts.withDefaults()
	switch opts.Model {
	case zfm.ModelZFM20, zfm.ModelR305, zfm.ModelR307, zfm.ModelR503, zfm.ModelAS608, zfm.ModelGeneric:
	default:
		return nil, "", fmt.Errorf("zfmsim: unknown model %q (ZFM-20, R305, R307, R503 or AS608)", opts.Model)
	}
	if _, ok := zfm.PacketSizeCode(opts.PacketSize); !ok {
		return nil, "", fmt.Errorf("zfmsim: packet size %d is not 32, 64, 128 or 256", opts.PacketSize)
	}
	if opts.Baud%9600 != 0 || opts.Baud/9600 < 1 || opts.Baud/9600 > 12 || speedCode(opts.Baud) == 0 {
		return nil, "", fmt.Errorf("zfmsim: baud rate %d is not 9600 × N with a tty speed", opts.Baud)
	}
	m, sl, err := pty.Open()
	if err != nil {
		return nil, "", fmt.Errorf("zfmsim: opening a pty: %w", err)
	}
	// pty.Open leaves the master in blocking mode; a non-blocking copy
	// goes through the poller so Close interrupts a pending read.
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		sl.Close()
		return nil, "", fmt.Errorf("zfmsim: duplicating the pty master: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		sl.Close()
		return nil, "", fmt.Errorf("zfmsim: pty master: %w", err)
	}
	master := os.NewFile(uintptr(fd), "/dev/ptmx")
	s := &Sim{
		opts:       opts,
		path:       sl.Name(),
		master:     master,
		slave:      sl,
		done:       make(chan struct{}),
		addr:       opts.Address,
		password:   opts.Password,
		packetSize: opts.PacketSize,
		baud:       opts.Baud,
		security:   opts.SecurityLevel,
		forced:     map[byte]forcedCode{},
	}
	if err := s.rawSlave(); err != nil {
		master.Close()
		sl.Close()
		return nil, "", fmt.Errorf("zfmsim: setting the pty to raw mode: %w", err)
	}
	if opts.ReadyByte {
		if _, err := master.Write([]byte{0x55}); err != nil {
			master.Close()
			sl.Close()
			return nil, "", fmt.Errorf("zfmsim: writing the ready byte: %w", err)
		}
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.serve()
	}()
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			s.stop()
		case <-s.done:
		}
	}()
	return s, s.path, nil
}

// Path returns the slave path the host opens.
func (s *Sim) Path() string { return s.path }

// Model returns the simulated model.
func (s *Sim) Model() zfm.Model { return s.opts.Model }

// Close stops the module and releases the pty. The slave path vanishes.
func (s *Sim) Close() error {
	s.stop()
	s.wg.Wait()
	return nil
}

// stop ends the module without waiting for its goroutines.
func (s *Sim) stop() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.unplug()
	})
}

// unplug closes both sides of the pty: the host sees a hangup.
func (s *Sim) unplug() {
	s.mu.Lock()
	s.unplugged = true
	s.mu.Unlock()
	s.master.Close()
	s.slave.Close()
}

// Unplug pulls the module: the host's reads and writes fail from now on.
func (s *Sim) Unplug() { s.unplug() }

// PlaceFinger puts a finger on the sensor: the next GenImg takes img,
// prepared as Prepare does.
func (s *Sim) PlaceFinger(img *image.Gray) {
	p := Prepare(img, s.opts.Model)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finger, s.pending, s.fingerIn = p, nil, 0
}

// PlaceFingerAfter lifts any finger, answers "no finger" to the next
// polls GenImg commands and then places img.
func (s *Sim) PlaceFingerAfter(polls int, img *image.Gray) {
	p := Prepare(img, s.opts.Model)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finger, s.pending, s.fingerIn = nil, p, polls
}

// LiftFinger takes the finger off the sensor.
func (s *Sim) LiftFinger() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finger, s.pending = nil, nil
}

// Served returns the image the module holds in its image buffer,
// expanded to 8 bits, or nil when the buffer is empty.
func (s *Sim) Served() *image.Gray {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.imageBuf == nil {
		return nil
	}
	w, h := s.opts.Model.ImageSize()
	return zfm.Unpack(s.imageBuf, w, h)
}

// Polls returns how many GenImg commands the module answered.
func (s *Sim) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

// Commands returns the instruction codes received so far, in order.
func (s *Sim) Commands() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.commands...)
}

// LED returns the LED state the host set.
func (s *Sim) LED() LEDState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.led
}

// Params returns the module's current system parameters.
func (s *Sim) Params() zfm.SysParams {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sysParams()
}

// SetSilent makes the module stop answering (or answer again).
func (s *Sim) SetSilent(silent bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent = silent
}

// SetReplyDelay delays every acknowledgement by d.
func (s *Sim) SetReplyDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// GarbageBeforeReplies sends garbage before each of the next n
// acknowledgements.
func (s *Sim) GarbageBeforeReplies(garbage []byte, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.garbage, s.garbageN = append([]byte(nil), garbage...), n
}

// CorruptDataPacket gives the index-th data packet (from 0) of each of
// the next n image uploads a wrong checksum.
func (s *Sim) CorruptDataPacket(index, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corruptAt, s.corruptN = index, n
}

// UnplugAfterDataPackets pulls the module in the middle of the next
// image upload, after n data packets.
func (s *Sim) UnplugAfterDataPackets(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplugAt, s.unplugSet = n, true
}

// ForceCode makes the module answer code to the next n commands with
// instruction ins, whatever they ask.
func (s *Sim) ForceCode(ins, code byte, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forced[ins] = forcedCode{code: code, n: n}
}

func (s *Sim) sysParams() zfm.SysParams {
	var status uint16
	if s.verified || s.password == 0 {
		status |= 1 << 2
	}
	if s.imageBuf != nil {
		status |= 1 << 3
	}
	return zfm.SysParams{
		Status:        status,
		SystemID:      0x0009,
		LibrarySize:   s.opts.LibrarySize,
		SecurityLevel: s.security,
		Address:       s.addr,
		PacketSize:    s.packetSize,
		Baud:          s.baud,
	}
}

// serve reads command packets and answers them until the pty closes.
func (s *Sim) serve() {
	r := bufio.NewReader(s.master)
	for {
		p, _, err := zfm.ReadPacket(r)
		var ce *zfm.ChecksumError
		switch {
		case errors.As(err, &ce):
			if p.Address == s.address() && s.baudMatches() {
				// A damaged command: the module reports a receive error.
				if !s.reply(zfm.CodePacketReceive) {
					return
				}
			}
			continue
		case err != nil:
			return
		}
		if !s.baudMatches() || p.Address != s.address() {
			continue
		}
		if p.PID != zfm.PIDCommand || len(p.Content) == 0 {
			if p.PID == zfm.PIDCommand && !s.reply(zfm.CodePacketReceive) {
				return
			}
			continue
		}
		if !s.handle(p.Content[0], p.Content[1:]) {
			return
		}
	}
}

func (s *Sim) address() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// handle answers one command. It returns false once the line is gone.
func (s *Sim) handle(ins byte, args []byte) bool {
	s.mu.Lock()
	s.commands = append(s.commands, ins)
	if s.silent {
		s.mu.Unlock()
		return true
	}
	if f, ok := s.forced[ins]; ok && f.n > 0 {
		f.n--
		s.forced[ins] = f
		if ins == zfm.InsGenImg {
			s.polls++
		}
		s.mu.Unlock()
		return s.reply(f.code)
	}
	if s.password != 0 && !s.verified && ins != zfm.InsVfyPwd && ins != zfm.InsHandshake {
		s.mu.Unlock()
		return s.reply(zfm.CodePasswordRequired)
	}
	model := s.opts.Model
	switch ins {
	case zfm.InsVfyPwd:
		if len(args) != 4 {
			s.mu.Unlock()
			return s.reply(zfm.CodePacketReceive)
		}
		ok := binary.BigEndian.Uint32(args) == s.password
		s.verified = ok
		s.mu.Unlock()
		if !ok {
			return s.reply(zfm.CodeWrongPassword)
		}
		return s.reply(zfm.CodeOK)
	case zfm.InsSetPwd:
		if len(args) != 4 {
			s.mu.Unlock()
			return s.reply(zfm.CodePacketReceive)
		}
		s.password = binary.BigEndian.Uint32(args)
		s.mu.Unlock()
		return s.reply(zfm.CodeOK)
	case zfm.InsReadSysPara:
		b := s.sysParams().Encode()
		s.mu.Unlock()
		return s.reply(zfm.CodeOK, b...)
	case zfm.InsSetSysPara:
		code := s.setSysPara(args)
		s.mu.Unlock()
		return s.reply(code)
	case zfm.InsGenImg:
		s.polls++
		if s.finger == nil && s.pending != nil {
			if s.fingerIn <= 0 {
				s.finger, s.pending = s.pending, nil
			} else {
				s.fingerIn--
			}
		}
		if s.finger == nil {
			s.mu.Unlock()
			return s.reply(zfm.CodeNoFinger)
		}
		s.imageBuf = zfm.Pack(s.finger)
		s.mu.Unlock()
		return s.reply(zfm.CodeOK)
	case zfm.InsUpImage:
		if s.imageBuf == nil {
			s.mu.Unlock()
			return s.reply(zfm.CodeNoValidImage)
		}
		s.mu.Unlock()
		return s.upload()
	case zfm.InsHandshake:
		s.mu.Unlock()
		if model == zfm.ModelZFM20 || model == zfm.ModelR305 {
			return s.reply(s.unsupported())
		}
		return s.reply(zfm.CodeOK)
	case zfm.InsReadProdInfo:
		s.mu.Unlock()
		if model != zfm.ModelR503 {
			return s.reply(s.unsupported())
		}
		w, h := model.ImageSize()
		pi := zfm.ProdInfo{
			Model: string(model), Batch: "0001", Serial: s.opts.Serial, HWVersion: [2]byte{1, 0},
			SensorModel: "R503S", Width: w, Height: h, TemplateSize: 1536, LibrarySize: s.opts.LibrarySize,
		}
		return s.reply(zfm.CodeOK, pi.Encode()...)
	case zfm.InsAuraLed:
		if model != zfm.ModelR503 {
			s.mu.Unlock()
			return s.reply(s.unsupported())
		}
		if len(args) != 4 || args[0] < 1 || args[0] > 6 {
			s.mu.Unlock()
			return s.reply(zfm.CodePacketReceive)
		}
		s.led = LEDState{On: args[0] != 0x04 && args[0] != 0x06, Ctrl: args[0], Color: args[2]}
		s.mu.Unlock()
		return s.reply(zfm.CodeOK)
	case zfm.InsLEDOn, zfm.InsLEDOff:
		if model != zfm.ModelAS608 {
			s.mu.Unlock()
			return s.reply(s.unsupported())
		}
		s.led = LEDState{On: ins == zfm.InsLEDOn}
		s.mu.Unlock()
		return s.reply(zfm.CodeOK)
	}
	s.mu.Unlock()
	return s.reply(s.unsupported())
}

// unsupported is the answer to an instruction the model lacks: the R503
// says so, older modules report a receive error.
func (s *Sim) unsupported() byte {
	if s.opts.Model == zfm.ModelR503 {
		return zfm.CodeUnsupported
	}
	return zfm.CodePacketReceive
}

// setSysPara applies SetSysPara; the caller holds mu.
func (s *Sim) setSysPara(args []byte) byte {
	if len(args) != 2 {
		return zfm.CodePacketReceive
	}
	v := int(args[1])
	switch args[0] {
	case zfm.ParamBaud:
		if v < 1 || v > 12 || speedCode(9600*v) == 0 {
			return zfm.CodeBadRegisterConfig
		}
		s.baud = 9600 * v
	case zfm.ParamSecurity:
		if v < 1 || v > 5 {
			return zfm.CodeBadRegisterConfig
		}
		s.security = v
	case zfm.ParamPacketSize:
		if v > 3 {
			return zfm.CodeBadRegisterConfig
		}
		s.packetSize = 32 << v
	default:
		return zfm.CodeInvalidRegister
	}
	return zfm.CodeOK
}

// reply sends an acknowledgement, after the configured delay and
// garbage. It returns false once the line is gone.
func (s *Sim) reply(code byte, params ...byte) bool {
	s.mu.Lock()
	delay := s.delay
	var garbage []byte
	if s.garbageN > 0 {
		s.garbageN--
		garbage = s.garbage
	}
	addr := s.addr
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return false
		}
	}
	b, err := zfm.Packet{Address: addr, PID: zfm.PIDAck, Content: append([]byte{code}, params...)}.Encode()
	if err != nil {
		return false
	}
	return s.write(append(append([]byte(nil), garbage...), b...))
}

func (s *Sim) write(b []byte) bool {
	_, err := s.master.Write(b)
	return err == nil
}

// upload acknowledges UpImage and sends the image buffer in data
// packets, applying the upload faults.
func (s *Sim) upload() bool {
	s.mu.Lock()
	data := s.imageBuf
	size := s.packetSize
	addr := s.addr
	corrupt := -1
	if s.corruptN > 0 {
		s.corruptN--
		corrupt = s.corruptAt
	}
	unplugAt := -1
	if s.unplugSet {
		s.unplugSet = false
		unplugAt = s.unplugAt
	}
	s.mu.Unlock()
	if !s.reply(zfm.CodeOK) {
		return false
	}
	for i := 0; len(data) > 0; i++ {
		if i == unplugAt {
			s.unplug()
			return false
		}
		n := min(size, len(data))
		pid := zfm.PIDData
		if n == len(data) {
			pid = zfm.PIDEndData
		}
		b, err := zfm.Packet{Address: addr, PID: pid, Content: data[:n]}.Encode()
		if err != nil {
			return false
		}
		if i == corrupt {
			b[len(b)-1] ^= 0x5A
		}
		if !s.write(b) {
			return false
		}
		data = data[n:]
	}
	return true
}

// rawSlave puts the tty in raw mode at the module's speed until the host
// sets its own attributes.
func (s *Sim) rawSlave() error {
	rc, err := s.slave.SyscallConn()
	if err != nil {
		return err
	}
	var ierr error
	err = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if err != nil {
			ierr = err
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CBAUD
		t.Cflag |= unix.CS8 | speedCode(s.opts.Baud)
		t.Ispeed, t.Ospeed = speedCode(s.opts.Baud), speedCode(s.opts.Baud)
		t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
		ierr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if err != nil {
		return err
	}
	return ierr
}

// baudMatches reports whether the host set the tty to the module's speed.
func (s *Sim) baudMatches() bool {
	s.mu.Lock()
	want := speedCode(s.baud)
	s.mu.Unlock()
	rc, err := s.slave.SyscallConn()
	if err != nil {
		return false
	}
	var got uint32
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		var t *unix.Termios
		t, ierr = unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if ierr == nil {
			got = t.Cflag & unix.CBAUD
		}
	}); err != nil || ierr != nil {
		return false
	}
	return got == want
}

// speedCode returns the termios speed constant of a baud rate, 0 when
// there is none.
func speedCode(baud int) uint32 {
	switch baud {
	case 9600:
		return unix.B9600
	case 19200:
		return unix.B19200
	case 38400:
		return unix.B38400
	case 57600:
		return unix.B57600
	case 115200:
		return unix.B115200
	}
	return 0
}

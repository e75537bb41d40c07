package zfm_test

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
	"github.com/capturestation/station/drivers/fingerprint/zfm"
	"github.com/capturestation/station/drivers/fingerprint/zfm/zfmsim"
	"github.com/capturestation/station/internal/testdata/fingerprints"
)

// testPrint is one synthetic print, generated once per test binary.
var testPrint = sync.OnceValues(func() (*image.Gray, error) {
	p, err := fingerprints.Generate(fingerprints.Params{Seed: 1})
	if err != nil {
		return nil, err
	}
	return p.Image, nil
})

func finger(t testing.TB) *image.Gray {
	t.Helper()
	img, err := testPrint()
	if err != nil {
		t.Fatalf("generating a test print: %v", err)
	}
	return img
}

// startSim starts a simulated module stopped at the end of the test.
func startSim(t testing.TB, o zfmsim.Options) (*zfmsim.Sim, string) {
	t.Helper()
	sim, path, err := zfmsim.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim, path
}

// fast are driver options with short timeouts for tests; the reply
// timeout leaves room for a loaded machine.
func fast() zfm.Options {
	return zfm.Options{ReplyTimeout: time.Second, FingerPoll: 5 * time.Millisecond}
}

func open(t testing.TB, path string, o zfm.Options) *zfm.Scanner {
	t.Helper()
	s, err := zfm.Open(context.Background(), path, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func capture(t testing.TB, s *zfm.Scanner) (fingerprint.Image, []fingerprint.Stage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stages []fingerprint.Stage
	img, err := s.Capture(ctx, func(st fingerprint.Stage) { stages = append(stages, st) })
	return img, stages, err
}

func sameImage(t testing.TB, got, want *image.Gray) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("image missing: got %v, want %v", got != nil, want != nil)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("image bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	for y := 0; y < want.Bounds().Dy(); y++ {
		for x := 0; x < want.Bounds().Dx(); x++ {
			if g, w := got.GrayAt(x, y).Y, want.GrayAt(x, y).Y; g != w {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, g, w)
			}
		}
	}
}

func TestPassword(t *testing.T) {
	tests := []struct {
		name        string
		sim, driver uint32
		wantErr     error
	}{
		{"factory password", 0, 0, nil},
		{"custom password", 0xC0FFEE, 0xC0FFEE, nil},
		{"wrong password", 0xC0FFEE, 0, zfm.ErrWrongPassword},
		{"password on an open module", 0, 0x1234, zfm.ErrWrongPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, path := startSim(t, zfmsim.Options{Password: tt.sim})
			o := fast()
			o.Password = tt.driver
			s, err := zfm.Open(context.Background(), path, o)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "wrong password") {
				t.Fatalf("Open = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSystemParameters(t *testing.T) {
	sim, path := startSim(t, zfmsim.Options{Address: 0x12345678, PacketSize: 64, Baud: 115200, SecurityLevel: 4, LibrarySize: 500})
	o := fast()
	o.Address, o.Baud = 0x12345678, 115200
	s := open(t, path, o)
	p, err := s.SystemParameters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := zfm.SysParams{Status: 1 << 2, SystemID: 9, LibrarySize: 500, SecurityLevel: 4, Address: 0x12345678, PacketSize: 64, Baud: 115200}
	if p != want {
		t.Fatalf("parameters %+v, want %+v", p, want)
	}
	if err := s.SetSystemParameter(context.Background(), zfm.ParamSecurity, 5); err != nil {
		t.Fatal(err)
	}
	if got := sim.Params().SecurityLevel; got != 5 {
		t.Errorf("security level %d after SetSysPara, want 5", got)
	}
	err = s.SetSystemParameter(context.Background(), 9, 1)
	var me *zfm.ModuleError
	if !errors.As(err, &me) || me.Code != zfm.CodeInvalidRegister {
		t.Errorf("SetSysPara(9) = %v, want invalid register", err)
	}
}

func TestPacketSizes(t *testing.T) {
	for _, size := range []int{32, 64, 128, 256} {
		t.Run("module", func(t *testing.T) {
			sim, path := startSim(t, zfmsim.Options{PacketSize: size})
			sim.PlaceFinger(finger(t))
			s := open(t, path, fast())
			img, _, err := capture(t, s)
			if err != nil {
				t.Fatal(err)
			}
			sameImage(t, img.Gray, sim.Served())
		})
		t.Run("driver sets", func(t *testing.T) {
			sim, path := startSim(t, zfmsim.Options{PacketSize: 128})
			sim.PlaceFinger(finger(t))
			o := fast()
			o.PacketSize = size
			s := open(t, path, o)
			if got := sim.Params().PacketSize; got != size {
				t.Fatalf("module packet size %d, want %d", got, size)
			}
			img, _, err := capture(t, s)
			if err != nil {
				t.Fatal(err)
			}
			sameImage(t, img.Gray, zfmsim.Prepare(finger(t), zfm.ModelR307))
		})
	}
}

func TestBaud(t *testing.T) {
	tests := []struct {
		name        string
		sim, driver int
		wantErr     error
	}{
		{"9600", 9600, 9600, nil},
		{"default 57600", 0, 0, nil},
		{"115200", 115200, 115200, nil},
		{"driver too fast", 57600, 115200, fingerprint.ErrTimeout},
		{"driver too slow", 115200, 57600, fingerprint.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, path := startSim(t, zfmsim.Options{Baud: tt.sim})
			o := fast()
			o.Baud = tt.driver
			s, err := zfm.Open(context.Background(), path, o)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "baud rate") {
				t.Fatalf("Open = %v, want %v naming the baud rate", err, tt.wantErr)
			}
		})
	}
}

func TestCaptureModels(t *testing.T) {
	tests := []struct {
		sim, driver zfm.Model
		want        zfm.Model
		w, h        int
		led         bool
	}{
		{zfm.ModelR307, zfm.ModelAuto, zfm.ModelGeneric, 256, 288, false},
		{zfm.ModelR307, zfm.ModelR307, zfm.ModelR307, 256, 288, false},
		{zfm.ModelR305, zfm.ModelR305, zfm.ModelR305, 256, 288, false},
		{zfm.ModelZFM20, zfm.ModelAuto, zfm.ModelGeneric, 256, 288, false},
		{zfm.ModelAS608, zfm.ModelAS608, zfm.ModelAS608, 256, 288, true},
		{zfm.ModelR503, zfm.ModelAuto, zfm.ModelR503, 192, 192, true},
		{zfm.ModelR503, zfm.ModelR503, zfm.ModelR503, 192, 192, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.sim)+"/"+string(tt.driver), func(t *testing.T) {
			sim, path := startSim(t, zfmsim.Options{Model: tt.sim, Serial: "SN42"})
			sim.PlaceFingerAfter(3, finger(t))
			o := fast()
			o.Model = tt.driver
			s := open(t, path, o)
			info := s.Info()
			if info.Model != string(tt.want) || info.Width != tt.w || info.Height != tt.h || info.Driver != "zfm" || info.Path != path {
				t.Fatalf("Info = %+v", info)
			}
			if tt.sim == zfm.ModelR503 && info.Serial != "SN42" {
				t.Errorf("serial %q, want SN42", info.Serial)
			}
			img, stages, err := capture(t, s)
			if err != nil {
				t.Fatal(err)
			}
			want := []fingerprint.Stage{fingerprint.StageWaitingForFinger, fingerprint.StageFingerDetected, fingerprint.StageImageReady, fingerprint.StageRemoveFinger}
			if !slices.Equal(stages, want) {
				t.Errorf("stages %v, want %v", stages, want)
			}
			if sim.Polls() != 4 {
				t.Errorf("%d GenImg polls, want 4", sim.Polls())
			}
			sameImage(t, img.Gray, sim.Served())
			sameImage(t, img.Gray, zfmsim.Prepare(finger(t), tt.sim))
			if img.PPI != info.PPI || img.Captured.IsZero() {
				t.Errorf("PPI %d, captured %v", img.PPI, img.Captured)
			}
			cmds := sim.Commands()
			usedLED := slices.Contains(cmds, zfm.InsAuraLed) || slices.Contains(cmds, zfm.InsLEDOn)
			if usedLED != tt.led {
				t.Errorf("LED driven = %v, want %v (commands % x)", usedLED, tt.led, cmds)
			}
			if sim.LED().On {
				t.Errorf("LED left on after the capture: %+v", sim.LED())
			}
		})
	}
}

func TestCaptureWaitForLift(t *testing.T) {
	sim, path := startSim(t, zfmsim.Options{})
	sim.PlaceFinger(finger(t))
	o := fast()
	o.WaitForLift = true
	s := open(t, path, o)
	go func() {
		for sim.Polls() < 5 {
			time.Sleep(5 * time.Millisecond)
		}
		sim.LiftFinger()
	}()
	if _, _, err := capture(t, s); err != nil {
		t.Fatal(err)
	}
	if sim.Polls() < 5 {
		t.Errorf("capture returned before the finger was lifted (%d polls)", sim.Polls())
	}
}

func TestCaptureContext(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		sim, path := startSim(t, zfmsim.Options{})
		s := open(t, path, fast())
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for sim.Polls() < 3 {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}()
		_, err := s.Capture(ctx, nil)
		cancelled := time.Now()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Capture = %v, want context.Canceled", err)
		}
		if d := time.Since(cancelled); d > time.Second {
			t.Errorf("Capture returned %v after the cancellation", d)
		}
		// The scanner still works.
		sim.PlaceFinger(finger(t))
		if _, _, err := capture(t, s); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		_, path := startSim(t, zfmsim.Options{})
		s := open(t, path, fast())
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := s.Capture(ctx, nil)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, fingerprint.ErrTimeout) {
			t.Fatalf("Capture = %v, want DeadlineExceeded and ErrTimeout", err)
		}
		if d := time.Since(start); d > 1200*time.Millisecond {
			t.Errorf("Capture took %v for a 200ms deadline", d)
		}
	})
	t.Run("finger timeout", func(t *testing.T) {
		_, path := startSim(t, zfmsim.Options{})
		o := fast()
		o.FingerTimeout = 150 * time.Millisecond
		s := open(t, path, o)
		_, _, err := capture(t, s)
		if !errors.Is(err, fingerprint.ErrTimeout) || !strings.Contains(err.Error(), "no finger") {
			t.Fatalf("Capture = %v, want ErrTimeout for no finger", err)
		}
	})
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name     string
		attempts int
		inject   func(*zfmsim.Sim)
		wantErr  error
		again    error // a second capture after the first
	}{
		{name: "silent module", inject: func(s *zfmsim.Sim) { s.SetSilent(true) }, wantErr: fingerprint.ErrTimeout, again: fingerprint.ErrTimeout},
		{name: "slow answers", inject: func(s *zfmsim.Sim) { s.SetReplyDelay(150 * time.Millisecond) }},
		{name: "too slow answers", inject: func(s *zfmsim.Sim) { s.SetReplyDelay(1500 * time.Millisecond) }, wantErr: fingerprint.ErrTimeout},
		{name: "unplug mid-upload", inject: func(s *zfmsim.Sim) { s.UnplugAfterDataPackets(10) }, wantErr: fingerprint.ErrUnplugged, again: fingerprint.ErrUnplugged},
		{name: "unplug while waiting", inject: func(s *zfmsim.Sim) { s.LiftFinger(); s.Unplug() }, wantErr: fingerprint.ErrUnplugged, again: fingerprint.ErrUnplugged},
		{name: "corrupt packet, retried", inject: func(s *zfmsim.Sim) { s.CorruptDataPacket(5, 1) }},
		{name: "corrupt packet, no retry", attempts: 1, inject: func(s *zfmsim.Sim) { s.CorruptDataPacket(5, 1) }, wantErr: fingerprint.ErrProtocol},
		{name: "corrupt packet twice", attempts: 2, inject: func(s *zfmsim.Sim) { s.CorruptDataPacket(0, 2) }, wantErr: fingerprint.ErrProtocol},
		{name: "corrupt last packet, retried", inject: func(s *zfmsim.Sim) { s.CorruptDataPacket(287, 1) }},
		{name: "garbage before answers", inject: func(s *zfmsim.Sim) {
			s.GarbageBeforeReplies([]byte{0x55, 0xEF, 0x00, 0xEF, 0x01, 0xFF, 0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x09, 0x13}, 10)
		}},
		{name: "image upload failure code", inject: func(s *zfmsim.Sim) { s.ForceCode(zfm.InsUpImage, zfm.CodeImageUpload, 1) }},
		{name: "no valid image", inject: func(s *zfmsim.Sim) { s.ForceCode(zfm.InsUpImage, zfm.CodeNoValidImage, 1) }, wantErr: &zfm.ModuleError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, path := startSim(t, zfmsim.Options{})
			sim.PlaceFinger(finger(t))
			o := fast()
			o.UploadAttempts = tt.attempts
			s := open(t, path, o)
			tt.inject(sim)
			img, stages, err := capture(t, s)
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatal(err)
				}
				sameImage(t, img.Gray, sim.Served())
				if len(stages) != 4 {
					t.Errorf("stages %v", stages)
				}
			case *zfm.ModuleError:
				if !errors.As(err, &want) {
					t.Fatalf("Capture = %v, want a module error", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("Capture = %v, want %v", err, want)
				}
				if strings.Contains(tt.name, "silent") && !strings.Contains(err.Error(), "no reply from the module on "+path+" at 57600 baud") {
					t.Errorf("message %q does not say what failed", err)
				}
			}
			if tt.again != nil {
				if _, _, err := capture(t, s); !errors.Is(err, tt.again) {
					t.Errorf("second Capture = %v, want %v", err, tt.again)
				}
			}
			if strings.HasPrefix(tt.name, "garbage") && s.Skipped() == 0 {
				t.Error("no garbage skipped")
			}
		})
	}
}

func TestReadyByte(t *testing.T) {
	sim, path := startSim(t, zfmsim.Options{ReadyByte: true})
	sim.PlaceFinger(finger(t))
	s := open(t, path, fast())
	if _, _, err := capture(t, s); err != nil {
		t.Fatal(err)
	}
}

func TestBusy(t *testing.T) {
	sim, path := startSim(t, zfmsim.Options{})
	s := open(t, path, fast())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Capture(ctx, nil)
		done <- err
	}()
	for sim.Polls() == 0 {
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := s.Capture(context.Background(), nil); !errors.Is(err, fingerprint.ErrBusy) {
		t.Errorf("second Capture = %v, want ErrBusy", err)
	}
	if _, err := s.SystemParameters(context.Background()); !errors.Is(err, fingerprint.ErrBusy) {
		t.Errorf("SystemParameters = %v, want ErrBusy", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("first Capture = %v", err)
	}
}

func TestCloseDuringCapture(t *testing.T) {
	sim, path := startSim(t, zfmsim.Options{})
	s, err := zfm.Open(context.Background(), path, fast())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Capture(context.Background(), nil)
		done <- err
	}()
	for sim.Polls() == 0 {
		time.Sleep(2 * time.Millisecond)
	}
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, zfm.ErrClosed) {
			t.Errorf("Capture = %v, want ErrClosed", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Capture did not end after Close")
	}
	if _, err := s.Capture(context.Background(), nil); !errors.Is(err, zfm.ErrClosed) {
		t.Errorf("Capture after Close = %v", err)
	}
}

func TestConfirmationCodes(t *testing.T) {
	sim, path := startSim(t, zfmsim.Options{})
	s := open(t, path, fast())
	sentinel := map[byte]error{
		zfm.CodePacketReceive:    fingerprint.ErrProtocol,
		zfm.CodeDataReceive:      fingerprint.ErrProtocol,
		zfm.CodeImageUpload:      fingerprint.ErrProtocol,
		zfm.CodePortOperation:    fingerprint.ErrProtocol,
		zfm.CodeModuleTimeout:    fingerprint.ErrTimeout,
		zfm.CodeWrongPassword:    zfm.ErrWrongPassword,
		zfm.CodePasswordRequired: zfm.ErrWrongPassword,
		zfm.CodeUnsupported:      zfm.ErrUnsupported,
	}
	codes := append(zfm.Codes(), 0x30, 0x99) // two undocumented ones
	for _, code := range codes {
		if code == zfm.CodeOK {
			continue
		}
		sim.ForceCode(zfm.InsReadSysPara, code, 1)
		_, err := s.SystemParameters(context.Background())
		var me *zfm.ModuleError
		if !errors.As(err, &me) || me.Code != code {
			t.Errorf("code 0x%02X: %v", code, err)
			continue
		}
		if !strings.Contains(err.Error(), zfm.Message(code)) || !strings.Contains(err.Error(), path) {
			t.Errorf("code 0x%02X: message %q", code, err)
		}
		if strings.HasPrefix(zfm.Message(code), "undocumented") != (code == 0x30 || code == 0x99) {
			t.Errorf("code 0x%02X: message %q", code, zfm.Message(code))
		}
		for _, target := range []error{fingerprint.ErrProtocol, fingerprint.ErrTimeout, zfm.ErrWrongPassword, zfm.ErrUnsupported, fingerprint.ErrUnplugged, fingerprint.ErrBusy} {
			if got, want := errors.Is(err, target), sentinel[code] == target; got != want {
				t.Errorf("code 0x%02X: errors.Is(%v) = %v", code, target, got)
			}
		}
	}
	if n := len(zfm.Codes()); n < 30 {
		t.Errorf("only %d codes known", n)
	}
}

func TestSimRejectsBadPackets(t *testing.T) {
	_, path := startSim(t, zfmsim.Options{})
	port, err := zfm.OpenSerial(path, 57600, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	bad := []byte{0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x03, 0x01, 0x00, 0x06} // GenImg, checksum off by one
	other, _ := zfm.Packet{Address: 0x01020304, PID: zfm.PIDCommand, Content: []byte{zfm.InsGenImg}}.Encode()
	if _, err := port.Write(append(other, bad...)); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 64)
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && len(got) < 12; {
		n, err := port.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	want, _ := zfm.Packet{Address: zfm.DefaultAddress, PID: zfm.PIDAck, Content: []byte{zfm.CodePacketReceive}}.Encode()
	if string(got) != string(want) {
		t.Fatalf("answer % x, want % x (one receive error, nothing for the other address)", got, want)
	}
}

func TestLEDAndHandshake(t *testing.T) {
	tests := []struct {
		model     zfm.Model
		led       bool
		handshake bool
	}{
		{zfm.ModelR503, true, true},
		{zfm.ModelAS608, true, true},
		{zfm.ModelR307, false, true},
		{zfm.ModelR305, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.model), func(t *testing.T) {
			sim, path := startSim(t, zfmsim.Options{Model: tt.model})
			o := fast()
			o.Model = tt.model
			s := open(t, path, o)
			ctx := context.Background()
			err := s.SetLED(ctx, true)
			if tt.led {
				if err != nil || !sim.LED().On {
					t.Fatalf("SetLED(true) = %v, LED %+v", err, sim.LED())
				}
				if err := s.SetLED(ctx, false); err != nil || sim.LED().On {
					t.Fatalf("SetLED(false) = %v, LED %+v", err, sim.LED())
				}
			} else if !errors.Is(err, zfm.ErrUnsupported) {
				t.Fatalf("SetLED = %v, want ErrUnsupported", err)
			}
			if err := s.Handshake(ctx); (err == nil) != tt.handshake {
				t.Fatalf("Handshake = %v", err)
			}
		})
	}
}

func TestFinder(t *testing.T) {
	_, path := startSim(t, zfmsim.Options{Model: zfm.ModelR503})
	quiet, quietPath := startSim(t, zfmsim.Options{})
	quiet.SetSilent(true)
	ctx := context.Background()

	f := zfm.Finder{Globs: []string{path, quietPath, filepath.Join(t.TempDir(), "ttyUSB*")}}
	infos, err := f.Find(ctx)
	if err != nil || len(infos) != 2 || infos[0].Model != "unprobed" {
		t.Fatalf("Find without probing = %+v, %v", infos, err)
	}

	f.Probe = true
	f.ProbeTimeout = time.Second
	start := time.Now()
	infos, err = fingerprint.Find(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Path != path || infos[0].Model != "R503" {
		t.Fatalf("Find with probing = %+v", infos)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("probing took %v", d)
	}

	f.Skip = func(p string) bool { return p == path }
	if infos, _ := f.Find(ctx); len(infos) != 0 {
		t.Errorf("skipped path listed: %+v", infos)
	}
	if _, err := (zfm.Finder{Globs: []string{"[", path}}).Find(ctx); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestSimStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sim, path, err := zfmsim.Start(ctx, zfmsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	sim.Close()
	if _, err := zfm.Open(context.Background(), path, fast()); err == nil {
		t.Fatal("opened a stopped simulator")
	}
}

// BenchmarkCapture runs full captures through the pty at 57600 baud. A
// pty does not pace bytes at the baud rate, so this measures the
// driver's and simulator's work, not a module's transfer time (about
// 7 s for a 256×288 image at 57600 baud).
func BenchmarkCapture(b *testing.B) {
	sim, path := startSim(b, zfmsim.Options{})
	sim.PlaceFinger(finger(b))
	s := open(b, path, fast())
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Capture(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
}

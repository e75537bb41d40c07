package face

import (
	"image"
	"math"
	"testing"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera/camerasim"
)

// play feeds every frame of a script to an auto-capture and returns the
// frame index it fired at (-1: never) and the capture.
func play(t *testing.T, d *Detector, need int, script []camerasim.Segment) (int, *Capture) {
	t.Helper()
	sc, err := camerasim.NewFaceScene(image.Point{}, script...)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	ac := NewAutoCapture(need)
	defer ac.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	for i := 0; i < sc.Len(); i++ {
		if err := sc.Render(i, &frame); err != nil {
			t.Fatal(err)
		}
		c, r, err := ac.Feed(d, frame, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			t.Fatal("no report")
		}
		if c != nil {
			return i, c
		}
	}
	return -1, nil
}

func TestAutoCapture(t *testing.T) {
	d := newDetector(t)
	const fps, need = 10, 5
	t.Run("still subject", func(t *testing.T) {
		at, c := play(t, d, need, camerasim.StillScript(fps, 2))
		if c == nil {
			t.Fatal("never fired on a good scene")
		}
		defer c.Frame.Close()
		if at != need-1 {
			t.Errorf("fired at frame %d, want %d", at, need-1)
		}
		if c.Index > at || c.Index < at-need+1 || !c.Report.Pass || c.Frame.Empty() {
			t.Errorf("capture index %d pass %v", c.Index, c.Report.Pass)
		}
	})
	t.Run("enrolment visit", func(t *testing.T) {
		script := camerasim.EnrolmentScript(fps)
		at, c := play(t, d, need, script)
		if c == nil {
			t.Fatal("never fired")
		}
		defer c.Frame.Close()
		// Not before the subject has arrived: 1 s away, 1.5 s approaching.
		if at < script[0].Frames+need-1 {
			t.Errorf("fired at frame %d, before the subject arrived", at)
		}
		if at > script[0].Frames+script[1].Frames+script[2].Frames {
			t.Errorf("fired at frame %d, after the still segment", at)
		}
	})
	t.Run("dark room", func(t *testing.T) {
		if at, c := play(t, d, need, camerasim.DarkScript(fps, 1.5)); c != nil {
			c.Frame.Close()
			t.Fatalf("fired at frame %d on a dark scene", at)
		}
	})
	t.Run("nobody", func(t *testing.T) {
		if at, c := play(t, d, need, camerasim.EmptyScript(fps, 1.5)); c != nil {
			c.Frame.Close()
			t.Fatalf("fired at frame %d on an empty scene", at)
		}
	})
}

// TestAutoCaptureBest: the capture is the best-scoring frame of the run,
// and a failing frame starts the run again.
func TestAutoCaptureBest(t *testing.T) {
	ac := NewAutoCapture(3)
	defer ac.Close()
	m := gocv.NewMatWithSize(4, 4, gocv.MatTypeCV8UC3)
	defer m.Close()
	offer := func(score float64, pass bool) *Capture {
		return ac.Offer(m, &Report{Pass: pass, Score: score})
	}
	if offer(80, true) != nil || offer(90, true) != nil {
		t.Fatal("fired early")
	}
	if offer(10, false) != nil || ac.Run() != 0 {
		t.Fatal("a failing frame did not reset the run")
	}
	offer(70, true)
	offer(95, true)
	c := offer(60, true)
	if c == nil {
		t.Fatal("did not fire after 3 passing frames")
	}
	defer c.Frame.Close()
	if c.Report.Score != 95 || c.Index != 4 {
		t.Errorf("chose score %v index %d, want 95 at 4", c.Report.Score, c.Index)
	}
}

func TestTokenCrop(t *testing.T) {
	d := newDetector(t)
	for _, roll := range []float64{0, 6} {
		m := render(t, pose(func(p *camerasim.Pose) { p.Roll = roll }))
		fs, err := d.Detect(m)
		if err != nil || len(fs) != 1 || !fs[0].EyesFound {
			m.Close()
			t.Fatalf("roll %v: faces %v err %v", roll, fs, err)
		}
		tok, err := TokenCrop(m, fs[0], RegistryTokenWidth)
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		if tok.Cols() != 480 || tok.Rows() != 640 {
			t.Fatalf("token %dx%d, want 480x640", tok.Cols(), tok.Rows())
		}
		tf, err := d.Detect(tok)
		if err != nil || len(tf) != 1 || !tf[0].EyesFound {
			tok.Close()
			t.Fatalf("roll %v: token faces %v", roll, tf)
		}
		f := tf[0]
		mx, my := f.EyeMid()
		// Eye detection is good to a few pixels.
		if math.Abs(mx-240) > 10 || math.Abs(my-0.6*480) > 10 {
			t.Errorf("roll %v: eye midpoint (%.0f, %.0f), want (240, 288)", roll, mx, my)
		}
		if ed := f.EyeDistance(); math.Abs(ed-120) > 12 {
			t.Errorf("roll %v: eye distance %.0f, want 120", roll, ed)
		}
		if math.Abs(f.Roll()) > 3 {
			t.Errorf("roll %v: token roll %.1f, want level", roll, f.Roll())
		}
		// JPEG budgets: the chip copy fits 20 KB, the registry copy is
		// better.
		chip, qc, err := EncodeJPEG(tok, ChipBudget)
		if err != nil {
			tok.Close()
			t.Fatal(err)
		}
		reg, qr, err := EncodeJPEG(tok, RegistryBudget)
		if err != nil {
			tok.Close()
			t.Fatal(err)
		}
		if len(chip) > ChipBudget || len(reg) > RegistryBudget || qr < qc || len(reg) < len(chip) {
			t.Errorf("chip %d B q%d, registry %d B q%d", len(chip), qc, len(reg), qr)
		}
		// The search finds the highest quality that fits.
		if qc < 100 {
			over, _, _ := EncodeJPEG(tok, 1<<30)
			_ = over
			next, _, err := EncodeJPEG(tok, len(chip))
			if err != nil || len(next) != len(chip) {
				t.Errorf("re-encoding at the found size: %v", err)
			}
		}
		if _, _, err := EncodeJPEG(tok, 100); err == nil {
			t.Error("a 100-byte budget fit")
		}
		tok.Close()
	}
	m := render(t, camerasim.Good)
	defer m.Close()
	if _, err := TokenCrop(m, Face{}, 480); err != ErrNoEyes {
		t.Errorf("no eyes: err %v", err)
	}
}

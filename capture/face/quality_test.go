package face

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera/camerasim"
)

func pose(f func(p *camerasim.Pose)) camerasim.Pose {
	p := camerasim.Good
	f(&p)
	return p
}

// TestMeasures checks each measure on an image derived from the portrait
// where the outcome is known: the value moves the right way from the good
// frame's, the measure fails, and the advice is the expected one.
func TestMeasures(t *testing.T) {
	d := newDetector(t)
	good := render(t, camerasim.Good)
	defer good.Close()
	ref, err := d.Assess(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !ref.Pass || ref.Faces != 1 || !ref.Face.EyesFound {
		b, _ := json.Marshal(ref)
		t.Fatalf("good frame does not pass: %s", b)
	}
	const up, down = 1, -1
	cases := []struct {
		name    string
		make    func(testing.TB) gocv.Mat
		measure string
		dir     int // direction of the value against the good frame's
		advice  string
	}{
		{"dark", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Gain = 0.2 })) }, MeasureLuminanceMean, down, AdviceTooDark},
		{"dark/contrast", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Gain = 0.2 })) }, MeasureLuminanceVariance, down, AdviceContrast},
		{"dark/under-exposed", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Gain = 0.2 })) }, MeasureUnderExposure, up, AdviceTooDark},
		{"dark/range", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Gain = 0.2 })) }, MeasureDynamicRange, down, AdviceContrast},
		{"over-exposed", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Gain = 2.2 })) }, MeasureOverExposure, up, AdviceTooBright},
		{"over-exposed/mean", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Gain = 2.2 })) }, MeasureLuminanceMean, up, AdviceTooBright},
		{"blurred", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Blur = 4 })) }, MeasureSharpness, down, AdviceBlurred},
		{"uneven light", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Uneven = 1 })) }, MeasureIllumination, down, AdviceUneven},
		{"off-centre", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.X = 0.2 })) }, MeasureCentring, up, AdviceCentre},
		{"off-centre/cut", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.X = 0.2 })) }, MeasureCropMargins, down, AdviceHeadCut},
		{"too close", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.EyeDistance = 0.3 })) }, MeasureHeadSize, up, AdviceBack},
		{"small", func(tb testing.TB) gocv.Mat {
			return render(tb, pose(func(p *camerasim.Pose) { p.EyeDistance = 0.08 }))
		}, MeasureInterEyeDistance, down, AdviceCloser},
		{"small/head", func(tb testing.TB) gocv.Mat {
			return render(tb, pose(func(p *camerasim.Pose) { p.EyeDistance = 0.08 }))
		}, MeasureHeadSize, down, AdviceCloser},
		{"tilted", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Roll = 9 })) }, MeasureRoll, up, AdviceStraight},
		{"turned", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Yaw = 0.6 })) }, MeasureYaw, up, AdviceTurn},
		{"eyes closed", func(tb testing.TB) gocv.Mat { return render(tb, pose(func(p *camerasim.Pose) { p.Blink = true })) }, MeasureEyesVisible, down, AdviceEyes},
		{"two faces", twoFaces, MeasureFaceCount, up, AdviceOnePerson},
		{"no face", texture, MeasureFaceCount, down, AdviceNoFace},
		{"busy background", busyBackground, MeasureBackgroundUniform, up, AdviceBackground},
		{"grey image", grey, MeasureNaturalColour, 0, AdviceGreyImage},
		{"blue cast", blueTint, MeasureNaturalColour, up, AdviceColour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.make(t)
			defer m.Close()
			r, err := d.Assess(m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, want := r.Measure(c.measure), ref.Measure(c.measure)
			if got == nil || want == nil {
				t.Fatalf("measure %s missing (advice %v)", c.measure, r.Advice)
			}
			switch {
			case c.dir == up && !(got.Value > want.Value):
				t.Errorf("%s = %v, want above the good frame's %v", c.measure, got.Value, want.Value)
			case c.dir == down && !(got.Value < want.Value):
				t.Errorf("%s = %v, want below the good frame's %v", c.measure, got.Value, want.Value)
			}
			if got.Pass || got.Score >= 50 {
				t.Errorf("%s passes (value %v, score %v)", c.measure, got.Value, got.Score)
			}
			if got.Advice != c.advice {
				t.Errorf("advice %q, want %q", got.Advice, c.advice)
			}
			if r.Pass {
				t.Error("report passes")
			}
			found := false
			for _, a := range r.Advice {
				found = found || a == c.advice
			}
			if !found {
				t.Errorf("report advice %v lacks %q", r.Advice, c.advice)
			}
		})
	}
}

// TestYawDirection: turning the other way gives the other sign.
func TestYawDirection(t *testing.T) {
	d := newDetector(t)
	var yaws []float64
	for _, y := range []float64{-0.6, 0.6} {
		m := render(t, pose(func(p *camerasim.Pose) { p.Yaw = y }))
		r, err := d.Assess(m, Options{})
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		ym := r.Measure(MeasureYaw)
		if ym == nil {
			t.Fatalf("yaw %v: no yaw measure (%v)", y, r.Advice)
		}
		yaws = append(yaws, ym.Value)
	}
	if !(yaws[0] < 0 && yaws[1] > 0) {
		t.Errorf("yaw estimates %v, want negative then positive", yaws)
	}
}

// TestRawPortrait: the portrait as published is a good picture of someone
// too far away for a passport photograph.
func TestRawPortrait(t *testing.T) {
	d := newDetector(t)
	m := astronaut(t)
	defer m.Close()
	r, err := d.Assess(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Faces != 1 || r.Face == nil || !r.Face.EyesFound {
		t.Fatalf("faces %d, face %+v", r.Faces, r.Face)
	}
	if ed := r.Face.EyeDistance(); ed < 38 || ed > 50 {
		t.Errorf("eye distance %v, want about 44", ed)
	}
	if len(r.Advice) == 0 || r.Advice[0] != AdviceCloser {
		t.Errorf("advice %v, want %q first", r.Advice, AdviceCloser)
	}
	b, err := json.Marshal(r)
	if err != nil || !json.Valid(b) {
		t.Fatalf("JSON: %v", err)
	}
}

func TestNoCascades(t *testing.T) {
	_, err := NewDetector(t.TempDir())
	if !errors.Is(err, ErrNoCascades) || !strings.Contains(err.Error(), "install opencv-data") {
		t.Fatalf("err = %v, want ErrNoCascades", err)
	}
}

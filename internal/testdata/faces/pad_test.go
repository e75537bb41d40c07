package faces

import (
	"bytes"
	"image"
	"math"
	"testing"

	"gocv.io/x/gocv"
)

func TestSequenceDeterministicAndLabelled(t *testing.T) {
	g, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Labels() {
		t.Run(l.String(), func(t *testing.T) {
			spec := Spec{Label: l, Action: ActionBlink, Seed: 7, Frames: 4, Width: 320, Height: 240}
			a, err := g.Sequence(spec)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := g.Sequence(spec)
			spec.Seed = 8
			c, _ := g.Sequence(spec)
			if a.Label() != l || a.Len() != 4 || a.Label().Attack() != (l != BonaFide) {
				t.Fatalf("label %v len %d", a.Label(), a.Len())
			}
			fa, fb, fc := a.Frame(2).(*image.RGBA), b.Frame(2).(*image.RGBA), c.Frame(2).(*image.RGBA)
			if fa.Bounds() != image.Rect(0, 0, 320, 240) {
				t.Fatalf("bounds %v", fa.Bounds())
			}
			if !bytes.Equal(fa.Pix, fb.Pix) {
				t.Error("same seed, different frames")
			}
			if bytes.Equal(fa.Pix, fc.Pix) {
				t.Error("different seeds, same frames")
			}
			if a.Frame(6) != a.Frame(2) {
				t.Error("frame index does not wrap")
			}
		})
	}
}

func TestSpecDefaultsAndErrors(t *testing.T) {
	g, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Sequence(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if sp := s.Spec(); sp.Width != 640 || sp.Height != 480 || sp.Frames != 24 {
		t.Errorf("defaults %+v", sp)
	}
	for _, bad := range []Spec{{Width: 10, Height: 10}, {Frames: -1}, {Label: 9}, {Action: 9}} {
		if _, err := g.Sequence(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestPoseTruth(t *testing.T) {
	g, _ := NewGenerator()
	tests := []struct {
		label           Label
		action          Action
		minOpen, maxYaw float64
	}{
		{BonaFide, ActionBlink, 0.2, 6},
		{BonaFide, ActionTurnLeft, 1, 25},
		{CutOutEyes, ActionNone, 0.2, 0},
		{PrintAttack, ActionBlink, 1, 0},
	}
	for _, tc := range tests {
		s, _ := g.Sequence(Spec{Label: tc.label, Action: tc.action, Seed: 3, Frames: 20})
		minOpen, maxYaw := 1.0, 0.0
		for i := range s.Len() {
			p := s.Pose(i)
			minOpen = math.Min(minOpen, p.EyeOpen)
			maxYaw = math.Max(maxYaw, p.Yaw)
		}
		if tc.minOpen < 1 && minOpen > tc.minOpen || tc.minOpen == 1 && minOpen < 1 {
			t.Errorf("%v %v: eye opening down to %.2f", tc.label, tc.action, minOpen)
		}
		if tc.maxYaw > 10 && maxYaw < 15 || tc.maxYaw == 0 && maxYaw != 0 {
			t.Errorf("%v %v: yaw up to %.1f°", tc.label, tc.action, maxYaw)
		}
	}
}

// residual tracks the face between two frames and returns the mean
// distance (px) of the points from the best homography: parallax makes it
// large, a plane leaves only tracking noise.
func residual(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	ma, _ := gocv.ImageToMatRGB(a)
	defer ma.Close()
	mb, _ := gocv.ImageToMatRGB(b)
	defer mb.Close()
	ga, gb := gocv.NewMat(), gocv.NewMat()
	defer ga.Close()
	defer gb.Close()
	gocv.CvtColor(ma, &ga, gocv.ColorBGRToGray)
	gocv.CvtColor(mb, &gb, gocv.ColorBGRToGray)
	face := image.Rect(220, 80, 420, 320) // the head at 640×480
	roi := ga.Region(face)
	defer roi.Close()
	corners := gocv.NewMat()
	defer corners.Close()
	gocv.GoodFeaturesToTrack(roi, &corners, 200, 0.01, 4)
	for r := 0; r < corners.Rows(); r++ {
		v := corners.GetVecfAt(r, 0)
		corners.SetFloatAt(r, 0, v[0]+float32(face.Min.X))
		corners.SetFloatAt(r, 1, v[1]+float32(face.Min.Y))
	}
	next, st, e := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer next.Close()
	defer st.Close()
	defer e.Close()
	gocv.CalcOpticalFlowPyrLK(ga, gb, corners, next, &st, &e)
	mask := gocv.NewMat()
	defer mask.Close()
	h := gocv.FindHomography(corners, &next, gocv.HomograpyMethodAllPoints, 3, &mask, 2000, 0.995)
	defer h.Close()
	var sum float64
	n := 0
	for r := 0; r < corners.Rows(); r++ {
		if st.GetUCharAt(r, 0) == 0 {
			continue
		}
		p, q := corners.GetVecfAt(r, 0), next.GetVecfAt(r, 0)
		x, y := float64(p[0]), float64(p[1])
		z := h.GetDoubleAt(2, 0)*x + h.GetDoubleAt(2, 1)*y + h.GetDoubleAt(2, 2)
		px := (h.GetDoubleAt(0, 0)*x + h.GetDoubleAt(0, 1)*y + h.GetDoubleAt(0, 2)) / z
		py := (h.GetDoubleAt(1, 0)*x + h.GetDoubleAt(1, 1)*y + h.GetDoubleAt(1, 2)) / z
		sum += math.Min(math.Hypot(px-float64(q[0]), py-float64(q[1])), 10)
		n++
	}
	if n < 20 {
		t.Fatalf("only %d points tracked", n)
	}
	return sum / float64(n)
}

func TestParallax(t *testing.T) {
	g, _ := NewGenerator()
	tests := []struct {
		label  Label
		action Action
		planar bool
	}{
		{BonaFide, ActionTurnLeft, false},
		{BonaFide, ActionTurnRight, false},
		{PrintAttack, ActionTurnLeft, true},
		{CutOutEyes, ActionNone, true}, // only the eyes move off the plane
	}
	for _, tc := range tests {
		s, _ := g.Sequence(Spec{Label: tc.label, Action: tc.action, Seed: 11, Frames: 16})
		r := residual(t, s.Frame(0), s.Frame(15))
		t.Logf("%v %v: homography residual %.2f px", tc.label, tc.action, r)
		if tc.planar && r > 1 || !tc.planar && r < 1.5 {
			t.Errorf("%v %v: residual %.2f px, planar=%v expected", tc.label, tc.action, r, tc.planar)
		}
	}
}

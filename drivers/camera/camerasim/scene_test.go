package camerasim

import (
	"image"
	"math"
	"testing"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/face"
	"github.com/capturestation/station/internal/testdata/faces"
)

// TestPortraitGeometry checks the measured geometry constants against the
// cascades.
func TestPortraitGeometry(t *testing.T) {
	d, err := face.NewDetector("")
	if err != nil {
		t.Skip(err)
	}
	defer d.Close()
	img, err := faces.Astronaut()
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.AssessImage(img, face.Options{})
	if err != nil || r.Face == nil || !r.Face.EyesFound {
		t.Fatalf("no face: %v", err)
	}
	near := func(a, b image.Point) bool { return math.Abs(float64(a.X-b.X)) <= 3 && math.Abs(float64(a.Y-b.Y)) <= 3 }
	if !near(r.Face.RightEye, astroRightEye) || !near(r.Face.LeftEye, astroLeftEye) {
		t.Errorf("eyes %v %v, constants %v %v", r.Face.RightEye, r.Face.LeftEye, astroRightEye, astroLeftEye)
	}
}

func TestScripts(t *testing.T) {
	sc, err := NewFaceScene(image.Point{}, EnrolmentScript(10)...)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if sc.Len() < 100 || sc.Size() != image.Pt(640, 480) {
		t.Fatalf("len %d size %v", sc.Len(), sc.Size())
	}
	m := gocv.NewMat()
	defer m.Close()
	for i := 0; i < sc.Len(); i += 7 {
		if err := sc.Render(i, &m); err != nil {
			t.Fatal(err)
		}
		if m.Cols() != 640 || m.Rows() != 480 || m.Type() != gocv.MatTypeCV8UC3 {
			t.Fatalf("frame %d: %dx%d", i, m.Cols(), m.Rows())
		}
	}
	if !sc.PoseAt(0).Away || sc.PoseAt(sc.Len()).Away != true {
		t.Error("script should start and end with nobody")
	}
	if err := sc.Render(sc.Len(), &m); err == nil {
		t.Error("rendered past the end")
	}
}

func TestPresentation(t *testing.T) {
	s, err := Presentation(faces.PrintAttack, image.Pt(320, 240))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 48 || s.Size() != image.Pt(320, 240) {
		t.Fatalf("scene of %d frames, %v", s.Len(), s.Size())
	}
}

package camerasim

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"gocv.io/x/gocv"
)

// A document scene shows the empty desk, then the page arriving, held and
// leaving; the held page covers the middle of the frame, and every frame
// is reproducible.
func TestDocumentScene(t *testing.T) {
	page := image.NewRGBA(image.Rect(0, 0, 1476, 1039))
	draw.Draw(page, page.Bounds(), image.NewUniform(color.RGBA{240, 240, 230, 255}), image.Point{}, draw.Src)
	s, err := NewDocumentScene(page, image.Pt(640, 480), 10)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 65 {
		t.Fatalf("%d frames at 10 fps, want 65 (6.5 s)", s.Len())
	}
	centre := func(i int) float64 {
		m := gocv.NewMat()
		defer m.Close()
		if err := s.Render(i, &m); err != nil {
			t.Fatal(err)
		}
		if m.Cols() != 640 || m.Rows() != 480 || m.Type() != gocv.MatTypeCV8UC3 {
			t.Fatalf("frame %d: %dx%d type %v", i, m.Cols(), m.Rows(), m.Type())
		}
		roi := m.Region(image.Rect(300, 220, 340, 260))
		defer roi.Close()
		return roi.Mean().Val1
	}
	for _, tc := range []struct {
		frame int
		away  bool
	}{{0, true}, {9, true}, {30, false}, {50, false}} {
		if got := s.PoseAt(tc.frame).Away; got != tc.away {
			t.Errorf("frame %d: away %v", tc.frame, got)
		}
		mean := centre(tc.frame)
		if tc.away && mean > 120 || !tc.away && mean < 200 {
			t.Errorf("frame %d: centre brightness %.0f (away %v)", tc.frame, mean, tc.away)
		}
	}
	if a, b := centre(33), centre(33); a != b {
		t.Error("frame 33 differs between renders")
	}
	if _, err := NewDocumentScene(page, image.Pt(10, 10), 10); err == nil {
		t.Error("a 10x10 scene was accepted")
	}
}

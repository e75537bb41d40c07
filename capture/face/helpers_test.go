package face

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/testdata/faces"
)

// newDetector loads the cascades or skips the test when opencv-data is
// missing.
func newDetector(tb testing.TB) *Detector {
	tb.Helper()
	d, err := NewDetector("")
	if err != nil {
		tb.Skipf("%v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// render draws a pose of the simulated subject (640×480 unless size is
// given).
func render(tb testing.TB, p camerasim.Pose, size ...image.Point) gocv.Mat {
	tb.Helper()
	sz := image.Pt(640, 480)
	if len(size) > 0 {
		sz = size[0]
	}
	sc, err := camerasim.NewFaceScene(sz)
	if err != nil {
		tb.Fatal(err)
	}
	defer sc.Close()
	m := gocv.NewMat()
	if err := sc.RenderPose(p, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// astronaut is the raw portrait as BGR.
func astronaut(tb testing.TB) gocv.Mat {
	tb.Helper()
	img, err := faces.Astronaut()
	if err != nil {
		tb.Fatal(err)
	}
	m, err := ImageToMat(img)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// twoFaces puts two portraits side by side.
func twoFaces(tb testing.TB) gocv.Mat {
	a := astronaut(tb)
	defer a.Close()
	out := gocv.NewMat()
	gocv.Hconcat(a, a, &out)
	return out
}

// texture is a faceless random texture.
func texture(tb testing.TB) gocv.Mat {
	rng := rand.New(rand.NewSource(1))
	small := gocv.NewMatWithSize(60, 80, gocv.MatTypeCV8UC3)
	defer small.Close()
	buf, err := small.DataPtrUint8()
	if err != nil {
		tb.Fatal(err)
	}
	for i := range buf {
		buf[i] = uint8(rng.Intn(256))
	}
	out := gocv.NewMat()
	gocv.Resize(small, &out, image.Pt(640, 480), 0, 0, gocv.InterpolationCubic)
	return out
}

// busyBackground paints stripes beside the head of a good frame.
func busyBackground(tb testing.TB) gocv.Mat {
	m := render(tb, camerasim.Good)
	for x := 0; x < 640; x += 12 {
		if x > 150 && x < 490 {
			continue
		}
		gocv.Rectangle(&m, image.Rect(x, 0, x+6, 300), color.RGBA{20, 20, 20, 255}, -1)
	}
	return m
}

// grey converts a good frame to grey.
func grey(tb testing.TB) gocv.Mat {
	m := render(tb, camerasim.Good)
	defer m.Close()
	g := gocv.NewMat()
	gocv.CvtColor(m, &g, gocv.ColorBGRToGray)
	return g
}

// blueTint gives a good frame a strong blue cast.
func blueTint(tb testing.TB) gocv.Mat {
	m := render(tb, camerasim.Good)
	ch := gocv.Split(m)
	ch[2].ConvertToWithParams(&ch[2], gocv.MatTypeCV8U, 0.55, 0)
	ch[0].ConvertToWithParams(&ch[0], gocv.MatTypeCV8U, 1.4, 0)
	gocv.Merge(ch, &m)
	for i := range ch {
		ch[i].Close()
	}
	return m
}

package face

import (
	"image"
	"os"
	"testing"

	"github.com/capturestation/station/drivers/camera/camerasim"
)

// benchAssess measures detection and every measure on a simulated frame,
// on one core: OpenCV reads OPENCV_FOR_THREADS_NUM when it first starts its
// thread pool (run the benchmarks on their own, as make bench does), and
// the Go side is single-threaded.
func benchAssess(b *testing.B, size image.Point) {
	if err := os.Setenv("OPENCV_FOR_THREADS_NUM", "1"); err != nil {
		b.Fatal(err)
	}
	d := newDetector(b)
	p := camerasim.Good
	m := render(b, p, size)
	defer m.Close()
	r, err := d.Assess(m, Options{})
	if err != nil || !r.Pass {
		b.Fatalf("frame does not pass: %v %v", err, r.Advice)
	}
	n := 0
	for b.Loop() {
		if _, err := d.Assess(m, Options{}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "fps")
}

func BenchmarkAssess640x480(b *testing.B)  { benchAssess(b, image.Pt(640, 480)) }
func BenchmarkAssess1280x720(b *testing.B) { benchAssess(b, image.Pt(1280, 720)) }

package wsq

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// prints are NIST's SFinGe reference prints in testdata with the NBIS 5.0.0
// figures for them at bit rate 0.75 (see testdata/README.md).
var prints = []struct {
	name    string
	refSize int
	refPSNR float64
}{
	{"SFinGe_Test01", 19454, 25.82},
	{"SFinGe_Test02", 18465, 25.56},
	{"SFinGe_Test03", 19071, 24.12},
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readPNG(t testing.TB, name string) *image.Gray {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFile(t, name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s: %T, want *image.Gray", name, img)
	}
	return g
}

// maxAbsDiff returns the largest per-pixel difference and how many pixels
// differ at all.
func maxAbsDiff(a, b *image.Gray) (maxd, ndiff int) {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := int(a.Pix[y*a.Stride+x]) - int(b.Pix[y*b.Stride+x])
			if d < 0 {
				d = -d
			}
			if d > 0 {
				ndiff++
			}
			maxd = max(maxd, d)
		}
	}
	return maxd, ndiff
}

func psnr(a, b *image.Gray) float64 {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	var se float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := float64(a.Pix[y*a.Stride+x]) - float64(b.Pix[y*b.Stride+x])
			se += d * d
		}
	}
	mse := se / float64(w*h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

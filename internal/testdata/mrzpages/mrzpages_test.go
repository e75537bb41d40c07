package mrzpages

import (
	"math/rand/v2"
	"testing"

	"github.com/capturestation/station/capture/mrz"
	"gocv.io/x/gocv"
)

func TestIdentitiesAreValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		f := []mrz.Format{TD1, TD2, TD3, MRVA, MRVB}[i%5]
		lines := Identity(rng, f)
		m, err := mrz.ParseLines(lines, mrz.Options{})
		if err != nil || m.Format != f {
			t.Fatalf("%q: %v", lines, err)
		}
	}
}

func TestSamplesDecode(t *testing.T) {
	g, err := New()
	if err != nil {
		t.Skip(err)
	}
	for _, l := range []Level{Clean, Moderate, Hard} {
		s, err := g.Sample(7, 1, l)
		if err != nil {
			t.Fatal(err)
		}
		img, err := gocv.IMDecode(s.Image, gocv.IMReadColor)
		if err != nil || img.Empty() {
			t.Fatalf("%s: not an image: %v", l, err)
		}
		if l == Hard && (img.Cols() > 1600 || img.Rows() > 1200) {
			t.Errorf("hard image %dx%d exceeds 1600x1200", img.Cols(), img.Rows())
		}
		img.Close()
		again, _ := g.Sample(7, 1, l)
		if string(again.Image) != string(s.Image) {
			t.Errorf("%s: not reproducible", l)
		}
	}
}

package uru4000

import (
	"fmt"
	"image"
	"testing"

	"github.com/capturestation/station/internal/testdata/fingerprints"
)

// syntheticPrint renders a generated print at the sensor size, with the
// white margin the glass edge gives (two lines top and bottom, one column
// each side).
func syntheticPrint(t *testing.T, seed int64) *image.Gray {
	t.Helper()
	p, err := fingerprints.Generate(fingerprints.Params{Seed: seed, Width: Width, Height: Height})
	if err != nil {
		t.Fatalf("generating print %d: %v", seed, err)
	}
	img := image.NewGray(image.Rect(0, 0, Width, Height))
	src := p.Image
	for y := range Height {
		for x := range Width {
			v := uint8(255)
			if y >= 2 && y < Height-2 && x >= 1 && x < Width-1 {
				v = src.GrayAt(src.Rect.Min.X+x*src.Rect.Dx()/Width, src.Rect.Min.Y+y*src.Rect.Dy()/Height).Y
			}
			img.Pix[y*Width+x] = v
		}
	}
	return img
}

func TestSyntheticPrintsRoundTrip(t *testing.T) {
	for _, m := range []Model{ModelURU4000B(), ModelURU4000(), ModelMSv2()} {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%04x/seed%d", m.ProductID, seed), func(t *testing.T) {
				want := syntheticPrint(t, seed)
				s, _ := openSim(t, SimConfig{Model: m, Scrambles: true, AutoFinger: true, Seed: uint64(seed)}, want)
				img, err := s.Capture(testCtx(t), nil)
				if err != nil {
					t.Fatalf("Capture: %v", err)
				}
				if err := diffImages(img.Gray, want); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

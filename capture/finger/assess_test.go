package finger

import (
	"errors"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/capturestation/station/internal/testdata/fingerprints"
)

func uniform(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

// TestAssessEdgeCases checks the errors and flags for unusable input.
func TestAssessEdgeCases(t *testing.T) {
	print1 := readPGM(t, "testdata/SFinGe_Test01.pgm")
	noise := image.NewGray(image.Rect(0, 0, 300, 300))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	tests := []struct {
		name    string
		img     *image.Gray
		ppi     int
		wantErr error
		flags   func(fb Feedback) bool
	}{
		{"blank white", uniform(416, 560, 255), 500, ErrEmptyImage, func(fb Feedback) bool { return fb.Empty && fb.Uniform }},
		{"all black", uniform(416, 560, 0), 500, ErrEmptyImage, func(fb Feedback) bool { return fb.Uniform && !fb.Empty }},
		{"mid grey", uniform(416, 560, 128), 500, ErrEmptyImage, func(fb Feedback) bool { return fb.Uniform }},
		{"tiny", uniform(100, 100, 128), 500, ErrImageSize, nil},
		{"nil", nil, 500, ErrImageSize, nil},
		{"1000 ppi", print1, 1000, ErrResolution, nil},
		{"250 ppi", print1, 250, ErrResolution, nil},
		{"print in a small frame", framed(print1, 150), 500, ErrImageSize, nil},
		{"random noise", noise, 500, nil, func(fb Feedback) bool { return true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Assess(tc.img, tc.ppi)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				t.Logf("error: %v", err)
				if errors.Is(err, ErrEmptyImage) {
					if res == nil || res.Score != 0 || !tc.flags(res.Feedback) {
						t.Fatalf("empty image result %+v, want score 0 and flags", res)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("score %d, minutiae %d, foreground %d", res.Score, len(res.Minutiae), res.Feedback.SufficientFingerprintForeground)
			if res.Score > 20 {
				t.Errorf("noise scored %d, want at most 20", res.Score)
			}
		})
	}
}

// framed puts a centred s×s cut of img on a white 416×560 canvas.
func framed(img *image.Gray, s int) *image.Gray {
	out := uniform(416, 560, 255)
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			out.Pix[(200+y)*out.Stride+130+x] = img.Pix[(200+y)*img.Stride+130+x]
		}
	}
	return out
}

// TestAssessNeverPanics runs odd sizes, offsets and contents.
func TestAssessNeverPanics(t *testing.T) {
	print1 := readPGM(t, "testdata/SFinGe_Test01.pgm")
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{197, 197}, {198, 401}, {233, 240}, {416, 560}, {799, 300}, {300, 999}} {
		img := image.NewGray(image.Rect(7, 11, 7+sz[0], 11+sz[1]))
		for y := 0; y < sz[1]; y++ {
			for x := 0; x < sz[0]; x++ {
				img.SetGray(7+x, 11+y, print1.GrayAt(x%416, y%560))
			}
		}
		// a few random bars
		for k := 0; k < 5; k++ {
			y := rng.IntN(sz[1])
			for x := 0; x < sz[0]; x++ {
				img.Pix[img.PixOffset(7+x, 11+y)] = 0
			}
		}
		res, err := Assess(img, 500)
		if err != nil {
			t.Logf("%v: %v", sz, err)
			continue
		}
		for _, m := range res.Minutiae {
			if !image.Pt(m.X, m.Y).In(img.Bounds()) {
				t.Fatalf("%v: minutia %v outside the image", sz, m)
			}
		}
		t.Logf("%v: score %d, %d minutiae, crop %v", sz, res.Score, len(res.Minutiae), res.Crop)
	}
}

// TestSegment checks the foreground mask of a reference print.
func TestSegment(t *testing.T) {
	img := readPGM(t, "testdata/SFinGe_Test01.pgm")
	m, err := Segment(img)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range m.Pix {
		if v != 0 {
			n++
		}
	}
	t.Logf("foreground %d pixels", n)
	if n != 186550 && (n < 186000 || n > 187000) {
		t.Errorf("foreground %d pixels, NIST counts 186473", n)
	}
	if _, err := Segment(uniform(100, 100, 0)); !errors.Is(err, ErrImageSize) {
		t.Errorf("tiny image: %v", err)
	}
}

// TestExtractMinutiae checks the extractor against the generator's ground
// truth: most true minutiae should have a detection nearby.
func TestExtractMinutiae(t *testing.T) {
	for _, seed := range []int64{11, 12} {
		p, err := fingerprints.Generate(fingerprints.Params{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := ExtractMinutiae(p.Image)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, truth := range p.Minutiae {
			for _, m := range ms {
				if dx, dy := m.X-truth.X, m.Y-truth.Y; dx*dx+dy*dy <= 12*12 {
					found++
					break
				}
			}
		}
		recall := float64(found) / float64(max(len(p.Minutiae), 1))
		t.Logf("seed %d: %d found, %d true, recall %.2f", seed, len(ms), len(p.Minutiae), recall)
		if recall < 0.5 {
			t.Errorf("seed %d: recall %.2f, want at least 0.5", seed, recall)
		}
	}
}

// TestScoreFallsWithDegradation degrades the same generated fingers step
// by step (Degradation 0, 0.2, … 1.0; 352×448 images to keep the test
// quick): the score must never rise and must drop by at least 20 points.
func TestScoreFallsWithDegradation(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		var scores []int
		for step := 0; step <= 5; step++ {
			d := float64(step) / 5
			p, err := fingerprints.Generate(fingerprints.Params{Seed: seed, Degradation: d, Width: 352, Height: 448})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Assess(p.Image, 500)
			s := 0
			switch {
			case errors.Is(err, ErrEmptyImage):
			case err != nil:
				t.Fatalf("seed %d degradation %.1f: %v", seed, d, err)
			default:
				s = res.Score
			}
			scores = append(scores, s)
		}
		t.Logf("seed %d: scores %v at degradation 0, 0.2, … 1.0", seed, scores)
		for i := 1; i < len(scores); i++ {
			if scores[i] > scores[i-1] {
				t.Errorf("seed %d: score rose from %d to %d at degradation %.1f", seed, scores[i-1], scores[i], float64(i)/5)
			}
		}
		if scores[len(scores)-1] >= scores[0]-20 {
			t.Errorf("seed %d: score fell only from %d to %d", seed, scores[0], scores[len(scores)-1])
		}
	}
}

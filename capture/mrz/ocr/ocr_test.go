package ocr

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/internal/testdata/mrzpages"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestReadGeneratedPages(t *testing.T) {
	g, err := mrzpages.New()
	if err != nil {
		t.Skip(err)
	}
	r, err := NewReader()
	if err != nil {
		t.Fatal(err)
	}
	// Floors that catch regressions; make bench measures the rates on a
	// larger set.
	floor := map[mrzpages.Level]int{mrzpages.Clean: 20, mrzpages.Moderate: 18, mrzpages.Hard: 18}
	for _, level := range []mrzpages.Level{mrzpages.Clean, mrzpages.Moderate, mrzpages.Hard} {
		ok := 0
		const n = 20
		for i := 0; i < n; i++ {
			s, err := g.Sample(11, i, level)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.ReadImage(s.Image, now)
			got := ""
			if res != nil {
				got = strings.Join(res.Lines, "|")
			}
			if err == nil && got == strings.Join(s.Lines, "|") && res.MRZ != nil && res.MRZ.Valid {
				ok++
			} else if testing.Verbose() {
				t.Logf("%s %d (%s rot %d skew %.1f dpi %d): %v\n got  %s\n want %s", level, i, s.Format, s.Rotation, s.Skew, s.DPI, err, got, strings.Join(s.Lines, "|"))
			}
		}
		t.Logf("%s: %d/%d read", level, ok, n)
		if ok < floor[level] {
			t.Errorf("%s: %d of %d documents read exactly, want at least %d", level, ok, n, floor[level])
		}
	}
}

func TestReadImageRejects(t *testing.T) {
	r, err := NewReader()
	if err != nil {
		t.Fatal(err)
	}
	blank := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 255, 255, 0), 600, 800, gocv.MatTypeCV8UC1)
	defer blank.Close()
	png, err := gocv.IMEncode(gocv.PNGFileExt, blank)
	if err != nil {
		t.Fatal(err)
	}
	defer png.Close()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"not an image", []byte("hello"), nil},
		{"blank page", png.GetBytes(), ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.ReadImage(tt.data, now)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzReadImage(f *testing.F) {
	r, err := NewReader()
	if err != nil {
		f.Fatal(err)
	}
	if g, err := mrzpages.New(); err == nil {
		s, _ := g.Sample(1, 1, mrzpages.Moderate)
		f.Add(s.Image)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := r.ReadImage(data, now)
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
	})
}

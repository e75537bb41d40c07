package ocr

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/testdata/mrzpages"
)

// benchSamples is the size of each level of the benchmark set.
const benchSamples = 40

// score compares readings with the ground truth: the share of documents
// read exactly and the share of characters right.
func score(got, want [][]string) (docs, chars float64) {
	var okDocs, okChars, total int
	for i := range want {
		w := strings.Join(want[i], "\n")
		g := strings.Join(got[i], "\n")
		if g == w {
			okDocs++
		}
		for j := 0; j < len(w); j++ {
			if w[j] == '\n' {
				continue
			}
			total++
			if j < len(g) && g[j] == w[j] {
				okChars++
			}
		}
	}
	return 100 * float64(okDocs) / float64(len(want)), 100 * float64(okChars) / float64(total)
}

func benchSet(b *testing.B, level mrzpages.Level) []mrzpages.Sample {
	g, err := mrzpages.New()
	if err != nil {
		b.Skip(err)
	}
	var out []mrzpages.Sample
	for i := 0; i < benchSamples; i++ {
		s, err := g.Sample(2026, i, level)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// BenchmarkMRZ reads the generated set with this reader and with Tesseract
// (whitelist A-Z0-9<) and reports, per level, the document-level read rate,
// the character accuracy and the time per image on one core.
func BenchmarkMRZ(b *testing.B) {
	// One core: OpenCV reads this when it first starts its thread pool.
	if err := os.Setenv("OPENCV_FOR_THREADS_NUM", "1"); err != nil {
		b.Fatal(err)
	}
	r, err := NewReader()
	if err != nil {
		b.Fatal(err)
	}
	for _, level := range []mrzpages.Level{mrzpages.Clean, mrzpages.Moderate, mrzpages.Hard} {
		set := benchSet(b, level)
		want := make([][]string, len(set))
		for i, s := range set {
			want[i] = s.Lines
		}
		b.Run(level.String()+"/station", func(b *testing.B) {
			got := make([][]string, len(set))
			n := 0
			for b.Loop() {
				for i, s := range set {
					res, err := r.ReadImage(s.Image, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
					got[i] = nil
					if err == nil {
						got[i] = res.Lines
					}
				}
				n++
			}
			docs, chars := score(got, want)
			b.ReportMetric(docs, "docs-%")
			b.ReportMetric(chars, "chars-%")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n*len(set)), "ms/image")
		})
		b.Run(level.String()+"/tesseract", func(b *testing.B) {
			if _, err := exec.LookPath("tesseract"); err != nil {
				b.Skip("tesseract not installed (make deps installs tesseract-ocr)")
			}
			got := make([][]string, len(set))
			n := 0
			for b.Loop() {
				for i, s := range set {
					got[i] = tesseract(b, s.Image, len(s.Lines[0]))
				}
				n++
			}
			docs, chars := score(got, want)
			b.ReportMetric(docs, "docs-%")
			b.ReportMetric(chars, "chars-%")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n*len(set)), "ms/image")
		})
	}
}

// tesseract OCRs a whole image, as MRZ readers built on it do, and keeps the
// last lines of the MRZ's length.
func tesseract(b *testing.B, img []byte, width int) []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tesseract", "stdin", "stdout", "--psm", "6", "-c",
		"tessedit_char_whitelist=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
	cmd.Env = append(cmd.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.Stdin = bytes.NewReader(img)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("tesseract: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.ReplaceAll(l, " ", "")
		if len(l) >= width-4 && len(l) <= width+4 {
			lines = append(lines, l)
		}
	}
	n := 2
	if width == 30 {
		n = 3
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

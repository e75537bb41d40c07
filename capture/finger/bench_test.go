package finger

import (
	"testing"
)

// BenchmarkAssess measures one full assessment (all features, minutiae and
// score) of a 416×560 500 ppi print; it reports ms/op.
func BenchmarkAssess(b *testing.B) {
	img := readPGM(b, "testdata/SFinGe_Test01.pgm")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Assess(img, 500); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/op")
}

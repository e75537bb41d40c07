package wsq

import (
	"bytes"
	"image"
	"io"
	"testing"
)

func benchImages(b *testing.B) []struct {
	name string
	img  *image.Gray
} {
	p := readPNG(b, "SFinGe_Test01.png")
	return []struct {
		name string
		img  *image.Gray
	}{
		{"416x560", p},
		{"800x750", tile(p, 800, 750)},
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, bi := range benchImages(b) {
		b.Run(bi.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bi.img.Pix)))
			for b.Loop() {
				if err := Encode(io.Discard, bi.img, Options{PPI: 500}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bi := range benchImages(b) {
		b.Run(bi.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := Encode(&buf, bi.img, Options{PPI: 500}); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.ReportAllocs()
			b.SetBytes(int64(len(bi.img.Pix)))
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

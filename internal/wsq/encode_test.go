package wsq

import (
	"bytes"
	"math"
	"testing"
)

func TestEncodeMatchesReferenceRate(t *testing.T) {
	for _, p := range prints {
		t.Run(p.name, func(t *testing.T) {
			orig := readPNG(t, p.name+".png")
			var buf bytes.Buffer
			if err := Encode(&buf, orig, Options{PPI: 500}); err != nil {
				t.Fatal(err)
			}
			got, err := Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			size := buf.Len()
			q := psnr(orig, got)
			rel := float64(size)/float64(p.refSize) - 1
			t.Logf("%s: %d bytes (NBIS %d, %+.1f%%), ratio %.2f:1, PSNR %.2f dB (NBIS %.2f dB, %+.2f dB)",
				p.name, size, p.refSize, 100*rel, float64(len(orig.Pix))/float64(size), q, p.refPSNR, q-p.refPSNR)
			if math.Abs(rel) > 0.10 {
				t.Errorf("size %d more than 10%% from the reference %d", size, p.refSize)
			}
			if q < p.refPSNR-0.3 {
				t.Errorf("PSNR %.2f dB below reference %.2f dB - 0.3", q, p.refPSNR)
			}
		})
	}
}

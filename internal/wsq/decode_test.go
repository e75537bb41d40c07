package wsq

import (
	"bytes"
	"testing"
)

func TestDecodeMatchesReference(t *testing.T) {
	for _, p := range prints {
		t.Run(p.name, func(t *testing.T) {
			got, err := Decode(bytes.NewReader(readFile(t, p.name+"_nbis075.wsq")))
			if err != nil {
				t.Fatal(err)
			}
			want := readPNG(t, p.name+"_nbis075_decoded.png")
			if got.Rect != want.Rect {
				t.Fatalf("size %v, want %v", got.Rect, want.Rect)
			}
			maxd, n := maxAbsDiff(got, want)
			t.Logf("%s: max abs diff %d grey levels, %d of %d pixels differ", p.name, maxd, n, len(want.Pix))
			if maxd > 1 {
				t.Errorf("max abs diff %d > 1", maxd)
			}
		})
	}
}

package zfmsim

import (
	"context"
	"image"
	"testing"

	"github.com/capturestation/station/drivers/fingerprint/zfm"
)

func TestPrepare(t *testing.T) {
	tests := []struct {
		name  string
		w, h  int
		model zfm.Model
	}{
		{"wide source", 600, 300, zfm.ModelR307},
		{"tall source", 416, 560, zfm.ModelR307},
		{"exact size", 256, 288, zfm.ModelAS608},
		{"square sensor", 416, 560, zfm.ModelR503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
			for i := range src.Pix {
				src.Pix[i] = byte(i * 7)
			}
			got := Prepare(src, tt.model)
			w, h := tt.model.ImageSize()
			if got.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("bounds %v, want %dx%d", got.Bounds(), w, h)
			}
			for _, v := range got.Pix {
				if v%17 != 0 {
					t.Fatalf("grey level %d is not a 4-bit level", v)
				}
			}
		})
	}
}

func TestStartOptions(t *testing.T) {
	for _, o := range []Options{{PacketSize: 100}, {Baud: 12345}, {Baud: 9600 * 3}} {
		if s, _, err := Start(context.Background(), o); err == nil {
			s.Close()
			t.Errorf("Start(%+v) accepted", o)
		}
	}
}

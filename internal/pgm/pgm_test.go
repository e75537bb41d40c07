package pgm

import (
	"bytes"
	"errors"
	"image"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 7, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 11)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, img.SubImage(image.Rect(1, 1, 5, 3)).(*image.Gray)); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds().Dx() != 4 || got.Bounds().Dy() != 2 {
		t.Fatalf("size %v", got.Bounds())
	}
	for y := range 2 {
		for x := range 4 {
			if got.GrayAt(x, y) != img.GrayAt(x+1, y+1) {
				t.Fatalf("pixel %d,%d differs", x, y)
			}
		}
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want: pixels as string, or an error fragment
		ok             bool
	}{
		{"comments and spacing", "P5 # made by hand\n2\t1\n# max\n255\nAB", "AB", true},
		{"maxval scaling", "P5 2 1 1 \x00\x01", "\x00\xff", true},
		{"plain pgm", "P2 1 1 255 1", "no P5 magic", false},
		{"16-bit", "P5 1 1 65535 \x00\x00", "maxval 65535", false},
		{"zero size", "P5 0 1 255 ", "size 0x1", false},
		{"huge", "P5 100000 100000 255 ", "larger than", false},
		{"short data", "P5 3 3 255 abc", "ends early", false},
		{"above maxval", "P5 1 1 9 \x0a", "above maxval", false},
		{"junk in header", "P5 1x 1 255 a", "bad number", false},
		{"long number", "P5 1234567890 1 255 a", "bad number", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(strings.NewReader(tc.in))
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if string(img.Pix) != tc.want {
					t.Fatalf("pixels %q, want %q", img.Pix, tc.want)
				}
				return
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("P5 2 2 255 abcd"))
	f.Add([]byte("P5\n# c\n1 1\n7\n\x03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(&buf)
		if err != nil || !bytes.Equal(again.Pix, img.Pix) {
			t.Fatalf("re-encoded image does not decode the same: %v", err)
		}
	})
}

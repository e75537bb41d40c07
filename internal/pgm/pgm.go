// Package pgm reads and writes 8-bit binary greymaps (Netpbm "P5"), the
// plain format fingerprint tools exchange raw prints in. Decode treats its
// input as untrusted: the header is parsed strictly and the pixel count is
// checked against a limit and against the data before anything is
// allocated. Only 8-bit images (maxval 1–255) are supported.
package pgm

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
)

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("invalid PGM")

// MaxPixels bounds the images Decode accepts (a 1000 ppi ten-print card
// is well under it).
const MaxPixels = 64 << 20

// Decode reads a binary PGM. Pixels are scaled to 0–255 when maxval is
// below 255.
func Decode(r io.Reader) (*image.Gray, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, 2)
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != "P5" {
		return nil, fmt.Errorf("%w: not a binary greymap (no P5 magic)", ErrFormat)
	}
	var v [3]int
	for i, name := range []string{"width", "height", "maxval"} {
		n, err := headerInt(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFormat, name, err)
		}
		v[i] = n
	}
	w, h, maxval := v[0], v[1], v[2]
	switch {
	case w <= 0 || h <= 0:
		return nil, fmt.Errorf("%w: size %dx%d", ErrFormat, w, h)
	case w > MaxPixels/h:
		return nil, fmt.Errorf("%w: %dx%d is larger than the %d pixels accepted", ErrFormat, w, h, MaxPixels)
	case maxval < 1 || maxval > 255:
		return nil, fmt.Errorf("%w: maxval %d (only 8-bit greymaps are supported)", ErrFormat, maxval)
	}
	// Exactly one whitespace byte ends the header; headerInt consumed it.
	img := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(br, img.Pix); err != nil {
		return nil, fmt.Errorf("%w: pixel data ends early (%dx%d needs %d bytes): %w", ErrFormat, w, h, w*h, err)
	}
	if maxval < 255 {
		for i, p := range img.Pix {
			if int(p) > maxval {
				return nil, fmt.Errorf("%w: pixel %d is %d, above maxval %d", ErrFormat, i, p, maxval)
			}
			img.Pix[i] = uint8((int(p)*255 + maxval/2) / maxval)
		}
	}
	return img, nil
}

// headerInt skips whitespace and comments, reads a decimal number and
// consumes the single whitespace byte after it.
func headerInt(br *bufio.Reader) (int, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("header ends early: %w", err)
		}
		switch {
		case c == '#':
			if _, err := br.ReadString('\n'); err != nil {
				return 0, fmt.Errorf("comment never ends: %w", err)
			}
		case isSpace(c):
		case c >= '0' && c <= '9':
			n := int(c - '0')
			for digits := 1; ; digits++ {
				c, err := br.ReadByte()
				if err != nil {
					return 0, fmt.Errorf("header ends early: %w", err)
				}
				if isSpace(c) {
					return n, nil
				}
				if c < '0' || c > '9' || digits >= 9 {
					return 0, fmt.Errorf("bad number")
				}
				n = n*10 + int(c-'0')
			}
		default:
			return 0, fmt.Errorf("unexpected byte %q in the header", c)
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// Encode writes img as a binary PGM with maxval 255.
func Encode(w io.Writer, img *image.Gray) error {
	b := img.Bounds()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "P5\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		off := img.PixOffset(b.Min.X, y)
		if _, err := bw.Write(img.Pix[off : off+b.Dx()]); err != nil {
			return fmt.Errorf("writing PGM: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing PGM: %w", err)
	}
	return nil
}

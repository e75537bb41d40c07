package wsq

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"
)

type segment struct {
	marker  uint16
	payload []byte
}

// walkSegments lists the marker segments of a WSQ stream, stepping over the
// entropy-coded data after each SOB.
func walkSegments(t *testing.T, data []byte) []segment {
	t.Helper()
	var segs []segment
	pos := 0
	for {
		if pos+2 > len(data) {
			t.Fatalf("offset %d: stream ends without EOI", pos)
		}
		m := binary.BigEndian.Uint16(data[pos:])
		pos += 2
		if m == markerSOI || m == markerEOI {
			segs = append(segs, segment{marker: m})
			if m == markerEOI {
				if pos != len(data) {
					t.Errorf("%d bytes after EOI", len(data)-pos)
				}
				return segs
			}
			continue
		}
		if m < markerSOI || m > markerCOM {
			t.Fatalf("offset %d: 0x%04X is not a marker", pos-2, m)
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		segs = append(segs, segment{m, data[pos+2 : pos+n]})
		pos += n
		if m == markerSOB {
			for !(data[pos] == 0xFF && data[pos+1] != 0) {
				pos++
			}
		}
	}
}

func markerNames(segs []segment) string {
	names := make([]string, len(segs))
	for i, s := range segs {
		names[i] = markerName(s.marker)
	}
	return strings.Join(names, " ")
}

// The file layout NBIS writes and this encoder follows.
const wantLayout = "SOI COM DTT DQT SOF DHT SOB DHT SOB SOB EOI"

func TestMarkerLayout(t *testing.T) {
	for _, p := range prints {
		t.Run(p.name, func(t *testing.T) {
			ref := walkSegments(t, readFile(t, p.name+"_nbis075.wsq"))
			if got := markerNames(ref); got != wantLayout {
				t.Errorf("reference layout %q, want %q", got, wantLayout)
			}
			var buf bytes.Buffer
			if err := Encode(&buf, readPNG(t, p.name+".png"), Options{PPI: 500}); err != nil {
				t.Fatal(err)
			}
			ours := walkSegments(t, buf.Bytes())
			if got := markerNames(ours); got != wantLayout {
				t.Errorf("our layout %q, want %q", got, wantLayout)
			}
			t.Logf("layout: %s", markerNames(ours))
			for i := range ours {
				o, r := ours[i], ref[i]
				switch o.marker {
				case markerDTT:
					// Same filters; NBIS rounds the last digits differently.
					var ho, hr header
					if err := ho.parseDTT(0, o.payload); err != nil || len(o.payload) != len(r.payload) {
						t.Errorf("our DTT: %v", err)
					}
					if err := hr.parseDTT(0, r.payload); err != nil {
						t.Errorf("NBIS DTT: %v", err)
					}
				case markerCOM:
					// The NISTCOM text is identical to NBIS's.
					if !bytes.Equal(o.payload, r.payload) {
						t.Errorf("segment %d %s differs from NBIS:\n%q\n%q", i, markerName(o.marker), o.payload, r.payload)
					}
				case markerSOF:
					// Black, white, size, encoder fields equal; m_shift and
					// r_scale are data.
					if !bytes.Equal(o.payload[:6], r.payload[:6]) || !bytes.Equal(o.payload[12:], r.payload[12:]) {
						t.Errorf("SOF % x, NBIS % x", o.payload, r.payload)
					}
				case markerSOB:
					if !bytes.Equal(o.payload, r.payload) {
						t.Errorf("segment %d SOB table %v, NBIS %v", i, o.payload, r.payload)
					}
				case markerDQT:
					if len(o.payload) != len(r.payload) {
						t.Errorf("DQT length %d, NBIS %d", len(o.payload), len(r.payload))
					}
				}
			}
			// DecodeConfig reads the same from both.
			for _, data := range [][]byte{readFile(t, p.name+"_nbis075.wsq"), buf.Bytes()} {
				c, err := DecodeConfig(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if want := (Config{Width: 416, Height: 560, PPI: 500, Bitrate: 0.75}); c != want {
					t.Errorf("DecodeConfig = %+v, want %+v", c, want)
				}
			}
		})
	}
}

// ridges draws a synthetic fingerprint-like pattern.
func ridges(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(x-w/2), float64(y-h/3)
			r := dx*dx/90 + dy*dy/140
			v := 128 + 90*sin(r/3)
			img.Pix[y*img.Stride+x] = uint8(v)
		}
	}
	return img
}

func sin(x float64) float64 {
	// A cheap deterministic sine keeps the pattern independent of the
	// math library's last-bit behaviour.
	for x > 3.141592653589793 {
		x -= 2 * 3.141592653589793
	}
	x2 := x * x
	return x * (1 - x2/6*(1-x2/20*(1-x2/42*(1-x2/72))))
}

// tile builds a w×h image from copies of src.
func tile(src *image.Gray, w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x] = src.Pix[(y%sh)*src.Stride+x%sw]
		}
	}
	return img
}

func TestRoundTripSizes(t *testing.T) {
	print1 := readPNG(t, "SFinGe_Test01.png")
	sub := print1.SubImage(image.Rect(37, 51, 37+301, 51+257)).(*image.Gray)
	tests := []struct {
		name    string
		img     *image.Gray
		opts    Options
		minPSNR float64
	}{
		{"min 17x17", ridges(17, 17), Options{}, 20},
		{"17x23", ridges(17, 23), Options{}, 20},
		{"23x17", ridges(23, 17), Options{}, 20},
		{"odd 65x33", ridges(65, 33), Options{Bitrate: 1.5}, 20},
		{"odd 127x255", ridges(127, 255), Options{}, 25},
		{"sub-image 301x257", sub, Options{PPI: 500, Comment: "finger 1"}, 20},
		{"800x750 tiled print", tile(print1, 800, 750), Options{PPI: 500}, 24},
		{"constant", uniform(40, 30, 77), Options{}, 99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, tc.img, tc.opts); err != nil {
				t.Fatal(err)
			}
			got, err := Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			w, h := tc.img.Rect.Dx(), tc.img.Rect.Dy()
			if got.Rect != image.Rect(0, 0, w, h) {
				t.Fatalf("decoded %v, want %dx%d", got.Rect, w, h)
			}
			q := psnr(tc.img, got)
			t.Logf("%dx%d: %d bytes, PSNR %.2f dB", w, h, buf.Len(), q)
			if q < tc.minPSNR {
				t.Errorf("PSNR %.2f dB < %.0f", q, tc.minPSNR)
			}
			if got := walkSegments(t, buf.Bytes()); tc.opts.Comment == "" && markerNames(got) != wantLayout {
				t.Errorf("layout %q", markerNames(got))
			}
			c, err := DecodeConfig(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			wantPPI := tc.opts.PPI
			if wantPPI <= 0 {
				wantPPI = -1
			}
			if c.Width != w || c.Height != h || c.PPI != wantPPI {
				t.Errorf("DecodeConfig %+v", c)
			}
		})
	}
}

func uniform(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

func TestBitrateChangesSize(t *testing.T) {
	img := readPNG(t, "SFinGe_Test02.png")
	prevSize, prevPSNR := 0, 0.0
	for _, br := range []float64{0.3, 0.5, 0.75, 1.2, 2.25} {
		var buf bytes.Buffer
		if err := Encode(&buf, img, Options{Bitrate: br}); err != nil {
			t.Fatal(err)
		}
		size := buf.Len()
		got, err := Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		c, err := DecodeConfig(bytes.NewReader(buf.Bytes()))
		if err != nil || c.Bitrate != br {
			t.Errorf("DecodeConfig bitrate %v (%v), want %v", c.Bitrate, err, br)
		}
		q := psnr(img, got)
		actual := float64(size*8) / float64(len(img.Pix))
		t.Logf("bitrate %.2f: %d bytes (%.3f bpp), PSNR %.2f dB", br, size, actual, q)
		if size <= prevSize || q <= prevPSNR {
			t.Errorf("bitrate %.2f: size %d / PSNR %.2f not above the lower rate's %d / %.2f", br, size, q, prevSize, prevPSNR)
		}
		prevSize, prevPSNR = size, q
	}
}

func TestMinDimension(t *testing.T) {
	// Every split of the decomposition needs lines of at least 2 samples.
	ok := func(w, h int) bool {
		tree := waveletTree(w, h)
		for _, n := range tree {
			if n.w < 2 || n.h < 2 {
				return false
			}
		}
		return true
	}
	if ok(MinDimension-1, 100) || ok(100, MinDimension-1) {
		t.Errorf("%d still fits the decomposition; MinDimension is too high", MinDimension-1)
	}
	for n := MinDimension; n < 300; n++ {
		if !ok(n, n) || !ok(n, MinDimension) {
			t.Fatalf("%d does not fit the decomposition", n)
		}
	}
	// Subbands tile the coded area exactly once.
	for _, sz := range [][2]int{{17, 17}, {17, 23}, {65, 33}, {416, 560}, {800, 750}} {
		tree := waveletTree(sz[0], sz[1])
		qt := quantTree(&tree)
		cover := make([]int, sz[0]*sz[1])
		for _, r := range qt {
			for y := r.y; y < r.y+r.h; y++ {
				for x := r.x; x < r.x+r.w; x++ {
					cover[y*sz[0]+x]++
				}
			}
		}
		for i, c := range cover {
			if c != 1 {
				t.Fatalf("%v: pixel %d covered %d times", sz, i, c)
			}
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	small := uniform(16, 40, 1)
	tests := []struct {
		name string
		img  *image.Gray
		opts Options
		want error
	}{
		{"nil image", nil, Options{}, ErrInvalidImage},
		{"too narrow", small, Options{}, ErrInvalidImage},
		{"too short", uniform(40, 16, 1), Options{}, ErrInvalidImage},
		{"empty", uniform(0, 0, 0), Options{}, ErrInvalidImage},
		{"negative bitrate", ridges(40, 40), Options{Bitrate: -1}, ErrInvalidImage},
		{"huge bitrate", ridges(40, 40), Options{Bitrate: 9}, ErrInvalidImage},
		{"long comment", ridges(40, 40), Options{Comment: strings.Repeat("x", MaxCommentLen+1)}, ErrInvalidImage},
		{"too wide", &image.Gray{Rect: image.Rect(0, 0, MaxDimension+1, 17)}, Options{}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, tc.img, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Logf("%v", err)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	ref := readFile(t, "SFinGe_Test01_nbis075.wsq")
	// Offsets of segments in the reference file.
	const (
		dttOff = 0x7e
		dqtOff = 0xba
		sofOff = 0x241
	)
	patch := func(off int, b ...byte) []byte {
		d := bytes.Clone(ref)
		copy(d[off:], b)
		return d
	}
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrFormat, "expected a marker"},
		{"JPEG", []byte{0xFF, 0xD8, 0xFF, 0xE0}, ErrFormat, "not a WSQ marker"},
		{"not SOI", []byte{0xFF, 0xA1}, ErrFormat, "want SOI"},
		{"SOI only", ref[:2], ErrFormat, "stream ends"},
		{"truncated header", ref[:100], ErrFormat, "runs past the end"},
		{"truncated data", ref[:len(ref)/2], ErrFormat, "not ended by a marker"},
		{"no EOI", ref[:len(ref)-2], ErrFormat, ""},
		{"bad DTT size", patch(dttOff+4, 5, 3), ErrUnsupported, "DTT"},
		{"bad DTT coefficient", patch(dttOff+8, 0x99), ErrUnsupported, "coefficient"},
		{"zero width", patch(sofOff+8, 0, 0), ErrFormat, "below the minimum"},
		{"huge frame", patch(sofOff+6, 0xFF, 0xFF, 0xFF, 0xFF), ErrTooLarge, "SOF"},
		{"bad DQT length", patch(dqtOff+2, 0x00, 0x10), ErrFormat, ""},
		{"segment length 1", patch(dttOff+2, 0, 1), ErrFormat, "length 1"},
		{"unknown marker", patch(dttOff, 0xFF, 0xC0), ErrFormat, "not a WSQ marker"},
		{"SOB before SOF", patch(dttOff, 0xFF, 0xA3), ErrFormat, "SOB marker before the frame header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			t.Logf("%v", err)
		})
	}
}

func TestDecodeEveryTruncation(t *testing.T) {
	ref := readFile(t, "SFinGe_Test03_nbis075.wsq")
	for n := 0; n < len(ref)-2; n += 1 + n/64 {
		if _, err := Decode(bytes.NewReader(ref[:n])); err == nil {
			t.Fatalf("prefix of %d bytes decoded without error", n)
		} else if !errors.Is(err, ErrFormat) {
			t.Fatalf("prefix %d: %v does not wrap ErrFormat", n, err)
		}
	}
}

func Example() {
	img := ridges(64, 64)
	var buf bytes.Buffer
	if err := Encode(&buf, img, Options{PPI: 500}); err != nil {
		fmt.Println(err)
		return
	}
	c, _ := DecodeConfig(bytes.NewReader(buf.Bytes()))
	out, err := Decode(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Width, c.Height, c.PPI, c.Bitrate, out.Rect.Dx(), out.Rect.Dy())
	// Output: 64 64 500 0.75 64 64
}

func TestTransformPerfectReconstruction(t *testing.T) {
	for w := MinDimension; w < 90; w += 3 {
		for _, h := range []int{MinDimension, 18, 33, 64, 65, 101} {
			img := ridges(w, h)
			plane := make([]float32, w*h)
			for i, p := range img.Pix {
				plane[i] = float32(p) - 128
			}
			tree := waveletTree(w, h)
			tr := newTransform(w, h)
			tr.decompose(plane, w, &tree)
			tr.reconstruct(plane, w, &tree)
			maxErr := 0.0
			for i, p := range img.Pix {
				d := float64(plane[i]+128) - float64(p)
				if d < 0 {
					d = -d
				}
				maxErr = max(maxErr, d)
			}
			if maxErr > 1e-3 {
				t.Fatalf("%dx%d: reconstruction error %g", w, h, maxErr)
			}
		}
	}
}

package fir

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func rawImage(pos Position, w, h int, seed byte) Image {
	im := PPI500(w, h, Raw)
	im.Position = pos
	im.Data = make([]byte, w*h)
	for i := range im.Data {
		im.Data[i] = byte(i) ^ seed
	}
	im.Quality = []Quality{{Score: 61}}
	return im
}

func TestRoundTrip(t *testing.T) {
	captured := time.Date(2026, 12, 1, 9, 30, 15, 250*int(time.Millisecond), time.UTC)
	wsq := PPI500(416, 560, WSQ)
	wsq.Position = LeftIndex
	wsq.Data = []byte{0xFF, 0xA0, 1, 2, 3, 0xFF, 0xA1}
	wsq.Quality = []Quality{{Score: 54}}
	j2k := PPI500(800, 750, JPEG2000Lossless)
	j2k.Position = PlainRightFour
	j2k.Data = []byte("jp2 bytes")
	j2k.Captured = captured
	j2k.DeviceTechnology, j2k.DeviceVendor, j2k.DeviceType = 2, 0x1234, 7
	j2k.Quality = []Quality{{Score: 80, VendorID: 0x00FF, AlgorithmID: 1}, {Score: 254}}
	j2k.Extended = []byte{0, 1, 0, 4, 9, 9}
	certified := rawImage(RightThumb, 3, 2, 0)
	certified.Certifications = []Certification{{AuthorityID: 1, SchemeID: 2}}

	for _, tc := range []struct {
		name string
		rec  Record
	}{
		{"2005 two views of one finger", Record{Version: V2005, AcquisitionLevel: 31, DeviceID: 0x0123,
			Images: []Image{rawImage(RightIndex, 5, 4, 1), withView(rawImage(RightIndex, 5, 4, 2), 2)}}},
		{"2005 wsq", Record{Version: V2005, AcquisitionLevel: 31, Images: []Image{wsq}}},
		{"2011 raw", Record{Version: V2011, Images: []Image{rawImage(RightThumb, 7, 3, 9)}}},
		{"2011 jpeg2000 with quality blocks, time and extended data", Record{Version: V2011, Images: []Image{j2k, wsq}}},
		{"2011 certified", Record{Version: V2011, Certified: true, Images: []Image{certified}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.rec.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.rec
			if want.Version == V2005 {
				for i := range want.Images { // the 2005 edition keeps only a score
					want.Images[i].Quality = []Quality{{Score: want.Images[i].Quality[0].Score}}
				}
			}
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", *got, want)
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encoding differs (err %v)", err)
			}
		})
	}
}

func withView(im Image, n uint8) Image { im.ViewNumber = n; return im }

// The layouts below are written out field by field from the standard's
// tables, independently of the encoder.
func TestLayout2005(t *testing.T) {
	rec := Record{Version: V2005, DeviceID: 0x0ABC, AcquisitionLevel: 31, Images: []Image{rawImage(LeftThumb, 2, 2, 0)}}
	rec.Images[0].Quality[0].Score = 77
	want := strings.Join([]string{
		"46495200", "30313000", // "FIR\0" "010\0"
		"000000000032", // record length 32 + 14 + 4 = 50
		"0abc", "001f", // capture device ID, acquisition level 31
		"01", "01", // one image, pixels per inch
		"01f401f401f401f4", // scan and image resolution 500
		"08", "00", "0000", // depth 8, uncompressed, reserved
		"00000012", // view length 14 + 4
		"0601014d", // left thumb, one view, view 1, quality 77
		"00",       // live-scan plain
		"00020002", // 2 x 2
		"00",       // reserved
		"00010203", // pixels
	}, "")
	b, err := rec.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("encoding\n got %s\nwant %s", got, want)
	}
}

func TestLayout2011(t *testing.T) {
	im := rawImage(RightIndex, 1, 2, 0)
	im.Captured = time.Date(2026, 1, 2, 3, 4, 5, 6*int(time.Millisecond), time.UTC)
	im.DeviceTechnology, im.DeviceVendor, im.DeviceType = 1, 2, 3
	im.Quality = []Quality{{Score: 50, VendorID: 0x0102, AlgorithmID: 0x0304}}
	im.Impression = LiveScanRolled
	rec := Record{Version: V2011, Images: []Image{im}}
	want := strings.Join([]string{
		"46495200", "30323000", // "FIR\0" "020\0"
		"00000040", "0001", "00", "01", // length 64, one representation, not certified, one finger
		"00000030",                // representation length 48
		"07ea010203040500" + "06", // 2026-01-02 03:04:05.006
		"01", "0002", "0003",      // technology, vendor, type
		"01", "3201020304", // one quality block
		"02", "01", "01", // right index, representation 1, ppi
		"01f401f401f401f4", // resolutions
		"08", "00", "01",   // depth, uncompressed, rolled
		"00010002", // 1 x 2
		"00000002", // data length
		"0001",     // pixels
	}, "")
	b, err := rec.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("encoding\n got %s\nwant %s", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	good, err := (&Record{Version: V2011, Images: []Image{rawImage(RightThumb, 4, 4, 0)}}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	good05, err := (&Record{Version: V2005, Images: []Image{rawImage(RightThumb, 4, 4, 0)}}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	mod := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"empty", "format identifier", nil},
		{"other format", "format identifier", []byte("FMR\x00020\x00")},
		{"other version", "version \"030\"", []byte("FIR\x00030\x00")},
		{"truncated", "header says", good[:len(good)-1]},
		{"trailing bytes", "header says", append(bytes.Clone(good), 0)},
		{"zero representations", "no representations", mod(good, func(b []byte) []byte { b[13] = 0; return b })},
		{"representation too long", "does not fit", mod(good, func(b []byte) []byte { b[16] = 0x7F; return b })},
		{"bad date", "not a valid time", mod(good, func(b []byte) []byte { b[22] = 13; b[20] = 0; return b })},
		{"data overruns", "overruns", mod(good, func(b []byte) []byte { b[len(b)-17] = 0x7F; return b })},
		{"unknown compression", "compression code 9", mod(good, func(b []byte) []byte { b[len(b)-26] = 9; return b })},
		{"raw size mismatch", "needs 20 bytes", mod(good, func(b []byte) []byte { b[len(b)-23] = 5; return b })},
		{"2005 view too long", "does not fit", mod(good05, func(b []byte) []byte { b[33] = 0x7F; return b })},
		{"2005 no images", "counts no images", mod(good05, func(b []byte) []byte { b[18] = 0; return b })},
		{"2005 bad position", "position code 99", mod(good05, func(b []byte) []byte { b[36] = 99; return b })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.b)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMarshalRejects(t *testing.T) {
	mixed := rawImage(RightIndex, 2, 2, 0)
	mixed.ImageResX = 1000
	for _, tc := range []struct {
		name, want string
		rec        Record
	}{
		{"no images", "at least one image", Record{Version: V2011}},
		{"no version", "unknown version", Record{Images: []Image{rawImage(RightThumb, 2, 2, 0)}}},
		{"2005 mixed resolution", "differs from image 1", Record{Version: V2005, Images: []Image{rawImage(RightThumb, 2, 2, 0), mixed}}},
		{"uncertified record with blocks", "not flagged certified", Record{Version: V2011, Images: []Image{{
			Position: RightThumb, Units: PixelsPerInch, BitDepth: 8, Compression: WSQ, Width: 1, Height: 1, Data: []byte{1},
			Certifications: []Certification{{AuthorityID: 1}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.rec.MarshalBinary(); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, rec := range []Record{
		{Version: V2005, Images: []Image{rawImage(RightThumb, 3, 3, 0), rawImage(LeftThumb, 2, 2, 0)}},
		{Version: V2011, Certified: true, Images: []Image{rawImage(RightThumb, 3, 3, 0)}},
	} {
		b, err := rec.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := Parse(b)
		if err != nil {
			return
		}
		out, err := rec.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed record does not encode: %v", err)
		}
		if rec.Version == V2011 && !bytes.Equal(out, b) {
			t.Fatalf("2011 record does not re-encode to the same bytes")
		}
	})
}

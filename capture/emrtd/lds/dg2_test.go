package lds

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/capturestation/station/internal/tlv"
)

// testFace returns a face with points feature points and a short
// JPEG-looking image.
func testFace(points int) FaceImage {
	f := FaceImage{
		Gender: 2, EyeColour: 3, HairColour: 4, PropertyMask: 0x000203, Expression: 1,
		PoseAngle: [3]uint8{1, 2, 3}, PoseAngleUncertainty: [3]uint8{4, 5, 6},
		ImageType: 1, Format: ImageJPEG, Width: 413, Height: 531,
		ColourSpace: 1, SourceType: 2, DeviceType: 0x0102, Quality: 0x0304,
		Image: []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0xFF, 0xD9},
	}
	for i := 0; i < points; i++ {
		f.FeaturePoints = append(f.FeaturePoints, FeaturePoint{Type: 1, Code: byte(0xC1 + i), X: uint16(100 + i), Y: uint16(200 + i)})
	}
	return f
}

// dg2Literal is an EF.DG2 written out by hand following ICAO 9303-10
// §4.7.2 and ISO/IEC 19794-5:2005: one template, format owner 0101, format
// type 0008, a 50-byte record with one 1×1 JPEG image of 4 bytes.
const dg2Literal = "7548" + // DG2
	"7F6145" + "020101" + // group template, one instance
	"7F603F" + // biometric information template
	"A108 87020101 88020008" + // header: format owner, format type
	"5F2E32" + // biometric data block, 50 bytes
	"46414300 30313000 00000032 0001" + // "FAC\0" "010\0", record length 50, one image
	"00000024 0000 02 01 01 000000 0000 000000 000000" + // facial information, length 36
	"01 00 0001 0001 01 02 0000 0000" + // image information: full frontal, JPEG, 1×1
	"FFD8FFD9" // image

func TestParseDG2(t *testing.T) {
	jp2 := testFace(0)
	jp2.Format, jp2.ImageType = ImageJPEG2000, 0
	jp2.Image = []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}
	big := testFace(3)
	big.Image = make([]byte, 70000) // long-form lengths at every level
	for i := range big.Image {
		big.Image[i] = byte(i)
	}
	tests := []struct {
		name  string
		faces []FaceImage
	}{
		{"one face", []FaceImage{testFace(0)}},
		{"feature points", []FaceImage{testFace(4)}},
		{"JPEG 2000", []FaceImage{jp2}},
		{"three faces", []FaceImage{testFace(0), jp2, testFace(1)}},
		{"large image", []FaceImage{big}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG2(BuildDG2(tt.faces))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Templates) != len(tt.faces) {
				t.Fatalf("%d templates, want %d", len(d.Templates), len(tt.faces))
			}
			if got := d.Faces(); !reflect.DeepEqual(got, tt.faces) {
				t.Fatalf("faces differ after the round trip")
			}
			if got := d.Faces()[0].Standard(); got != FaceISO19794 {
				t.Fatalf("standard %s", got)
			}
			h := d.Templates[0].Header
			if h.FormatOwner != 0x0101 || h.FormatType != 0x0008 || string(h.Type) != "\x02" || string(h.Version) != "\x01\x01" {
				t.Fatalf("header %+v", h)
			}
		})
	}

	t.Run("literal", func(t *testing.T) {
		d, err := ParseDG2(unhex(t, dg2Literal))
		if err != nil {
			t.Fatal(err)
		}
		faces := d.Faces()
		if len(faces) != 1 {
			t.Fatalf("%d faces", len(faces))
		}
		f := faces[0]
		if f.Width != 1 || f.Height != 1 || f.Format != ImageJPEG || f.ImageType != 1 || f.Gender != 2 ||
			string(f.Image) != "\xFF\xD8\xFF\xD9" || f.ColourSpace != 1 || f.SourceType != 2 || f.FeaturePoints != nil {
			t.Fatalf("face %+v", f)
		}
		if h := d.Templates[0].Header; h.FormatOwner != 0x0101 || h.FormatType != 8 || h.Version != nil {
			t.Fatalf("header %+v", h)
		}
	})

	t.Run("several images in one record", func(t *testing.T) {
		faces := []FaceImage{testFace(2), testFace(0)}
		b := dg2WithRecord(BuildFaceRecord(faces))
		d, err := ParseDG2(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Templates) != 1 || !reflect.DeepEqual(d.Faces(), faces) {
			t.Fatalf("got %d templates", len(d.Templates))
		}
		got, err := ParseFaceRecord(BuildFaceRecord(faces))
		if err != nil || !reflect.DeepEqual(got, faces) {
			t.Fatalf("ParseFaceRecord: %v", err)
		}
	})

	t.Run("images are copies", func(t *testing.T) {
		b := BuildDG2([]FaceImage{testFace(0)})
		d, err := ParseDG2(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range b {
			b[i] = 0
		}
		if d.Faces()[0].Image[0] != 0xFF {
			t.Fatal("image aliases the input")
		}
	})
}

// dg2With wraps biometric data block objects into a DG2 with one template.
func dg2With(header []byte, blocks ...[]byte) []byte {
	parts := append([][]byte{header}, blocks...)
	return tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61,
		tlv.Encode(0x02, []byte{1}), tlv.EncodeConstructed(0x7F60, parts...)))
}

func stdHeader() []byte {
	return tlv.EncodeConstructed(0xA1, tlv.Encode(0x87, []byte{1, 1}), tlv.Encode(0x88, []byte{0, 8}))
}

// dg2WithRecord wraps a 19794-5 record into a DG2.
func dg2WithRecord(rec []byte) []byte { return dg2With(stdHeader(), tlv.Encode(0x5F2E, rec)) }

// patched returns a copy of the one-face record of testFace(0) with fn
// applied. Offsets: header 0-13 (record length at 8, count at 12), facial
// information 14-33 (block length at 14, feature points at 18), image
// information 34-45 (data type at 35), image from 46.
func patched(fn func(r []byte) []byte) []byte {
	r := BuildFaceRecord([]FaceImage{testFace(0)})
	return fn(append([]byte(nil), r...))
}

func TestParseDG2Malformed(t *testing.T) {
	put32 := func(off int, v uint32) func([]byte) []byte {
		return func(r []byte) []byte { binary.BigEndian.PutUint32(r[off:], v); return r }
	}
	put16 := func(off int, v uint16) func([]byte) []byte {
		return func(r []byte) []byte { binary.BigEndian.PutUint16(r[off:], v); return r }
	}
	rec := BuildFaceRecord([]FaceImage{testFace(0)})
	recLen := uint32(len(rec))
	block := tlv.Encode(0x5F2E, rec)
	tests := []struct {
		name string
		in   []byte
		kind error
		elem string
	}{
		{"wrong outer tag", tlv.EncodeConstructed(0x76, tlv.EncodeConstructed(0x7F61)), ErrMalformed, ""},
		{"truncated file", BuildDG2([]FaceImage{testFace(0)})[:60], ErrMalformed, "75"},
		{"group template missing", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F60)), ErrMalformed, "75/7F61"},
		{"empty DG2", tlv.EncodeConstructed(0x75), ErrMalformed, "75/7F61"},
		{"element after group", tlv.EncodeConstructed(0x75, BuildDG2([]FaceImage{testFace(0)})[2:], tlv.Encode(0x53, nil)), ErrMalformed, "75/53"},
		{"count missing", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61)), ErrMalformed, "75/7F61/02"},
		{"count zero", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61, tlv.Encode(0x02, []byte{0}))), ErrMalformed, "75/7F61/02"},
		{"count absurd", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61, tlv.Encode(0x02, []byte{0xFF}))), ErrMalformed, "75/7F61/02"},
		{"count of three bytes", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61, tlv.Encode(0x02, []byte{0, 0, 1}))), ErrMalformed, "75/7F61/02"},
		{"count mismatch", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61, tlv.Encode(0x02, []byte{2}),
			tlv.EncodeConstructed(0x7F60, stdHeader(), block))), ErrMalformed, "75/7F61"},
		{"not a 7F60", tlv.EncodeConstructed(0x75, tlv.EncodeConstructed(0x7F61, tlv.Encode(0x02, []byte{1}),
			tlv.EncodeConstructed(0x7F62, stdHeader(), block))), ErrMalformed, "75/7F61/7F60[1]"},
		{"header missing", dg2With(tlv.Encode(0x53, nil), block), ErrMalformed, "7F60[1]/A1"},
		{"header twice", dg2With(stdHeader(), stdHeader(), block), ErrMalformed, "7F60[1]/A1"},
		{"format owner missing", dg2With(tlv.EncodeConstructed(0xA1, tlv.Encode(0x88, []byte{0, 8})), block), ErrMalformed, "A1/87"},
		{"format type of 3 bytes", dg2With(tlv.EncodeConstructed(0xA1, tlv.Encode(0x87, []byte{1, 1}), tlv.Encode(0x88, []byte{0, 0, 8})), block), ErrMalformed, "A1/88"},
		{"data block missing", dg2With(stdHeader()), ErrMalformed, "7F60[1]/5F2E"},
		{"two data blocks", dg2With(stdHeader(), block, block), ErrMalformed, "7F60[1]/5F2E"},
		{"39794-5 data block that does not decode", dg2With(stdHeader(), tlv.EncodeConstructed(0x7F2E, tlv.Encode(0xA1, []byte{1}))), ErrMalformed, "7F60[1]/7F2E/A1"},
		{"not FAC", dg2WithRecord(patched(func(r []byte) []byte { r[0] = 'X'; return r })), ErrMalformed, "5F2E: face record header"},
		{"19794-5:2011", dg2WithRecord(patched(func(r []byte) []byte { copy(r[4:], "030\x00"); return r })), ErrUnsupported, "5F2E: face record header"},
		{"bad version", dg2WithRecord(patched(func(r []byte) []byte { copy(r[4:], "0A0\x00"); return r })), ErrMalformed, "5F2E: face record header"},
		{"shorter than header", dg2WithRecord(rec[:10]), ErrMalformed, "5F2E: face record header"},
		{"record length past the end", dg2WithRecord(patched(put32(8, recLen+1))), ErrMalformed, "5F2E: face record header"},
		{"record length huge", dg2WithRecord(patched(put32(8, 0xFFFFFFFF))), ErrMalformed, "5F2E: face record header"},
		{"record length short", dg2WithRecord(patched(put32(8, recLen-1))), ErrMalformed, "5F2E: face record header"},
		{"zero faces", dg2WithRecord(patched(put16(12, 0))), ErrMalformed, "5F2E: face record header"},
		{"absurd face count", dg2WithRecord(patched(put16(12, 0xFFFF))), ErrMalformed, "5F2E: face record header"},
		{"two faces announced, one present", dg2WithRecord(patched(put16(12, 2))), ErrMalformed, "5F2E: face record header"},
		{"image block length past the data", dg2WithRecord(patched(put32(14, recLen))), ErrMalformed, "5F2E: face 1 facial information"},
		{"image block length huge", dg2WithRecord(patched(put32(14, 0xFFFFFFF0))), ErrMalformed, "5F2E: face 1 facial information"},
		{"image block too short", dg2WithRecord(patched(put32(14, 31))), ErrMalformed, "5F2E: face 1 facial information"},
		{"absurd feature point count", dg2WithRecord(patched(put16(18, 0xFFFF))), ErrMalformed, "5F2E: face 1 facial information"},
		{"unknown image data type", dg2WithRecord(patched(func(r []byte) []byte { r[35] = 7; return r })), ErrMalformed, "5F2E: face 1 image information"},
		{"no image bytes", dg2WithRecord(BuildFaceRecord([]FaceImage{{Format: ImageJPEG}})), ErrMalformed, "5F2E: face 1 image data"},
		{"bytes after the last face", dg2WithRecord(patched(func(r []byte) []byte {
			binary.BigEndian.PutUint32(r[14:], uint32(len(r)-14-1))
			return r
		})), ErrMalformed, "5F2E: face record header"},
		{"second face truncated", dg2WithRecord(func() []byte {
			r := BuildFaceRecord([]FaceImage{testFace(0), testFace(0)})
			r = r[:len(r)-5]
			binary.BigEndian.PutUint32(r[8:], uint32(len(r)))
			return r
		}()), ErrMalformed, "5F2E: face 2 facial information"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDG2(tt.in)
			if d != nil {
				t.Fatalf("got a DG2 with %v", err)
			}
			checkErr(t, err, tt.kind, "EF.DG2", tt.elem)
		})
	}
}

func TestParseFaceRecordStandalone(t *testing.T) {
	_, err := ParseFaceRecord([]byte("FAC\x00010\x00"))
	checkErr(t, err, ErrMalformed, "ISO/IEC 19794-5 record", "face record header")
}

package lds

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/capturestation/station/internal/tlv"
)

// dg2ExtensibleLiteral is an EF.DG2 written out by hand from the structure
// of ICAO 9303-10 §4.7.2 (8th edition) and the ASN.1 module of ISO/IEC
// 39794-5:2019, not by BuildDG2Extensible: one template whose header names
// format owner 0101 and format type 002A, a data block 7F2E holding A1
// holding the face image data block [APPLICATION 5]. Its one
// representation has ID 1, a 4-byte JPEG of 200×256, face image kind
// MRTD, 24-bit RGB, a quality score of 87 from algorithm 0101/01, a
// female subject with blue eyes and brown hair, yaw −5° ± 2°, MPEG-4
// feature point 12.1 (code 84) at (100, 120), and an unknown extension
// element [15] that must be skipped.
const dg2ExtensibleLiteral = "7581A9" + // DG2
	"7F6181A5" + "020101" + // group template, one instance
	"7F60819E" + // biometric information template
	"A112 80020101 810102 820100 87020101 8802002A" + // header: version, type face, subtype, owner, type 39794-5
	"7F2E8186" + "A18183" + // biometric data block, A1
	"658180" + // FaceImageDataBlock [APPLICATION 5]
	"A007 800103 810207E3" + // versionBlock: generation 3, year 2019
	"A175 3073" + // representationBlocks: one RepresentationBlock
	"800101" + // representationId 1
	"A125 A023 A021" + // imageRepresentation: base: imageRepresentation2DBlock
	"8004FFD8FFD9" + // representationData2D
	"A119" + // imageInformation2DBlock
	"A003800102" + // imageDataFormat: code 2 (JPEG)
	"A103800100" + // faceImageKind2D: code 0 (MRTD)
	"A708 800200C8 8102 0100" + // imageSizeBlock: 200 × 256
	"A903800102" + // imageColourSpace: code 2 (24-bit RGB)
	"A310 300E A007 80020101 810101 A103800157" + // qualityBlocks: algorithm 0101/01, score 87
	"A819" + // identityMetadataBlock
	"A003800103 A103800103 A203800105" + // gender female, eyes blue, hair brown
	"A608 A006 8001FB 810102" + // poseAngleBlock: yaw −5, uncertainty 2
	"A917 3015" + // landmarkBlocks: one LandmarkBlock
	"A007 A005 A003 800154" + // landmarkKind: base: MPEG-4 feature point 84
	"A10A A008 A006 800164 810178" + // landmarkCoordinates: base: 2D (100, 120)
	"8F0100" // unknown extension [15]

// jpegStub is a JPEG-looking image.
var jpegStub = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0xFF, 0xD9}

func TestParseDG2ExtensibleLiteral(t *testing.T) {
	d, err := ParseDG2(unhex(t, dg2ExtensibleLiteral))
	if err != nil {
		t.Fatal(err)
	}
	if h := d.Templates[0].Header; h.FormatOwner != FormatOwnerSC37 || h.FormatType != FormatTypeFace39794 ||
		string(h.Version) != "\x01\x01" || string(h.Type) != "\x02" {
		t.Fatalf("header %+v", h)
	}
	faces := d.Faces()
	if len(faces) != 1 {
		t.Fatalf("%d faces", len(faces))
	}
	want := FaceImage{
		Gender: 2, EyeColour: 2, HairColour: 4, ImageType: 1, Format: ImageJPEG, Width: 200, Height: 256,
		ColourSpace: 1, Quality: 87, Image: []byte{0xFF, 0xD8, 0xFF, 0xD9},
		FeaturePoints: []FeaturePoint{{Type: 1, Code: 0xC1, X: 100, Y: 120}},
		Extensible: &ExtensibleFace{
			Generation: 3, Year: 2019, RepresentationID: 1, ImageDataFormat: ImageDataFormatJPEG,
			FaceImageKind: new(0), ImageColourSpace: new(2),
			Quality: []QualityScore{{Algorithm: RegistryID{Organization: 0x0101, ID: 1}, Score: new(87)}},
			Gender:  new(3), EyeColour: new(3), HairColour: new(5),
			Pose:      &PoseAngles{Yaw: &Angle{Degrees: -5, Uncertainty: new(2)}},
			Landmarks: []Landmark{{Scheme: LandmarkMPEG4, Code: 84, HasXY: true, X: 100, Y: 120}},
		},
	}
	if !reflect.DeepEqual(faces[0], want) {
		t.Fatalf("face\n%+v\nwant\n%+v\nextensible\n%+v", faces[0], want, *faces[0].Extensible)
	}
	if faces[0].Standard() != FaceISO39794 || faces[0].Standard().String() != "ISO/IEC 39794-5:2019" ||
		LandmarkMPEG4.String() != "MPEG-4 feature point" {
		t.Fatalf("standard %s", faces[0].Standard())
	}
	// What the builder writes from the parsed face reads back the same.
	again, err := ParseFaceImageDataBlock(BuildFaceImageDataBlock(faces))
	if err != nil || !reflect.DeepEqual(again, faces) {
		t.Fatalf("rebuilt: %v", err)
	}
}

// fullExtensible returns an ExtensibleFace with every decoded element set.
func fullExtensible() *ExtensibleFace {
	return &ExtensibleFace{
		Generation: 3, Year: 2019, RepresentationID: 1 << 40, ImageDataFormat: ImageDataFormatJPEG2000Lossless,
		FaceImageKind: new(FaceImageKindGeneralPurpose), LossyTransformationAttempts: new(1),
		CameraToSubjectDistance: new(1500), SensorDiagonal: new(43), LensFocalLength: new(85),
		ImageColourSpace: new(5),
		CaptureTime: &CaptureTime{Year: 2024, Month: new(1), Day: new(20), Hour: new(13), Minute: new(23),
			Second: new(9), Millisecond: new(908)},
		Quality: []QualityScore{
			{Algorithm: RegistryID{Organization: 1, ID: 2}},
			{Algorithm: RegistryID{Organization: 0xFFFF, ID: 300}, Score: new(64)},
		},
		SessionID: new(uint64(9)), DerivedFrom: new(uint64(0)),
		CaptureDeviceModel:          &RegistryID{Organization: 7, ID: 8},
		CaptureDeviceCertifications: []RegistryID{{Organization: 2, ID: 2}, {Organization: 3, ID: 4}},
		Gender:                      new(2), EyeColour: new(7), HairColour: new(9), SubjectHeight: new(1786),
		Pose: &PoseAngles{Pitch: &Angle{Degrees: 180}, Roll: &Angle{Degrees: -180, Uncertainty: new(180)}},
		Landmarks: []Landmark{
			{Scheme: LandmarkMPEG4, Code: 0, HasXY: true, X: 10, Y: 20},    // 2.1
			{Scheme: LandmarkMPEG4, Code: 67, HasXY: true, X: 65535, Y: 0}, // 9.15
			{Scheme: LandmarkMPEG4, Code: 87},                              // 12.4, no coordinates
			{Scheme: LandmarkMPEG4, Code: 200, HasXY: true, X: 1, Y: 1},    // not an MPEG-4 point
			{Scheme: LandmarkAnthropometricName, Code: 21, HasXY: true, X: 5, Y: 6},
			{Scheme: LandmarkAnthropometricPointName, Code: 3},
			{Scheme: LandmarkAnthropometricPointID, Code: 62, HasXY: true, X: 7, Y: 8},
		},
	}
}

func TestExtensibleRoundTrip(t *testing.T) {
	big := make([]byte, 70000) // long-form lengths at every level
	for i := range big {
		big[i] = byte(i)
	}
	jp2 := []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}
	minimal := func(i int, format int) *ExtensibleFace {
		return &ExtensibleFace{Generation: 3, Year: 2019, RepresentationID: uint64(i), ImageDataFormat: format}
	}
	tests := []struct {
		name string
		in   []FaceImage
		want []FaceImage
	}{
		{"mandatory elements only",
			[]FaceImage{{Format: ImageJPEG, Image: jpegStub}},
			[]FaceImage{{Format: ImageJPEG, Image: jpegStub, Extensible: minimal(0, ImageDataFormatJPEG)}}},
		{"JPEG 2000 with its size",
			[]FaceImage{{Format: ImageJPEG2000, Width: 413, Height: 531, Image: jp2}},
			[]FaceImage{{Format: ImageJPEG2000, Width: 413, Height: 531, Image: jp2, Extensible: minimal(0, ImageDataFormatJPEG2000Lossy)}}},
		{"unknown image format",
			[]FaceImage{{Image: jpegStub}},
			[]FaceImage{{Image: jpegStub, Extensible: minimal(0, ImageDataFormatUnknown)}}},
		{"every decoded element",
			[]FaceImage{{Format: ImageJPEG2000, Width: 1, Height: 65535, Image: jp2, Extensible: fullExtensible()}},
			[]FaceImage{{Format: ImageJPEG2000, Width: 1, Height: 65535, Image: jp2, Extensible: fullExtensible(),
				EyeColour: 0, HairColour: 0, Gender: 1, ColourSpace: 3, Quality: 64,
				FeaturePoints: []FeaturePoint{{Type: 1, Code: 0x21, X: 10, Y: 20}, {Type: 1, Code: 0x9F, X: 65535}}}}},
		{"large image",
			[]FaceImage{{Format: ImageJPEG, Width: 640, Height: 480, Image: big}},
			[]FaceImage{{Format: ImageJPEG, Width: 640, Height: 480, Image: big, Extensible: minimal(0, ImageDataFormatJPEG)}}},
		{"three representations",
			[]FaceImage{{Format: ImageJPEG, Image: jpegStub}, {Format: ImageJPEG2000, Image: jp2}, {Format: ImageJPEG, Image: []byte{1}}},
			[]FaceImage{
				{Format: ImageJPEG, Image: jpegStub, Extensible: minimal(0, ImageDataFormatJPEG)},
				{Format: ImageJPEG2000, Image: jp2, Extensible: minimal(1, ImageDataFormatJPEG2000Lossy)},
				{Format: ImageJPEG, Image: []byte{1}, Extensible: minimal(2, ImageDataFormatJPEG)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFaceImageDataBlock(BuildFaceImageDataBlock(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("data block read back\n%+v\nwant\n%+v", got, tt.want)
			}
			// The same faces in a DG2, one template each.
			d, err := ParseDG2(BuildDG2Extensible(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Templates) != len(tt.in) {
				t.Fatalf("%d templates", len(d.Templates))
			}
			for i, tpl := range d.Templates {
				if tpl.Header.FormatType != FormatTypeFace39794 || len(tpl.Faces) != 1 ||
					!bytes.Equal(tpl.Faces[0].Image, tt.in[i].Image) || tpl.Faces[0].Standard() != FaceISO39794 {
					t.Fatalf("template %d: header %+v, %d faces", i, tpl.Header, len(tpl.Faces))
				}
			}
		})
	}
}

func TestMPEG4PointCodes(t *testing.T) {
	tests := []struct {
		code  int
		point uint8
		ok    bool
	}{
		{0, 0x21, true}, {13, 0x2E, true}, {14, 0x31, true}, {42, 0x71, true}, {43, 0x81, true},
		{67, 0x9F, true}, {84, 0xC1, true}, {87, 0xC4, true}, {88, 0, false}, {-1, 0, false},
	}
	for _, tt := range tests {
		p, ok := mpeg4Point(tt.code)
		if p != tt.point || ok != tt.ok {
			t.Errorf("mpeg4Point(%d) = %02X, %v; want %02X, %v", tt.code, p, ok, tt.point, tt.ok)
		}
		if tt.ok {
			if c, ok := mpeg4Code(tt.point); c != tt.code || !ok {
				t.Errorf("mpeg4Code(%02X) = %d, %v", tt.point, c, ok)
			}
		}
	}
	for _, bad := range []uint8{0x20, 0x2F, 0x72, 0xD1, 0x11} {
		if _, ok := mpeg4Code(bad); ok {
			t.Errorf("mpeg4Code(%02X) accepted", bad)
		}
	}
}

// Helpers assembling 39794-5 blocks element by element.

func seqOf(parts ...[]byte) []byte { return tlv.EncodeConstructed(tagSequence, parts...) }

func versionBlock(gen, year int64) []byte { return ctxCons(0, ctxInt(0, gen), ctxInt(1, year)) }

// imageRep is an imageRepresentation [1] holding a 2D block with data
// and the image information elements info.
func imageRep(data []byte, info ...[]byte) []byte {
	return ctxCons(1, ctxCons(0, ctxCons(0, ctxPrim(0, data), ctxCons(1, info...))))
}

// rep is a representation block with ID 1, a JPEG image and extra.
func rep(extra ...[]byte) []byte {
	return seqOf(append([][]byte{ctxInt(0, 1), imageRep(jpegStub, ctxCode(0, 2))}, extra...)...)
}

// fidb is a face image data block.
func fidb(ver []byte, reps ...[]byte) []byte {
	return tlv.EncodeConstructed(tagFaceImageDataBlock, ver, ctxCons(1, reps...))
}

// dg2Ext wraps a data block (the content of 7F2E) into a DG2.
func dg2Ext(inner ...[]byte) []byte {
	header := tlv.EncodeConstructed(0xA1, tlv.Encode(0x87, []byte{1, 1}), tlv.Encode(0x88, []byte{0, 0x2A}))
	return dg2With(header, tlv.EncodeConstructed(0x7F2E, inner...))
}

// dg2Block wraps a face image data block into a DG2.
func dg2Block(block []byte) []byte { return dg2Ext(tlv.EncodeConstructed(0xA1, block)) }

func TestExtensibleSkipsAndFallbacks(t *testing.T) {
	tests := []struct {
		name  string
		block []byte
		check func(t *testing.T, f FaceImage)
	}{
		{"unknown elements at every level",
			fidb(ctxCons(0, ctxInt(0, 3), ctxInt(1, 2024), ctxInt(9, 1)), seqOf(ctxInt(0, 1),
				imageRep(jpegStub, ctxCode(0, 2), ctxInt(20, 7), tlv.Encode(0x9F20, []byte{1})),
				ctxCons(14, ctxInt(0, 1)), tlv.EncodeConstructed(0xBF21, ctxInt(0, 1)))),
			func(t *testing.T, f FaceImage) {
				if f.Format != ImageJPEG || f.Extensible.Year != 2024 {
					t.Fatalf("face %+v", f.Extensible)
				}
			}},
		{"code from an extension block's fallback",
			fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), imageRep(jpegStub, ctxCons(0, ctxCons(1, ctxInt(0, 3), ctxInt(5, 99)))))),
			func(t *testing.T, f FaceImage) {
				if f.Format != ImageJPEG2000 || f.Extensible.ImageDataFormat != 3 {
					t.Fatalf("format %q code %d", f.Format, f.Extensible.ImageDataFormat)
				}
			}},
		{"blocks that are not decoded",
			rep(ctxCons(4, seqOf(ctxInt(0, 1))), ctxCons(8, ctxCons(4, ctxInt(0, 1)), ctxCons(5, ctxInt(0, 1)))),
			nil},
		{"landmark kinds and coordinates that are extensions",
			rep(ctxCons(9,
				seqOf(ctxCons(0, ctxCons(1, seqOf()))),                                        // kind: extension block
				seqOf(ctxCons(0, ctxCons(0, ctxCons(1, ctxCons(1, seqOf()))))),                // anthropometric extension
				seqOf(ctxCons(0, ctxCons(0, ctxCons(5, ctxInt(0, 1))))),                       // unknown kind alternative
				seqOf(ctxCons(0, ctxCons(0, ctxCode(0, 3))), ctxCons(1, ctxCons(1, seqOf()))), // coordinates: extension
				seqOf(ctxCons(0, ctxCons(0, ctxCode(0, 4))), ctxCons(1, ctxCons(0, ctxCons(2, ctxInt(0, 1), ctxInt(1, 2), ctxInt(2, 3))))),
			)),
			func(t *testing.T, f FaceImage) {
				want := []Landmark{{Scheme: LandmarkMPEG4, Code: 3}, {Scheme: LandmarkMPEG4, Code: 4}}
				if !reflect.DeepEqual(f.Extensible.Landmarks, want) || f.FeaturePoints != nil {
					t.Fatalf("landmarks %+v points %+v", f.Extensible.Landmarks, f.FeaturePoints)
				}
			}},
		{"quality error and unknown scoring alternative",
			rep(ctxCons(3, seqOf(registryID(0, RegistryID{1, 1}), ctxCons(1, ctxCode(1, 0))),
				seqOf(registryID(0, RegistryID{1, 2}), ctxCons(1, ctxCons(7))))),
			func(t *testing.T, f FaceImage) {
				if len(f.Extensible.Quality) != 2 || f.Extensible.Quality[0].Score != nil || f.Extensible.Quality[1].Score != nil || f.Quality != 0 {
					t.Fatalf("quality %+v", f.Extensible.Quality)
				}
			}},
		{"codes without a 19794-5 counterpart",
			rep(ctxCons(8, ctxCode(0, 1), ctxCode(1, 7), ctxCode(2, 9))),
			func(t *testing.T, f FaceImage) {
				if f.Gender != 0 || f.EyeColour != 0 || f.HairColour != 0 || *f.Extensible.EyeColour != 7 {
					t.Fatalf("face %+v", f)
				}
			}},
		{"unknown codes", rep(ctxCons(8, ctxCode(0, 0), ctxCode(1, 0), ctxCode(2, 0))),
			func(t *testing.T, f FaceImage) {
				if f.Gender != 0xFF || f.EyeColour != 0xFF || f.HairColour != 0xFF {
					t.Fatalf("face %+v", f)
				}
			}},
		{"non-minimal integers", rep(ctxCons(8, ctxCons(0, tlv.Encode(0x80, []byte{0, 0, 0, 7})))),
			func(t *testing.T, f FaceImage) {
				if *f.Extensible.Gender != 7 {
					t.Fatalf("gender %d", *f.Extensible.Gender)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			block := tt.block
			if block[0] == byte(tagSequence) {
				block = fidb(versionBlock(3, 2019), block)
			}
			faces, err := ParseFaceImageDataBlock(block)
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) != 1 || !bytes.Equal(faces[0].Image, jpegStub) {
				t.Fatalf("faces %+v", faces)
			}
			if tt.check != nil {
				tt.check(t, faces[0])
			}
			if _, err := ParseDG2(dg2Block(block)); err != nil {
				t.Fatalf("in a DG2: %v", err)
			}
		})
	}
}

func TestParseDG2ExtensibleMalformed(t *testing.T) {
	good := fidb(versionBlock(3, 2019), rep())
	many := make([][]byte, MaxFaceImages+1)
	for i := range many {
		many[i] = rep()
	}
	info := func(parts ...[]byte) []byte {
		return fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), imageRep(jpegStub, parts...)))
	}
	const r1 = "65: representation 1"
	tests := []struct {
		name string
		in   []byte
		kind error
		elem string
	}{
		{"empty 7F2E", dg2Ext(), ErrMalformed, "7F60[1]/7F2E/A1"},
		{"data block without A1", dg2Ext(good), ErrMalformed, "7F2E/65"},
		{"element after A1", dg2Ext(tlv.EncodeConstructed(0xA1, good), tlv.Encode(0x80, nil)), ErrMalformed, "7F2E/80"},
		{"A1 holding a SEQUENCE", dg2Ext(tlv.EncodeConstructed(0xA1, seqOf())), ErrMalformed, "7F2E/A1/30"},
		{"A1 primitive", dg2Ext(tlv.Encode(0x81, good)), ErrMalformed, "7F2E/81"},
		{"element after the data block", dg2Ext(tlv.EncodeConstructed(0xA1, good, good)), ErrMalformed, "7F2E/A1/65"},
		{"truncated", unhex(t, dg2ExtensibleLiteral)[:120], ErrMalformed, "75"},
		{"data block truncated inside", dg2Ext(tlv.EncodeConstructed(0xA1, good[:len(good)-3])), ErrMalformed, "7F2E/A1"},
		{"absurd length", dg2Ext(tlv.EncodeConstructed(0xA1, []byte{0x65, 0x84, 0xFF, 0xFF, 0xFF, 0xF0, 0xA0})), ErrMalformed, "7F2E/A1"},
		{"data block primitive", dg2Block(tlv.Encode(0x45, nil)), ErrMalformed, "7F2E/A1/45"},
		{"version block missing", dg2Block(tlv.EncodeConstructed(0x65, ctxCons(1, rep()))), ErrMalformed, "65: versionBlock"},
		{"version block primitive", dg2Block(tlv.EncodeConstructed(0x65, ctxPrim(0, []byte{3}), ctxCons(1, rep()))), ErrMalformed, "65: versionBlock"},
		{"generation missing", dg2Block(fidb(ctxCons(0, ctxInt(1, 2019)), rep())), ErrMalformed, "65: versionBlock/generation"},
		{"generation 2", dg2Block(fidb(versionBlock(2, 2019), rep())), ErrUnsupported, "65: versionBlock"},
		{"generation 1", dg2Block(fidb(versionBlock(1, 2019), rep())), ErrUnsupported, "65: versionBlock"},
		{"year 2011", dg2Block(fidb(versionBlock(3, 2011), rep())), ErrUnsupported, "65: versionBlock"},
		{"year absurd", dg2Block(fidb(versionBlock(3, 1<<40), rep())), ErrMalformed, "65: versionBlock/year"},
		{"representation blocks missing", dg2Block(tlv.EncodeConstructed(0x65, versionBlock(3, 2019))), ErrMalformed, "65: representationBlocks"},
		{"no representation", dg2Block(fidb(versionBlock(3, 2019))), ErrMalformed, "65: representationBlocks"},
		{"too many representations", dg2Block(fidb(versionBlock(3, 2019), many...)), ErrMalformed, "65: representationBlocks"},
		{"representation not a SEQUENCE", dg2Block(fidb(versionBlock(3, 2019), ctxCons(0))), ErrMalformed, "65: representationBlocks/1"},
		{"universal tag in a SEQUENCE", dg2Block(fidb(versionBlock(3, 2019), rep(tlv.Encode(0x02, []byte{1})))), ErrMalformed, r1 + "/02"},
		{"element twice", dg2Block(fidb(versionBlock(3, 2019), rep(ctxInt(0, 2)))), ErrMalformed, r1 + "/representationId"},
		{"representation ID missing", dg2Block(fidb(versionBlock(3, 2019), seqOf(imageRep(jpegStub, ctxCode(0, 2))))), ErrMalformed, r1 + "/representationId"},
		{"representation ID negative", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, -1), imageRep(jpegStub, ctxCode(0, 2))))), ErrMalformed, r1 + "/representationId"},
		{"representation ID of 72 bits", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxPrim(0, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}), imageRep(jpegStub, ctxCode(0, 2))))), ErrMalformed, r1 + "/representationId"},
		{"empty INTEGER", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxPrim(0, nil), imageRep(jpegStub, ctxCode(0, 2))))), ErrMalformed, r1 + "/representationId"},
		{"constructed INTEGER", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxCons(0), imageRep(jpegStub, ctxCode(0, 2))))), ErrMalformed, r1 + "/representationId"},
		{"image representation missing", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1)))), ErrMalformed, r1 + "/imageRepresentation"},
		{"image representation extension", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1, ctxCons(1))))), ErrUnsupported, r1 + "/imageRepresentation/extensionBlock"},
		{"3D shape", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1, ctxCons(0, ctxCons(1, seqOf())))))), ErrUnsupported, "shapeRepresentation3DBlock"},
		{"two alternatives", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1, ctxCons(0), ctxCons(1))))), ErrMalformed, r1 + "/imageRepresentation"},
		{"no alternative", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1)))), ErrMalformed, r1 + "/imageRepresentation"},
		{"primitive CHOICE", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxPrim(1, []byte{0})))), ErrMalformed, r1 + "/imageRepresentation"},
		{"no image bytes", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), imageRep(nil, ctxCode(0, 2))))), ErrMalformed, "representationData2D"},
		{"image data missing", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1, ctxCons(0, ctxCons(0, ctxCons(1, ctxCode(0, 2)))))))), ErrMalformed, "representationData2D"},
		{"image data constructed", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1, ctxCons(0, ctxCons(0, ctxCons(0, ctxPrim(0, jpegStub)), ctxCons(1, ctxCode(0, 2)))))))), ErrMalformed, "representationData2D"},
		{"image information missing", dg2Block(fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), ctxCons(1, ctxCons(0, ctxCons(0, ctxPrim(0, jpegStub))))))), ErrMalformed, "imageInformation2DBlock"},
		{"image data format missing", dg2Block(info()), ErrMalformed, "imageInformation2DBlock/imageDataFormat"},
		{"image data format fallback missing", dg2Block(info(ctxCons(0, ctxCons(1)))), ErrMalformed, "imageDataFormat/extensionBlock/fallback"},
		{"image data format unknown alternative", dg2Block(info(ctxCons(0, ctxCons(2)))), ErrUnsupported, "imageDataFormat/[2]"},
		{"image data format negative", dg2Block(info(ctxCode(0, -2))), ErrMalformed, "imageDataFormat/code"},
		{"image width too large", dg2Block(info(ctxCode(0, 2), ctxCons(7, ctxInt(0, 70000), ctxInt(1, 1)))), ErrMalformed, "imageSizeBlock/width"},
		{"image height missing", dg2Block(info(ctxCode(0, 2), ctxCons(7, ctxInt(0, 1)))), ErrMalformed, "imageSizeBlock/height"},
		{"integer of 9 bytes", dg2Block(info(ctxCode(0, 2), ctxPrim(4, make([]byte, 9)))), ErrMalformed, "cameraToSubjectDistance"},
		{"capture month 13", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(2, ctxInt(0, 2024), ctxInt(1, 13))))), ErrMalformed, "captureDateTimeBlock/month"},
		{"capture year missing", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(2, ctxInt(1, 1))))), ErrMalformed, "captureDateTimeBlock/year"},
		{"quality not a SEQUENCE OF", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(3, ctxInt(0, 1))))), ErrMalformed, "qualityBlocks/1"},
		{"quality score 101", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(3, seqOf(registryID(0, RegistryID{1, 1}), ctxCons(1, ctxInt(0, 101))))))), ErrMalformed, "qualityBlocks/1/scoreOrError/score"},
		{"quality score missing", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(3, seqOf(registryID(0, RegistryID{1, 1})))))), ErrMalformed, "qualityBlocks/1/scoreOrError"},
		{"registry ID 0", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(3, seqOf(registryID(0, RegistryID{0, 1}), ctxCons(1, ctxInt(0, 1))))))), ErrMalformed, "algorithmIdBlock/organization"},
		{"session ID negative", dg2Block(fidb(versionBlock(3, 2019), rep(ctxInt(5, -3)))), ErrMalformed, r1 + "/sessionId"},
		{"certification ID 70000", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(7, ctxCons(1, seqOf(ctxInt(0, 1), ctxInt(1, 70000))))))), ErrMalformed, "certificationIdBlocks/1/id"},
		{"yaw 181", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(8, ctxCons(6, ctxCons(0, ctxInt(0, 181))))))), ErrMalformed, "poseAngleBlock/yawAngleBlock/angleValue"},
		{"roll uncertainty −1", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(8, ctxCons(6, ctxCons(2, ctxInt(0, 1), ctxInt(1, -1))))))), ErrMalformed, "rollAngleBlock/angleUncertainty"},
		{"landmark kind missing", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(9, seqOf())))), ErrMalformed, "landmarkBlocks/1/landmarkKind"},
		{"landmark x too large", dg2Block(fidb(versionBlock(3, 2019), rep(ctxCons(9, seqOf(ctxCons(0, ctxCons(0, ctxCode(0, 1))),
			ctxCons(1, ctxCons(0, ctxCons(0, ctxInt(0, 65536), ctxInt(1, 0))))))))), ErrMalformed, "coordinateCartesian2DBlock/x"},
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

func TestParseFaceImageDataBlockStandalone(t *testing.T) {
	good := fidb(versionBlock(3, 2019), rep())
	if faces, err := ParseFaceImageDataBlock(append(append([]byte(nil), good...), 0, 0)); err != nil || len(faces) != 1 {
		t.Fatalf("padded block: %v", err)
	}
	tests := []struct {
		name string
		in   []byte
		kind error
		elem string
	}{
		{"empty", nil, ErrMalformed, ""},
		{"wrong tag", seqOf(), ErrMalformed, ""},
		{"trailing bytes", append(append([]byte(nil), good...), 1), ErrMalformed, ""},
		{"too large", make([]byte, MaxFileSize+1), ErrMalformed, ""},
		{"unknown version", fidb(versionBlock(4, 2030), rep()), ErrUnsupported, "65: versionBlock"},
		{"bad image format", fidb(versionBlock(3, 2019), seqOf(ctxInt(0, 1), imageRep(jpegStub, ctxCode(0, 1<<40)))), ErrMalformed, "65: representation 1/imageRepresentation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFaceImageDataBlock(tt.in)
			checkErr(t, err, tt.kind, "ISO/IEC 39794-5 data block", tt.elem)
		})
	}
}

func TestBuildIntegers(t *testing.T) {
	tests := []struct {
		v    int64
		want string
	}{
		{0, "800100"}, {5, "800105"}, {127, "80017F"}, {128, "80020080"}, {200, "800200C8"}, {2019, "800207E3"},
		{-1, "8001FF"}, {-5, "8001FB"}, {-128, "800180"}, {-129, "8002FF7F"}, {-200, "8002FF38"},
		{1 << 40, "80060100000000 00"},
	}
	for _, tt := range tests {
		if got := ctxInt(0, tt.v); !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("ctxInt(%d) = % X, want %s", tt.v, got, tt.want)
		}
	}
	for v, want := range map[uint64]string{0: "800100", 127: "80017F", 128: "80020080", 1<<64 - 1: "800900FFFFFFFFFFFFFFFF"} {
		if got := ctxUint(0, v); !bytes.Equal(got, unhex(t, want)) {
			t.Errorf("ctxUint(%d) = % X, want %s", v, got, want)
		}
	}
}

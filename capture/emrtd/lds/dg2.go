package lds

import (
	"encoding/binary"
	"fmt"

	"github.com/capturestation/station/internal/tlv"
)

// ImageFormat is the encoding of an image.
type ImageFormat string

// Image formats of ISO/IEC 19794-5:2005 (image data type 0 and 1), also
// used for the JPEG and JPEG 2000 codes of ISO/IEC 39794-5.
const (
	ImageJPEG     ImageFormat = "JPEG"
	ImageJPEG2000 ImageFormat = "JPEG2000"
)

// FaceStandard names the standard a face image was encoded with.
type FaceStandard string

// Face image standards of a DG2 biometric data block.
const (
	// FaceISO19794 is an ISO/IEC 19794-5:2005 face record, in a data
	// block tagged 5F2E.
	FaceISO19794 FaceStandard = "ISO/IEC 19794-5:2005"
	// FaceISO39794 is an ISO/IEC 39794-5:2019 face image data block, in
	// a data block tagged 7F2E.
	FaceISO39794 FaceStandard = "ISO/IEC 39794-5:2019"
)

// String returns the standard's reference.
func (s FaceStandard) String() string { return string(s) }

// Format owner and format types of the biometric header (87 and 88), as
// registered with the CBEFF registration authority (IBIA).
const (
	// FormatOwnerSC37 is ISO/IEC JTC 1/SC 37, owner of both face formats.
	FormatOwnerSC37 uint16 = 0x0101
	// FormatTypeFace19794 is the ISO/IEC 19794-5 face image format.
	FormatTypeFace19794 uint16 = 0x0008
	// FormatTypeFace39794 is the ISO/IEC 39794-5 face image format in
	// tagged binary encoding ("g3-binary-face-image").
	FormatTypeFace39794 uint16 = 0x002A
)

// Limits of the face decoders.
const (
	// MaxBiometricTemplates bounds the biometric information templates
	// (7F60) of one DG2.
	MaxBiometricTemplates = 16
	// MaxFaceImages bounds the facial images of one 19794-5 record and
	// the representation blocks of one 39794-5 data block.
	MaxFaceImages = 16
)

// Sizes of the fixed ISO/IEC 19794-5:2005 blocks.
const (
	faceHeaderLen    = 14 // "FAC\0", "010\0", record length 4, count 2
	faceInfoLen      = 20 // facial information block
	featurePointLen  = 8
	imageInfoLen     = 12 // image information block
	faceRecordMinLen = faceInfoLen + imageInfoLen
)

// FeaturePoint is one facial feature point of ISO/IEC 19794-5:2005 §5.6.
type FeaturePoint struct {
	// Type is 1 for an MPEG-4 feature point.
	Type uint8
	// Code is the feature point: major code in the high nibble, minor in
	// the low one (0xC1 is MPEG-4 point 12.1).
	Code uint8
	// X and Y are the coordinates in pixels.
	X, Y uint16
}

// FaceImage is one facial image of an ISO/IEC 19794-5:2005 record: the
// facial information block, its feature points, the image information
// block and the image. The numeric codes are those of the standard
// (§5.5 and §5.7).
//
// A face read from an ISO/IEC 39794-5 data block has Extensible set; the
// 19794-5 fields are then filled from it where a counterpart exists (see
// ExtensibleFace) and are 0 otherwise.
type FaceImage struct {
	// Gender: 0 unspecified, 1 male, 2 female, 0xFF unknown.
	Gender uint8
	// EyeColour and HairColour are the codes of §5.5.4 and §5.5.5.
	EyeColour, HairColour uint8
	// PropertyMask is the 24-bit feature mask (glasses, moustache, ...).
	PropertyMask uint32
	// Expression is the expression code of §5.5.7.
	Expression uint16
	// PoseAngle holds yaw, pitch and roll as encoded (0 unspecified).
	PoseAngle [3]uint8
	// PoseAngleUncertainty holds their uncertainties as encoded.
	PoseAngleUncertainty [3]uint8
	// FeaturePoints are the facial feature points, possibly none.
	FeaturePoints []FeaturePoint
	// ImageType is the face image type: 0 basic, 1 full frontal, 2 token
	// frontal.
	ImageType uint8
	// Format is the image encoding (image data type 0 or 1).
	Format ImageFormat
	// Width and Height are the image size in pixels.
	Width, Height uint16
	// ColourSpace is the image colour space code (1 is 24-bit RGB).
	ColourSpace uint8
	// SourceType is the image source type code (2 is a digital still).
	SourceType uint8
	// DeviceType is the vendor's capture device type, 0 if unspecified.
	DeviceType uint16
	// Quality is the image quality, 0 if unspecified.
	Quality uint16
	// Image is the encoded image.
	Image []byte
	// Extensible holds the ISO/IEC 39794-5 data of the face; nil for a
	// face of an ISO/IEC 19794-5 record.
	Extensible *ExtensibleFace
}

// Standard returns the standard the face was encoded with.
func (f *FaceImage) Standard() FaceStandard {
	if f.Extensible != nil {
		return FaceISO39794
	}
	return FaceISO19794
}

// BiometricHeader is a biometric header template (A1, ISO/IEC 7816-11 as
// profiled by ICAO 9303-10 §4.7.2.1). Optional elements are nil when
// absent.
type BiometricHeader struct {
	// Version is the ICAO header version (80).
	Version []byte
	// Type and Subtype are the biometric type (81; 02 is face) and subtype
	// (82).
	Type, Subtype []byte
	// CreationDate (83), ValidityPeriod (85) and Creator (86) are kept as
	// stored.
	CreationDate, ValidityPeriod, Creator []byte
	// FormatOwner (87) and FormatType (88) identify the data block format:
	// 0101 and 0008 for ISO/IEC 19794-5, 0101 and 002A for ISO/IEC
	// 39794-5. They are reported, not checked: the data block's tag
	// selects the decoder.
	FormatOwner, FormatType uint16
}

// BiometricTemplate is one biometric information template (7F60): its
// header and the face images of its data block.
type BiometricTemplate struct {
	// Header is the biometric header template (A1).
	Header BiometricHeader
	// Faces are the images of the data block: the facial images of a
	// 19794-5 record or the representations of a 39794-5 data block.
	Faces []FaceImage
}

// DG2 is the content of EF.DG2, the encoded face (ICAO 9303-10 §4.7.2).
type DG2 struct {
	// Templates are the biometric information templates in file order.
	Templates []BiometricTemplate
}

// Faces returns the face images of every template, in file order.
func (d *DG2) Faces() []FaceImage {
	var out []FaceImage
	for _, t := range d.Templates {
		out = append(out, t.Faces...)
	}
	return out
}

// ParseDG2 parses EF.DG2: template 75 holding a biometric information group
// template (7F61) with the number of instances (02) and that many biometric
// information templates (7F60), each with a biometric header template (A1)
// and a biometric data block: 5F2E holding an ISO/IEC 19794-5:2005 face
// record, or 7F2E holding (inside an A1 object) an ISO/IEC 39794-5:2019
// face image data block.
//
// A 19794-5 record of another version and a 39794-5 block of another
// generation give an error wrapping ErrUnsupported. Images are copied out
// of b.
func ParseDG2(b []byte) (*DG2, error) {
	top, l, err := openFile("EF.DG2", b, tlv.Tag(TagDG2))
	if err != nil {
		return nil, err
	}
	kids, err := children(l, top)
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 || kids[0].Tag != 0x7F61 {
		return nil, l.at("7F61").bad(nil, "biometric information group template missing")
	}
	if len(kids) > 1 {
		return nil, l.at(kids[1].Tag.String()).bad(nil, "unexpected element after 7F61")
	}
	gl := l.at("7F61")
	group, err := children(gl, kids[0])
	if err != nil {
		return nil, err
	}
	if len(group) == 0 {
		return nil, gl.at("02").bad(nil, "number of instances missing")
	}
	n, err := parseCount(gl, group[0], MaxBiometricTemplates)
	if err != nil {
		return nil, err
	}
	if len(group)-1 != n {
		return nil, gl.bad(nil, "number of instances is %d but %d templates follow", n, len(group)-1)
	}
	d := &DG2{Templates: make([]BiometricTemplate, 0, n)}
	for i, o := range group[1:] {
		tl := gl.at(fmt.Sprintf("7F60[%d]", i+1))
		if o.Tag != 0x7F60 {
			return nil, tl.bad(nil, "tag %s, want a biometric information template (7F60)", o.Tag)
		}
		t, err := parseBiometricTemplate(tl, o)
		if err != nil {
			return nil, err
		}
		d.Templates = append(d.Templates, t)
	}
	return d, nil
}

// parseBiometricTemplate reads one 7F60 template.
func parseBiometricTemplate(l loc, o tlv.Object) (BiometricTemplate, error) {
	var t BiometricTemplate
	kids, err := children(l, o)
	if err != nil {
		return t, err
	}
	var seen once
	var block *tlv.Object
	for i, k := range kids {
		switch k.Tag {
		case 0xA1:
			if err := seen.first(l, k.Tag); err != nil {
				return t, err
			}
			if t.Header, err = parseBiometricHeader(l.at("A1"), k); err != nil {
				return t, err
			}
		case 0x5F2E, 0x7F2E:
			if block != nil {
				return t, l.at(k.Tag.String()).bad(nil, "more than one biometric data block")
			}
			block = &kids[i]
		}
	}
	if len(seen) == 0 {
		return t, l.at("A1").bad(nil, "biometric header template missing")
	}
	if block == nil {
		return t, l.at("5F2E").bad(nil, "biometric data block missing")
	}
	bl := l.at(block.Tag.String())
	if block.Tag == 0x7F2E {
		if t.Faces, err = parseExtensibleBlock(bl, *block); err != nil {
			return t, err
		}
		return t, nil
	}
	if t.Faces, err = parseFaceRecord(bl, block.Value); err != nil {
		return t, err
	}
	return t, nil
}

// parseBiometricHeader reads a biometric header template (A1).
func parseBiometricHeader(l loc, o tlv.Object) (BiometricHeader, error) {
	var h BiometricHeader
	kids, err := children(l, o)
	if err != nil {
		return h, err
	}
	var seen once
	for _, k := range kids {
		switch k.Tag {
		case 0x80, 0x81, 0x82, 0x83, 0x85, 0x86, 0x87, 0x88:
			if err := seen.first(l, k.Tag); err != nil {
				return h, err
			}
		}
		switch k.Tag {
		case 0x80:
			h.Version = clone(k.Value)
		case 0x81:
			h.Type = clone(k.Value)
		case 0x82:
			h.Subtype = clone(k.Value)
		case 0x83:
			h.CreationDate = clone(k.Value)
		case 0x85:
			h.ValidityPeriod = clone(k.Value)
		case 0x86:
			h.Creator = clone(k.Value)
		case 0x87, 0x88:
			if len(k.Value) != 2 {
				return h, l.at(k.Tag.String()).bad(nil, "has %d bytes, want 2", len(k.Value))
			}
			v := binary.BigEndian.Uint16(k.Value)
			if k.Tag == 0x87 {
				h.FormatOwner = v
			} else {
				h.FormatType = v
			}
		}
	}
	for _, want := range []tlv.Tag{0x87, 0x88} {
		found := false
		for _, s := range seen {
			found = found || s == want
		}
		if !found {
			return h, l.at(want.String()).bad(nil, "mandatory element missing")
		}
	}
	return h, nil
}

// ParseFaceRecord parses an ISO/IEC 19794-5:2005 face record, the content
// of a DG2 biometric data block. Errors name the record's blocks.
func ParseFaceRecord(b []byte) ([]FaceImage, error) {
	if len(b) > MaxFileSize {
		return nil, loc{file: "ISO/IEC 19794-5 record"}.bad(nil, "%d bytes, more than the %d accepted", len(b), MaxFileSize)
	}
	return parseFaceRecord(loc{file: "ISO/IEC 19794-5 record"}, b)
}

// parseFaceRecord reads the general header, then each facial record.
func parseFaceRecord(l loc, b []byte) ([]FaceImage, error) {
	hl := l.in("face record header")
	if len(b) < faceHeaderLen {
		return nil, hl.bad(nil, "%d bytes, shorter than the %d-byte header", len(b), faceHeaderLen)
	}
	if string(b[0:4]) != "FAC\x00" {
		return nil, hl.bad(nil, "format identifier is not \"FAC\\0\": not an ISO/IEC 19794-5 face record")
	}
	if v := b[4:8]; string(v) != "010\x00" {
		if v[3] == 0 && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9' {
			return nil, hl.unsupported("ISO/IEC 19794-5 version %s is not supported; only 010 (2005) is", v[:3])
		}
		return nil, hl.bad(nil, "version is not three digits and a NUL")
	}
	recLen := binary.BigEndian.Uint32(b[8:12])
	if uint64(recLen) > uint64(len(b)) {
		return nil, hl.bad(nil, "record length %d exceeds the %d bytes present", recLen, len(b))
	}
	if int(recLen) != len(b) {
		return nil, hl.bad(nil, "record length %d, but the data block holds %d bytes", recLen, len(b))
	}
	count := int(binary.BigEndian.Uint16(b[12:14]))
	rest := b[faceHeaderLen:]
	switch {
	case count == 0:
		return nil, hl.bad(nil, "number of facial images is 0")
	case count > MaxFaceImages:
		return nil, hl.bad(nil, "number of facial images %d exceeds %d", count, MaxFaceImages)
	case count*faceRecordMinLen > len(rest):
		return nil, hl.bad(nil, "%d facial images cannot fit in %d bytes", count, len(rest))
	}
	faces := make([]FaceImage, 0, count)
	for i := 1; i <= count; i++ {
		f, n, err := parseFace(l.in(fmt.Sprintf("face %d", i)), rest)
		if err != nil {
			return nil, err
		}
		faces = append(faces, f)
		rest = rest[n:]
	}
	if len(rest) != 0 {
		return nil, hl.bad(nil, "%d bytes follow the last facial image", len(rest))
	}
	return faces, nil
}

// parseFace reads one facial record (information block, feature points,
// image information, image) from the start of b and returns its length.
func parseFace(l loc, b []byte) (FaceImage, int, error) {
	var f FaceImage
	il := loc{l.file, l.path + " facial information"}
	if len(b) < faceInfoLen {
		return f, 0, il.bad(nil, "%d bytes left, the block needs %d", len(b), faceInfoLen)
	}
	blockLen := binary.BigEndian.Uint32(b[0:4])
	if uint64(blockLen) > uint64(len(b)) {
		return f, 0, il.bad(nil, "block length %d exceeds the %d bytes left", blockLen, len(b))
	}
	nPoints := int(binary.BigEndian.Uint16(b[4:6]))
	fixed := faceInfoLen + nPoints*featurePointLen + imageInfoLen
	if uint64(blockLen) < uint64(fixed) {
		return f, 0, il.bad(nil, "block length %d is shorter than its %d feature points and image information (%d bytes)", blockLen, nPoints, fixed)
	}
	f.Gender, f.EyeColour, f.HairColour = b[6], b[7], b[8]
	f.PropertyMask = uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])
	f.Expression = binary.BigEndian.Uint16(b[12:14])
	copy(f.PoseAngle[:], b[14:17])
	copy(f.PoseAngleUncertainty[:], b[17:20])
	p := b[faceInfoLen:]
	if nPoints > 0 {
		f.FeaturePoints = make([]FeaturePoint, nPoints)
		for i := range f.FeaturePoints {
			q := p[i*featurePointLen:]
			f.FeaturePoints[i] = FeaturePoint{
				Type: q[0], Code: q[1],
				X: binary.BigEndian.Uint16(q[2:4]), Y: binary.BigEndian.Uint16(q[4:6]),
			}
		}
		p = p[nPoints*featurePointLen:]
	}
	f.ImageType = p[0]
	switch p[1] {
	case 0:
		f.Format = ImageJPEG
	case 1:
		f.Format = ImageJPEG2000
	default:
		return f, 0, loc{l.file, l.path + " image information"}.bad(nil, "image data type %d is neither JPEG (0) nor JPEG 2000 (1)", p[1])
	}
	f.Width = binary.BigEndian.Uint16(p[2:4])
	f.Height = binary.BigEndian.Uint16(p[4:6])
	f.ColourSpace, f.SourceType = p[6], p[7]
	f.DeviceType = binary.BigEndian.Uint16(p[8:10])
	f.Quality = binary.BigEndian.Uint16(p[10:12])
	img := b[fixed:blockLen]
	if len(img) == 0 {
		return f, 0, loc{l.file, l.path + " image data"}.bad(nil, "no image bytes")
	}
	f.Image = clone(img)
	return f, int(blockLen), nil
}

// BuildFaceRecord returns an ISO/IEC 19794-5:2005 face record holding
// faces, for tests and virtual chips. An empty Format is written as JPEG.
func BuildFaceRecord(faces []FaceImage) []byte {
	body := make([]byte, 0, 64)
	for _, f := range faces {
		blockLen := faceInfoLen + len(f.FeaturePoints)*featurePointLen + imageInfoLen + len(f.Image)
		body = binary.BigEndian.AppendUint32(body, uint32(blockLen))
		body = binary.BigEndian.AppendUint16(body, uint16(len(f.FeaturePoints)))
		body = append(body, f.Gender, f.EyeColour, f.HairColour,
			byte(f.PropertyMask>>16), byte(f.PropertyMask>>8), byte(f.PropertyMask))
		body = binary.BigEndian.AppendUint16(body, f.Expression)
		body = append(body, f.PoseAngle[:]...)
		body = append(body, f.PoseAngleUncertainty[:]...)
		for _, p := range f.FeaturePoints {
			body = append(body, p.Type, p.Code)
			body = binary.BigEndian.AppendUint16(body, p.X)
			body = binary.BigEndian.AppendUint16(body, p.Y)
			body = append(body, 0, 0)
		}
		dataType := byte(0)
		if f.Format == ImageJPEG2000 {
			dataType = 1
		}
		body = append(body, f.ImageType, dataType)
		body = binary.BigEndian.AppendUint16(body, f.Width)
		body = binary.BigEndian.AppendUint16(body, f.Height)
		body = append(body, f.ColourSpace, f.SourceType)
		body = binary.BigEndian.AppendUint16(body, f.DeviceType)
		body = binary.BigEndian.AppendUint16(body, f.Quality)
		body = append(body, f.Image...)
	}
	out := make([]byte, 0, faceHeaderLen+len(body))
	out = append(out, "FAC\x00010\x00"...)
	out = binary.BigEndian.AppendUint32(out, uint32(faceHeaderLen+len(body)))
	out = binary.BigEndian.AppendUint16(out, uint16(len(faces)))
	return append(out, body...)
}

// BuildDG2 returns an EF.DG2 with one biometric information template per
// face, each with an ISO/IEC 19794-5:2005 record of that one image, for
// tests and virtual chips. ParseDG2 rejects a DG2 without faces, so faces
// should not be empty. The header names format owner 0101 and format
// type 0008, biometric type 02 (face).
func BuildDG2(faces []FaceImage) []byte {
	blocks := make([][]byte, 0, len(faces))
	for _, f := range faces {
		blocks = append(blocks, tlv.Encode(0x5F2E, BuildFaceRecord([]FaceImage{f})))
	}
	return buildDG2(FormatTypeFace19794, blocks)
}

// buildDG2 returns an EF.DG2 with one biometric information template per
// encoded data block, whose headers name formatType.
func buildDG2(formatType uint16, blocks [][]byte) []byte {
	parts := [][]byte{tlv.Encode(0x02, []byte{byte(len(blocks))})}
	for _, b := range blocks {
		header := tlv.EncodeConstructed(0xA1,
			tlv.Encode(0x80, []byte{0x01, 0x01}),
			tlv.Encode(0x81, []byte{0x02}),
			tlv.Encode(0x82, []byte{0x00}),
			tlv.Encode(0x87, binary.BigEndian.AppendUint16(nil, FormatOwnerSC37)),
			tlv.Encode(0x88, binary.BigEndian.AppendUint16(nil, formatType)))
		parts = append(parts, tlv.EncodeConstructed(0x7F60, header, b))
	}
	return tlv.EncodeConstructed(tlv.Tag(TagDG2), tlv.EncodeConstructed(0x7F61, parts...))
}

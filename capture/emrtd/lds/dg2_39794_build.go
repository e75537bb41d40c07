package lds

import (
	"github.com/capturestation/station/internal/tlv"
)

// BuildFaceImageDataBlock returns an ISO/IEC 39794-5:2019 face image data
// block ([APPLICATION 5], tag 65) with one representation block per face,
// in DER, for tests and virtual chips.
//
// Each face's Image, Width and Height are written, and its Format as the
// image data format code unless Extensible sets a non-zero
// ImageDataFormat. Everything else comes from Extensible, whose elements
// are written when set: the ISO/IEC 19794-5 fields (Gender, FeaturePoints,
// ...) are not translated. A nil Extensible writes the mandatory elements
// only, with the face's index as representation ID. The version block is
// the first face's Generation and Year when set, else 3 and 2019. The
// image size block is written when Width or Height is not 0. Values out of
// the standard's ranges are written as given.
func BuildFaceImageDataBlock(faces []FaceImage) []byte {
	gen, year := extensibleGeneration, extensibleFirstYear
	if len(faces) > 0 && faces[0].Extensible != nil && faces[0].Extensible.Generation != 0 {
		gen, year = faces[0].Extensible.Generation, faces[0].Extensible.Year
	}
	reps := make([][]byte, 0, len(faces))
	for i, f := range faces {
		reps = append(reps, buildRepresentation(i, f))
	}
	return tlv.EncodeConstructed(tagFaceImageDataBlock,
		ctxCons(0, ctxInt(0, int64(gen)), ctxInt(1, int64(year))),
		ctxCons(1, reps...))
}

// BuildDG2Extensible returns an EF.DG2 with one biometric information
// template per face, each with a biometric data block 7F2E holding (in an
// A1 object) an ISO/IEC 39794-5:2019 face image data block of that one
// face, as BuildFaceImageDataBlock writes it. The header names format
// owner 0101 and format type 002A, biometric type 02 (face). As with
// BuildDG2, faces should not be empty.
func BuildDG2Extensible(faces []FaceImage) []byte {
	blocks := make([][]byte, 0, len(faces))
	for _, f := range faces {
		blocks = append(blocks, tlv.EncodeConstructed(0x7F2E,
			tlv.EncodeConstructed(tagExtensibleData, BuildFaceImageDataBlock([]FaceImage{f}))))
	}
	return buildDG2(FormatTypeFace39794, blocks)
}

// buildRepresentation writes the representation block of face i.
func buildRepresentation(i int, f FaceImage) []byte {
	x := f.Extensible
	if x == nil {
		x = &ExtensibleFace{RepresentationID: uint64(i)}
	}
	format := x.ImageDataFormat
	if format == 0 {
		switch f.Format {
		case ImageJPEG:
			format = ImageDataFormatJPEG
		case ImageJPEG2000:
			format = ImageDataFormatJPEG2000Lossy
		}
	}
	info := [][]byte{ctxCode(0, format)}
	info = appendCode(info, 1, x.FaceImageKind)
	info = appendCode(info, 3, x.LossyTransformationAttempts)
	info = appendInt(info, 4, x.CameraToSubjectDistance)
	info = appendInt(info, 5, x.SensorDiagonal)
	info = appendInt(info, 6, x.LensFocalLength)
	if f.Width != 0 || f.Height != 0 {
		info = append(info, ctxCons(7, ctxInt(0, int64(f.Width)), ctxInt(1, int64(f.Height))))
	}
	info = appendCode(info, 9, x.ImageColourSpace)
	image2D := ctxCons(0, ctxPrim(0, f.Image), ctxCons(1, info...))

	rep := [][]byte{
		ctxUint(0, x.RepresentationID),
		ctxCons(1, ctxCons(0, image2D)), // imageRepresentation: base: 2D block
	}
	if t := x.CaptureTime; t != nil {
		parts := [][]byte{ctxInt(0, int64(t.Year))}
		for j, p := range []*int{t.Month, t.Day, t.Hour, t.Minute, t.Second, t.Millisecond} {
			parts = appendInt(parts, 1+j, p)
		}
		rep = append(rep, ctxCons(2, parts...))
	}
	if len(x.Quality) > 0 {
		blocks := make([][]byte, 0, len(x.Quality))
		for _, q := range x.Quality {
			score := ctxCons(1, ctxCode(1, 0)) // error [1], code 0
			if q.Score != nil {
				score = ctxCons(1, ctxInt(0, int64(*q.Score)))
			}
			blocks = append(blocks, tlv.EncodeConstructed(tagSequence, registryID(0, q.Algorithm), score))
		}
		rep = append(rep, ctxCons(3, blocks...))
	}
	if x.SessionID != nil {
		rep = append(rep, ctxUint(5, *x.SessionID))
	}
	if x.DerivedFrom != nil {
		rep = append(rep, ctxUint(6, *x.DerivedFrom))
	}
	if x.CaptureDeviceModel != nil || len(x.CaptureDeviceCertifications) > 0 {
		var dev [][]byte
		if x.CaptureDeviceModel != nil {
			dev = append(dev, registryID(0, *x.CaptureDeviceModel))
		}
		if len(x.CaptureDeviceCertifications) > 0 {
			certs := make([][]byte, 0, len(x.CaptureDeviceCertifications))
			for _, c := range x.CaptureDeviceCertifications {
				certs = append(certs, tlv.EncodeConstructed(tagSequence, ctxInt(0, int64(c.Organization)), ctxInt(1, int64(c.ID))))
			}
			dev = append(dev, ctxCons(1, certs...))
		}
		rep = append(rep, ctxCons(7, dev...))
	}
	if meta := buildIdentityMetadata(x); meta != nil {
		rep = append(rep, meta)
	}
	if len(x.Landmarks) > 0 {
		blocks := make([][]byte, 0, len(x.Landmarks))
		for _, lm := range x.Landmarks {
			blocks = append(blocks, buildLandmark(lm))
		}
		rep = append(rep, ctxCons(9, blocks...))
	}
	return tlv.EncodeConstructed(tagSequence, rep...)
}

// buildIdentityMetadata writes the identity metadata block [8], or nil
// when x holds none of its elements.
func buildIdentityMetadata(x *ExtensibleFace) []byte {
	var parts [][]byte
	parts = appendCode(parts, 0, x.Gender)
	parts = appendCode(parts, 1, x.EyeColour)
	parts = appendCode(parts, 2, x.HairColour)
	parts = appendInt(parts, 3, x.SubjectHeight)
	if p := x.Pose; p != nil {
		var angles [][]byte
		for j, a := range []*Angle{p.Yaw, p.Pitch, p.Roll} {
			if a == nil {
				continue
			}
			angle := [][]byte{ctxInt(0, int64(a.Degrees))}
			angle = appendInt(angle, 1, a.Uncertainty)
			angles = append(angles, ctxCons(j, angle...))
		}
		parts = append(parts, ctxCons(6, angles...))
	}
	if len(parts) == 0 {
		return nil
	}
	return ctxCons(8, parts...)
}

// buildLandmark writes one landmark block.
func buildLandmark(lm Landmark) []byte {
	var kind []byte
	switch lm.Scheme {
	case LandmarkAnthropometricName:
		kind = ctxCons(1, ctxCons(0, ctxCode(0, lm.Code))) // anthropometricLandmark [1]: base [0]: name [0]
	case LandmarkAnthropometricPointName:
		kind = ctxCons(1, ctxCons(0, ctxCode(1, lm.Code)))
	case LandmarkAnthropometricPointID:
		kind = ctxCons(1, ctxCons(0, ctxCode(2, lm.Code)))
	default:
		kind = ctxCode(0, lm.Code) // mPEG4FeaturePoint [0]
	}
	parts := [][]byte{ctxCons(0, ctxCons(0, kind))} // landmarkKind [0]: base [0]
	if lm.HasXY {
		xy := ctxCons(0, ctxInt(0, int64(lm.X)), ctxInt(1, int64(lm.Y)))
		parts = append(parts, ctxCons(1, ctxCons(0, xy))) // landmarkCoordinates [1]: base [0]: 2D [0]
	}
	return tlv.EncodeConstructed(tagSequence, parts...)
}

// registryID writes a registry ID block with context tag n.
func registryID(n int, r RegistryID) []byte {
	return ctxCons(n, ctxInt(0, int64(r.Organization)), ctxInt(1, int64(r.ID)))
}

// ctxPrim writes a primitive element with context tag n (below 31).
func ctxPrim(n int, v []byte) []byte { return tlv.Encode(tlv.Tag(0x80|n), v) }

// ctxCons writes a constructed element with context tag n (below 31).
func ctxCons(n int, kids ...[]byte) []byte { return tlv.EncodeConstructed(tlv.Tag(0xA0|n), kids...) }

// ctxInt writes an INTEGER with context tag n in minimal two's
// complement.
func ctxInt(n int, v int64) []byte {
	var b []byte
	for i := 7; i > 0; i-- {
		// Drop a leading byte that only repeats the sign of the next.
		top, next := byte(v>>(8*i)), byte(v>>(8*(i-1)))
		if (top == 0 && next&0x80 == 0) || (top == 0xFF && next&0x80 != 0) {
			continue
		}
		for j := i; j >= 0; j-- {
			b = append(b, byte(v>>(8*j)))
		}
		return ctxPrim(n, b)
	}
	return ctxPrim(n, []byte{byte(v)})
}

// ctxUint writes a non-negative INTEGER with context tag n.
func ctxUint(n int, v uint64) []byte {
	b := []byte{0}
	for i := 7; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	for len(b) > 1 && b[0] == 0 && b[1]&0x80 == 0 {
		b = b[1:]
	}
	return ctxPrim(n, b)
}

// ctxCode writes a code CHOICE (its code alternative) with context tag n.
func ctxCode(n, code int) []byte { return ctxCons(n, ctxInt(0, int64(code))) }

// appendCode appends the code CHOICE n when v is set.
func appendCode(parts [][]byte, n int, v *int) [][]byte {
	if v == nil {
		return parts
	}
	return append(parts, ctxCode(n, *v))
}

// appendInt appends the INTEGER n when v is set.
func appendInt(parts [][]byte, n int, v *int) [][]byte {
	if v == nil {
		return parts
	}
	return append(parts, ctxInt(n, int64(*v)))
}

package lds

import (
	"fmt"
	"math"
	"strings"

	"github.com/capturestation/station/internal/tlv"
)

// This file decodes the ISO/IEC 39794-5:2019 face image data block that
// ICAO 9303-10 (8th edition) allows in a DG2 biometric data block tagged
// 7F2E. The block is the DER (tagged binary) encoding of the standard's
// ASN.1 module: every component of a SEQUENCE carries a context-specific
// tag, SEQUENCEs and SEQUENCE OFs are implicitly tagged, CHOICEs are
// explicitly tagged, and most SEQUENCEs end with an extension marker, so
// components with unknown tag numbers are skipped. Code values are
// CHOICEs between a code ([0]) and an extension block ([1]) whose
// component [0] repeats a code the reader can fall back on.

// Tags of the ISO/IEC 39794-5 data in a DG2 biometric data block.
const (
	// tagExtensibleData wraps the data block inside the 7F2E object.
	tagExtensibleData tlv.Tag = 0xA1
	// tagFaceImageDataBlock is [APPLICATION 5] (constructed), the outer
	// tag of an ISO/IEC 39794-5 face image data block.
	tagFaceImageDataBlock tlv.Tag = 0x65
	// tagSequence is the universal SEQUENCE tag of the elements of a
	// SEQUENCE OF.
	tagSequence tlv.Tag = 0x30
)

// The version block this package decodes (ISO/IEC 39794-1 version block:
// the 39794 series is the third generation of the ISO biometric data
// interchange formats).
const (
	extensibleGeneration = 3
	extensibleFirstYear  = 2019
)

// Image data format codes of ISO/IEC 39794-5:2019.
const (
	// ImageDataFormatUnknown is the code for an unknown image format.
	ImageDataFormatUnknown = 0
	// ImageDataFormatJPEG is JPEG (ISO/IEC 10918).
	ImageDataFormatJPEG = 2
	// ImageDataFormatJPEG2000Lossy is JPEG 2000 with lossy compression.
	ImageDataFormatJPEG2000Lossy = 3
	// ImageDataFormatJPEG2000Lossless is JPEG 2000 with lossless
	// compression.
	ImageDataFormatJPEG2000Lossless = 4
)

// Face image kind codes of ISO/IEC 39794-5:2019.
const (
	// FaceImageKindMRTD is a face image suitable for travel documents.
	FaceImageKindMRTD = 0
	// FaceImageKindGeneralPurpose is any other face image.
	FaceImageKindGeneralPurpose = 1
)

// ExtensibleFace is what an ISO/IEC 39794-5:2019 representation block says
// beyond the ISO/IEC 19794-5 fields of FaceImage. Codes are those of the
// 39794-5 ASN.1 module, not the 19794-5 ones; optional elements are nil
// (or empty) when absent. Blocks that are recognised but not decoded (PAD
// data, the 2D capture device, post-acquisition processing, face
// measurements, reference colour mapping, properties and expression) are
// not represented.
type ExtensibleFace struct {
	// Generation and Year are the data block's version block (3 and
	// 2019 for the first edition).
	Generation, Year int
	// RepresentationID identifies the representation in its data block.
	RepresentationID uint64
	// ImageDataFormat is the image data format code
	// (ImageDataFormatJPEG, ...). FaceImage.Format is empty for codes
	// other than JPEG and JPEG 2000.
	ImageDataFormat int
	// FaceImageKind is FaceImageKindMRTD or FaceImageKindGeneralPurpose.
	FaceImageKind *int
	// LossyTransformationAttempts is its code (0 unknown, 1 none, 2 one,
	// 3 more than one).
	LossyTransformationAttempts *int
	// CameraToSubjectDistance, SensorDiagonal and LensFocalLength are the
	// capture geometry as encoded.
	CameraToSubjectDistance, SensorDiagonal, LensFocalLength *int
	// ImageColourSpace is the colour space code (2 is 24-bit RGB).
	ImageColourSpace *int
	// CaptureTime is the capture date and time block.
	CaptureTime *CaptureTime
	// Quality are the quality blocks in the order stored.
	Quality []QualityScore
	// SessionID and DerivedFrom link representations of a session.
	SessionID, DerivedFrom *uint64
	// CaptureDeviceModel and CaptureDeviceCertifications are the capture
	// device block.
	CaptureDeviceModel          *RegistryID
	CaptureDeviceCertifications []RegistryID
	// Gender (0 unknown, 1 other, 2 male, 3 female), EyeColour and
	// HairColour are the identity metadata codes.
	Gender, EyeColour, HairColour *int
	// SubjectHeight is the subject's height as encoded.
	SubjectHeight *int
	// Pose is the pose angle block.
	Pose *PoseAngles
	// Landmarks are the landmark blocks whose kind is decoded.
	Landmarks []Landmark
}

// RegistryID names an algorithm or a device: an organization registered
// with the CBEFF registration authority and its identifier (1 to 65535
// each).
type RegistryID struct {
	Organization, ID int
}

// QualityScore is one quality block.
type QualityScore struct {
	// Algorithm is the quality algorithm.
	Algorithm RegistryID
	// Score is the quality score, 0 to 100; nil when the block reports a
	// scoring error instead.
	Score *int
}

// CaptureTime is a date and time block; the components after Year are
// optional.
type CaptureTime struct {
	Year                                          int
	Month, Day, Hour, Minute, Second, Millisecond *int
}

// PoseAngles holds the yaw, pitch and roll angle blocks.
type PoseAngles struct {
	Yaw, Pitch, Roll *Angle
}

// Angle is one angle data block.
type Angle struct {
	// Degrees is the angle, -180 to 180.
	Degrees int
	// Uncertainty is its uncertainty in degrees, 0 to 180.
	Uncertainty *int
}

// LandmarkScheme is the naming scheme of a landmark.
type LandmarkScheme string

// Landmark schemes of ISO/IEC 39794-5:2019.
const (
	// LandmarkMPEG4 is an MPEG-4 (ISO/IEC 14496-2) feature point; its
	// code counts the points 2.1, 2.2, ... 12.4 from 0 to 87.
	LandmarkMPEG4 LandmarkScheme = "MPEG-4 feature point"
	// LandmarkAnthropometricName, LandmarkAnthropometricPointName and
	// LandmarkAnthropometricPointID are anthropometric landmarks named
	// in the three ways of the standard.
	LandmarkAnthropometricName      LandmarkScheme = "anthropometric landmark name"
	LandmarkAnthropometricPointName LandmarkScheme = "anthropometric landmark point name"
	LandmarkAnthropometricPointID   LandmarkScheme = "anthropometric landmark point ID"
)

// String returns the scheme's name.
func (s LandmarkScheme) String() string { return string(s) }

// Landmark is one landmark block.
type Landmark struct {
	// Scheme and Code say which landmark this is.
	Scheme LandmarkScheme
	Code   int
	// HasXY reports whether X and Y hold 2D Cartesian coordinates in
	// pixels; texture and 3D coordinates are not decoded.
	HasXY bool
	X, Y  uint16
}

// mpeg4Group is an MPEG-4 feature point group and its number of points.
type mpeg4Group struct{ major, count uint8 }

// mpeg4Groups lists the MPEG-4 feature point groups in the order of the
// 39794-5 feature point codes.
func mpeg4Groups() [11]mpeg4Group {
	return [11]mpeg4Group{{2, 14}, {3, 14}, {4, 6}, {5, 4}, {6, 4}, {7, 1}, {8, 10}, {9, 15}, {10, 10}, {11, 6}, {12, 4}}
}

// mpeg4Point returns the 19794-5 feature point code (major in the high
// nibble, minor in the low one) of a 39794-5 MPEG-4 feature point code.
func mpeg4Point(code int) (uint8, bool) {
	if code < 0 {
		return 0, false
	}
	for _, g := range mpeg4Groups() {
		if code < int(g.count) {
			return g.major<<4 | uint8(code+1), true
		}
		code -= int(g.count)
	}
	return 0, false
}

// mpeg4Code is the inverse of mpeg4Point.
func mpeg4Code(point uint8) (int, bool) {
	major, minor, code := point>>4, point&0x0F, 0
	for _, g := range mpeg4Groups() {
		if g.major == major {
			if minor == 0 || minor > g.count {
				return 0, false
			}
			return code + int(minor) - 1, true
		}
		code += int(g.count)
	}
	return 0, false
}

// ParseFaceImageDataBlock parses an ISO/IEC 39794-5:2019 face image data
// block ([APPLICATION 5], tag 65), the content of the A1 object inside a
// DG2 biometric data block tagged 7F2E. It returns one FaceImage per
// representation block, with Extensible set. Errors name the blocks.
func ParseFaceImageDataBlock(b []byte) ([]FaceImage, error) {
	o, l, err := openFile("ISO/IEC 39794-5 data block", b, tagFaceImageDataBlock)
	if err != nil {
		return nil, err
	}
	return parseFaceImageDataBlock(l, o)
}

// parseExtensibleBlock reads a DG2 biometric data block tagged 7F2E: an A1
// object holding the face image data block, the layout of the ICAO
// application profile of ISO/IEC 39794-5 for eMRTDs (data structure under
// data object 7F2E).
func parseExtensibleBlock(l loc, o tlv.Object) ([]FaceImage, error) {
	wrapper, wl, err := onlyChild(l, o, tagExtensibleData, "the ISO/IEC 39794-5 data")
	if err != nil {
		return nil, err
	}
	block, bl, err := onlyChild(wl, wrapper, tagFaceImageDataBlock, "an ISO/IEC 39794-5 face image data block")
	if err != nil {
		return nil, err
	}
	return parseFaceImageDataBlock(bl, block)
}

// onlyChild returns the single data object inside o, which must carry tag.
func onlyChild(l loc, o tlv.Object, tag tlv.Tag, what string) (tlv.Object, loc, error) {
	kids, err := children(l, o)
	if err != nil {
		return tlv.Object{}, l, err
	}
	if len(kids) == 0 {
		return tlv.Object{}, l, l.at(tag.String()).bad(nil, "%s is missing", what)
	}
	if kids[0].Tag != tag {
		return tlv.Object{}, l, l.at(kids[0].Tag.String()).bad(nil, "tag %s, want %s (%s)", kids[0].Tag, tag, what)
	}
	if len(kids) > 1 {
		return tlv.Object{}, l, l.at(kids[1].Tag.String()).bad(nil, "unexpected element after %s", tag)
	}
	return kids[0], l.at(tag.String()), nil
}

// parseFaceImageDataBlock reads FaceImageDataBlock: the version block [0]
// and the representation blocks [1].
func parseFaceImageDataBlock(l loc, o tlv.Object) ([]FaceImage, error) {
	fs, err := fieldsOf(l, o, "versionBlock", "representationBlocks")
	if err != nil {
		return nil, err
	}
	vo, vl, err := fs.need(0)
	if err != nil {
		return nil, err
	}
	gen, year, err := parseVersionBlock(vl, vo)
	if err != nil {
		return nil, err
	}
	ro, rl, err := fs.need(1)
	if err != nil {
		return nil, err
	}
	reps, err := sequenceOf(rl, ro, MaxFaceImages)
	if err != nil {
		return nil, err
	}
	if len(reps) == 0 {
		return nil, rl.bad(nil, "no representation block")
	}
	faces := make([]FaceImage, 0, len(reps))
	for i, r := range reps {
		f, err := parseRepresentation(l.field(fmt.Sprintf("representation %d", i+1)), r)
		if err != nil {
			return nil, err
		}
		f.Extensible.Generation, f.Extensible.Year = gen, year
		faces = append(faces, f)
	}
	return faces, nil
}

// parseVersionBlock reads the version block and checks that this package
// knows the format.
func parseVersionBlock(l loc, o tlv.Object) (int, int, error) {
	fs, err := fieldsOf(l, o, "generation", "year")
	if err != nil {
		return 0, 0, err
	}
	gen, err := fs.needInt(0, 0, math.MaxInt32)
	if err != nil {
		return 0, 0, err
	}
	year, err := fs.needInt(1, 0, 9999)
	if err != nil {
		return 0, 0, err
	}
	if gen != extensibleGeneration || year < extensibleFirstYear {
		return 0, 0, l.unsupported("version generation %d, year %d is not supported; generation %d from year %d is",
			gen, year, extensibleGeneration, extensibleFirstYear)
	}
	return gen, year, nil
}

// parseRepresentation reads one representation block into a FaceImage.
func parseRepresentation(l loc, o tlv.Object) (FaceImage, error) {
	var f FaceImage
	if o.Tag != tagSequence {
		return f, l.bad(nil, "tag %s, want a representation block (SEQUENCE, 30)", o.Tag)
	}
	fs, err := fieldsOf(l, o, "representationId", "imageRepresentation", "captureDateTimeBlock", "qualityBlocks",
		"padDataBlock", "sessionId", "derivedFrom", "captureDeviceBlock", "identityMetadataBlock", "landmarkBlocks")
	if err != nil {
		return f, err
	}
	x := &ExtensibleFace{}
	f.Extensible = x
	if x.RepresentationID, err = fs.needUint(0); err != nil {
		return f, err
	}
	ro, rl, err := fs.need(1)
	if err != nil {
		return f, err
	}
	if err := parseImageRepresentation(rl, ro, &f); err != nil {
		return f, err
	}
	if o, ol, ok := fs.opt(2); ok {
		if x.CaptureTime, err = parseCaptureTime(ol, o); err != nil {
			return f, err
		}
	}
	if o, ol, ok := fs.opt(3); ok {
		if x.Quality, err = parseQualityBlocks(ol, o); err != nil {
			return f, err
		}
	}
	// [4] PAD data blocks are not decoded.
	if x.SessionID, err = fs.optUint(5); err != nil {
		return f, err
	}
	if x.DerivedFrom, err = fs.optUint(6); err != nil {
		return f, err
	}
	if o, ol, ok := fs.opt(7); ok {
		if err := parseCaptureDevice(ol, o, x); err != nil {
			return f, err
		}
	}
	if o, ol, ok := fs.opt(8); ok {
		if err := parseIdentityMetadata(ol, o, x); err != nil {
			return f, err
		}
	}
	if o, ol, ok := fs.opt(9); ok {
		if x.Landmarks, err = parseLandmarks(ol, o); err != nil {
			return f, err
		}
	}
	x.fill(&f)
	return f, nil
}

// parseImageRepresentation follows the image representation CHOICE down
// to the 2D image representation block and reads it.
func parseImageRepresentation(l loc, o tlv.Object, f *FaceImage) error {
	n, base, bl, err := choiceOf(l, o, "base", "extensionBlock")
	if err != nil {
		return err
	}
	if n != 0 {
		return bl.unsupported("only the base image representation is decoded")
	}
	n, rep, rl, err := choiceOf(bl, base, "imageRepresentation2DBlock", "shapeRepresentation3DBlock")
	if err != nil {
		return err
	}
	if n != 0 {
		return rl.unsupported("only 2D image representations are decoded")
	}
	fs, err := fieldsOf(rl, rep, "representationData2D", "imageInformation2DBlock", "captureDevice2DBlock")
	if err != nil {
		return err
	}
	img, il, err := fs.need(0)
	if err != nil {
		return err
	}
	if img.Tag.Constructed() {
		return il.bad(nil, "constructed, want a primitive OCTET STRING")
	}
	if len(img.Value) == 0 {
		return il.bad(nil, "no image bytes")
	}
	f.Image = clone(img.Value)
	info, infol, err := fs.need(1)
	if err != nil {
		return err
	}
	// [2] the 2D capture device block is not decoded.
	return parseImageInformation(infol, info, f)
}

// parseImageInformation reads the 2D image information block.
func parseImageInformation(l loc, o tlv.Object, f *FaceImage) error {
	fs, err := fieldsOf(l, o, "imageDataFormat", "faceImageKind2D", "postAcquisitionProcessingBlock",
		"lossyTransformationAttempts", "cameraToSubjectDistance", "sensorDiagonal", "lensFocalLength",
		"imageSizeBlock", "imageFaceMeasurementsBlock", "imageColourSpace", "referenceColourMappingBlock")
	if err != nil {
		return err
	}
	x := f.Extensible
	fo, fl, err := fs.need(0)
	if err != nil {
		return err
	}
	if x.ImageDataFormat, err = parseCode(fl, fo); err != nil {
		return err
	}
	if x.FaceImageKind, err = fs.optCode(1); err != nil {
		return err
	}
	// [2] post-acquisition processing is not decoded.
	if x.LossyTransformationAttempts, err = fs.optCode(3); err != nil {
		return err
	}
	for i, p := range []**int{&x.CameraToSubjectDistance, &x.SensorDiagonal, &x.LensFocalLength} {
		if *p, err = fs.optInt(4+i, 0, math.MaxInt32); err != nil {
			return err
		}
	}
	if so, sl, ok := fs.opt(7); ok {
		ss, err := fieldsOf(sl, so, "width", "height")
		if err != nil {
			return err
		}
		w, err := ss.needInt(0, 0, math.MaxUint16)
		if err != nil {
			return err
		}
		h, err := ss.needInt(1, 0, math.MaxUint16)
		if err != nil {
			return err
		}
		f.Width, f.Height = uint16(w), uint16(h)
	}
	// [8] face measurements and [10] reference colour mapping are not
	// decoded.
	x.ImageColourSpace, err = fs.optCode(9)
	return err
}

// parseCaptureTime reads a date and time block.
func parseCaptureTime(l loc, o tlv.Object) (*CaptureTime, error) {
	fs, err := fieldsOf(l, o, "year", "month", "day", "hour", "minute", "second", "millisecond")
	if err != nil {
		return nil, err
	}
	var t CaptureTime
	if t.Year, err = fs.needInt(0, 0, 9999); err != nil {
		return nil, err
	}
	limits := [...]struct {
		p        **int
		min, max int64
	}{
		{&t.Month, 1, 12}, {&t.Day, 1, 31}, {&t.Hour, 0, 23}, {&t.Minute, 0, 59}, {&t.Second, 0, 60}, {&t.Millisecond, 0, 999},
	}
	for i, lim := range limits {
		if *lim.p, err = fs.optInt(1+i, lim.min, lim.max); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// parseQualityBlocks reads the SEQUENCE OF quality blocks.
func parseQualityBlocks(l loc, o tlv.Object) ([]QualityScore, error) {
	blocks, err := sequenceOf(l, o, maxChildren)
	if err != nil {
		return nil, err
	}
	var out []QualityScore
	for i, b := range blocks {
		bl := l.at(fmt.Sprintf("%d", i+1))
		fs, err := fieldsOf(bl, b, "algorithmIdBlock", "scoreOrError")
		if err != nil {
			return nil, err
		}
		ao, al, err := fs.need(0)
		if err != nil {
			return nil, err
		}
		var q QualityScore
		if q.Algorithm, err = parseRegistryID(al, ao); err != nil {
			return nil, err
		}
		so, sl, err := fs.need(1)
		if err != nil {
			return nil, err
		}
		n, score, scl, err := choiceOf(sl, so, "score", "error")
		if err != nil {
			return nil, err
		}
		if n == 0 {
			v, err := intValue(scl, score, 0, 100)
			if err != nil {
				return nil, err
			}
			q.Score = &v
		}
		out = append(out, q)
	}
	return out, nil
}

// parseRegistryID reads a registry ID block.
func parseRegistryID(l loc, o tlv.Object) (RegistryID, error) {
	var r RegistryID
	fs, err := fieldsOf(l, o, "organization", "id")
	if err != nil {
		return r, err
	}
	if r.Organization, err = fs.needInt(0, 1, math.MaxUint16); err != nil {
		return r, err
	}
	r.ID, err = fs.needInt(1, 1, math.MaxUint16)
	return r, err
}

// parseCaptureDevice reads the capture device block.
func parseCaptureDevice(l loc, o tlv.Object, x *ExtensibleFace) error {
	fs, err := fieldsOf(l, o, "modelIdBlock", "certificationIdBlocks")
	if err != nil {
		return err
	}
	if mo, ml, ok := fs.opt(0); ok {
		id, err := parseRegistryID(ml, mo)
		if err != nil {
			return err
		}
		x.CaptureDeviceModel = &id
	}
	if co, cl, ok := fs.opt(1); ok {
		certs, err := sequenceOf(cl, co, maxChildren)
		if err != nil {
			return err
		}
		for i, c := range certs {
			id, err := parseRegistryID(cl.at(fmt.Sprintf("%d", i+1)), c)
			if err != nil {
				return err
			}
			x.CaptureDeviceCertifications = append(x.CaptureDeviceCertifications, id)
		}
	}
	return nil
}

// parseIdentityMetadata reads the identity metadata block.
func parseIdentityMetadata(l loc, o tlv.Object, x *ExtensibleFace) error {
	fs, err := fieldsOf(l, o, "gender", "eyeColour", "hairColour", "subjectHeight", "propertiesBlock",
		"expressionBlock", "poseAngleBlock")
	if err != nil {
		return err
	}
	for i, p := range []**int{&x.Gender, &x.EyeColour, &x.HairColour} {
		if *p, err = fs.optCode(i); err != nil {
			return err
		}
	}
	if x.SubjectHeight, err = fs.optInt(3, 0, math.MaxInt32); err != nil {
		return err
	}
	// [4] properties and [5] expression are not decoded.
	po, pl, ok := fs.opt(6)
	if !ok {
		return nil
	}
	ps, err := fieldsOf(pl, po, "yawAngleBlock", "pitchAngleBlock", "rollAngleBlock")
	if err != nil {
		return err
	}
	x.Pose = &PoseAngles{}
	for i, p := range []**Angle{&x.Pose.Yaw, &x.Pose.Pitch, &x.Pose.Roll} {
		ao, al, ok := ps.opt(i)
		if !ok {
			continue
		}
		as, err := fieldsOf(al, ao, "angleValue", "angleUncertainty")
		if err != nil {
			return err
		}
		var a Angle
		if a.Degrees, err = as.needInt(0, -180, 180); err != nil {
			return err
		}
		if a.Uncertainty, err = as.optInt(1, 0, 180); err != nil {
			return err
		}
		*p = &a
	}
	return nil
}

// parseLandmarks reads the SEQUENCE OF landmark blocks. A landmark whose
// kind or naming uses an extension block is skipped.
func parseLandmarks(l loc, o tlv.Object) ([]Landmark, error) {
	blocks, err := sequenceOf(l, o, maxChildren)
	if err != nil {
		return nil, err
	}
	var out []Landmark
	for i, b := range blocks {
		lm, ok, err := parseLandmark(l.at(fmt.Sprintf("%d", i+1)), b)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, lm)
		}
	}
	return out, nil
}

// parseLandmark reads one landmark block; false means its kind is an
// extension this package does not know.
func parseLandmark(l loc, o tlv.Object) (Landmark, bool, error) {
	var lm Landmark
	fs, err := fieldsOf(l, o, "landmarkKind", "landmarkCoordinates")
	if err != nil {
		return lm, false, err
	}
	ko, kl, err := fs.need(0)
	if err != nil {
		return lm, false, err
	}
	n, base, bl, err := choiceOf(kl, ko, "base", "extensionBlock")
	if err != nil || n != 0 {
		return lm, false, err
	}
	n, kind, kl, err := choiceOf(bl, base, "mPEG4FeaturePoint", "anthropometricLandmark")
	if err != nil {
		return lm, false, err
	}
	switch n {
	case 0:
		lm.Scheme = LandmarkMPEG4
	case 1:
		n, abase, al, err := choiceOf(kl, kind, "base", "extensionBlock")
		if err != nil || n != 0 {
			return lm, false, err
		}
		if n, kind, kl, err = choiceOf(al, abase, "anthropometricLandmarkName", "anthropometricLandmarkPointName",
			"anthropometricLandmarkPointId"); err != nil {
			return lm, false, err
		}
		switch n {
		case 0:
			lm.Scheme = LandmarkAnthropometricName
		case 1:
			lm.Scheme = LandmarkAnthropometricPointName
		case 2:
			lm.Scheme = LandmarkAnthropometricPointID
		default:
			return lm, false, nil
		}
	default:
		return lm, false, nil
	}
	if lm.Code, err = parseCode(kl, kind); err != nil {
		return lm, false, err
	}
	co, cl, ok := fs.opt(1)
	if !ok {
		return lm, true, nil
	}
	n, cbase, cbl, err := choiceOf(cl, co, "base", "extensionBlock")
	if err != nil || n != 0 {
		return lm, true, err
	}
	n, xy, xyl, err := choiceOf(cbl, cbase, "coordinateCartesian2DBlock", "coordinateTextureImageBlock",
		"coordinateCartesian3DBlock")
	if err != nil || n != 0 {
		return lm, true, err
	}
	cs, err := fieldsOf(xyl, xy, "x", "y")
	if err != nil {
		return lm, false, err
	}
	x, err := cs.needInt(0, 0, math.MaxUint16)
	if err != nil {
		return lm, false, err
	}
	y, err := cs.needInt(1, 0, math.MaxUint16)
	if err != nil {
		return lm, false, err
	}
	lm.HasXY, lm.X, lm.Y = true, uint16(x), uint16(y)
	return lm, true, nil
}

// fill sets the ISO/IEC 19794-5 fields of f that have a counterpart in x.
// Codes without one leave the field at 0 (unspecified); the 19794-5 pose
// angle bytes are not derived.
func (x *ExtensibleFace) fill(f *FaceImage) {
	switch x.ImageDataFormat {
	case ImageDataFormatJPEG:
		f.Format = ImageJPEG
	case ImageDataFormatJPEG2000Lossy, ImageDataFormatJPEG2000Lossless:
		f.Format = ImageJPEG2000
	}
	if x.FaceImageKind != nil && *x.FaceImageKind == FaceImageKindMRTD {
		f.ImageType = 1 // full frontal: the portrait of a travel document
	}
	if x.ImageColourSpace != nil {
		// 39794-5: 0 unknown, 1 other, 2 RGB 24, 3 RGB 48, 4 YUV 422,
		// 5 grey 8, 6 grey 16. 19794-5: 0 unspecified, 1 RGB 24,
		// 2 YUV 422, 3 grey 8, 4 other.
		f.ColourSpace = map[int]uint8{1: 4, 2: 1, 3: 4, 4: 2, 5: 3, 6: 4}[*x.ImageColourSpace]
	}
	if x.Gender != nil {
		f.Gender = map[int]uint8{0: 0xFF, 2: 1, 3: 2}[*x.Gender]
	}
	if x.EyeColour != nil {
		// 39794-5: unknown, other, black, blue, brown, grey, green,
		// hazel, multi-coloured, pink. 19794-5 has no hazel.
		f.EyeColour = map[int]uint8{0: 0xFF, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 8: 6, 9: 7}[*x.EyeColour]
	}
	if x.HairColour != nil {
		// 39794-5: unknown, other, bald, black, blonde, brown, grey,
		// white, red, known coloured.
		f.HairColour = map[int]uint8{0: 0xFF, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 7}[*x.HairColour]
	}
	for _, q := range x.Quality {
		if q.Score != nil {
			f.Quality = uint16(*q.Score)
			break
		}
	}
	for _, lm := range x.Landmarks {
		if lm.Scheme != LandmarkMPEG4 || !lm.HasXY {
			continue
		}
		if code, ok := mpeg4Point(lm.Code); ok {
			f.FeaturePoints = append(f.FeaturePoints, FeaturePoint{Type: 1, Code: code, X: lm.X, Y: lm.Y})
		}
	}
}

// field returns the location of a named component: after the tag path
// the first one follows ": ", the deeper ones "/".
func (l loc) field(name string) loc {
	if strings.Contains(l.path, ": ") {
		return l.at(name)
	}
	return l.in(name)
}

// fieldSet holds the components of a SEQUENCE by context tag number.
type fieldSet struct {
	l     loc
	names []string
	objs  []tlv.Object
	has   []bool
}

// fieldsOf decodes the constructed object o as a SEQUENCE whose components
// carry the context-specific tags [0] to [len(names)-1]. Components with
// higher tag numbers are extensions and are skipped; a tag of another
// class or a component given twice is an error.
func fieldsOf(l loc, o tlv.Object, names ...string) (*fieldSet, error) {
	if !o.Tag.Constructed() {
		return nil, l.bad(nil, "tag %s is primitive, want a constructed block", o.Tag)
	}
	kids, err := children(l, o)
	if err != nil {
		return nil, err
	}
	fs := &fieldSet{l: l, names: names, objs: make([]tlv.Object, len(names)), has: make([]bool, len(names))}
	for _, k := range kids {
		n, ok := contextNumber(k.Tag)
		if !ok {
			return nil, l.at(k.Tag.String()).bad(nil, "tag %s is not context-specific", k.Tag)
		}
		if n >= len(names) {
			continue
		}
		if fs.has[n] {
			return nil, fs.loc(n).bad(nil, "element appears more than once")
		}
		fs.objs[n], fs.has[n] = k, true
	}
	return fs, nil
}

// contextNumber returns the tag number of a context-specific tag. Tag
// numbers of 31 and above are reported as 31: no block decoded here uses
// them.
func contextNumber(t tlv.Tag) (int, bool) {
	if t.Class() != tlv.ClassContext {
		return 0, false
	}
	if t.Len() > 1 {
		return 31, true
	}
	return int(t & 0x1F), true
}

// loc returns the location of component n.
func (fs *fieldSet) loc(n int) loc { return fs.l.field(fs.names[n]) }

// opt returns component n if present.
func (fs *fieldSet) opt(n int) (tlv.Object, loc, bool) {
	return fs.objs[n], fs.loc(n), fs.has[n]
}

// need returns component n or an error if it is missing.
func (fs *fieldSet) need(n int) (tlv.Object, loc, error) {
	if !fs.has[n] {
		return tlv.Object{}, fs.loc(n), fs.loc(n).bad(nil, "mandatory element missing")
	}
	return fs.objs[n], fs.loc(n), nil
}

// needInt reads the mandatory INTEGER component n within [min, max].
func (fs *fieldSet) needInt(n int, min, max int64) (int, error) {
	o, l, err := fs.need(n)
	if err != nil {
		return 0, err
	}
	return intValue(l, o, min, max)
}

// optInt reads the optional INTEGER component n within [min, max].
func (fs *fieldSet) optInt(n int, min, max int64) (*int, error) {
	o, l, ok := fs.opt(n)
	if !ok {
		return nil, nil
	}
	v, err := intValue(l, o, min, max)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// needUint reads the mandatory INTEGER (0..MAX) component n.
func (fs *fieldSet) needUint(n int) (uint64, error) {
	o, l, err := fs.need(n)
	if err != nil {
		return 0, err
	}
	return uintValue(l, o)
}

// optUint reads the optional INTEGER (0..MAX) component n.
func (fs *fieldSet) optUint(n int) (*uint64, error) {
	o, l, ok := fs.opt(n)
	if !ok {
		return nil, nil
	}
	v, err := uintValue(l, o)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// optCode reads the optional code CHOICE component n.
func (fs *fieldSet) optCode(n int) (*int, error) {
	o, l, ok := fs.opt(n)
	if !ok {
		return nil, nil
	}
	v, err := parseCode(l, o)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// choiceOf decodes the explicitly tagged CHOICE o: exactly one component
// with a context-specific tag. It returns the alternative's number (which
// may be len(names) or more for an unknown extension alternative), the
// component and its location.
func choiceOf(l loc, o tlv.Object, names ...string) (int, tlv.Object, loc, error) {
	if !o.Tag.Constructed() {
		return 0, tlv.Object{}, l, l.bad(nil, "tag %s is primitive, want a constructed CHOICE", o.Tag)
	}
	kids, err := children(l, o)
	if err != nil {
		return 0, tlv.Object{}, l, err
	}
	if len(kids) != 1 {
		return 0, tlv.Object{}, l, l.bad(nil, "%d alternatives, want exactly one", len(kids))
	}
	n, ok := contextNumber(kids[0].Tag)
	if !ok {
		return 0, tlv.Object{}, l, l.at(kids[0].Tag.String()).bad(nil, "tag %s is not context-specific", kids[0].Tag)
	}
	name := fmt.Sprintf("[%d]", n)
	if n < len(names) {
		name = names[n]
	}
	return n, kids[0], l.field(name), nil
}

// parseCode reads a code CHOICE: the code [0], or an extension block [1]
// whose component [0] is the fallback code.
func parseCode(l loc, o tlv.Object) (int, error) {
	n, c, cl, err := choiceOf(l, o, "code", "extensionBlock")
	if err != nil {
		return 0, err
	}
	switch n {
	case 0:
		return intValue(cl, c, 0, math.MaxInt32)
	case 1:
		fs, err := fieldsOf(cl, c, "fallback")
		if err != nil {
			return 0, err
		}
		return fs.needInt(0, 0, math.MaxInt32)
	}
	return 0, cl.unsupported("unknown alternative of a code")
}

// intValue decodes the implicitly tagged INTEGER o and checks its range.
func intValue(l loc, o tlv.Object, min, max int64) (int, error) {
	if o.Tag.Constructed() {
		return 0, l.bad(nil, "constructed, want an INTEGER")
	}
	v := o.Value
	if len(v) == 0 {
		return 0, l.bad(nil, "empty INTEGER")
	}
	if len(v) > 8 {
		return 0, l.bad(nil, "INTEGER of %d bytes is out of range [%d, %d]", len(v), min, max)
	}
	n := int64(int8(v[0]))
	for _, c := range v[1:] {
		n = n<<8 | int64(c)
	}
	if n < min || n > max {
		return 0, l.bad(nil, "value %d is out of range [%d, %d]", n, min, max)
	}
	return int(n), nil
}

// uintValue decodes the implicitly tagged INTEGER (0..MAX) o; values
// beyond 64 bits are refused.
func uintValue(l loc, o tlv.Object) (uint64, error) {
	if o.Tag.Constructed() {
		return 0, l.bad(nil, "constructed, want an INTEGER")
	}
	v := o.Value
	if len(v) == 0 {
		return 0, l.bad(nil, "empty INTEGER")
	}
	if v[0]&0x80 != 0 {
		return 0, l.bad(nil, "negative INTEGER, want 0 or more")
	}
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	if len(v) > 8 {
		return 0, l.bad(nil, "INTEGER of more than 64 bits")
	}
	var n uint64
	for _, c := range v {
		n = n<<8 | uint64(c)
	}
	return n, nil
}

// sequenceOf decodes the implicitly tagged SEQUENCE OF o whose elements
// are SEQUENCEs (30), at most max of them.
func sequenceOf(l loc, o tlv.Object, max int) ([]tlv.Object, error) {
	if !o.Tag.Constructed() {
		return nil, l.bad(nil, "tag %s is primitive, want a constructed SEQUENCE OF", o.Tag)
	}
	kids, err := children(l, o)
	if err != nil {
		return nil, err
	}
	if len(kids) > max {
		return nil, l.bad(nil, "%d blocks, more than the %d accepted", len(kids), max)
	}
	for i, k := range kids {
		if k.Tag != tagSequence {
			return nil, l.at(fmt.Sprintf("%d", i+1)).bad(nil, "tag %s, want a SEQUENCE (30)", k.Tag)
		}
	}
	return kids, nil
}

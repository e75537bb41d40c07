package fir

import (
	"errors"
	"fmt"
	"time"
)

// ErrFormat is wrapped by every error about a malformed record.
var ErrFormat = errors.New("invalid finger image record")

// Version is the edition of ISO/IEC 19794-4 a record follows.
type Version int

// Editions.
const (
	V2005 Version = 2005
	V2011 Version = 2011
)

// String returns the edition's year.
func (v Version) String() string { return fmt.Sprintf("ISO/IEC 19794-4:%d", int(v)) }

// Compression says how the image data is encoded.
type Compression int

// Compressions. JPEG2000 is the 2005 edition's single JPEG 2000 code; the
// 2011 edition tells lossy from lossless.
const (
	Raw Compression = iota + 1
	BitPacked
	WSQ
	JPEG
	JPEG2000
	JPEG2000Lossless
	PNG
)

var compressionNames = [...]string{Raw: "raw", BitPacked: "bit-packed", WSQ: "wsq", JPEG: "jpeg", JPEG2000: "jpeg2000", JPEG2000Lossless: "jpeg2000-lossless", PNG: "png"}

// String returns a short lower-case name.
func (c Compression) String() string {
	if c > 0 && int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("compression(%d)", int(c))
}

func (c Compression) code(v Version) (byte, error) {
	switch c {
	case Raw:
		return 0, nil
	case BitPacked:
		return 1, nil
	case WSQ:
		return 2, nil
	case JPEG:
		return 3, nil
	case JPEG2000:
		return 4, nil
	case JPEG2000Lossless:
		if v == V2005 {
			return 4, nil
		}
		return 5, nil
	case PNG:
		if v == V2005 {
			return 5, nil
		}
		return 6, nil
	}
	return 0, fmt.Errorf("%w: unknown compression %d", ErrFormat, int(c))
}

func compressionFromCode(v Version, b byte) (Compression, error) {
	switch {
	case b <= 4:
		return [...]Compression{Raw, BitPacked, WSQ, JPEG, JPEG2000}[b], nil
	case b == 5 && v == V2005:
		return PNG, nil
	case b == 5:
		return JPEG2000Lossless, nil
	case b == 6 && v == V2011:
		return PNG, nil
	}
	return 0, fmt.Errorf("%w: compression code %d is not defined in %v", ErrFormat, b, v)
}

// Position is the finger or palm position code (ISO/IEC 19794-4 tables 2
// and 3 of 2005, 6 to 8 of 2011).
type Position uint8

// Finger positions.
const (
	UnknownFinger Position = iota
	RightThumb
	RightIndex
	RightMiddle
	RightRing
	RightLittle
	LeftThumb
	LeftIndex
	LeftMiddle
	LeftRing
	LeftLittle
	PlainRightFour Position = 13
	PlainLeftFour  Position = 14
	PlainThumbs    Position = 15
)

var positionNames = [...]string{"unknown", "right thumb", "right index", "right middle", "right ring", "right little",
	"left thumb", "left index", "left middle", "left ring", "left little", "", "", "plain right four", "plain left four", "plain thumbs"}

// String names the position.
func (p Position) String() string {
	if int(p) < len(positionNames) && positionNames[p] != "" {
		return positionNames[p]
	}
	return fmt.Sprintf("position(%d)", int(p))
}

// valid reports whether the code is a finger, multi-finger or palm code
// of the standard.
func (p Position) valid() bool {
	return p <= 10 || (p >= 13 && p <= 15) || (p >= 20 && p <= 36) || (p >= 40 && p <= 50)
}

// Impression is how the print was taken.
type Impression uint8

// Impression types.
const (
	LiveScanPlain     Impression = 0
	LiveScanRolled    Impression = 1
	NonLiveScanPlain  Impression = 2
	NonLiveRolled     Impression = 3
	LiveScanSwipe     Impression = 8
	UnknownImpression Impression = 29
)

// Units says in what unit resolutions are expressed.
type Units uint8

// Units of resolution.
const (
	PixelsPerInch Units = 1
	PixelsPerCm   Units = 2
)

// Quality is one quality score with who computed it. Score is 0–100; 254
// means not computed and 255 means the computation failed (2011 edition).
type Quality struct {
	Score       uint8  `json:"score"`
	VendorID    uint16 `json:"vendorId"`
	AlgorithmID uint16 `json:"algorithmId"`
}

// Certification names a certification the capture device holds (2011).
type Certification struct {
	AuthorityID uint16 `json:"authorityId"`
	SchemeID    uint8  `json:"schemeId"`
}

// Image is one finger image: a view (2005) or a representation (2011).
type Image struct {
	Position   Position
	ViewNumber uint8 // view (2005) or representation (2011) number, from 1
	Impression Impression
	// Quality holds the scores. The 2005 edition stores one score without
	// vendor or algorithm; only Quality[0].Score is written there.
	Quality []Quality
	// Units, scan and image resolution. In a 2005 record they are common to
	// every image.
	Units                Units
	ScanResX, ScanResY   uint16
	ImageResX, ImageResY uint16
	BitDepth             uint8
	Compression          Compression
	Width, Height        uint16
	Data                 []byte
	// 2011 only.
	Captured         time.Time // zero: not recorded
	DeviceTechnology uint8
	DeviceVendor     uint16
	DeviceType       uint16
	Certifications   []Certification
	Extended         []byte // extended data blocks, kept verbatim
}

// Record is a finger image record.
type Record struct {
	Version Version
	// 2005 only: the capture device (compliance and scanner ID) and the
	// image acquisition level (10, 20, 30, 31, 40 or 41).
	DeviceID         uint16
	AcquisitionLevel uint16
	// Certified is the 2011 certification flag: every representation then
	// carries certification blocks.
	Certified bool
	Images    []Image
}

// PPI500 returns an image description with the usual live-scan values for
// a 500 ppi 8-bit print; the caller sets position, data and quality.
func PPI500(width, height int, c Compression) Image {
	return Image{
		ViewNumber: 1, Impression: LiveScanPlain, Units: PixelsPerInch,
		ScanResX: 500, ScanResY: 500, ImageResX: 500, ImageResY: 500,
		BitDepth: 8, Compression: c, Width: uint16(width), Height: uint16(height),
	}
}

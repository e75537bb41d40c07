package wsq

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps one of them
// (test with errors.Is) and says what is wrong and where.
var (
	// ErrFormat reports a stream that is not a well-formed WSQ file:
	// missing or misplaced markers, truncated or inconsistent segments,
	// corrupt entropy-coded data.
	ErrFormat = errors.New("wsq: invalid format")
	// ErrUnsupported reports a well-formed file using a feature this
	// package does not implement (a transform table other than the
	// standard 9/7 filters).
	ErrUnsupported = errors.New("wsq: unsupported feature")
	// ErrTooLarge reports an image whose dimensions exceed MaxPixels or the
	// 16-bit size fields of the format.
	ErrTooLarge = errors.New("wsq: image too large")
	// ErrInvalidImage reports an encoder input that WSQ cannot represent
	// (too small, empty) or invalid Options.
	ErrInvalidImage = errors.New("wsq: invalid image")
)

const (
	// MaxPixels caps width×height for both the encoder and the decoder so a
	// hostile header cannot make the decoder allocate unbounded memory
	// (the decoder needs about 10 bytes per pixel while working).
	MaxPixels = 1 << 26
	// MaxDimension is the largest width or height the frame header can
	// hold.
	MaxDimension = 0xFFFF
	// MinDimension is the smallest width or height for which every line
	// of the 5-level decomposition still has at least two samples.
	MinDimension = 17
	// DefaultBitrate is the target bit rate (bits per pixel) used when
	// Options.Bitrate is zero; 0.75 is the customary setting for 500 ppi
	// fingerprints (about 15:1).
	DefaultBitrate = 0.75
	// MaxCommentLen is the longest Options.Comment that fits in one COM
	// segment.
	MaxCommentLen = 0xFFFF - 2
)

// Markers of the format (FBI WSQ specification, section 3).
const (
	markerSOI = 0xFFA0 // start of image
	markerEOI = 0xFFA1 // end of image
	markerSOF = 0xFFA2 // start of frame
	markerSOB = 0xFFA3 // start of block
	markerDTT = 0xFFA4 // define transform table
	markerDQT = 0xFFA5 // define quantisation table
	markerDHT = 0xFFA6 // define Huffman table(s)
	markerDRT = 0xFFA7 // define restart interval
	markerCOM = 0xFFA8 // comment
)

func markerName(m uint16) string {
	switch m {
	case markerSOI:
		return "SOI"
	case markerEOI:
		return "EOI"
	case markerSOF:
		return "SOF"
	case markerSOB:
		return "SOB"
	case markerDTT:
		return "DTT"
	case markerDQT:
		return "DQT"
	case markerDHT:
		return "DHT"
	case markerDRT:
		return "DRT"
	case markerCOM:
		return "COM"
	}
	return fmt.Sprintf("0x%04X", m)
}

// Options controls the encoder.
type Options struct {
	// Bitrate is the target bit rate in bits per pixel; 0 selects
	// DefaultBitrate (0.75). Higher values give larger files and better
	// fidelity. It must lie in (0, 8].
	Bitrate float64
	// PPI is the scanning resolution written to the NISTCOM comment. Zero
	// or a negative value means unknown and is written as -1, the NBIS
	// convention.
	PPI int
	// Comment is optional free text stored in an extra COM segment after
	// the NISTCOM block (at most MaxCommentLen bytes).
	Comment string
}

// Config describes a WSQ file from its headers.
type Config struct {
	// Width and Height are the image size in pixels.
	Width, Height int
	// PPI is the resolution from the NISTCOM comment, -1 when absent or
	// unknown.
	PPI int
	// Bitrate is the WSQ_BITRATE entry of the NISTCOM comment, 0 when
	// absent.
	Bitrate float64
}

// checkDims validates an image size against the format and the structural
// minimum of the decomposition.
func checkDims(width, height int) error {
	if width > MaxDimension || height > MaxDimension {
		return fmt.Errorf("%w: %d×%d exceeds the 16-bit size fields (max %d)", ErrTooLarge, width, height, MaxDimension)
	}
	if width*height > MaxPixels {
		return fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooLarge, width, height, MaxPixels)
	}
	if width < MinDimension || height < MinDimension {
		return fmt.Errorf("%w: %d×%d is below the minimum of %d×%d", ErrInvalidImage, width, height, MinDimension, MinDimension)
	}
	return nil
}

package fingerprints

import (
	"fmt"
	"image"
)

// Class is the Henry-style pattern class of a generated fingerprint.
type Class int

// Pattern classes. The zero value AnyClass asks Generate to pick a class
// from the seed, following the approximate natural class frequencies.
const (
	AnyClass Class = iota
	Arch
	TentedArch
	LeftLoop
	RightLoop
	Whorl
)

// String returns the lower-case name of the class.
func (c Class) String() string {
	switch c {
	case AnyClass:
		return "any"
	case Arch:
		return "arch"
	case TentedArch:
		return "tented_arch"
	case LeftLoop:
		return "left_loop"
	case RightLoop:
		return "right_loop"
	case Whorl:
		return "whorl"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classes lists the concrete classes Generate can produce.
func Classes() []Class { return []Class{Arch, TentedArch, LeftLoop, RightLoop, Whorl} }

// SingularKind tells a core from a delta.
type SingularKind int

// Kinds of singular points.
const (
	Core SingularKind = iota + 1
	Delta
)

// String returns "core" or "delta".
func (k SingularKind) String() string {
	switch k {
	case Core:
		return "core"
	case Delta:
		return "delta"
	}
	return fmt.Sprintf("SingularKind(%d)", int(k))
}

// SingularPoint is a core or delta of the orientation field, in image pixel
// coordinates (x to the right, y downwards).
type SingularPoint struct {
	X, Y float64
	Kind SingularKind
}

// MinutiaKind tells a ridge ending from a ridge bifurcation.
type MinutiaKind int

// Kinds of minutiae.
const (
	Ending MinutiaKind = iota + 1
	Bifurcation
)

// String returns "ending" or "bifurcation".
func (k MinutiaKind) String() string {
	switch k {
	case Ending:
		return "ending"
	case Bifurcation:
		return "bifurcation"
	}
	return fmt.Sprintf("MinutiaKind(%d)", int(k))
}

// Minutia is a ground-truth minutia in image pixel coordinates.
//
// Angle is in radians in [0, 2π), measured counter-clockwise from the
// positive x axis with the y axis pointing up (that is atan2(-dy, dx) in
// image coordinates). For an ending it points from the ridge body out
// through the ending; for a bifurcation it points from the fork along the
// single stem ridge, which is the direction of the dual valley ending.
type Minutia struct {
	X, Y  int
	Angle float64
	Kind  MinutiaKind
}

// Params controls Generate. The zero value (apart from Seed) yields a
// pristine 416×560 print at 500 ppi of a class chosen from the seed.
//
// The master fingerprint (class, singular points, ridge pattern, minutiae)
// depends only on Seed, Class, Width and Height; the impression parameters
// change only how that master is rendered, so a test can degrade the same
// finger step by step.
type Params struct {
	// Seed selects the finger and the impression noise.
	Seed int64
	// Class of the master; AnyClass picks one from Seed.
	Class Class
	// Width and Height of the image in pixels at 500 ppi; 0 means 416×560.
	Width, Height int
	// Degradation in [0,1] scales every impression effect that is left 0
	// below: 0 is a pristine impression, 1 is nearly unusable.
	Degradation float64
	// Explicit impression controls in [0,1]. A non-zero value overrides
	// the value derived from Degradation for that effect.
	Dryness, Wetness, Noise, Blur, PartialContact, Distortion float64
}

// Print is a generated fingerprint with its ground truth, all in image
// pixel coordinates.
type Print struct {
	// Image is the impression: dark ridges on a light background.
	Image *image.Gray
	// Class is the pattern class of the master.
	Class Class
	// Singular lists the cores and deltas lying inside the image.
	Singular []SingularPoint
	// Foreground is 255 where the finger touched the scanner, 0 elsewhere.
	Foreground *image.Gray
	// Minutiae of the master ridge pattern, mapped into the impression and
	// restricted to its foreground.
	Minutiae []Minutia
}

// Default image size at 500 ppi.
const (
	DefaultWidth  = 416
	DefaultHeight = 560
)

// Size limits accepted by Generate.
const (
	MinSize = 64
	MaxSize = 2048
)

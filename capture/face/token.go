package face

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

// Token image geometry of ISO/IEC 19794-5 (Token Frontal face image type):
// for an image of width W, the height is W/0.75 (3:4), the eye midpoint is
// at x = W/2 and y = 0.6·W from the top (that is 0.45 of the height from
// the top, 0.55 from the bottom), and the eye centres are 0.25·W apart
// on a horizontal line.
const (
	TokenAspect      = 0.75 // width / height
	TokenEyeY        = 0.6  // eye line below the top edge, in widths
	TokenEyeDistance = 0.25 // in widths
)

// Token widths: ChipTokenWidth gives the ICAO minimum of 90 pixels between
// the eyes, RegistryTokenWidth the recommended 120.
const (
	ChipTokenWidth     = 360
	RegistryTokenWidth = 480
)

// ErrNoEyes means the face's eyes were not found, so no token image can be
// made.
var ErrNoEyes = errors.New("face: eyes not found: the token image needs both eye centres")

// TokenCrop cuts the ISO/IEC 19794-5 token image of width width (height
// width/0.75) out of img: it rotates the face so that the eyes are
// horizontal, scales it so that they are 0.25·width apart and places their
// midpoint at (width/2, 0.6·width). Parts outside img repeat its edge. The
// caller closes the returned Mat, which has img's type (on error there
// is nothing to close).
func TokenCrop(img gocv.Mat, f Face, width int) (gocv.Mat, error) {
	if width < 16 {
		return gocv.Mat{}, fmt.Errorf("face: token width %d is too small", width)
	}
	if !f.EyesFound {
		return gocv.Mat{}, ErrNoEyes
	}
	ed := f.EyeDistance()
	if ed < 2 {
		return gocv.Mat{}, ErrNoEyes
	}
	height := int(math.Round(float64(width) / TokenAspect))
	scale := TokenEyeDistance * float64(width) / ed
	mx, my := f.EyeMid()
	// Rotate by the roll about the eye midpoint, scale, then move the
	// midpoint to its place.
	rot := gocv.GetRotationMatrix2D(image.Pt(int(math.Round(mx)), int(math.Round(my))), f.Roll(), scale)
	defer rot.Close()
	// GetRotationMatrix2D takes an integer centre: correct the translation
	// so that the exact midpoint lands on the target.
	a, b := rot.GetDoubleAt(0, 0), rot.GetDoubleAt(0, 1)
	c, d := rot.GetDoubleAt(1, 0), rot.GetDoubleAt(1, 1)
	rot.SetDoubleAt(0, 2, float64(width)/2-(a*mx+b*my))
	rot.SetDoubleAt(1, 2, TokenEyeY*float64(width)-(c*mx+d*my))
	out := gocv.NewMat()
	gocv.WarpAffineWithParams(img, &out, rot, image.Pt(width, height), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
	return out, nil
}

package camerasim

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera"
)

// DocumentPose places the document in one frame of a DocumentScene.
type DocumentPose struct {
	// Away: no document on the desk (the other fields are ignored).
	Away bool
	// X and Y place the page centre, as fractions of the frame size.
	X, Y float64
	// Width is the page width as a fraction of the frame width.
	Width float64
	// Angle turns the page in the image plane, in degrees (clockwise).
	Angle float64
	// Tilt leans the page away from the camera about its horizontal axis
	// (-1 to 1; 0.1 shortens the far edge by about 10 %): perspective.
	Tilt float64
	// Blur is a Gaussian blur in frame pixels (defocus, motion).
	Blur float64
}

// DocumentScene films a document's data page under a document camera: an
// empty desk, the page sliding in, held by hand (it sways a little, leans
// and turns), then taken away. The same frame index always gives the same
// picture.
type DocumentScene struct {
	size  image.Point
	fps   float64
	page  gocv.Mat // BGR
	desk  gocv.Mat // BGR, frame sized
	tmp   gocv.Mat
	total int
}

// Timeline of the scene, in seconds.
const (
	docAway   = 1.0 // empty desk
	docArrive = 1.0 // sliding in
	docHeld   = 4.0 // held, swaying
	docLeave  = 0.5 // taken away
)

// NewDocumentScene returns a scene of the given frame size at fps frames a
// second filming page (a data page, for example from
// internal/testdata/mrzpages). Close it after use.
func NewDocumentScene(page image.Image, size image.Point, fps float64) (*DocumentScene, error) {
	if size.X < 64 || size.Y < 64 || fps <= 0 {
		return nil, fmt.Errorf("camerasim: document scene of %v at %g fps", size, fps)
	}
	s := &DocumentScene{size: size, fps: fps, page: gocv.NewMat(), tmp: gocv.NewMat()}
	if err := camera.ImageToMat(page, &s.page); err != nil {
		s.Close()
		return nil, fmt.Errorf("camerasim: document page: %w", err)
	}
	s.desk = deskMat(size)
	s.total = frames(fps, docAway+docArrive+docHeld+docLeave)
	return s, nil
}

// deskMat draws a plain desk lit a little unevenly.
func deskMat(size image.Point) gocv.Mat {
	m := gocv.NewMatWithSize(size.Y, size.X, gocv.MatTypeCV8UC3)
	px, _ := m.DataPtrUint8()
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x++ {
			v := 70 + 30*float64(x)/float64(size.X) + 10*math.Sin(float64(y)/37)
			o := 3 * (y*size.X + x)
			px[o], px[o+1], px[o+2] = uint8(v+12), uint8(v+4), uint8(v)
		}
	}
	return m
}

// Close releases the scene's images.
func (s *DocumentScene) Close() error {
	return errors.Join(s.page.Close(), s.desk.Close(), s.tmp.Close())
}

// Len implements camera.Scene.
func (s *DocumentScene) Len() int { return s.total }

// Size implements camera.Scene.
func (s *DocumentScene) Size() image.Point { return s.size }

// PoseAt returns the document's pose in frame i.
func (s *DocumentScene) PoseAt(i int) DocumentPose {
	t := float64(i%max(s.total, 1)) / s.fps
	held := DocumentPose{X: 0.5, Y: 0.47, Width: 0.82}
	switch {
	case t < docAway:
		return DocumentPose{Away: true}
	case t < docAway+docArrive:
		// Slides in from below, turning straight, blurred by the motion.
		u := (t - docAway) / docArrive
		p := held
		p.Y += 0.9 * (1 - u) * (1 - u)
		p.Angle = 12 * (1 - u)
		p.Blur = 6 * (1 - u)
		return p
	case t < docAway+docArrive+docHeld:
		// A hand holds it: slow sway, lean and turn.
		u := t - docAway - docArrive
		p := held
		p.X += 0.015 * math.Sin(2.1*u)
		p.Y += 0.01 * math.Sin(1.3*u+1)
		p.Angle = 4*math.Sin(0.9*u) - 1.5
		p.Tilt = 0.06 * math.Sin(0.7*u+0.5)
		p.Blur = 0.6 + 0.6*math.Abs(math.Cos(2.1*u))
		return p
	default:
		u := (t - docAway - docArrive - docHeld) / docLeave
		p := held
		p.X += 1.2 * u * u
		p.Blur = 5 * u
		return p
	}
}

// Render implements camera.Scene.
func (s *DocumentScene) Render(i int, dst *gocv.Mat) error {
	return s.RenderPose(s.PoseAt(i), dst)
}

// RenderPose draws the desk with the page in pose p into dst.
func (s *DocumentScene) RenderPose(p DocumentPose, dst *gocv.Mat) error {
	s.desk.CopyTo(dst)
	if p.Away {
		return nil
	}
	pw, ph := float64(s.page.Cols()), float64(s.page.Rows())
	w := p.Width * float64(s.size.X)
	h := w * ph / pw
	cx, cy := p.X*float64(s.size.X), p.Y*float64(s.size.Y)
	// The far (top) edge is shortened by the tilt, the near one lengthened.
	top, bottom := 1-p.Tilt, 1+p.Tilt
	corners := [4][2]float64{{-w / 2 * top, -h / 2}, {w / 2 * top, -h / 2}, {w / 2 * bottom, h / 2}, {-w / 2 * bottom, h / 2}}
	sin, cos := math.Sincos(p.Angle * math.Pi / 180)
	dstPts := make([]image.Point, 4)
	for k, c := range corners {
		dstPts[k] = image.Pt(int(math.Round(cx+c[0]*cos-c[1]*sin)), int(math.Round(cy+c[0]*sin+c[1]*cos)))
	}
	src := gocv.NewPointVectorFromPoints([]image.Point{{0, 0}, {int(pw), 0}, {int(pw), int(ph)}, {0, int(ph)}})
	defer src.Close()
	dv := gocv.NewPointVectorFromPoints(dstPts)
	defer dv.Close()
	m := gocv.GetPerspectiveTransform(src, dv)
	defer m.Close()
	gocv.WarpPerspectiveWithParams(s.page, dst, m, s.size, gocv.InterpolationLinear, gocv.BorderTransparent, color.RGBA{})
	if p.Blur > 0.3 {
		k := 2*int(math.Ceil(2*p.Blur)) + 1
		gocv.GaussianBlur(*dst, &s.tmp, image.Pt(k, k), p.Blur, p.Blur, gocv.BorderReplicate)
		s.tmp.CopyTo(dst)
	}
	return nil
}

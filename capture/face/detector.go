package face

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"gocv.io/x/gocv"
)

// DefaultCascadeDir is where Debian's opencv-data package installs the Haar
// cascades.
const DefaultCascadeDir = "/usr/share/opencv4/haarcascades"

// Cascade file names inside the cascade directory.
const (
	FaceCascade = "haarcascade_frontalface_alt2.xml"
	EyeCascade  = "haarcascade_eye.xml"
)

// detectWidth is the width of the grey image the face cascade runs on;
// larger images are scaled down to it.
const detectWidth = 320

// eyeFaceWidth is the width the face is scaled to before the eye cascade
// looks at its upper half.
const eyeFaceWidth = 160

// ErrNoCascades means the Haar cascade files are not installed.
var ErrNoCascades = errors.New("face: Haar cascades not found (install opencv-data)")

// Face is one detected face, in the coordinates of the image given to
// Detect.
type Face struct {
	// Box is the face cascade's square around the face (roughly brows to
	// chin, ear to ear).
	Box image.Rectangle `json:"box"`
	// RightEye and LeftEye are the centres of the subject's right eye (on
	// the left of the image) and left eye (on the right of the image);
	// EyesFound says whether the eye cascade found both. When it did not,
	// they are estimated from the box.
	RightEye  image.Point `json:"right_eye"`
	LeftEye   image.Point `json:"left_eye"`
	EyesFound bool        `json:"eyes_found"`
}

// EyeDistance is the distance between the eye centres in pixels.
func (f Face) EyeDistance() float64 {
	return math.Hypot(float64(f.LeftEye.X-f.RightEye.X), float64(f.LeftEye.Y-f.RightEye.Y))
}

// EyeMid is the point half way between the eye centres.
func (f Face) EyeMid() (x, y float64) {
	return float64(f.LeftEye.X+f.RightEye.X) / 2, float64(f.LeftEye.Y+f.RightEye.Y) / 2
}

// Roll is the angle of the eye line in degrees, positive when the left eye
// (image right) is lower than the right eye.
func (f Face) Roll() float64 {
	return math.Atan2(float64(f.LeftEye.Y-f.RightEye.Y), float64(f.LeftEye.X-f.RightEye.X)) * 180 / math.Pi
}

// Detector finds faces and eyes with OpenCV's Haar cascades. It holds the
// cascades and scratch images; create it with NewDetector and release it
// with Close. Its methods are safe for concurrent use (they take turns).
type Detector struct {
	mu        sync.Mutex
	faceCC    gocv.CascadeClassifier
	eyeCC     gocv.CascadeClassifier
	small     gocv.Mat
	eyeROI    gocv.Mat
	scratch   *scratch
	closed    bool
	cascadeAt string
}

// NewDetector loads the face and eye cascades from dir (DefaultCascadeDir
// when empty).
func NewDetector(dir string) (*Detector, error) {
	if dir == "" {
		dir = DefaultCascadeDir
	}
	faceFile, eyeFile := filepath.Join(dir, FaceCascade), filepath.Join(dir, EyeCascade)
	for _, f := range []string{faceFile, eyeFile} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNoCascades, f, err)
		}
	}
	d := &Detector{faceCC: gocv.NewCascadeClassifier(), eyeCC: gocv.NewCascadeClassifier(), cascadeAt: dir}
	if !d.faceCC.Load(faceFile) || !d.eyeCC.Load(eyeFile) {
		d.faceCC.Close()
		d.eyeCC.Close()
		return nil, fmt.Errorf("face: OpenCV could not load the cascades in %s (reinstall opencv-data)", dir)
	}
	d.small = gocv.NewMat()
	d.eyeROI = gocv.NewMat()
	d.scratch = newScratch()
	return d, nil
}

// Close releases the cascades and scratch images.
func (d *Detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	d.faceCC.Close()
	d.eyeCC.Close()
	d.small.Close()
	d.eyeROI.Close()
	d.scratch.close()
	return nil
}

// Detect finds the faces in an 8-bit image (grey, BGR or BGRA), largest
// first, with their eyes.
func (d *Detector) Detect(img gocv.Mat) ([]Face, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, errors.New("face: detector is closed")
	}
	gray := gocv.NewMat()
	defer gray.Close()
	if err := toGray(img, &gray); err != nil {
		return nil, err
	}
	return d.detect(gray), nil
}

// detect runs on a grey image; d.mu is held.
func (d *Detector) detect(gray gocv.Mat) []Face {
	w, h := gray.Cols(), gray.Rows()
	scale := 1.0
	src := gray
	if w > detectWidth {
		scale = float64(detectWidth) / float64(w)
		gocv.Resize(gray, &d.small, image.Pt(detectWidth, max(1, int(math.Round(float64(h)*scale)))), 0, 0, gocv.InterpolationArea)
		src = d.small
	} else {
		gray.CopyTo(&d.small)
		src = d.small
	}
	gocv.EqualizeHist(src, &src)
	rects := d.faceCC.DetectMultiScaleWithParams(src, 1.15, 3, 0, image.Pt(28, 28), image.Point{})
	sort.Slice(rects, func(i, j int) bool { return rects[i].Dx()*rects[i].Dy() > rects[j].Dx()*rects[j].Dy() })
	faces := make([]Face, 0, len(rects))
	bounds := image.Rect(0, 0, w, h)
	for _, r := range rects {
		box := image.Rect(int(float64(r.Min.X)/scale), int(float64(r.Min.Y)/scale),
			int(float64(r.Max.X)/scale), int(float64(r.Max.Y)/scale)).Intersect(bounds)
		if box.Empty() {
			continue
		}
		faces = append(faces, d.eyes(gray, box))
	}
	return faces
}

// eyes looks for the eyes in the upper half of the face box.
func (d *Detector) eyes(gray gocv.Mat, box image.Rectangle) Face {
	bw, bh := float64(box.Dx()), float64(box.Dy())
	f := Face{
		Box:      box,
		RightEye: image.Pt(box.Min.X+int(0.27*bw), box.Min.Y+int(0.38*bh)),
		LeftEye:  image.Pt(box.Min.X+int(0.73*bw), box.Min.Y+int(0.38*bh)),
	}
	roi := image.Rect(box.Min.X, box.Min.Y+int(0.12*bh), box.Max.X, box.Min.Y+int(0.62*bh))
	if roi.Dx() < 20 || roi.Dy() < 10 {
		return f
	}
	region := gray.Region(roi)
	s := float64(eyeFaceWidth) / bw
	gocv.Resize(region, &d.eyeROI, image.Pt(eyeFaceWidth, max(1, int(float64(roi.Dy())*s))), 0, 0, gocv.InterpolationLinear)
	region.Close()
	gocv.EqualizeHist(d.eyeROI, &d.eyeROI)
	cands := d.eyeCC.DetectMultiScaleWithParams(d.eyeROI, 1.1, 3, 0, image.Pt(14, 14), image.Pt(60, 60))
	// Expected centres in the scaled region.
	expY := (0.38 - 0.12) * bh * s
	exp := [2]image.Point{image.Pt(int(0.3*eyeFaceWidth), int(expY)), image.Pt(int(0.7*eyeFaceWidth), int(expY))}
	var best [2]image.Point
	var bestD [2]float64
	bestD[0], bestD[1] = math.Inf(1), math.Inf(1)
	for _, c := range cands {
		cx, cy := (c.Min.X+c.Max.X)/2, (c.Min.Y+c.Max.Y)/2
		side := 0
		if cx >= eyeFaceWidth/2 {
			side = 1
		}
		dd := math.Hypot(float64(cx-exp[side].X), float64(cy-exp[side].Y))
		if dd < bestD[side] {
			bestD[side], best[side] = dd, image.Pt(cx, cy)
		}
	}
	if math.IsInf(bestD[0], 1) || math.IsInf(bestD[1], 1) {
		return f
	}
	back := func(p image.Point) image.Point {
		return image.Pt(roi.Min.X+int(math.Round(float64(p.X)/s)), roi.Min.Y+int(math.Round(float64(p.Y)/s)))
	}
	f.RightEye, f.LeftEye, f.EyesFound = back(best[0]), back(best[1]), true
	return f
}

// toGray converts an 8-bit grey, BGR or BGRA image to grey.
func toGray(img gocv.Mat, dst *gocv.Mat) error {
	if img.Empty() {
		return errors.New("face: empty image")
	}
	switch img.Type() {
	case gocv.MatTypeCV8UC1:
		img.CopyTo(dst)
	case gocv.MatTypeCV8UC3:
		gocv.CvtColor(img, dst, gocv.ColorBGRToGray)
	case gocv.MatTypeCV8UC4:
		gocv.CvtColor(img, dst, gocv.ColorBGRAToGray)
	default:
		return fmt.Errorf("face: unsupported image type %v (want 8-bit grey, BGR or BGRA)", img.Type())
	}
	return nil
}

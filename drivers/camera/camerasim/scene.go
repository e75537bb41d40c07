package camerasim

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/internal/testdata/faces"
)

// Geometry of the embedded astronaut portrait (512×512), measured once with
// OpenCV's frontal-face and eye cascades: the face box and the eye centres
// (subject's right eye on the image left).
var (
	astroFace     = image.Rect(176, 65, 273, 163)
	astroRightEye = image.Pt(202, 101)
	astroLeftEye  = image.Pt(246, 103)
)

// astroEyeDistance is the distance between the portrait's eye centres.
func astroEyeDistance() float64 {
	return math.Hypot(float64(astroLeftEye.X-astroRightEye.X), float64(astroLeftEye.Y-astroRightEye.Y))
}

// Pose describes the subject in one frame.
type Pose struct {
	// Away: nobody in front of the camera (the other fields are ignored).
	Away bool
	// X, Y place the midpoint between the eyes, as fractions of the frame
	// width and height (0.5, 0.45 is centred).
	X, Y float64
	// EyeDistance is the distance between the eyes as a fraction of the
	// frame height (0.2: about 96 pixels at 480 lines).
	EyeDistance float64
	// Yaw turns the head, from -1 (towards the image left) to 1 (towards
	// the image right); 0.5 is roughly 20°.
	Yaw float64
	// Roll tilts the head, in degrees (positive: clockwise in the image).
	Roll float64
	// Blink closes the eyes.
	Blink bool
	// Gain scales the brightness (1: as photographed).
	Gain float64
	// Uneven darkens one side of the frame: -1 the left edge black, 1 the
	// right edge black, 0 none.
	Uneven float64
	// Blur is a Gaussian blur in frame pixels (defocus, motion).
	Blur float64
}

// Good is the nominal pose: centred, 0.2 frame heights between the eyes,
// frontal, well lit.
var Good = Pose{X: 0.5, Y: 0.45, EyeDistance: 0.2, Gain: 1}

// Segment is a stretch of a script: Frames frames moving linearly from
// From to To (the boolean fields are From's).
type Segment struct {
	Frames   int
	From, To Pose
}

// Hold is a segment that keeps one pose.
func Hold(frames int, p Pose) Segment { return Segment{Frames: frames, From: p, To: p} }

// Move is a segment that moves from one pose to another.
func Move(frames int, from, to Pose) Segment { return Segment{Frames: frames, From: from, To: to} }

// FaceScene is a camera.Scene of the embedded astronaut portrait following
// a script of poses. Build it with NewFaceScene and release it with Close.
type FaceScene struct {
	size     image.Point
	script   []Segment
	total    int
	src      gocv.Mat // the portrait, BGR
	work     gocv.Mat // the portrait with pose effects
	ramp     gocv.Mat // lighting ramp for the last Uneven value
	rampFor  float64
	backdrop color.RGBA
}

// NewFaceScene builds a scene of the given frame size (640×480 when zero)
// playing the script.
func NewFaceScene(size image.Point, script ...Segment) (*FaceScene, error) {
	if size == (image.Point{}) {
		size = image.Pt(640, 480)
	}
	if size.X < 64 || size.Y < 48 {
		return nil, fmt.Errorf("camerasim: frame size %v is too small", size)
	}
	img, err := faces.Astronaut()
	if err != nil {
		return nil, err
	}
	s := &FaceScene{size: size, script: script, work: gocv.NewMat(), ramp: gocv.NewMat(), rampFor: math.NaN()}
	for _, seg := range script {
		s.total += max(seg.Frames, 0)
	}
	s.src = gocv.NewMatWithSize(512, 512, gocv.MatTypeCV8UC3)
	if err := camera.ImageToMat(img, &s.src); err != nil {
		s.Close()
		return nil, err
	}
	// The backdrop: the grey studio cloth above the portrait's head.
	bd := s.src.Region(image.Rect(300, 10, 360, 60))
	m := bd.Mean()
	bd.Close()
	s.backdrop = color.RGBA{R: uint8(m.Val3), G: uint8(m.Val2), B: uint8(m.Val1), A: 255}
	return s, nil
}

// Close releases the pre-rendered images.
func (s *FaceScene) Close() error {
	s.src.Close()
	s.work.Close()
	s.ramp.Close()
	return nil
}

// Len is the number of frames of the script.
func (s *FaceScene) Len() int { return s.total }

// Size is the frame size.
func (s *FaceScene) Size() image.Point { return s.size }

// PoseAt returns the pose of frame i.
func (s *FaceScene) PoseAt(i int) Pose {
	for _, seg := range s.script {
		if seg.Frames <= 0 {
			continue
		}
		if i < seg.Frames {
			t := 0.0
			if seg.Frames > 1 {
				t = float64(i) / float64(seg.Frames-1)
			}
			return lerp(seg.From, seg.To, t)
		}
		i -= seg.Frames
	}
	return Pose{Away: true}
}

func lerp(a, b Pose, t float64) Pose {
	l := func(x, y float64) float64 { return x + (y-x)*t }
	p := a
	p.X, p.Y, p.EyeDistance = l(a.X, b.X), l(a.Y, b.Y), l(a.EyeDistance, b.EyeDistance)
	p.Yaw, p.Roll, p.Gain = l(a.Yaw, b.Yaw), l(a.Roll, b.Roll), l(a.Gain, b.Gain)
	p.Uneven, p.Blur = l(a.Uneven, b.Uneven), l(a.Blur, b.Blur)
	return p
}

// Render draws frame i.
func (s *FaceScene) Render(i int, dst *gocv.Mat) error {
	if i < 0 || i >= s.total {
		return fmt.Errorf("camerasim: frame %d outside the scene's %d frames", i, s.total)
	}
	return s.RenderPose(s.PoseAt(i), dst)
}

// RenderPose draws one pose into dst (8-bit BGR of the scene's size).
func (s *FaceScene) RenderPose(p Pose, dst *gocv.Mat) error {
	W, H := s.size.X, s.size.Y
	if dst.Rows() != H || dst.Cols() != W || dst.Type() != gocv.MatTypeCV8UC3 {
		dst.Close()
		*dst = gocv.NewMatWithSize(H, W, gocv.MatTypeCV8UC3)
	}
	if p.Away {
		dst.SetTo(gocv.NewScalar(float64(s.backdrop.B), float64(s.backdrop.G), float64(s.backdrop.R), 0))
		s.light(p, dst)
		return nil
	}
	src := s.src
	if p.Blink || p.Yaw != 0 {
		s.src.CopyTo(&s.work)
		if p.Yaw != 0 {
			s.turn(p.Yaw)
		}
		if p.Blink {
			s.blink(p.Yaw)
		}
		src = s.work
	}
	ed := p.EyeDistance
	if ed <= 0 {
		ed = Good.EyeDistance
	}
	k := ed * float64(H) / astroEyeDistance()
	mx := float64(astroRightEye.X+astroLeftEye.X) / 2
	my := float64(astroRightEye.Y+astroLeftEye.Y) / 2
	// Rotate about the eye midpoint (negative: OpenCV's positive angle is
	// counter-clockwise), scale, and move the midpoint to its place.
	m := gocv.GetRotationMatrix2D(image.Pt(int(mx), int(my)), -p.Roll, k)
	defer m.Close()
	a, b := m.GetDoubleAt(0, 0), m.GetDoubleAt(0, 1)
	c, d := m.GetDoubleAt(1, 0), m.GetDoubleAt(1, 1)
	m.SetDoubleAt(0, 2, p.X*float64(W)-(a*mx+b*my))
	m.SetDoubleAt(1, 2, p.Y*float64(H)-(c*mx+d*my))
	gocv.WarpAffineWithParams(src, dst, m, image.Pt(W, H), gocv.InterpolationLinear, gocv.BorderConstant, s.backdrop)
	if p.Blur > 0 {
		gocv.GaussianBlur(*dst, dst, image.Point{}, p.Blur, p.Blur, gocv.BorderReplicate)
	}
	s.light(p, dst)
	return nil
}

// turn squeezes one half of the head and stretches the other, moving the
// features sideways as a turning head does.
func (s *FaceScene) turn(yaw float64) {
	yaw = math.Max(-0.9, math.Min(0.9, yaw))
	x0, x1 := astroFace.Min.X-30, astroFace.Max.X+30
	y0, y1 := 5, astroFace.Max.Y+40
	mid := (astroRightEye.X + astroLeftEye.X) / 2
	half := float64(mid - x0)
	nm := mid + int(math.Round(yaw*0.45*half))
	left := s.src.Region(image.Rect(x0, y0, mid, y1))
	right := s.src.Region(image.Rect(mid, y0, x1, y1))
	defer left.Close()
	defer right.Close()
	wl := s.work.Region(image.Rect(x0, y0, nm, y1))
	wr := s.work.Region(image.Rect(nm, y0, x1, y1))
	defer wl.Close()
	defer wr.Close()
	gocv.Resize(left, &wl, image.Pt(nm-x0, y1-y0), 0, 0, gocv.InterpolationLinear)
	gocv.Resize(right, &wr, image.Pt(x1-nm, y1-y0), 0, 0, gocv.InterpolationLinear)
}

// blink paints closed lids over the eyes, in the colour of the skin below
// them.
func (s *FaceScene) blink(yaw float64) {
	mid := float64(astroRightEye.X+astroLeftEye.X) / 2
	shift := yaw * 0.45 * (mid - float64(astroFace.Min.X-30))
	for _, e := range []image.Point{astroRightEye, astroLeftEye} {
		// Eyes move with the turn roughly as the midline does.
		c := image.Pt(e.X+int(math.Round(shift*(1-math.Abs(float64(e.X)-mid)/(mid-float64(astroFace.Min.X-30))))), e.Y)
		skin := s.src.Region(image.Rect(e.X-4, e.Y+12, e.X+4, e.Y+18))
		m := skin.Mean()
		skin.Close()
		col := color.RGBA{R: uint8(m.Val3), G: uint8(m.Val2), B: uint8(m.Val1), A: 255}
		gocv.Ellipse(&s.work, c, image.Pt(11, 7), 0, 0, 360, col, -1)
		gocv.Ellipse(&s.work, image.Pt(c.X, c.Y+1), image.Pt(10, 3), 0, 0, 180, color.RGBA{R: 70, G: 50, B: 45, A: 255}, 2)
	}
}

// light applies the pose's gain and uneven lighting.
func (s *FaceScene) light(p Pose, dst *gocv.Mat) {
	if p.Gain > 0 && p.Gain != 1 {
		dst.ConvertToWithParams(dst, gocv.MatTypeCV8UC3, float32(p.Gain), 0)
	}
	if p.Uneven == 0 {
		return
	}
	if p.Uneven != s.rampFor || s.ramp.Cols() != s.size.X || s.ramp.Rows() != s.size.Y {
		s.ramp.Close()
		s.ramp = gocv.NewMatWithSize(s.size.Y, s.size.X, gocv.MatTypeCV8UC3)
		buf, err := s.ramp.DataPtrUint8()
		if err != nil {
			return
		}
		W := s.size.X
		row := make([]byte, 3*W)
		u := math.Max(-1, math.Min(1, p.Uneven))
		for x := 0; x < W; x++ {
			t := float64(x) / float64(W-1) // 0 left, 1 right
			f := 1.0
			if u < 0 {
				f = 1 + u*(1-t)
			} else {
				f = 1 - u*t
			}
			v := uint8(math.Round(255 * f))
			row[3*x], row[3*x+1], row[3*x+2] = v, v, v
		}
		for y := 0; y < s.size.Y; y++ {
			copy(buf[y*3*W:], row)
		}
		s.rampFor = p.Uneven
	}
	gocv.MultiplyWithParams(*dst, s.ramp, dst, 1.0/255, -1)
}

package liveness

import (
	"context"
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"
)

// Point roles, from the face box of the first frame.
const (
	roleRigid = 1 << iota // used for the homography: not eyes, not mouth
	roleInner             // the centre of the face (nose)
	roleOuter             // the sides of the face
	roleMouth
)

// Session analyses one presentation frame by frame, for a live preview:
// Add each frame as it arrives, then ask for the Verdict (at any time).
// A Session is not safe for concurrent use; Close it when done.
type Session struct {
	a  *Analyzer
	ch Challenge

	n     int
	found bool
	prev  gocv.Mat
	face  image.Rectangle
	eyes  [2]image.Rectangle
	cheek image.Rectangle
	mouth image.Rectangle

	p0, pc []gocv.Point2f
	alive  []bool
	role   []uint8

	planarity, motion, turn, smile []float64
	eyeStd, cheekStd               []float64

	passive map[string][]float64
}

// NewSession starts the analysis of one presentation with a challenge.
func (a *Analyzer) NewSession(ch Challenge) *Session {
	return &Session{a: a, ch: ch, prev: gocv.NewMat(), passive: map[string][]float64{}}
}

// Close releases the session's images.
func (s *Session) Close() error {
	s.prev.Close()
	return nil
}

// Add analyses the next frame.
func (s *Session) Add(ctx context.Context, img image.Image) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m, err := gocv.ImageToMatRGB(img)
	if err != nil {
		return fmt.Errorf("convert frame: %w", err)
	}
	defer m.Close()
	return s.AddMat(ctx, m)
}

// AddMat analyses the next frame given as a BGR Mat (not retained).
func (s *Session) AddMat(ctx context.Context, bgr gocv.Mat) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if bgr.Empty() || bgr.Channels() != 3 {
		return fmt.Errorf("frame is not a 3-channel BGR image (%d channels): convert it first", bgr.Channels())
	}
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(bgr, &gray, gocv.ColorBGRToGray)
	t := s.n
	s.n++
	if !s.found {
		if !s.detect(gray) {
			return nil
		}
		s.passiveCues(bgr, gray, s.face)
		gray.CopyTo(&s.prev)
		return nil
	}
	if err := s.track(gray); err != nil {
		return err
	}
	gray.CopyTo(&s.prev)
	// The face box, moved with the face: passive cues every fourth frame.
	if t%4 == 0 {
		s.passiveCues(bgr, gray, s.movedFace())
	}
	return nil
}

// detect finds the face, its eyes and the points to track.
func (s *Session) detect(gray gocv.Mat) bool {
	small := gocv.NewMat()
	defer small.Close()
	f := 320.0 / float64(gray.Cols())
	if f > 1 {
		f = 1
	}
	gocv.Resize(gray, &small, image.Pt(int(float64(gray.Cols())*f), int(float64(gray.Rows())*f)), 0, 0, gocv.InterpolationArea)
	rs := s.a.face.DetectMultiScaleWithParams(small, 1.1, 4, 0, image.Pt(30, 30), image.Pt(0, 0))
	if len(rs) == 0 {
		return false
	}
	best := rs[0]
	for _, r := range rs[1:] {
		if r.Dx()*r.Dy() > best.Dx()*best.Dy() {
			best = r
		}
	}
	fc := image.Rect(int(float64(best.Min.X)/f), int(float64(best.Min.Y)/f), int(float64(best.Max.X)/f), int(float64(best.Max.Y)/f))
	fc = fc.Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
	if fc.Dx() < 40 || fc.Dy() < 40 {
		return false
	}
	s.found = true
	s.face = fc
	w, h := float64(fc.Dx()), float64(fc.Dy())
	at := func(x0, y0, x1, y1 float64) image.Rectangle {
		return image.Rect(fc.Min.X+int(x0*w), fc.Min.Y+int(y0*h), fc.Min.X+int(x1*w), fc.Min.Y+int(y1*h))
	}
	// Eyes: the eye cascade in the upper half, else where eyes usually are.
	s.eyes = [2]image.Rectangle{at(0.17, 0.3, 0.45, 0.46), at(0.55, 0.3, 0.83, 0.46)}
	upper := gray.Region(at(0, 0.15, 1, 0.6))
	es := s.a.eye.DetectMultiScaleWithParams(upper, 1.1, 3, 0, image.Pt(int(w/10), int(w/10)), image.Pt(int(w/3), int(w/3)))
	upper.Close()
	off := at(0, 0.15, 1, 0.6).Min
	for _, e := range es {
		e = e.Add(off)
		// Keep the inner part (the cascade box includes brow and lid).
		c := image.Pt((e.Min.X+e.Max.X)/2, (e.Min.Y+e.Max.Y)/2)
		box := image.Rect(c.X-int(w*0.14), c.Y-int(h*0.07), c.X+int(w*0.14), c.Y+int(h*0.07))
		if c.X < fc.Min.X+fc.Dx()/2 {
			s.eyes[0] = box
		} else {
			s.eyes[1] = box
		}
	}
	s.cheek = at(0.3, 0.5, 0.7, 0.65)
	s.mouth = at(0.22, 0.7, 0.78, 0.95)

	// Points to track.
	roi := gray.Region(fc)
	defer roi.Close()
	corners := gocv.NewMat()
	defer corners.Close()
	gocv.GoodFeaturesToTrack(roi, &corners, 300, 0.005, math.Max(3, w/60))
	data, err := corners.DataPtrFloat32()
	if err != nil {
		return true
	}
	cx := float64(fc.Min.X) + w/2
	for i := 0; i+1 < len(data); i += 2 {
		p := gocv.Point2f{X: data[i] + float32(fc.Min.X), Y: data[i+1] + float32(fc.Min.Y)}
		ip := image.Pt(int(p.X), int(p.Y))
		var r uint8
		// The eyes move on their own (and, in a cut-out attack, behind
		// the print): the whole eye band is left out of the plane fit.
		inEye := ip.In(s.eyes[0].Inset(-int(w*0.03))) || ip.In(s.eyes[1].Inset(-int(w*0.03))) || ip.In(at(0.08, 0.24, 0.92, 0.52))
		switch {
		case ip.In(s.mouth):
			r = roleMouth
		case !inEye:
			r = roleRigid
		}
		dx := math.Abs(float64(p.X)-cx) / w
		ry := (float64(p.Y) - float64(fc.Min.Y)) / h
		if dx < 0.15 && ry > 0.35 && ry < 0.75 && !inEye {
			r |= roleInner
		}
		if dx > 0.36 {
			r |= roleOuter
		}
		s.p0 = append(s.p0, p)
		s.pc = append(s.pc, p)
		s.alive = append(s.alive, true)
		s.role = append(s.role, r)
	}
	s.eyeStd = append(s.eyeStd, s.eyeContrast(gray, nil))
	s.cheekStd = append(s.cheekStd, stdIn(gray, s.cheek))
	return true
}

// track follows the points into the next frame and measures the motion.
func (s *Session) track(gray gocv.Mat) error {
	if len(s.p0) < 8 {
		return nil
	}
	idx := make([]int, 0, len(s.pc))
	pts := make([]gocv.Point2f, 0, len(s.pc))
	for i, ok := range s.alive {
		if ok {
			idx = append(idx, i)
			pts = append(pts, s.pc[i])
		}
	}
	if len(idx) < 8 {
		return nil
	}
	prevPts := pointsMat(pts)
	defer prevPts.Close()
	next, status, errs := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer next.Close()
	defer status.Close()
	defer errs.Close()
	gocv.CalcOpticalFlowPyrLK(s.prev, gray, prevPts, next, &status, &errs)
	nd, err := next.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("optical flow: %w", err)
	}
	st, err := status.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("optical flow status: %w", err)
	}
	for k, i := range idx {
		if st[k] == 0 {
			s.alive[i] = false
			continue
		}
		s.pc[i] = gocv.Point2f{X: nd[2*k], Y: nd[2*k+1]}
	}
	s.measure(gray)
	return nil
}

// measure fits the plane that best explains the motion of the face since
// the first frame and derives the motion cues.
func (s *Session) measure(gray gocv.Mat) {
	fw := float64(s.face.Dx())
	var src, dst []gocv.Point2f
	var moves []float64
	for i, ok := range s.alive {
		if ok && s.role[i]&roleRigid != 0 {
			src = append(src, s.p0[i])
			dst = append(dst, s.pc[i])
			moves = append(moves, math.Hypot(float64(s.pc[i].X-s.p0[i].X), float64(s.pc[i].Y-s.p0[i].Y)))
		}
	}
	if len(src) < 8 {
		return
	}
	sm, dm := pointsMat(src), pointsMat(dst)
	defer sm.Close()
	defer dm.Close()
	mask := gocv.NewMat()
	defer mask.Close()
	hm := gocv.FindHomography(sm, &dm, gocv.HomograpyMethodAllPoints, 3, &mask, 2000, 0.995)
	defer hm.Close()
	if hm.Empty() {
		return
	}
	var H [9]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			H[r*3+c] = hm.GetDoubleAt(r, c)
		}
	}
	apply := func(p gocv.Point2f) (float64, float64) {
		x, y := float64(p.X), float64(p.Y)
		z := H[6]*x + H[7]*y + H[8]
		return (H[0]*x + H[1]*y + H[2]) / z, (H[3]*x + H[4]*y + H[5]) / z
	}
	var res float64
	for k := range src {
		x, y := apply(src[k])
		res += math.Min(math.Hypot(x-float64(dst[k].X), y-float64(dst[k].Y)), 0.05*fw)
	}
	s.planarity = append(s.planarity, 100*res/float64(len(src))/fw)
	s.motion = append(s.motion, 100*median(moves)/fw)

	// Turn: the centre of the face against its sides.
	var in, out float64
	var nIn, nOut int
	for i, ok := range s.alive {
		if !ok {
			continue
		}
		dx := float64(s.pc[i].X - s.p0[i].X)
		if s.role[i]&roleInner != 0 {
			in += dx
			nIn++
		}
		if s.role[i]&roleOuter != 0 {
			out += dx
			nOut++
		}
	}
	if nIn > 2 && nOut > 2 {
		s.turn = append(s.turn, 100*(in/float64(nIn)-out/float64(nOut))/fw)
	}

	// Smile: the mouth widening beyond the motion of the face.
	mcx := float64(s.mouth.Min.X+s.mouth.Max.X) / 2
	var sxy, sxx float64
	var nm int
	for i, ok := range s.alive {
		if !ok || s.role[i]&roleMouth == 0 {
			continue
		}
		x, _ := apply(s.p0[i])
		rx := float64(s.pc[i].X) - x
		d := float64(s.p0[i].X) - mcx
		sxy += rx * d
		sxx += d * d
		nm++
	}
	if nm >= 4 && sxx > 0 {
		s.smile = append(s.smile, sxy/sxx)
	}

	s.eyeStd = append(s.eyeStd, s.eyeContrast(gray, apply))
	s.cheekStd = append(s.cheekStd, stdIn(gray, moveRect(s.cheek, apply)))
}

// movedFace is the face box moved with the tracked points.
func (s *Session) movedFace() image.Rectangle {
	var dx, dy float64
	n := 0
	for i, ok := range s.alive {
		if ok {
			dx += float64(s.pc[i].X - s.p0[i].X)
			dy += float64(s.pc[i].Y - s.p0[i].Y)
			n++
		}
	}
	if n == 0 {
		return s.face
	}
	return s.face.Add(image.Pt(int(dx/float64(n)), int(dy/float64(n))))
}

// eyeContrast is the mean grey-level spread of the two eye boxes: an open
// eye (iris, sclera, lashes) is contrasted, a closed lid is not.
func (s *Session) eyeContrast(gray gocv.Mat, apply func(gocv.Point2f) (float64, float64)) float64 {
	var sum float64
	for _, e := range s.eyes {
		sum += stdIn(gray, moveRect(e, apply))
	}
	return sum / 2
}

func moveRect(r image.Rectangle, apply func(gocv.Point2f) (float64, float64)) image.Rectangle {
	if apply == nil {
		return r
	}
	x, y := apply(gocv.Point2f{X: float32(r.Min.X+r.Max.X) / 2, Y: float32(r.Min.Y+r.Max.Y) / 2})
	return r.Add(image.Pt(int(math.Round(x))-(r.Min.X+r.Max.X)/2, int(math.Round(y))-(r.Min.Y+r.Max.Y)/2))
}

// stdIn is the standard deviation of the grey levels in r (clipped).
func stdIn(gray gocv.Mat, r image.Rectangle) float64 {
	r = r.Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
	if r.Dx() < 2 || r.Dy() < 2 {
		return 0
	}
	roi := gray.Region(r)
	defer roi.Close()
	mean, std := gocv.NewMat(), gocv.NewMat()
	defer mean.Close()
	defer std.Close()
	gocv.MeanStdDev(roi, &mean, &std)
	return std.GetDoubleAt(0, 0)
}

func pointsMat(pts []gocv.Point2f) gocv.Mat {
	m := gocv.NewMatWithSize(len(pts), 1, gocv.MatTypeCV32FC2)
	d, _ := m.DataPtrFloat32()
	for i, p := range pts {
		d[2*i], d[2*i+1] = p.X, p.Y
	}
	return m
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	return c[len(c)/2]
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	return c[min(len(c)-1, int(p*float64(len(c))))]
}

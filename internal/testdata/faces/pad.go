package faces

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Label says what a generated sequence shows: a live person (bona fide) or
// one of the presentation-attack instruments of ISO/IEC 30107-3.
type Label int

// Labels.
const (
	// BonaFide is a live subject: a textured 3D head that turns with
	// parallax, blinks and moves a little, under varying light.
	BonaFide Label = iota
	// PrintAttack is a matte photo print held in front of the camera; the
	// whole frame moves as one plane.
	PrintAttack
	// ScreenReplay is a bona fide recording replayed on a display: pixel
	// grid and moiré, gamma and colour shift, bezel and a reflection.
	ScreenReplay
	// CutOutEyes is a print whose eye regions are cut out and show a real
	// person's blinking eyes: a planar face with locally moving eyes.
	CutOutEyes
)

// Labels lists every label, bona fide first.
func Labels() []Label { return []Label{BonaFide, PrintAttack, ScreenReplay, CutOutEyes} }

// String names the label.
func (l Label) String() string {
	switch l {
	case BonaFide:
		return "bona-fide"
	case PrintAttack:
		return "print"
	case ScreenReplay:
		return "screen-replay"
	case CutOutEyes:
		return "cut-out-eyes"
	}
	return fmt.Sprintf("Label(%d)", int(l))
}

// Attack reports whether the label is a presentation attack.
func (l Label) Attack() bool { return l != BonaFide }

// Action is what the presented face does during a sequence.
type Action int

// Actions. Left and right are the subject's own: with a camera that does
// not mirror, a turn to the subject's left moves the nose towards the
// image's right edge.
const (
	// ActionNone: small natural motion only.
	ActionNone Action = iota
	// ActionBlink: one blink in the middle of the sequence.
	ActionBlink
	// ActionTurnLeft: the head turns to the subject's left (about 18°).
	ActionTurnLeft
	// ActionTurnRight: the head turns to the subject's right (about 18°).
	ActionTurnRight
	// ActionSmile: the mouth goes from neutral to a broad smile.
	ActionSmile
)

// String names the action.
func (a Action) String() string {
	switch a {
	case ActionNone:
		return "none"
	case ActionBlink:
		return "blink"
	case ActionTurnLeft:
		return "turn-left"
	case ActionTurnRight:
		return "turn-right"
	case ActionSmile:
		return "smile"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Spec describes one sequence. Zero fields take the defaults: 640×480,
// 24 frames.
//
// The action applies to what the attack shows: a screen replays a bona fide
// recording of the action; a print shows no facial action (the attacker
// only moves the sheet); cut-out eyes always blink once.
type Spec struct {
	Label  Label
	Action Action
	Width  int
	Height int
	Frames int
	Seed   uint64
}

// Pose is the ground truth of one frame of a sequence.
type Pose struct {
	// Yaw of the head in degrees, positive towards the subject's left.
	Yaw float64
	// EyeOpen is the eyelid opening, 1 open, 0 closed.
	EyeOpen float64
	// Smile is 0 for a neutral mouth, 1 for the full smile.
	Smile float64
}

// Generator renders presentation-attack-detection test sequences from the
// embedded portrait, on which it lays a face-shaped depth template. Create
// one with NewGenerator and share it: it is safe for concurrent use and
// holds only read-only data.
type Generator struct {
	src   rgbPlane  // the portrait, 0..1
	depth []float32 // height of the head above the background, source px
	mask  []float32 // 1 on the head, feathered to 0 around it
}

// rgbPlane is a float colour image.
type rgbPlane struct {
	w, h    int
	r, g, b []float32
}

type point [2]float64

// Measured on the portrait (source pixel coordinates): the eyes, the mouth,
// the nose tip and the head ellipse, and the window that frames the face.
const (
	eyeLX, eyeLY     = 204.0, 101.0
	eyeRX, eyeRY     = 245.0, 104.0
	eyeAX, eyeAY     = 9.0, 4.5 // eye half-axes
	mouthX, mouthY   = 224.0, 145.0
	mouthAX, mouthAY = 30.0, 13.0
	noseX, noseY     = 222.0, 127.0
	headX, headY     = 224.0, 102.0
	headAX, headAY   = 76.0, 94.0
	windowX, windowY = 224.0, 118.0
	windowW          = 320.0 // source px shown across the frame width
)

const headDepth = 62.0 // source px at the centre of the head

// NewGenerator decodes the portrait and builds the depth template.
func NewGenerator() (*Generator, error) {
	img, err := Astronaut()
	if err != nil {
		return nil, fmt.Errorf("faces: generator needs the portrait: %w", err)
	}
	b := img.Bounds()
	g := &Generator{src: rgbPlane{w: b.Dx(), h: b.Dy()}}
	n := g.src.w * g.src.h
	g.src.r, g.src.g, g.src.b = make([]float32, n), make([]float32, n), make([]float32, n)
	g.depth, g.mask = make([]float32, n), make([]float32, n)
	for y := 0; y < g.src.h; y++ {
		for x := 0; x < g.src.w; x++ {
			r, gg, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*g.src.w + x
			g.src.r[i], g.src.g[i], g.src.b[i] = float32(r)/65535, float32(gg)/65535, float32(bb)/65535
			dx, dy := (float64(x)-headX)/headAX, (float64(y)-headY)/headAY
			r2 := dx*dx + dy*dy
			d := 0.0
			if r2 < 1 {
				d = headDepth * math.Sqrt(1-r2)
			}
			nx, ny := (float64(x)-noseX)/6, (float64(y)-noseY-4)/11
			d += 14 * math.Exp(-(nx*nx+ny*ny)/2)
			g.depth[i] = float32(d)
			g.mask[i] = float32(1 - smoothstep(0.92, 1.08, math.Sqrt(r2)))
		}
	}
	return g, nil
}

func smoothstep(a, b, x float64) float64 {
	t := math.Max(0, math.Min(1, (x-a)/(b-a)))
	return t * t * (3 - 2*t)
}

// Sequence is one labelled, deterministic clip. Frames are rendered on
// first use and kept; a camera simulator can loop over them.
type Sequence struct {
	spec  Spec
	gen   *Generator
	p     params
	inner *Sequence // the recording a screen replays

	mu     sync.Mutex
	frames []*image.RGBA
}

// params are the per-sequence random draws.
type params struct {
	// subject
	yawAmp, yawFreq, yawPh       float64
	pitchAmp, pitchFreq, pitchPh float64
	txAmp, tyAmp, tFreq, tPh     float64
	blinkAt                      float64 // frame index of the closed eye
	eyeJitter                    float64
	// light and sensor
	gain                [3]float64
	gradX, gradY, noise float64
	flicker, flickerPh  float64
	// instruments
	scale                     float64
	planeYaw, planePitch, rol float64
	planeTx, planeTy          float64
	planeFreq, planePh        [5]float64
	black, gammaP, satP       float64
	paperTint                 [3]float64
	bend                      float64
	pitch                     float64 // screen pixel pitch in output px
	gammaS, blackS            float64
	tintS                     [3]float64
	glareA, glareAng, glareO  float64
	glareW                    float64
	printTone, screenTone     toneLUT
}

// Sequence builds the sequence the spec describes.
func (g *Generator) Sequence(s Spec) (*Sequence, error) {
	if s.Width == 0 {
		s.Width = 640
	}
	if s.Height == 0 {
		s.Height = 480
	}
	if s.Frames == 0 {
		s.Frames = 24
	}
	if s.Width < 64 || s.Height < 48 || s.Width > 4096 || s.Height > 4096 {
		return nil, fmt.Errorf("faces: sequence size %d×%d: use 64×48 to 4096×4096", s.Width, s.Height)
	}
	if s.Frames < 1 {
		return nil, fmt.Errorf("faces: sequence of %d frames: ask for at least one", s.Frames)
	}
	if s.Label < BonaFide || s.Label > CutOutEyes {
		return nil, fmt.Errorf("faces: unknown label %d", int(s.Label))
	}
	if s.Action < ActionNone || s.Action > ActionSmile {
		return nil, fmt.Errorf("faces: unknown action %d", int(s.Action))
	}
	rng := rand.New(rand.NewPCG(s.Seed, uint64(s.Label)<<8|uint64(s.Action)))
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	var p params
	p.yawAmp, p.yawFreq, p.yawPh = u(2.5, 4.5), u(0.6, 1.2), u(0, 2*math.Pi)
	p.pitchAmp, p.pitchFreq, p.pitchPh = u(1, 2), u(0.5, 1.1), u(0, 2*math.Pi)
	p.txAmp, p.tyAmp, p.tFreq, p.tPh = u(1, 3), u(0.5, 2), u(0.4, 0.9), u(0, 2*math.Pi)
	p.blinkAt = u(0.35, 0.6) * float64(s.Frames-1)
	p.eyeJitter = u(0.5, 1.2)
	temp := u(-1, 1)
	bright := u(0.88, 1.08)
	p.gain = [3]float64{bright * (1 + 0.05*temp), bright, bright * (1 - 0.05*temp)}
	p.gradX, p.gradY, p.noise = u(-0.12, 0.12), u(-0.08, 0.08), u(1.2, 2.8)/255
	p.flicker, p.flickerPh = u(0.003, 0.012), u(0, 2*math.Pi)
	p.scale = u(0.9, 1.1)
	p.planeYaw, p.planePitch, p.rol = u(3, 7), u(2, 5), u(1, 3)
	p.planeTx, p.planeTy = u(4, 10), u(3, 8)
	for i := range p.planeFreq {
		p.planeFreq[i], p.planePh[i] = u(0.5, 1.3), u(0, 2*math.Pi)
	}
	p.black, p.gammaP, p.satP = u(0.07, 0.13), u(1.08, 1.25), u(0.6, 0.75)
	p.paperTint = [3]float64{1, u(0.97, 0.99), u(0.92, 0.96)}
	p.bend = u(0.04, 0.1)
	p.pitch = u(2.2, 3.4)
	if rng.IntN(2) == 0 {
		p.gammaS = u(1.25, 1.45)
	} else {
		p.gammaS = u(0.7, 0.82)
	}
	p.blackS = u(0.03, 0.07)
	p.tintS = [3]float64{u(0.9, 0.97), u(0.97, 1.02), u(1.04, 1.12)}
	p.glareA, p.glareAng, p.glareO, p.glareW = u(0.12, 0.28), u(-1, 1), u(-0.3, 0.3), u(0.08, 0.18)
	p.printTone = newToneLUT(func(v float64) float64 { return p.black + (1-p.black)*math.Pow(v, p.gammaP) })
	p.screenTone = newToneLUT(func(v float64) float64 { return p.blackS + (1-p.blackS)*math.Pow(v, p.gammaS) })
	if s.Label == ScreenReplay {
		p.scale = u(0.78, 0.88)
		p.planeYaw, p.planePitch, p.rol = u(1, 3), u(1, 2), u(0.5, 1.5)
		p.planeTx, p.planeTy = u(1, 4), u(1, 3)
	}
	seq := &Sequence{spec: s, gen: g, p: p, frames: make([]*image.RGBA, s.Frames)}
	if s.Label == ScreenReplay {
		in := s
		in.Label = BonaFide
		in.Seed = s.Seed ^ 0x9e3779b97f4a7c15
		var err error
		if seq.inner, err = g.Sequence(in); err != nil {
			return nil, err
		}
	}
	return seq, nil
}

// Len is the number of frames.
func (s *Sequence) Len() int { return s.spec.Frames }

// Label says whether the sequence is bona fide or which attack it is.
func (s *Sequence) Label() Label { return s.spec.Label }

// Action is the facial action the sequence shows (see Spec).
func (s *Sequence) Action() Action { return s.spec.Action }

// Spec is the spec the sequence was built from, defaults filled in.
func (s *Sequence) Spec() Spec { return s.spec }

// Frame renders (once) and returns frame i, wrapped into range, as an
// *image.RGBA. The image is shared: do not modify it.
func (s *Sequence) Frame(i int) image.Image {
	n := s.spec.Frames
	i = ((i % n) + n) % n
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frames[i] == nil {
		s.frames[i] = s.render(i)
	}
	return s.frames[i]
}

// Pose is the ground truth of frame i of the presented face (for a screen
// replay, of the recording; for a print, the sheet shows no pose change).
func (s *Sequence) Pose(i int) Pose {
	n := s.spec.Frames
	i = ((i % n) + n) % n
	if s.inner != nil {
		return s.inner.Pose(i)
	}
	p := Pose{Yaw: s.yaw(i) * 180 / math.Pi, EyeOpen: s.eyeOpen(i), Smile: s.smile(i)}
	if s.spec.Label == PrintAttack {
		p = Pose{EyeOpen: 1, Smile: 1}
	}
	if s.spec.Label == CutOutEyes {
		p.Yaw, p.Smile = 0, 1
	}
	return p
}

// progress is the position in the sequence, 0 to 1.
func (s *Sequence) progress(i int) float64 {
	if s.spec.Frames < 2 {
		return 0
	}
	return float64(i) / float64(s.spec.Frames-1)
}

// time in seconds at 15 frames per second.
func (s *Sequence) time(i int) float64 { return float64(i) / 15 }

// yaw of the head in radians.
func (s *Sequence) yaw(i int) float64 {
	p := s.p
	y := p.yawAmp * math.Sin(2*math.Pi*p.yawFreq*s.time(i)+p.yawPh)
	if s.spec.Label == BonaFide {
		switch s.spec.Action {
		case ActionTurnLeft:
			y += 18 * smoothstep(0.2, 0.6, s.progress(i))
		case ActionTurnRight:
			y -= 18 * smoothstep(0.2, 0.6, s.progress(i))
		}
	}
	return y * math.Pi / 180
}

func (s *Sequence) pitchAngle(i int) float64 {
	p := s.p
	return p.pitchAmp * math.Sin(2*math.Pi*p.pitchFreq*s.time(i)+p.pitchPh) * math.Pi / 180
}

// eyeOpen is the eyelid opening: one blink of five frames at blinkAt.
func (s *Sequence) eyeOpen(i int) float64 {
	blinks := s.spec.Action == ActionBlink || s.spec.Label == CutOutEyes
	if !blinks {
		return 1
	}
	d := math.Abs(float64(i) - s.p.blinkAt)
	return math.Min(1, math.Max(0, (d-0.6)/2))
}

// smile: neutral then smiling for ActionSmile, the portrait's smile
// otherwise.
func (s *Sequence) smile(i int) float64 {
	if s.spec.Action == ActionSmile && s.spec.Label != PrintAttack && s.spec.Label != CutOutEyes {
		return smoothstep(0.3, 0.6, s.progress(i))
	}
	return 1
}

// render draws frame i, rows split across the CPUs.
func (s *Sequence) render(i int) *image.RGBA {
	w, h := s.spec.Width, s.spec.Height
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var inner *image.RGBA
	if s.inner != nil {
		inner = s.inner.Frame(i).(*image.RGBA)
	}
	fs := s.frameState(i)
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y := k * h / workers; y < (k+1)*h/workers; y++ {
				s.renderRow(img, inner, &fs, i, y)
			}
		}()
	}
	wg.Wait()
	return img
}

// frameState holds what is fixed across a frame.
type frameState struct {
	sc                       float64 // output px per source px
	yawS, yawC               float64
	pitchS                   float64
	tx, ty                   float64
	open, smile              float64
	flick                    float64
	hinv                     [9]float64 // output px to nominal output px (instrument plane)
	eyeDx, eyeDy             float64    // cut-out: real eyes' shift behind the holes
	glareNx, glareNy, glareD float64
}

func (s *Sequence) frameState(i int) frameState {
	p := s.p
	w, h := float64(s.spec.Width), float64(s.spec.Height)
	t := s.time(i)
	yaw := s.yaw(i)
	fs := frameState{
		sc:     math.Min(w/windowW, h/(windowW*0.75)),
		yawS:   math.Sin(yaw),
		yawC:   math.Cos(yaw),
		pitchS: math.Sin(s.pitchAngle(i)),
		tx:     p.txAmp * math.Sin(2*math.Pi*p.tFreq*t+p.tPh),
		ty:     p.tyAmp * math.Sin(2*math.Pi*p.tFreq*1.3*t+p.tPh*0.7),
		open:   s.eyeOpen(i),
		smile:  s.smile(i),
		flick:  1 + p.flicker*math.Sin(2*math.Pi*2.3*t+p.flickerPh),
		eyeDx:  p.eyeJitter * math.Sin(2*math.Pi*1.7*t+p.tPh),
		eyeDy:  p.eyeJitter * 0.6 * math.Cos(2*math.Pi*1.3*t+p.yawPh),
	}
	if s.spec.Label != BonaFide {
		osc := func(k int, amp float64) float64 {
			return amp * math.Sin(2*math.Pi*p.planeFreq[k]*t+p.planePh[k])
		}
		a := osc(0, p.planeYaw) * math.Pi / 180
		b := osc(1, p.planePitch) * math.Pi / 180
		c := osc(2, p.rol) * math.Pi / 180
		H := planeHomography(a, b, c, p.scale, osc(3, p.planeTx), osc(4, p.planeTy), w, h)
		fs.hinv = inv3(H)
		ang := p.glareAng
		fs.glareNx, fs.glareNy = math.Cos(ang), math.Sin(ang)
		fs.glareD = p.glareO * w
	}
	return fs
}

// planeHomography maps nominal output coordinates of a plane to the image
// when the plane is rotated by yaw a, pitch b and roll c about its centre,
// scaled and shifted.
func planeHomography(a, b, c, scale, tx, ty, w, h float64) [9]float64 {
	ca, sa := math.Cos(a), math.Sin(a)
	cb, sb := math.Cos(b), math.Sin(b)
	cc, sc := math.Cos(c), math.Sin(c)
	// R = Ry(a)·Rx(b)·Rz(c); only its first two columns are needed.
	ry := [9]float64{ca, 0, sa, 0, 1, 0, -sa, 0, ca}
	rx := [9]float64{1, 0, 0, 0, cb, -sb, 0, sb, cb}
	rz := [9]float64{cc, -sc, 0, sc, cc, 0, 0, 0, 1}
	r := mul3(mul3(ry, rx), rz)
	f := 1.3 * w
	cx, cy := w/2, h/2
	// Plane point (X,Y) relative to the centre: P = s·X·r1 + s·Y·r2 + (0,0,f).
	m := [9]float64{
		scale * r[0], scale * r[1], 0,
		scale * r[3], scale * r[4], 0,
		scale * r[6], scale * r[7], f,
	}
	k := [9]float64{f, 0, cx + tx, 0, f, cy + ty, 0, 0, 1}
	shift := [9]float64{1, 0, -cx, 0, 1, -cy, 0, 0, 1}
	return mul3(mul3(k, m), shift)
}

func mul3(a, b [9]float64) [9]float64 {
	var c [9]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				c[i*3+j] += a[i*3+k] * b[k*3+j]
			}
		}
	}
	return c
}

func inv3(m [9]float64) [9]float64 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	return [9]float64{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}
}

func apply3(m [9]float64, x, y float64) (float64, float64) {
	z := m[6]*x + m[7]*y + m[8]
	return (m[0]*x + m[1]*y + m[2]) / z, (m[3]*x + m[4]*y + m[5]) / z
}

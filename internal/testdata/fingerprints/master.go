package fingerprints

import (
	"math"
	"math/rand/v2"
)

// master is the ideal fingerprint of one finger, independent of any
// impression effect. All arrays are row-major w×h.
type master struct {
	w, h   int
	class  Class
	sing   []SingularPoint
	shape  shape
	orient []float64 // ridge direction in [0, π), image coordinates
	period []float64 // local ridge period in pixels
	field  []float32 // smooth ridge signal in about [-1, 1], ridge > 0
}

// shape is the fingerprint silhouette: a super-ellipse with different
// upper and lower semi-axes.
type shape struct {
	cx, cy      float64
	a           float64 // horizontal semi-axis
	bTop, bBot  float64 // vertical semi-axes above and below the centre
	square      float64 // 0: ellipse, 1: squarer super-ellipse (exponent 4)
	minSemiAxis float64
}

// radius returns the normalised super-ellipse radius of (x, y): below 1 is
// inside the silhouette.
func (s *shape) radius(x, y float64) float64 {
	dx := (x - s.cx) / s.a
	b := s.bBot
	if y < s.cy {
		b = s.bTop
	}
	dy := (y - s.cy) / b
	dx2, dy2 := dx*dx, dy*dy
	return math.Sqrt((1-s.square)*(dx2+dy2) + s.square*math.Sqrt(dx2*dx2+dy2*dy2))
}

// dist approximates the signed distance in pixels to the silhouette edge,
// positive inside.
func (s *shape) dist(x, y float64) float64 {
	return (1 - s.radius(x, y)) * s.minSemiAxis
}

// pickClass draws a class with approximate natural frequencies.
func pickClass(rng *rand.Rand) Class {
	u := rng.Float64()
	switch {
	case u < 0.04:
		return Arch
	case u < 0.07:
		return TentedArch
	case u < 0.40:
		return LeftLoop
	case u < 0.72:
		return RightLoop
	default:
		return Whorl
	}
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// newMaster builds the master fingerprint for the given class (already
// resolved) and size from rng.
func newMaster(rng *rand.Rand, class Class, w, h int) *master {
	m := &master{w: w, h: h, class: class}
	fw, fh := float64(w), float64(h)
	sc := math.Min(fw/DefaultWidth, fh/DefaultHeight)

	// silhouette
	sh := shape{square: uniform(rng, 0.2, 0.6)}
	sh.cx = fw/2 + uniform(rng, -0.03, 0.03)*fw
	sh.cy = fh * uniform(rng, 0.46, 0.52)
	sh.a = fw * uniform(rng, 0.43, 0.52)
	sh.bTop = sh.cy - fh*uniform(rng, 0.0, 0.06)
	sh.bBot = fh*uniform(rng, 0.88, 0.96) - sh.cy
	sh.minSemiAxis = math.Min(sh.a, math.Min(sh.bTop, sh.bBot))
	m.shape = sh

	// singular points
	cy := fh * uniform(rng, 0.38, 0.48)
	cx := fw/2 + uniform(rng, -0.03, 0.03)*fw
	switch class {
	case LeftLoop, RightLoop:
		side := 1.0
		if class == RightLoop {
			side = -1
		}
		coreX := cx - side*sc*uniform(rng, 15, 45)
		core := SingularPoint{X: coreX, Y: cy, Kind: Core}
		delta := SingularPoint{X: coreX + side*sc*uniform(rng, 110, 150), Y: cy + sc*uniform(rng, 95, 140), Kind: Delta}
		m.sing = []SingularPoint{core, delta}
	case TentedArch:
		core := SingularPoint{X: cx, Y: cy, Kind: Core}
		delta := SingularPoint{X: cx + sc*uniform(rng, -8, 8), Y: cy + sc*uniform(rng, 50, 75), Kind: Delta}
		m.sing = []SingularPoint{core, delta}
	case Whorl:
		ang := math.Pi/2 + uniform(rng, -0.6, 0.6)
		if rng.IntN(2) == 0 {
			ang += math.Pi
		}
		sep := sc * uniform(rng, 10, 22)
		ccx, ccy := cx, cy+sc*15
		c1 := SingularPoint{X: ccx - sep*math.Cos(ang), Y: ccy - sep*math.Sin(ang), Kind: Core}
		c2 := SingularPoint{X: ccx + sep*math.Cos(ang), Y: ccy + sep*math.Sin(ang), Kind: Core}
		d1 := SingularPoint{X: ccx - sc*uniform(rng, 115, 150), Y: ccy + sc*uniform(rng, 85, 130), Kind: Delta}
		d2 := SingularPoint{X: ccx + sc*uniform(rng, 115, 150), Y: ccy + sc*uniform(rng, 85, 130), Kind: Delta}
		m.sing = []SingularPoint{c1, c2, d1, d2}
	}

	// loop rotation: the plain zero-pole model opens a loop along the
	// mirror of the core-delta direction, which is too steep; a smooth
	// bump of extra rotation around the core turns the loop towards the
	// horizontal without moving any singularity or changing its index.
	loopTurn := uniform(rng, 0.18, 0.30)
	loopReach := sc * uniform(rng, 110, 150)
	if class == RightLoop {
		loopTurn = -loopTurn
	} else if class != LeftLoop {
		loopTurn = 0
	}

	// arch parameters (also drawn for other classes to keep streams aligned)
	archAmp := uniform(rng, 0.9, 1.5)
	archWidth := sc * uniform(rng, 70, 100)
	archY := fh * uniform(rng, 0.30, 0.45)
	archDecay := sc * uniform(rng, 140, 200)

	om := &orientModel{sing: m.sing, turn: loopTurn, reach: loopReach}
	if class == LeftLoop || class == RightLoop || class == TentedArch {
		om.setRound(0, uniform(rng, 0.5, 0.85))
	} else {
		rng.Float64()
	}

	pert := newSmoothNoise(rng, fw, fh, 4, 180*sc)
	perAmp := uniform(rng, 0.04, 0.10)
	freqNoise := newSmoothNoise(rng, fw, fh, 4, 150*sc)
	basePeriod := uniform(rng, 8.6, 9.8)
	periodSlope := uniform(rng, 0.5, 1.5)

	pertGrid := pert.grid(w, h)
	freqGrid := freqNoise.grid(w, h)
	m.orient = make([]float64, w*h)
	m.period = make([]float64, w*h)
	for y := 0; y < h; y++ {
		fy := float64(y) + 0.5
		for x := 0; x < w; x++ {
			fx := float64(x) + 0.5
			var th float64
			if class == Arch {
				dx := (fx - sh.cx) / archWidth
				dy := fy - archY
				var wy float64
				if dy < 0 {
					wy = math.Exp(-dy * dy / (2 * archDecay * archDecay * 0.5))
				} else {
					wy = math.Exp(-dy / archDecay)
				}
				th = math.Atan(archAmp * dx * math.Exp(-0.5*dx*dx) * wy)
			} else {
				th = om.at(fx, fy)
			}
			th += perAmp * pertGrid[y*w+x]
			m.orient[y*w+x] = wrapPi(th)
			p := basePeriod + 0.6*freqGrid[y*w+x] + periodSlope*(0.5-fy/fh)
			m.period[y*w+x] = math.Max(7, math.Min(12, p))
		}
	}

	m.grow(rng)
	return m
}

// orientModel is the zero-pole model of Sherlock and Monro,
//
//	θ(z) = ½ Σ arg(z − core) − ½ Σ arg(z − delta),
//
// with two corrections for realism that keep every singularity and its
// Poincaré index: a smooth extra rotation around the first core (turn,
// fading with distance reach), which turns loops towards the horizontal,
// and a roundness term for chosen cores, which replaces arg α by
// α + k·sin(α − αh), where αh points to the loop head. The term makes the
// orientation wind like circles around the head and stay nearly constant
// along the legs, so loops get round heads and parallel legs instead of
// the widening parabolas of the plain model (in the spirit of the
// piecewise-linear correction used by SFinGe).
type orientModel struct {
	sing        []SingularPoint
	turn, reach float64
	round, head []float64 // per singular point; round 0 means no correction
}

// setRound enables the roundness correction of strength k for singular
// point i, a core, with the head direction derived from the rest of the
// field at the core.
func (o *orientModel) setRound(i int, k float64) {
	o.round = make([]float64, len(o.sing))
	o.head = make([]float64, len(o.sing))
	c := o.sing[i]
	rest := o.turn
	for j, s := range o.sing {
		if j == i {
			continue
		}
		a := math.Atan2(c.Y-s.Y, c.X-s.X)
		if s.Kind == Delta {
			rest -= a / 2
		} else {
			rest += a / 2
		}
	}
	// ridges cross the head perpendicularly: α/2 + rest = α + π/2
	o.head[i] = 2*rest - math.Pi
	o.round[i] = k
}

// at returns the ridge direction at (x, y), not reduced modulo π.
func (o *orientModel) at(x, y float64) float64 {
	var th float64
	for i, s := range o.sing {
		a := math.Atan2(y-s.Y, x-s.X)
		if o.round != nil && o.round[i] != 0 {
			a += o.round[i] * math.Sin(a-o.head[i])
		}
		if s.Kind == Delta {
			th -= a / 2
		} else {
			th += a / 2
		}
	}
	if o.turn != 0 {
		dx, dy := x-o.sing[0].X, y-o.sing[0].Y
		th += o.turn * math.Exp(-(dx*dx+dy*dy)/(2*o.reach*o.reach))
	}
	return th
}

func wrapPi(t float64) float64 {
	t = math.Mod(t, math.Pi)
	if t < 0 {
		t += math.Pi
	}
	return t
}

// smoothNoise is a sum of a few random plane waves: a cheap smooth random
// field in about [-1, 1].
type smoothNoise struct {
	kx, ky, ph, amp []float64
}

func newSmoothNoise(rng *rand.Rand, w, h float64, n int, scale float64) *smoothNoise {
	s := &smoothNoise{}
	var total float64
	for i := 0; i < n; i++ {
		ang := rng.Float64() * 2 * math.Pi
		wl := scale * uniform(rng, 0.7, 1.6)
		s.kx = append(s.kx, 2*math.Pi/wl*math.Cos(ang))
		s.ky = append(s.ky, 2*math.Pi/wl*math.Sin(ang))
		s.ph = append(s.ph, rng.Float64()*2*math.Pi)
		a := uniform(rng, 0.5, 1)
		s.amp = append(s.amp, a)
		total += a
	}
	for i := range s.amp {
		s.amp[i] /= total / 1.6
	}
	return s
}

// grid evaluates the noise at every pixel centre of a w×h grid, using
// sin(a+b) = sin a cos b + cos a sin b with per-row and per-column tables.
func (s *smoothNoise) grid(w, h int) []float64 {
	out := make([]float64, w*h)
	sx, cx := make([]float64, w), make([]float64, w)
	for i := range s.kx {
		for x := 0; x < w; x++ {
			sx[x], cx[x] = math.Sincos(s.kx[i]*(float64(x)+0.5) + s.ph[i])
		}
		for y := 0; y < h; y++ {
			sy, cy := math.Sincos(s.ky[i] * (float64(y) + 0.5))
			row := out[y*w : y*w+w]
			a := s.amp[i]
			for x := range row {
				row[x] += a * (sx[x]*cy + cx[x]*sy)
			}
		}
	}
	for i, v := range out {
		out[i] = math.Max(-1, math.Min(1, v))
	}
	return out
}

func (s *smoothNoise) at(x, y float64) float64 {
	var v float64
	for i := range s.kx {
		v += s.amp[i] * math.Sin(s.kx[i]*x+s.ky[i]*y+s.ph[i])
	}
	return math.Max(-1, math.Min(1, v))
}

// grow creates the ridge pattern by iterative contextual Gabor filtering
// of sparse random seeds: every pass reinforces the ridge orientation and
// period wanted locally and saturates the result, so ridges spread from
// the seeds and meet, leaving minutiae where they do not line up. The
// growth runs on a half-resolution grid, where it is four times cheaper
// per pass and ridges spread twice as fast; a few full-resolution passes
// then refine the upsampled pattern.
func (m *master) grow(rng *rand.Rand) {
	const (
		halfIters = 12
		fullIters = 2
		sigAcross = 3.0
		sigAlong  = 3.6
	)
	w, h := m.w, m.h
	hw, hh := (w+1)/2, (h+1)/2
	margin := 2.0 * maxRadius
	idx := make([]int16, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if m.shape.dist(float64(x)+0.5, float64(y)+0.5) < -margin {
				idx[i] = -1
				continue
			}
			idx[i] = int16(orientIndex(m.orient[i])*nPeriod + periodIndex(m.period[i]))
		}
	}
	hidx := make([]int16, hw*hh)
	for y := 0; y < hh; y++ {
		for x := 0; x < hw; x++ {
			hidx[y*hw+x] = idx[min(2*y+1, h-1)*w+min(2*x+1, w-1)]
		}
	}
	sat := func(v float32) float32 {
		v *= 2.5
		if v > 1 {
			return 1
		}
		if v < -1 {
			return -1
		}
		return v
	}

	halfBank := newGaborBank(sigAcross, sigAlong, 0.5, 4)
	a, b := newPadded(hw, hh), newPadded(hw, hh)
	nSeeds := hw * hh / 400
	for range nSeeds {
		x, y := rng.IntN(hw), rng.IntN(hh)
		v := float32(1)
		if rng.IntN(2) == 0 {
			v = -1
		}
		a.set(x, y, v)
	}
	for it := range halfIters {
		halfBank.filterPass(a, b, hidx, sat)
		a, b = b, a
		// a little noise breaks the symmetric stand-offs where two
		// growth fronts meet in opposite phase along a ridge
		if it >= 6 && it < halfIters-2 {
			for y := 0; y < hh; y++ {
				row := a.pix[(y+pad)*a.stride+pad : (y+pad)*a.stride+pad+hw]
				for x := range row {
					row[x] += 0.12 * (rng.Float32() - 0.5)
				}
			}
		}
	}

	// bilinear upsampling
	fa, fb := newPadded(w, h), newPadded(w, h)
	for y := 0; y < h; y++ {
		v := (float64(y)+0.5)/2 - 0.5
		y0 := int(math.Floor(v))
		fy := float32(v - float64(y0))
		y0c, y1c := max(y0, 0), min(y0+1, hh-1)
		for x := 0; x < w; x++ {
			u := (float64(x)+0.5)/2 - 0.5
			x0 := int(math.Floor(u))
			fx := float32(u - float64(x0))
			x0c, x1c := max(x0, 0), min(x0+1, hw-1)
			top := (1-fx)*a.at(x0c, y0c) + fx*a.at(x1c, y0c)
			bot := (1-fx)*a.at(x0c, y1c) + fx*a.at(x1c, y1c)
			fa.set(x, y, (1-fy)*top+fy*bot)
		}
	}
	fullBank := newGaborBank(sigAcross, sigAlong, 1, 7)
	for range fullIters {
		fullBank.filterPass(fa, fb, idx, sat)
		fa, fb = fb, fa
	}
	fullBank.filterPass(fa, fb, idx, func(v float32) float32 { return v })
	m.field = make([]float32, w*h)
	for y := 0; y < h; y++ {
		copy(m.field[y*w:y*w+w], fb.pix[(y+pad)*fb.stride+pad:])
	}
	// normalise to unit local amplitude, so that high-curvature areas
	// (where the filters respond weakly) keep full contrast
	energy := make([]float32, w*h)
	for i, v := range m.field {
		energy[i] = v * v
	}
	gaussBlur(energy, w, h, 5)
	for i, v := range m.field {
		m.field[i] = v / float32(math.Sqrt(2*float64(energy[i])+1e-4))
	}
}

package faces

import (
	"image"
	"math"
)

// renderRow draws row y of frame i.
func (s *Sequence) renderRow(img *image.RGBA, inner *image.RGBA, fs *frameState, i, y int) {
	w, h := float64(s.spec.Width), float64(s.spec.Height)
	p := &s.p
	g := s.gen
	row := img.Pix[y*img.Stride:]
	fy := float64(y)
	for x := 0; x < s.spec.Width; x++ {
		fx := float64(x)
		var c [3]float64
		switch s.spec.Label {
		case BonaFide:
			sx, sy := windowX+(fx-w/2)/fs.sc, windowY+(fy-h/2)/fs.sc
			c = g.subject(fs, sx, sy)
		case PrintAttack, CutOutEyes:
			qx, qy := apply3(fs.hinv, fx, fy)
			// A slightly bent sheet: the texture stretches towards the
			// edges and the light falls off across the bend.
			qn := (qx - w/2) / (w / 2)
			qx = w/2 + (qx-w/2)*(1-0.04*p.bend*qn*qn)
			sx, sy := windowX+(qx-w/2)/fs.sc, windowY+(qy-h/2)/fs.sc
			c = g.printed(p, s.spec.Seed, sx, sy)
			shade := 1 - p.bend*qn*qn
			for k := range c {
				c[k] *= shade
			}
			if s.spec.Label == CutOutEyes {
				if e, edge, ok := g.cutOut(fs, sx, sy); ok {
					if edge {
						c = [3]float64{c[0] * 0.35, c[1] * 0.35, c[2] * 0.35}
					} else {
						c = e
					}
				}
			}
		case ScreenReplay:
			c = s.screen(fs, inner, fx, fy)
		}
		// Scene light, flicker and sensor noise.
		light := fs.flick * (1 + p.gradX*(2*fx/w-1) + p.gradY*(2*fy/h-1))
		n := tri3(s.spec.Seed*0x9e3779b97f4a7c15 + uint64(i)*0xbf58476d1ce4e5b9 + uint64(y)*0x94d049bb133111eb + uint64(x)*0x2545f4914f6cdd1d)
		for k := range 3 {
			v := c[k]*p.gain[k]*light + p.noise*2.4*n[k]
			row[4*x+k] = uint8(math.Max(0, math.Min(255, v*255+0.5)))
		}
		row[4*x+3] = 255
	}
}

// subject samples the live head at source coordinates: the head turns
// with its depth (parallax against the still background), the mouth and
// the eyelids move.
func (g *Generator) subject(fs *frameState, sx, sy float64) [3]float64 {
	ux, uy := sx, sy
	hx, hy := (sx-headX)/headAX, (sy-headY)/headAY
	if hx*hx+hy*hy > 1.8 {
		// Far from the head: the still background.
		return g.src.sample(sx, sy)
	}
	for range 3 {
		j := g.index(ux, uy)
		m, d := float64(g.mask[j]), float64(g.depth[j])
		ux = sx - m*(fs.tx+d*fs.yawS+(ux-headX)*(fs.yawC-1))
		uy = sy - m*(fs.ty+d*fs.pitchS)
	}
	if fs.smile < 1 {
		dx, dy := (ux-mouthX)/mouthAX, (uy-mouthY)/mouthAY
		if r2 := dx*dx + dy*dy; r2 < 1 {
			k := (1 - fs.smile) * (1 - r2) * (1 - r2)
			ux = mouthX + (ux-mouthX)*(1+0.3*k)
			uy = mouthY + (uy-mouthY)*(1+0.6*k)
		}
	}
	return g.eyes(fs.open, ux, uy)
}

// eyes samples the portrait with the eyelids at the given opening.
func (g *Generator) eyes(open, ux, uy float64) [3]float64 {
	c := g.src.sample(ux, uy)
	if open >= 1 {
		return c
	}
	for _, e := range [2]point{{eyeLX, eyeLY}, {eyeRX, eyeRY}} {
		dx, dy := (ux-e[0])/(eyeAX+1), (uy-e[1])/(eyeAY+1)
		r2 := dx*dx + dy*dy
		if r2 >= 1 {
			continue
		}
		lid := e[1] - eyeAY - 1 + (1-open)*2*(eyeAY+1)
		if uy < lid {
			skin := g.src.sample(ux, e[1]+eyeAY+4)
			a := 1 - smoothstep(0.75, 1, math.Sqrt(r2))
			for k := range c {
				c[k] = c[k]*(1-a) + skin[k]*0.93*a
			}
		}
		if d := math.Abs(uy - lid); d < 1 {
			a := (1 - d) * (1 - smoothstep(0.7, 1, math.Sqrt(r2)))
			for k := range c {
				c[k] *= 1 - 0.6*a
			}
		}
	}
	return c
}

// printed samples the photo as printed on matte paper.
func (g *Generator) printed(p *params, seed uint64, sx, sy float64) [3]float64 {
	var c [3]float64
	if sx < 0 || sy < 0 || sx > float64(g.src.w-1) || sy > float64(g.src.h-1) {
		c = [3]float64{1, 1, 1}
	} else {
		c = g.src.sample(sx, sy)
		l := 0.3*c[0] + 0.59*c[1] + 0.11*c[2]
		for k := range c {
			v := math.Max(0, l+(c[k]-l)*p.satP)
			c[k] = lut(&p.printTone, v)
		}
	}
	// Paper fibres: a fixed texture on the sheet.
	tex := 1 + 0.035*tri(seed^0xa0761d6478bd642f+uint64(int(sx*2)+4096)*0x100000001b3+uint64(int(sy*2)+4096)*0xe7037ed1a0b428db)
	for k := range c {
		c[k] *= p.paperTint[k] * tex
	}
	return c
}

// cutOut reports whether source point (sx, sy) of the print lies in an eye
// hole; if so, it returns the real eye behind it (or edge for the hole's
// rim).
func (g *Generator) cutOut(fs *frameState, sx, sy float64) (c [3]float64, edge, ok bool) {
	for _, e := range [2]point{{eyeLX, eyeLY}, {eyeRX, eyeRY}} {
		dx, dy := (sx-e[0])/(eyeAX+4), (sy-e[1])/(eyeAY+3)
		r2 := dx*dx + dy*dy
		if r2 >= 1 {
			continue
		}
		if r2 > 0.8 {
			return c, true, true
		}
		return g.eyes(fs.open, sx+fs.eyeDx, sy+fs.eyeDy), false, true
	}
	return c, false, false
}

// screen draws the display replaying the recording, its bezel and the room
// around it.
func (s *Sequence) screen(fs *frameState, inner *image.RGBA, fx, fy float64) [3]float64 {
	w, h := float64(s.spec.Width), float64(s.spec.Height)
	p := &s.p
	qx, qy := apply3(fs.hinv, fx, fy)
	bez := 0.05 * w
	switch {
	case qx < -bez || qy < -bez || qx > w+bez || qy > h+bez:
		// The room: a soft grey wall.
		v := 0.55 + 0.1*math.Sin(fx/w*2.1+fy/h*1.3)
		return [3]float64{v, v * 0.98, v * 0.95}
	case qx < 0 || qy < 0 || qx > w-1 || qy > h-1:
		return [3]float64{0.06, 0.06, 0.07}
	}
	c := sampleRGBA(inner, qx, qy)
	// Pixel grid: RGB stripes and dark rows at the panel's pitch, averaged
	// over the camera pixel (2×2 samples).
	var mask [3]float64
	for _, o := range [4][2]float64{{-0.25, -0.25}, {0.25, -0.25}, {-0.25, 0.25}, {0.25, 0.25}} {
		mx, my := apply3(fs.hinv, fx+o[0], fy+o[1])
		sub := int(3*frac(mx/p.pitch)) % 3
		row := 1.0
		if frac(my/p.pitch) < 0.2 {
			row = 0.4
		}
		mask[sub] += 0.25 * row
	}
	mask[0], mask[1], mask[2] = 3*mask[0], 3*mask[1], 3*mask[2]
	for k := range c {
		v := lut(&p.screenTone, c[k]) * p.tintS[k] * (1 + 0.2*(mask[k]-0.5))
		c[k] = v
	}
	// A reflection across the glass.
	d := (qx-w/2)*fs.glareNx + (qy-h/2)*fs.glareNy - fs.glareD
	gl := p.glareA * math.Exp(-d*d/(2*p.glareW*p.glareW*w*w))
	for k := range c {
		c[k] += gl
	}
	return c
}

func frac(v float64) float64 { return v - math.Floor(v) }

// index is the nearest source pixel, clamped.
func (g *Generator) index(x, y float64) int {
	xi := min(max(int(x+0.5), 0), g.src.w-1)
	yi := min(max(int(y+0.5), 0), g.src.h-1)
	return yi*g.src.w + xi
}

// sample is a bilinear sample, clamped at the edges.
func (p *rgbPlane) sample(x, y float64) [3]float64 {
	x = math.Max(0, math.Min(float64(p.w-1), x))
	y = math.Max(0, math.Min(float64(p.h-1), y))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	i00, i01, i10, i11 := y0*p.w+x0, y0*p.w+x1, y1*p.w+x0, y1*p.w+x1
	bl := func(c []float32) float64 {
		a := c[i00]*(1-fx) + c[i01]*fx
		b := c[i10]*(1-fx) + c[i11]*fx
		return float64(a*(1-fy) + b*fy)
	}
	return [3]float64{bl(p.r), bl(p.g), bl(p.b)}
}

// sampleRGBA is a bilinear sample of an RGBA image, 0..1.
func sampleRGBA(img *image.RGBA, x, y float64) [3]float64 {
	b := img.Bounds()
	x = math.Max(0, math.Min(float64(b.Dx()-1), x))
	y = math.Max(0, math.Min(float64(b.Dy()-1), y))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, b.Dx()-1), min(y0+1, b.Dy()-1)
	fx, fy := x-float64(x0), y-float64(y0)
	var c [3]float64
	for k := range 3 {
		a := float64(img.Pix[y0*img.Stride+4*x0+k])*(1-fx) + float64(img.Pix[y0*img.Stride+4*x1+k])*fx
		bb := float64(img.Pix[y1*img.Stride+4*x0+k])*(1-fx) + float64(img.Pix[y1*img.Stride+4*x1+k])*fx
		c[k] = (a*(1-fy) + bb*fy) / 255
	}
	return c
}

// tri3 is three noise values like tri from one hash.
func tri3(key uint64) [3]float64 {
	z := key + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	var n [3]float64
	for k := range n {
		a, b := float64(z&1023), float64((z>>10)&1023)
		n[k] = (a+b)/1023 - 1
		z >>= 20
	}
	return n
}

// toneLUT tabulates a tone curve on 0..1.
type toneLUT [1025]float32

func newToneLUT(f func(float64) float64) toneLUT {
	var t toneLUT
	for i := range t {
		t[i] = float32(f(float64(i) / 1024))
	}
	return t
}

func lut(t *toneLUT, v float64) float64 {
	return float64(t[min(max(int(v*1024+0.5), 0), 1024)])
}

// tri is a deterministic noise value in -1..1 with a triangular
// distribution (standard deviation about 0.41), from a hash of key.
func tri(key uint64) float64 {
	z := key + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	a := float64(z&0xffffffff) / (1 << 32)
	b := float64(z>>32) / (1 << 32)
	return a + b - 1
}

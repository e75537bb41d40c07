package fingerprints

import (
	"image"
	"math"
	"math/rand/v2"
)

// impression renders a master as one scanner acquisition. Every random
// quantity is drawn whatever the effect strengths, so two impressions of
// the same seed differ only by the amplitudes of identical noise
// realisations: raising a strength degrades the same image further.
type impression struct {
	m    *master
	w, h int

	dry, wet, noise, blur, partial, distort float64

	// geometry: image = rot(master - c) + c + t, plus skin distortion
	cx, cy, rot, tx, ty  float64
	skinTx, skinTy       float64
	skinRot, rigidR, brk float64
	cosR, sinR           float64 // of -rot
	cosS, sinS           float64 // of skinRot

	// partial contact: keep points with (q-c)·u < cut
	ux, uy, cut float64

	edgeNoise, blotch, wetBlob, pressureNoise, pores *valueNoise
	pixNoise                                         []float32
	speckle                                          []float32
}

func newImpression(rng *rand.Rand, m *master, p Params) *impression {
	im := &impression{m: m, w: m.w, h: m.h}
	d := p.Degradation
	dryFirst := rng.IntN(2) == 0
	wNoise := uniform(rng, 0.8, 1.0)
	wBlur := uniform(rng, 0.6, 0.9)
	wPartial := uniform(rng, 0.5, 0.9)
	wDist := uniform(rng, 0.6, 1.0)
	pick := func(explicit, derived float64) float64 {
		if explicit > 0 {
			return explicit
		}
		return derived
	}
	derivedDry, derivedWet := d, 0.0
	if !dryFirst {
		derivedDry, derivedWet = 0, d
	}
	im.dry = pick(p.Dryness, derivedDry)
	im.wet = pick(p.Wetness, derivedWet)
	im.noise = pick(p.Noise, d*wNoise)
	im.blur = pick(p.Blur, math.Pow(d, 1.5)*wBlur)
	im.partial = pick(p.PartialContact, d*wPartial)
	im.distort = pick(p.Distortion, d*wDist)

	fw, fh := float64(m.w), float64(m.h)
	sc := math.Min(fw/DefaultWidth, fh/DefaultHeight)
	im.cx, im.cy = m.shape.cx, m.shape.cy
	im.rot = uniform(rng, -1, 1) * 0.10 * im.distort
	im.tx = uniform(rng, -1, 1) * 12 * sc * im.distort
	im.ty = uniform(rng, -1, 1) * 12 * sc * im.distort
	ang := rng.Float64() * 2 * math.Pi
	mag := uniform(rng, 0.6, 1) * 14 * sc * im.distort
	im.skinTx, im.skinTy = mag*math.Cos(ang), mag*math.Sin(ang)
	im.skinRot = uniform(rng, -1, 1) * 0.08 * im.distort
	im.cosR, im.sinR = math.Cos(-im.rot), math.Sin(-im.rot)
	im.cosS, im.sinS = math.Cos(im.skinRot), math.Sin(im.skinRot)
	im.rigidR = m.shape.minSemiAxis * uniform(rng, 0.25, 0.4)
	im.brk = m.shape.minSemiAxis * uniform(rng, 0.5, 0.8)

	pa := rng.Float64() * 2 * math.Pi
	im.ux, im.uy = math.Cos(pa), math.Sin(pa)
	// extent of the silhouette along u, roughly
	ext := math.Abs(im.ux)*m.shape.a + math.Abs(im.uy)*0.5*(m.shape.bTop+m.shape.bBot)
	im.cut = ext * (1.3 - 1.35*im.partial)

	im.edgeNoise = newValueNoise(rng, m.w, m.h, 24*sc)
	im.blotch = newValueNoise(rng, m.w, m.h, 7)
	im.wetBlob = newValueNoise(rng, m.w, m.h, 14)
	im.pressureNoise = newValueNoise(rng, m.w, m.h, 60*sc)
	im.pores = newValueNoise(rng, m.w, m.h, 2.6)
	n := m.w * m.h
	im.pixNoise = make([]float32, n)
	im.speckle = make([]float32, n)
	for i := range n {
		im.pixNoise[i] = float32(rng.NormFloat64())
		im.speckle[i] = float32(rng.Float64())
	}
	return im
}

// backward maps an image point to master coordinates.
func (im *impression) backward(x, y float64) (float64, float64) {
	// undo the global rigid motion
	x -= im.cx + im.tx
	y -= im.cy + im.ty
	c, s := im.cosR, im.sinR
	px, py := c*x-s*y, s*x+c*y
	// skin distortion: rigid core, elastic periphery (Cappelli et al. 2001)
	if r2 := px*px + py*py; r2 > im.rigidR*im.rigidR && im.distort > 0 {
		b := smoothstep(0, 1, (math.Sqrt(r2)-im.rigidR)/im.brk)
		cr, sr := im.cosS, im.sinS
		qx := cr*px - sr*py + im.skinTx
		qy := sr*px + cr*py + im.skinTy
		px += b * (qx - px)
		py += b * (qy - py)
	}
	return px + im.cx, py + im.cy
}

// forward maps a master point into the image by fixed-point inversion of
// backward, which is close to the identity.
func (im *impression) forward(x, y float64) (float64, float64) {
	px, py := x, y
	for range 30 {
		bx, by := im.backward(px, py)
		ex, ey := x-bx, y-by
		px += ex
		py += ey
		if ex*ex+ey*ey < 1e-6 {
			break
		}
	}
	return px, py
}

func smoothstep(a, b, x float64) float64 {
	t := (x - a) / (b - a)
	if t <= 0 {
		return 0
	}
	if t >= 1 {
		return 1
	}
	return t * t * (3 - 2*t)
}

// sampleField samples the master ridge signal bilinearly.
func (m *master) sampleField(x, y float64) float64 {
	x -= 0.5
	y -= 0.5
	x0, y0 := math.Floor(x), math.Floor(y)
	ix, iy := int(x0), int(y0)
	fx, fy := x-x0, y-y0
	get := func(i, j int) float64 {
		if i < 0 || j < 0 || i >= m.w || j >= m.h {
			return 0
		}
		return float64(m.field[j*m.w+i])
	}
	return (1-fy)*((1-fx)*get(ix, iy)+fx*get(ix+1, iy)) + fy*((1-fx)*get(ix, iy+1)+fx*get(ix+1, iy+1))
}

// render draws the impression and its foreground mask.
func (im *impression) render() (*image.Gray, *image.Gray) {
	w, h := im.w, im.h
	out := make([]float32, w*h)
	fgm := image.NewGray(image.Rect(0, 0, w, h))
	const bg = 246.0
	valley := 236.0 - 70*im.wet - 15*im.noise
	ridge := 22.0 + 85*im.dry + 35*im.noise + 30*im.wet
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			qx, qy := im.backward(float64(x)+0.5, float64(y)+0.5)
			en := im.edgeNoise.at(qx, qy)
			edge := im.m.shape.dist(qx, qy) + 7*en
			pc := im.cut - ((qx-im.cx)*im.ux + (qy-im.cy)*im.uy) + 5*en
			dd := math.Min(edge, pc)
			contact := smoothstep(-2, 2, dd)
			if contact <= 0 {
				out[i] = bg
				continue
			}
			if contact >= 0.5 {
				fgm.Pix[i] = 255
			}
			// pressure falls towards the contact border
			pressure := smoothstep(0, 25+20*im.partial, dd) * (1 - 0.35*im.dry*(0.5+0.5*im.pressureNoise.at(qx, qy)))
			v := im.m.sampleField(qx, qy)
			t := 0.1 + 0.5*im.dry - 0.45*im.wet + 0.55*(1-pressure)
			t += 0.65 * im.dry * im.blotch.at(qx, qy)
			t -= 0.9 * im.wet * math.Max(0, im.wetBlob.at(qx, qy)+0.2)
			// near the edge the print breaks into speckle
			t += (1 - smoothstep(0, 10, dd)) * (float64(im.speckle[i]) - 0.3) * 1.5
			soft := 0.22 + 0.2*im.wet
			r := smoothstep(t-soft, t+soft, v)
			// sweat pores and uneven inking along the ridges
			pn := im.pores.at(qx, qy)
			r *= 1 - 0.75*smoothstep(0.55, 0.85, pn)*smoothstep(0.3, 0.9, v)
			pv := im.pressureNoise.at(qx, qy)
			g := valley - (valley-ridge-12*pv)*r
			out[i] = float32(bg + (g-bg)*contact)
		}
	}
	// optics always soften a little; blur and wet smudging add to it
	gaussBlur(out, w, h, math.Sqrt(0.7*0.7+(2.0*im.blur)*(2.0*im.blur)+(im.wet)*(im.wet)))
	sigma := 3 + 24*im.noise
	for i := range out {
		out[i] += float32(sigma) * im.pixNoise[i]
	}
	return grayFrom(w, h, out), fgm
}

// valueNoise is smooth random noise in [-1, 1] interpolated from a grid.
type valueNoise struct {
	gw, gh int
	cell   float64
	v      []float64
}

func newValueNoise(rng *rand.Rand, w, h int, cell float64) *valueNoise {
	// cover a margin because distortion may look slightly outside
	gw := int(float64(w)/cell) + 6
	gh := int(float64(h)/cell) + 6
	n := &valueNoise{gw: gw, gh: gh, cell: cell, v: make([]float64, gw*gh)}
	for i := range n.v {
		n.v[i] = rng.Float64()*2 - 1
	}
	return n
}

func (n *valueNoise) at(x, y float64) float64 {
	gx := x/n.cell + 2
	gy := y/n.cell + 2
	x0, y0 := math.Floor(gx), math.Floor(gy)
	ix, iy := int(x0), int(y0)
	ix = max(0, min(ix, n.gw-2))
	iy = max(0, min(iy, n.gh-2))
	fx := smoothstep(0, 1, gx-x0)
	fy := smoothstep(0, 1, gy-y0)
	v00 := n.v[iy*n.gw+ix]
	v10 := n.v[iy*n.gw+ix+1]
	v01 := n.v[(iy+1)*n.gw+ix]
	v11 := n.v[(iy+1)*n.gw+ix+1]
	return (1-fy)*((1-fx)*v00+fx*v10) + fy*((1-fx)*v01+fx*v11)
}

// gaussBlur blurs a plane in place with a separable Gaussian.
func gaussBlur(p []float32, w, h int, sigma float64) {
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	var sum float64
	for i := -r; i <= r; i++ {
		v := math.Exp(-float64(i*i) / (2 * sigma * sigma))
		k[i+r] = float32(v)
		sum += v
	}
	for i := range k {
		k[i] /= float32(sum)
	}
	tmp := make([]float32, len(p))
	for y := 0; y < h; y++ {
		row := p[y*w : y*w+w]
		for x := 0; x < w; x++ {
			var s float32
			for i := -r; i <= r; i++ {
				xx := min(max(x+i, 0), w-1)
				s += k[i+r] * row[xx]
			}
			tmp[y*w+x] = s
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float32
			for i := -r; i <= r; i++ {
				yy := min(max(y+i, 0), h-1)
				s += k[i+r] * tmp[yy*w+x]
			}
			p[y*w+x] = s
		}
	}
}

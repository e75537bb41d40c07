package finger

import (
	"fmt"
	"image"
	"math"
)

// MinutiaKind tells a ridge ending from a bifurcation.
type MinutiaKind int

// Minutia kinds.
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

// Minutia is one minutia: position in pixels (x to the right, y
// downwards), direction in radians measured from +x towards +y (image
// coordinates, y down) and kind. For an ending the direction points from
// the ending into its ridge, in [0, 2π); for a bifurcation it is the local
// ridge orientation, in [0, π).
type Minutia struct {
	X     int         `json:"x"`
	Y     int         `json:"y"`
	Angle float64     `json:"angle"`
	Kind  MinutiaKind `json:"kind"`
}

// Extractor parameters, calibrated on the five NIST reference prints so
// that the counts come near FingerJet's (see the package documentation).
const (
	oBlock      = 8  // orientation field grid step
	oWindow     = 24 // orientation estimation window
	alongHalf   = 4  // ridge-direction smoothing: ±alongHalf pixels
	acrossHalf  = 5  // local threshold window across the ridges
	borderDist  = 14 // minutiae closer to background or image edge are dropped
	spurLength  = 10 // endings whose ridge meets another minutia within this are dropped
	clusterDist = 7  // two minutiae closer than this are both dropped
	minCoh      = 0.3
	nAngleBins  = 32
)

// ExtractMinutiae finds ridge endings and bifurcations in a 500 ppi 8-bit
// image: orientation field, smoothing along and thresholding across the
// ridges, thinning, crossing numbers, and removal of minutiae near the
// background, on short spurs and in tight clusters. Coordinates are those
// of img. The image size limits of Assess apply.
func ExtractMinutiae(img *image.Gray) ([]Minutia, error) {
	g, off, err := prepare(img, referenceResolution)
	if err != nil {
		return nil, err
	}
	mu, sigma := meanStd(g)
	if sigma < UniformThreshold || mu > EmptyThreshold {
		return nil, fmt.Errorf("%w: mean grey level %.1f, standard deviation %.2f", ErrEmptyImage, mu, sigma)
	}
	ms := extractMinutiae(g)
	b := img.Bounds().Min.Add(off)
	for i := range ms {
		ms[i].X += b.X
		ms[i].Y += b.Y
	}
	return ms, nil
}

// orientField is a block-wise ridge orientation field.
type orientField struct {
	bw, bh int
	theta  []float64 // ridge direction in [0, π)
	coh    []float64
	fg     []bool
}

// newOrientField estimates the ridge orientation on an oBlock grid from
// the gradient structure tensor summed over oWindow windows, smooths the
// doubled-angle vectors over 3×3 blocks and marks foreground blocks
// (enough contrast and coherence).
func newOrientField(g *gray, sigma float64) *orientField {
	w, h := g.w, g.h
	f := &orientField{bw: (w + oBlock - 1) / oBlock, bh: (h + oBlock - 1) / oBlock}
	n := f.bw * f.bh
	// per-block sums of gx², gy², gx·gy, grey level and its square; the
	// oWindow window around a block centre is exactly its 3×3 blocks
	type sums struct{ xx, yy, xy, s, q, n float64 }
	bs := make([]sums, n)
	for y := 0; y < h; y++ {
		row := g.pix[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			var gx, gy float64
			if x > 0 && x < w-1 {
				gx = float64(row[x+1]) - float64(row[x-1])
			}
			if y > 0 && y < h-1 {
				gy = float64(g.pix[(y+1)*w+x]) - float64(g.pix[(y-1)*w+x])
			}
			v := float64(row[x])
			b := &bs[(y/oBlock)*f.bw+x/oBlock]
			b.xx += gx * gx
			b.yy += gy * gy
			b.xy += gx * gy
			b.s += v
			b.q += v * v
			b.n++
		}
	}
	vx := make([]float64, n)
	vy := make([]float64, n)
	den := make([]float64, n)
	f.fg = make([]bool, n)
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			var t sums
			for yy := max(by-1, 0); yy <= min(by+1, f.bh-1); yy++ {
				for xx := max(bx-1, 0); xx <= min(bx+1, f.bw-1); xx++ {
					b := &bs[yy*f.bw+xx]
					t.xx += b.xx
					t.yy += b.yy
					t.xy += b.xy
					t.s += b.s
					t.q += b.q
					t.n += b.n
				}
			}
			k := by*f.bw + bx
			vx[k], vy[k], den[k] = t.xx-t.yy, 2*t.xy, t.xx+t.yy
			m := t.s / t.n
			sd := math.Sqrt(math.Max(0, t.q/t.n-m*m))
			f.fg[k] = sd > 0.25*sigma && sd > 4
		}
	}
	f.theta = make([]float64, n)
	f.coh = make([]float64, n)
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			var sx, sy, sd float64
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					yy, xx := by+dy, bx+dx
					if yy < 0 || xx < 0 || yy >= f.bh || xx >= f.bw {
						continue
					}
					k := yy*f.bw + xx
					sx += vx[k]
					sy += vy[k]
					sd += den[k]
				}
			}
			k := by*f.bw + bx
			// gradient direction is 0.5*atan2; ridges run perpendicular
			t := 0.5*math.Atan2(sy, sx) + math.Pi/2
			if t >= math.Pi {
				t -= math.Pi
			}
			f.theta[k] = t
			if sd > 0 {
				f.coh[k] = math.Hypot(sx, sy) / sd
			}
		}
	}
	return f
}

// binarize smooths each pixel along its ridge direction and marks it as
// ridge when it is darker than the mean of the smoothed values across the
// ridge. Pixels of background blocks are left as valley.
func binarize(g *gray, f *orientField) []bool {
	w, h := g.w, g.h
	const pad = acrossHalf + alongHalf + 1
	pw := w + 2*pad
	ph := h + 2*pad
	src := make([]float32, pw*ph)
	for y := 0; y < ph; y++ {
		sy := min(max(y-pad, 0), h-1)
		for x := 0; x < pw; x++ {
			sx := min(max(x-pad, 0), w-1)
			src[y*pw+x] = float32(g.pix[sy*w+sx])
		}
	}
	// per angle bin, the index offsets along and across the ridge
	var along [nAngleBins][2*alongHalf + 1]int
	var across [nAngleBins][2*acrossHalf + 1]int
	for b := 0; b < nAngleBins; b++ {
		t := (float64(b) + 0.5) * math.Pi / nAngleBins
		c, s := math.Cos(t), math.Sin(t)
		for k := -alongHalf; k <= alongHalf; k++ {
			dx, dy := int(math.Round(float64(k)*c)), int(math.Round(float64(k)*s))
			along[b][k+alongHalf] = dy*pw + dx
		}
		for k := -acrossHalf; k <= acrossHalf; k++ {
			dx, dy := int(math.Round(-float64(k)*s)), int(math.Round(float64(k)*c))
			across[b][k+acrossHalf] = dy*pw + dx
		}
	}
	bin := func(x, y int) int {
		t := f.theta[(y/oBlock)*f.bw+x/oBlock]
		return min(int(t/math.Pi*nAngleBins), nAngleBins-1)
	}
	sm := make([]float32, pw*ph)
	// smoothing along the ridge, on the padded grid (borders replicate)
	parallelRows(ph, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			iy := min(max(y-pad, 0), h-1)
			for x := 0; x < pw; x++ {
				ix := min(max(x-pad, 0), w-1)
				i := y*pw + x
				if y < alongHalf || y >= ph-alongHalf || x < alongHalf || x >= pw-alongHalf {
					sm[i] = src[i]
					continue
				}
				var s float32
				for _, o := range along[bin(ix, iy)] {
					s += src[i+o]
				}
				sm[i] = s / (2*alongHalf + 1)
			}
		}
	})
	out := make([]bool, w*h)
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := 0; x < w; x++ {
				k := (y/oBlock)*f.bw + x/oBlock
				if !f.fg[k] {
					continue
				}
				i := (y+pad)*pw + x + pad
				b := bin(x, y)
				var s float32
				for _, o := range across[b] {
					s += sm[i+o]
				}
				// the pixel itself with its two neighbours across
				c := (sm[i+across[b][acrossHalf-1]] + 2*sm[i] + sm[i+across[b][acrossHalf+1]]) / 4
				out[y*w+x] = c < s/(2*acrossHalf+1)
			}
		}
	})
	return out
}

// thin reduces the ridges to one-pixel-wide lines (Zhang–Suen).
func thin(img []bool, w, h int) {
	// neighbour order P2..P9: N, NE, E, SE, S, SW, W, NW
	var del [2][256]bool
	for code := 0; code < 256; code++ {
		var p [8]int
		n := 0
		for i := 0; i < 8; i++ {
			p[i] = (code >> i) & 1
			n += p[i]
		}
		trans := 0
		for i := 0; i < 8; i++ {
			if p[i] == 0 && p[(i+1)%8] == 1 {
				trans++
			}
		}
		if n < 2 || n > 6 || trans != 1 {
			continue
		}
		// P2=p0 N, P4=p2 E, P6=p4 S, P8=p6 W
		del[0][code] = p[0]*p[2]*p[4] == 0 && p[2]*p[4]*p[6] == 0
		del[1][code] = p[0]*p[2]*p[6] == 0 && p[0]*p[4]*p[6] == 0
	}
	// clear the frame so that neighbour access stays inside
	for x := 0; x < w; x++ {
		img[x], img[(h-1)*w+x] = false, false
	}
	for y := 0; y < h; y++ {
		img[y*w], img[y*w+w-1] = false, false
	}
	offs := [8]int{-w, -w + 1, 1, w + 1, w, w - 1, -1, -w - 1}
	// A pixel needs checking in a sub-pass only after its neighbourhood
	// changed; pixels inside a ridge (all four direct neighbours set)
	// cannot be deleted and wait until a neighbour goes.
	need := make([]uint8, w*h) // bit t: check in sub-pass t
	queued := make([]int32, w*h)
	var queue []int
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			if img[i] && (!img[i-1] || !img[i+1] || !img[i-w] || !img[i+w]) {
				need[i] = 3
				queue = append(queue, i)
			}
		}
	}
	var next, marked []int
	stamp := int32(0)
	for pass := 0; len(queue) > 0; pass ^= 1 {
		stamp++
		marked = marked[:0]
		next = next[:0]
		bit := uint8(1) << pass
		for _, i := range queue {
			if !img[i] {
				continue
			}
			if need[i]&bit != 0 {
				need[i] &^= bit
				code := 0
				for k, o := range offs {
					if img[i+o] {
						code |= 1 << k
					}
				}
				if del[pass][code] {
					marked = append(marked, i)
					continue
				}
			}
			if need[i] != 0 && queued[i] != stamp {
				queued[i] = stamp
				next = append(next, i)
			}
		}
		for _, i := range marked {
			img[i] = false
		}
		for _, i := range marked {
			for _, o := range offs {
				n := i + o
				if img[n] {
					need[n] = 3
					if queued[n] != stamp {
						queued[n] = stamp
						next = append(next, n)
					}
				}
			}
		}
		queue, next = next, queue
	}
}

// extractMinutiae runs the extractor on a trimmed image.
func extractMinutiae(g *gray) []Minutia {
	_, sigma := meanStd(g)
	f := newOrientField(g, sigma)
	// erode the foreground by borderDist (in blocks, rounded up) so that
	// minutiae at the print's edge, where ridges end artificially, go
	fgDist := blockDistance(f)
	sk := binarize(g, f)
	w, h := g.w, g.h
	thin(sk, w, h)
	offs := [8]int{-w, -w + 1, 1, w + 1, w, w - 1, -1, -w - 1}
	type cand struct {
		i    int
		kind MinutiaKind
		drop bool
	}
	var cands []cand
	for y := 2; y < h-2; y++ {
		for x := 2; x < w-2; x++ {
			i := y*w + x
			if !sk[i] {
				continue
			}
			cn := 0
			for k := 0; k < 8; k++ {
				a, b := sk[i+offs[k]], sk[i+offs[(k+1)%8]]
				if a != b {
					cn++
				}
			}
			cn /= 2
			var kind MinutiaKind
			switch cn {
			case 1:
				kind = Ending
			case 3:
				kind = Bifurcation
			default:
				continue
			}
			k := (y/oBlock)*f.bw + x/oBlock
			if x < borderDist || y < borderDist || x >= w-borderDist || y >= h-borderDist ||
				fgDist[k] < borderDist || f.coh[k] < minCoh {
				continue
			}
			cands = append(cands, cand{i: i, kind: kind})
		}
	}
	isMin := make(map[int]int, len(cands))
	for j, c := range cands {
		isMin[c.i] = j
	}
	// spurs and short ridges: walk from each ending along the skeleton
	for j := range cands {
		c := &cands[j]
		if c.kind != Ending {
			continue
		}
		prev, cur := -1, c.i
		for step := 0; step < spurLength; step++ {
			next := -1
			for _, o := range offs {
				n := cur + o
				if n != prev && sk[n] && n != c.i {
					next = n
					break
				}
			}
			if next < 0 {
				break
			}
			if o, ok := isMin[next]; ok && o != j {
				c.drop = true
				cands[o].drop = true
				break
			}
			prev, cur = cur, next
		}
	}
	// clusters
	for a := range cands {
		for b := a + 1; b < len(cands); b++ {
			ax, ay := cands[a].i%w, cands[a].i/w
			bx, by := cands[b].i%w, cands[b].i/w
			if (ax-bx)*(ax-bx)+(ay-by)*(ay-by) < clusterDist*clusterDist {
				cands[a].drop = true
				cands[b].drop = true
			}
		}
	}
	var out []Minutia
	for _, c := range cands {
		if c.drop {
			continue
		}
		x, y := c.i%w, c.i/w
		t := f.theta[(y/oBlock)*f.bw+x/oBlock]
		if c.kind == Ending {
			// point the angle from the ending into its ridge
			t = endingAngle(sk, w, c.i, t)
		}
		out = append(out, Minutia{X: x, Y: y, Angle: t, Kind: c.kind})
	}
	return out
}

// endingAngle resolves the π ambiguity of the orientation t at an ending
// by following the skeleton a few pixels: the result points along the
// ridge away from the ending.
func endingAngle(sk []bool, w, start int, t float64) float64 {
	offs := [8]int{-w, -w + 1, 1, w + 1, w, w - 1, -1, -w - 1}
	prev, cur := -1, start
	for step := 0; step < 8; step++ {
		next := -1
		for _, o := range offs {
			n := cur + o
			if n >= 0 && n < len(sk) && n != prev && sk[n] && n != start {
				next = n
				break
			}
		}
		if next < 0 {
			break
		}
		prev, cur = cur, next
	}
	dx := float64(cur%w - start%w)
	dy := float64(cur/w - start/w)
	if dx*math.Cos(t)+dy*math.Sin(t) < 0 {
		t += math.Pi
	}
	return math.Mod(t, 2*math.Pi)
}

// blockDistance returns, per orientation block, the approximate distance
// in pixels from the block centre to the nearest background block
// (chamfer distance on the block grid).
func blockDistance(f *orientField) []int {
	n := f.bw * f.bh
	d := make([]int, n)
	const inf = 1 << 30
	for k := range d {
		if f.fg[k] {
			d[k] = inf
		}
	}
	at := func(x, y int) int {
		if x < 0 || y < 0 || x >= f.bw || y >= f.bh {
			return 0
		}
		return d[y*f.bw+x]
	}
	const s, dg = oBlock, oBlock * 14 / 10
	for y := 0; y < f.bh; y++ {
		for x := 0; x < f.bw; x++ {
			k := y*f.bw + x
			if d[k] == 0 {
				continue
			}
			d[k] = min(d[k], at(x-1, y)+s, at(x, y-1)+s, at(x-1, y-1)+dg, at(x+1, y-1)+dg)
		}
	}
	for y := f.bh - 1; y >= 0; y-- {
		for x := f.bw - 1; x >= 0; x-- {
			k := y*f.bw + x
			if d[k] == 0 {
				continue
			}
			d[k] = min(d[k], at(x+1, y)+s, at(x, y+1)+s, at(x+1, y+1)+dg, at(x-1, y+1)+dg)
		}
	}
	return d
}

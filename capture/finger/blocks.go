package finger

import (
	"math"
	"math/cmplx"
)

// Histogram bin boundaries of the NFIQ 2 histogram features (ISO/IEC
// 29794-4 Annex A). Nine boundaries make ten bins; bin i holds values v
// with boundary[i-1] <= v < boundary[i].
var (
	fdaBounds  = [9]float64{0.268, 0.304, 0.33, 0.355, 0.38, 0.407, 0.44, 0.50, 1}
	lcsBounds  = [9]float64{0, 0.70, 0.74, 0.77, 0.79, 0.81, 0.83, 0.85, 0.87}
	oclBounds  = [9]float64{0.337, 0.479, 0.579, 0.655, 0.716, 0.766, 0.81, 0.852, 0.898}
	ofBounds   = [9]float64{1.715e-2, 3.5e-2, 5.57e-2, 8.1e-2, 1.15e-1, 1.718e-1, 2.569e-1, 4.758e-1, 7.48e-1}
	rvupBounds = [9]float64{0.5, 0.667, 0.8, 1, 1.25, 1.5, 2, 24, 30}
)

// Histogram is a ten-bin NFIQ 2 histogram feature with the mean and
// population standard deviation of the values it counts.
type Histogram struct {
	Bins   [10]int
	Mean   float64
	StdDev float64
}

func histogram(values []float64, bounds *[9]float64) Histogram {
	var h Histogram
	if len(values) == 0 {
		h.Mean, h.StdDev = math.NaN(), math.NaN()
		return h
	}
	var s float64
	for _, v := range values {
		b := 0
		// NaN compares false and lands in bin 0, as in the reference.
		for b < 9 && !math.IsInf(v, 0) && v >= bounds[b] {
			b++
		}
		if math.IsInf(v, 1) {
			b = 0
		}
		h.Bins[b]++
		s += v
	}
	h.Mean = s / float64(len(values))
	var d float64
	for _, v := range values {
		d += (v - h.Mean) * (v - h.Mean)
	}
	h.StdDev = math.Sqrt(d / float64(len(values)))
	return h
}

// ridgeMask is the pixel mask of NFIQ 2's ridge segmentation: the image is
// cut into bs×bs blocks (partial blocks at the right and bottom edges) and
// a block is foreground when its grey-level standard deviation exceeds 0.1
// times the standard deviation of the whole image.
type ridgeMask struct {
	bs     int
	bw, bh int
	fg     []bool // per grid block
}

func newRidgeMask(g *gray, bs int, sigma float64) *ridgeMask {
	m := &ridgeMask{bs: bs, bw: (g.w + bs - 1) / bs, bh: (g.h + bs - 1) / bs}
	m.fg = make([]bool, m.bw*m.bh)
	for by := 0; by < m.bh; by++ {
		for bx := 0; bx < m.bw; bx++ {
			_, sd := blockMeanStd(g, bx*bs, by*bs, min((bx+1)*bs, g.w), min((by+1)*bs, g.h))
			m.fg[by*m.bw+bx] = sigma > 0 && sd/sigma > 0.1
		}
	}
	return m
}

// all reports whether every pixel of [x,x+n) × [y,y+n) is foreground.
func (m *ridgeMask) all(x, y, n int) bool {
	for by := y / m.bs; by <= (y+n-1)/m.bs; by++ {
		for bx := x / m.bs; bx <= (x+n-1)/m.bs; bx++ {
			if by >= m.bh || bx >= m.bw || !m.fg[by*m.bw+bx] {
				return false
			}
		}
	}
	return true
}

// ridgeOrient returns the angle of the line perpendicular to the ridges in
// the n×n block at (x,y), from the covariance of centred-difference
// gradients (forward differences on the block edges).
func ridgeOrient(g *gray, x, y, n int) float64 {
	var a, b, c float64
	for j := 0; j < n; j++ {
		row := g.pix[(y+j)*g.w+x:]
		for i := 0; i < n; i++ {
			var fx, fy float64
			switch i {
			case 0:
				fx = float64(row[1]) - float64(row[0])
			case n - 1:
				fx = float64(row[n-1]) - float64(row[n-2])
			default:
				fx = (float64(row[i+1]) - float64(row[i-1])) / 2
			}
			switch j {
			case 0:
				fy = float64(g.pix[(y+1)*g.w+x+i]) - float64(row[i])
			case n - 1:
				fy = float64(row[i]) - float64(g.pix[(y+j-1)*g.w+x+i])
			default:
				fy = (float64(g.pix[(y+j+1)*g.w+x+i]) - float64(g.pix[(y+j-1)*g.w+x+i])) / 2
			}
			a += fx * fx
			b += fy * fy
			c += fx * fy
		}
	}
	nn := float64(n * n)
	a, b, c = a/nn, b/nn, c/nn
	d := a - b
	den := c*c + d*d + 2.220446049250313e-16
	return math.Atan2(c/den, d/den) / 2
}

// blockGrid describes the overlapping-window block layout the FDA, LCS,
// RVU and OF features share: bs×bs blocks stepped by bs from an offset,
// each with an enlarged window around it wide enough to hold a rotated
// 32×16 slanted block.
type blockGrid struct {
	bs, off    int
	rows, cols int
}

func newBlockGrid(w, h, bs int) blockGrid {
	const vx, vy = 32, 16
	e := math.Ceil(math.Sqrt(vx*vx + vy*vy))
	diff := e - float64(bs)
	off := int(math.Ceil(diff / 2))
	g := blockGrid{bs: bs, off: off}
	for r := off; r < h-(bs+off-1); r += bs {
		g.rows++
	}
	for c := off; c < w-(bs+off-1); c += bs {
		g.cols++
	}
	return g
}

const winSize = 36 // enlarged window of a 32×32 block

// rotateNearest rotates the 36×36 window at (x,y) of g by angle radians
// (counter-clockwise in image coordinates, as a positive angle of an
// OpenCV rotation matrix) about its centre, with nearest-neighbour
// sampling and zero outside. With pad the window is first framed by two
// zero pixels on each side and the rotation centre moves accordingly,
// which is what the reference does; the frame holds the image pixels
// around the window where the image extends that far. The result is written to out (36×36).
// Sampling uses the same 10-bit fixed-point coordinates as OpenCV's affine
// warp so that the chosen pixels match.
func rotateNearest(g *gray, x, y int, angle float64, pad bool, out *[winSize * winSize]uint8) {
	sw := winSize
	p := 0
	if pad {
		sw = winSize + 4
		p = 2
	}
	cx, cy := float64(sw)/2, float64(sw)/2
	deg := angle * 180 / math.Pi
	// rotation matrix as built by getRotationMatrix2D
	rad := deg * math.Pi / 180
	al, be := math.Cos(rad), math.Sin(rad)
	m := [6]float64{al, be, (1-al)*cx - be*cy, -be, al, be*cx + (1-al)*cy}
	// invert
	d := m[0]*m[4] - m[1]*m[3]
	if d != 0 {
		d = 1 / d
	}
	a11, a22 := m[4]*d, m[0]*d
	m[0], m[1], m[3], m[4] = a11, -m[1]*d, -m[3]*d, a22
	b1 := -m[0]*m[2] - m[1]*m[5]
	b2 := -m[3]*m[2] - m[4]*m[5]
	m[2], m[5] = b1, b2
	const abScale = 1024
	var adelta, bdelta [winSize]int
	for i := 0; i < winSize; i++ {
		adelta[i] = int(math.RoundToEven(m[0] * float64(i) * abScale))
		bdelta[i] = int(math.RoundToEven(m[3] * float64(i) * abScale))
	}
	for j := 0; j < winSize; j++ {
		x0 := int(math.RoundToEven((m[1]*float64(j)+m[2])*abScale)) + abScale/2
		y0 := int(math.RoundToEven((m[4]*float64(j)+m[5])*abScale)) + abScale/2
		for i := 0; i < winSize; i++ {
			sx := (x0 + adelta[i]) >> 10
			sy := (y0 + bdelta[i]) >> 10
			var v uint8
			// The padded window takes its frame from the image around
			// the window where there is image (the reference pads a view
			// into the image) and zeros elsewhere.
			if sx >= 0 && sy >= 0 && sx < sw && sy < sw {
				ix, iy := x+sx-p, y+sy-p
				if ix >= 0 && iy >= 0 && ix < g.w && iy < g.h {
					v = g.pix[iy*g.w+ix]
				}
			}
			out[j*winSize+i] = v
		}
	}
}

// ridgeValley splits the cropped slanted block (rows × cols, stored with
// stride winSize from the origin at r0,c0) into ridge and valley columns:
// the column means are regressed on a straight line and a column whose
// mean is below the line is a ridge. It returns the column means' line
// (dt) and the ridge flags.
func ridgeValley(blk *[winSize * winSize]uint8, r0, c0, rows, cols int, dt []float64, rid []bool) {
	var v3 [winSize]float64
	for i := 0; i < cols; i++ {
		s := 0
		for r := 0; r < rows; r++ {
			s += int(blk[(r0+r)*winSize+c0+i])
		}
		v3[i] = float64(s) / float64(rows)
	}
	// least squares y = k*x + q, x = 1..cols
	n := float64(cols)
	var sx, sy, sxx, sxy float64
	for i := 0; i < cols; i++ {
		x := float64(i + 1)
		sx += x
		sy += v3[i]
		sxx += x * x
		sxy += x * v3[i]
	}
	k := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	q := (sy - k*sx) / n
	k = math.Round(k*1e10) / 1e10
	q = math.Round(q*1e10) / 1e10
	for i := 0; i < cols; i++ {
		dt[i] = float64(i+1)*k + q
		rid[i] = v3[i] < dt[i]
	}
}

// blockFeatures holds the per-block values of the slanted-block features.
type blockFeatures struct {
	fda, lcs, rvu []float64
}

// slantedFeatures computes the FDA, LCS and RVU values over the 32-pixel
// block grid of NFIQ 2.
func slantedFeatures(g *gray, mask *ridgeMask) blockFeatures {
	grid := newBlockGrid(g.w, g.h, 32)
	var bf blockFeatures
	var rot [winSize * winSize]uint8
	for br := 0; br < grid.rows; br++ {
		r := grid.off + br*32
		for bc := 0; bc < grid.cols; bc++ {
			c := grid.off + bc*32
			if !mask.all(c, r, 32) {
				continue
			}
			or := ridgeOrient(g, c, r, 32)
			// FDA: padded window, ridges turned horizontal
			rotateNearest(g, c-grid.off, r-grid.off, or+math.Pi/2, true, &rot)
			bf.fda = append(bf.fda, fdaBlock(&rot))
			// LCS: unpadded window
			rotateNearest(g, c-grid.off, r-grid.off, or, false, &rot)
			bf.lcs = append(bf.lcs, lcsBlock(&rot))
			// RVU: padded window
			rotateNearest(g, c-grid.off, r-grid.off, or, true, &rot)
			bf.rvu = rvuBlock(&rot, bf.rvu)
		}
	}
	return bf
}

// fdaBlock is the frequency-domain analysis of one rotated window: the
// 32×16 slanted block's row means form a profile across the ridges; the
// ratio of the dominant DFT amplitude (plus 0.3 of its two neighbours) to
// the sum of the lower half of the spectrum measures how sinusoidal the
// ridge pattern is.
func fdaBlock(rot *[winSize * winSize]uint8) float64 {
	const c = winSize / 2
	const rows, cols = 32, 16
	r0 := c - 15 - 1
	c0 := c - 7 - 1
	var t [rows]complex128
	for r := 0; r < rows; r++ {
		s := 0
		for i := 0; i < cols; i++ {
			s += int(rot[(r0+r)*winSize+c0+i])
		}
		t[r] = complex(float64(s)/cols, 0)
	}
	spec := dft32(&t)
	var amp [rows - 1]float64
	for k := 1; k < rows; k++ {
		amp[k-1] = cmplx.Abs(spec[k])
	}
	ml := 0
	for k := 1; k < len(amp); k++ {
		if amp[k] > amp[ml] {
			ml = k
		}
	}
	var den float64
	for k := 0; k < len(amp)/2; k++ {
		den += amp[k]
	}
	if ml == 0 || ml+1 >= len(amp) {
		return 1
	}
	return (amp[ml] + 0.3*(amp[ml-1]+amp[ml+1])) / den
}

// twiddle32 returns e^{-2πik/32}.
func twiddle32(k int) complex128 {
	s, c := math.Sincos(-2 * math.Pi * float64(k%32) / 32)
	return complex(c, s)
}

// dft32 is a plain 32-point DFT (the block profile length).
func dft32(t *[32]complex128) [32]complex128 {
	var out [32]complex128
	var tw [32]complex128
	for k := range tw {
		tw[k] = twiddle32(k)
	}
	for k := 0; k < 32; k++ {
		var s complex128
		for n := 0; n < 32; n++ {
			s += t[n] * tw[(k*n)%32]
		}
		out[k] = s
	}
	return out
}

// lcsBlock is the local clarity score of one rotated window: ridge and
// valley widths must be plausible for 500 ppi, and the score is one minus
// the mean of the fractions of misclassified pixels in ridge and valley
// columns.
func lcsBlock(rot *[winSize * winSize]uint8) float64 {
	const c = winSize / 2
	const rows, cols = 16, 32
	r0, c0 := c-7-1, c-15-1
	var dt [cols]float64
	var rid [cols]bool
	ridgeValley(rot, r0, c0, rows, cols, dt[:], rid[:])
	var changeIdx []int
	for i := 1; i < cols; i++ {
		if rid[i] != rid[i-1] {
			changeIdx = append(changeIdx, i-1)
		}
	}
	if len(changeIdx) == 0 {
		return 0
	}
	wrv := make([]int, len(changeIdx))
	wrv[0] = changeIdx[0]
	for i := 1; i < len(changeIdx); i++ {
		wrv[i] = changeIdx[i] - changeIdx[i-1]
	}
	const scale = 500.0 / 125 * 5
	var nwr, nwv []float64
	first, second := &nwr, &nwv
	if !rid[0] {
		first, second = &nwv, &nwr
	}
	for i := 0; i < len(wrv); i += 2 {
		*first = append(*first, float64(wrv[i])/scale)
	}
	for i := 0; i+1 < len(wrv); i += 2 {
		*second = append(*second, float64(wrv[i+1])/scale)
	}
	mean := func(v []float64) float64 {
		if len(v) == 0 {
			return 0
		}
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	mr, mv := mean(nwr), mean(nwv)
	if !(mr >= 3/scale && mr <= 10/scale && mv >= 2/scale && mv <= 10/scale) {
		return 0
	}
	var rGood, vGood, rN, vN int
	for i := 0; i < cols; i++ {
		for r := 0; r < rows; r++ {
			v := float64(rot[(r0+r)*winSize+c0+i])
			if rid[i] {
				if v >= dt[i] {
					rGood++
				}
			} else if v < dt[i] {
				vGood++
			}
		}
		if rid[i] {
			rN += rows
		} else {
			vN += rows
		}
	}
	alpha := float64(vGood) / float64(vN)
	beta := float64(rGood) / float64(rN)
	return 1 - (alpha+beta)/2
}

// rvuBlock appends the ridge/valley width ratios of the complete ridges
// and valleys in one rotated window.
func rvuBlock(rot *[winSize * winSize]uint8, out []float64) []float64 {
	const c = winSize / 2
	const rows, cols = 16, 32
	r0, c0 := c-7-1, c-15-1
	var dt [cols]float64
	var rid [cols]bool
	ridgeValley(rot, r0, c0, rows, cols, dt[:], rid[:])
	// the reference compares element i with i-1 (circularly) for
	// i < cols-1 and drops the first comparison
	var changeIdx []int
	for i := 1; i < cols-1; i++ {
		if rid[i] != rid[i-1] {
			changeIdx = append(changeIdx, i-1)
		}
	}
	if len(changeIdx) == 0 {
		return out
	}
	first, last := changeIdx[0], changeIdx[len(changeIdx)-1]
	if first+1 >= last {
		return out
	}
	begrid := 0
	if rid[first+1] {
		begrid = 1
	}
	cic := make([]int, 0, len(changeIdx))
	for i := 1; i < len(changeIdx); i++ {
		cic = append(cic, changeIdx[i]-first)
	}
	if len(cic) <= 1 {
		return out
	}
	widths := make([]int, 0, len(cic))
	for i := len(cic) - 1; i > 0; i-- {
		widths = append(widths, cic[i]-cic[i-1])
	}
	n0 := len(out)
	for m := 0; m+1 < len(widths); m++ {
		out = append(out, float64(widths[m])/float64(widths[m+1]))
	}
	for i := n0 + begrid; i < len(out); i += 2 {
		out[i] = 1 / out[i]
	}
	return out
}

// orientationFlow computes the OF values: block orientations on a 32-pixel
// grid (the reference outputs were made with 32×32 blocks), the mean absolute angle difference to the eight neighbours, and
// for foreground blocks whose neighbourhood is all foreground and whose
// difference exceeds 4°, the normalised difference.
func orientationFlow(g *gray, sigma float64) []float64 {
	const bs = 32
	mask := newRidgeMask(g, bs, sigma)
	grid := newBlockGrid(g.w, g.h, bs)
	R, C := grid.rows, grid.cols
	orient := make([]float64, (R+2)*(C+2))
	fg := make([]bool, (R+2)*(C+2))
	for br := 0; br < R; br++ {
		r := grid.off + br*bs
		for bc := 0; bc < C; bc++ {
			c := grid.off + bc*bs
			fg[(br+1)*(C+2)+bc+1] = mask.all(c, r, bs)
			orient[(br+1)*(C+2)+bc+1] = ridgeOrient(g, c, r, bs)
		}
	}
	const angMin = 4.0 * math.Pi / 180
	const angDiff = (90.0 - 4.0) * math.Pi / 180
	var out []float64
	for br := 1; br <= R; br++ {
		for bc := 1; bc <= C; bc++ {
			all := true
			var s float64
			ctr := orient[br*(C+2)+bc]
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					k := (br+dy)*(C+2) + bc + dx
					if !fg[k] {
						all = false
					}
					s += math.Abs(ctr - orient[k])
				}
			}
			loq := s / 8
			if all && loq > angMin {
				out = append(out, (loq-angMin)/angDiff)
			}
		}
	}
	return out
}

// blockGradients calls fn with the numerical gradients of every pixel of
// the block [x,x+w) × [y,y+h), computed inside the block (centred
// differences, one-sided on the block's edges).
func blockGradients(g *gray, x, y, w, h int, fn func(gx, gy float64)) {
	for j := 0; j < h; j++ {
		row := g.pix[(y+j)*g.w+x:]
		for i := 0; i < w; i++ {
			var gx, gy float64
			if w > 1 {
				switch i {
				case 0:
					gx = float64(row[1]) - float64(row[0])
				case w - 1:
					gx = float64(row[w-1]) - float64(row[w-2])
				default:
					gx = (float64(row[i+1]) - float64(row[i-1])) / 2
				}
			}
			if h > 1 {
				switch j {
				case 0:
					gy = float64(g.pix[(y+1)*g.w+x+i]) - float64(row[i])
				case h - 1:
					gy = float64(row[i]) - float64(g.pix[(y+j-1)*g.w+x+i])
				default:
					gy = (float64(g.pix[(y+j+1)*g.w+x+i]) - float64(g.pix[(y+j-1)*g.w+x+i])) / 2
				}
			}
			fn(gx, gy)
		}
	}
}

// oclBlock is the orientation certainty level of a block: one minus the
// ratio of the smaller to the larger eigenvalue of the gradient covariance
// matrix. ok is false for a block without any gradient.
func oclBlock(g *gray, x, y, n int) (ocl float64, ok bool) {
	var a, b, c float64
	blockGradients(g, x, y, n, n, func(gx, gy float64) {
		a += gx * gx
		b += gy * gy
		c += gx * gy
	})
	nn := float64(n * n)
	a, b, c = a/nn, b/nn, c/nn
	r := math.Sqrt((a-b)*(a-b) + 4*c*c)
	emax := ((a + b) + r) / 2
	emin := ((a + b) - r) / 2
	if emax == 0 {
		return 0, false
	}
	return 1 - emin/emax, true
}

// oclValues computes OCL over all complete 32×32 blocks of the image.
func oclValues(g *gray) []float64 {
	var out []float64
	for y := 0; y+32 <= g.h; y += 32 {
		for x := 0; x+32 <= g.w; x += 32 {
			if v, ok := oclBlock(g, x, y, 32); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// coherence is the orientation-map coherence of a block: the length of
// the summed doubled-angle gradient vectors over the sum of their lengths.
func coherence(g *gray, x, y, w, h int) float64 {
	var sx, sy, s2 float64
	blockGradients(g, x, y, w, h, func(gx, gy float64) {
		a := 2 * gx * gy
		b := gx*gx - gy*gy
		sy += a
		sx += b
		s2 += math.Sqrt(a*a + b*b)
	})
	if s2 == 0 {
		return 0
	}
	return math.Sqrt(sx*sx+sy*sy) / s2
}

// meanOfBlockMeans is MMB: the mean of the grey-level means of the 32×32
// blocks (partial blocks at the edges included).
func meanOfBlockMeans(g *gray) float64 {
	var means []float64
	for y := 0; y < g.h; y += 32 {
		for x := 0; x < g.w; x += 32 {
			m, _ := blockMeanStd(g, x, y, min(x+32, g.w), min(y+32, g.h))
			means = append(means, m)
		}
	}
	var avg float64
	for _, m := range means {
		avg += m / float64(len(means))
	}
	return avg
}

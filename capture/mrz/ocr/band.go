package ocr

import (
	"image"
	"math"
	"sort"
	"strings"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/mrz"
)

// plane is a grayscale image in Go memory, ink high.
type plane struct {
	w, h int
	pix  []float32 // 0 (paper) to 1 (ink)
	bin  []bool
}

func (p *plane) at(x, y float64) float32 {
	// Bilinear sample, paper outside.
	if x < 0 || y < 0 || x > float64(p.w-1) || y > float64(p.h-1) {
		return 0
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	a := p.pix[y0*p.w+x0]*(1-fx) + p.pix[y0*p.w+x1]*fx
	b := p.pix[y1*p.w+x0]*(1-fx) + p.pix[y1*p.w+x1]*fx
	return a*(1-fy) + b*fy
}

// turn rotates the plane by 180°.
func (p *plane) turn() {
	for i, j := 0, len(p.pix)-1; i < j; i, j = i+1, j-1 {
		p.pix[i], p.pix[j] = p.pix[j], p.pix[i]
		p.bin[i], p.bin[j] = p.bin[j], p.bin[i]
	}
}

// prepare evens out the light of the band and binarises it.
func prepare(crop gocv.Mat) *plane {
	// The paper, estimated at a quarter of the resolution: a closing
	// removes the strokes. (A blur would carry the darkness of a page edge
	// or background into the text next to it.)
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(crop, &small, image.Pt(max(crop.Cols()/4, 1), max(crop.Rows()/4, 1)), 0, 0, gocv.InterpolationArea)
	k := max(9, small.Rows()/3|1)
	kernel := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(k/2|1, k/2|1))
	defer kernel.Close()
	gocv.MorphologyEx(small, &small, gocv.MorphClose, kernel)
	bg := gocv.NewMat()
	defer bg.Close()
	gocv.Resize(small, &bg, image.Pt(crop.Cols(), crop.Rows()), 0, 0, gocv.InterpolationLinear)
	norm := gocv.NewMat()
	defer norm.Close()
	crop.ConvertTo(&norm, gocv.MatTypeCV32F)
	bgf := gocv.NewMat()
	defer bgf.Close()
	bg.ConvertTo(&bgf, gocv.MatTypeCV32F)
	gocv.Divide(norm, bgf, &norm) // paper ≈ 1, ink below
	w, h := crop.Cols(), crop.Rows()
	p := &plane{w: w, h: h, pix: make([]float32, w*h), bin: make([]bool, w*h)}
	data, _ := norm.DataPtrFloat32()
	// Ink darkness in [0, 1], and its histogram for Otsu.
	var hist [256]int
	for i, v := range data {
		d := (1 - v) * 2
		switch {
		case d < 0 || d != d: // below the paper, or NaN from a black background
			d = 0
		case d > 1:
			d = 1
		}
		p.pix[i] = d
		hist[int(d*255)]++
	}
	t := otsu(hist[:], len(p.pix))
	for i, v := range p.pix {
		p.bin[i] = int(v*255) > t
	}
	return p
}

func otsu(hist []int, total int) int {
	sum := 0.0
	for i, n := range hist {
		sum += float64(i * n)
	}
	var sumB, wB float64
	best, bestVar := 0, -1.0
	for i, n := range hist {
		wB += float64(n)
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * n)
		mB, mF := sumB/wB, (sum-sumB)/wF
		v := wB * wF * (mB - mF) * (mB - mF)
		if v > bestVar {
			best, bestVar = i, v
		}
	}
	return max(best, 40)
}

// run is a span of rows or columns holding ink.
type run struct{ lo, hi int } // hi exclusive

func runs(counts []int, minCount, maxGap int) []run {
	var out []run
	start, last := -1, -1
	for i, c := range counts {
		if c >= minCount {
			if start < 0 {
				start = i
			} else if i-last > maxGap+1 {
				out = append(out, run{start, last + 1})
				start = i
			}
			last = i
		}
	}
	if start >= 0 {
		out = append(out, run{start, last + 1})
	}
	return out
}

// lines finds the text lines of the band.
func (p *plane) lines() []run {
	counts := make([]int, p.h)
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			if p.bin[y*p.w+x] {
				counts[y]++
			}
		}
	}
	var rs []run
	for _, r := range runs(counts, max(3, p.w/60), 1) {
		// Not text: a run cut by the crop's edge, or solid ink (the page's
		// border, a dark background beyond it).
		if r.lo == 0 || r.hi == p.h || ink(counts, r) > (r.hi-r.lo)*p.w*7/10 {
			continue
		}
		rs = append(rs, r)
	}
	tallest := 0
	for _, r := range rs {
		tallest = max(tallest, r.hi-r.lo)
	}
	var out []run
	for _, r := range rs {
		if r.hi-r.lo >= tallest/2 {
			out = append(out, r)
		}
	}
	if len(out) > 3 {
		// Keep the three lines with the most ink.
		sort.Slice(out, func(i, j int) bool { return ink(counts, out[i]) > ink(counts, out[j]) })
		out = out[:3]
		sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	}
	return out
}

func ink(counts []int, r run) int {
	n := 0
	for i := r.lo; i < r.hi; i++ {
		n += counts[i]
	}
	return n
}

// glyph is the ink box of one character.
type glyph struct{ x0, x1, y0, y1 int }

// boxes returns the ink boxes of a line's glyphs, left to right, without
// specks, and the line's cap line and baseline (the medians of the tall
// glyphs' tops and bottoms).
func (p *plane) boxes(l run) ([]glyph, run, fit, fit) {
	var out []glyph
	h := l.hi - l.lo
	for _, sp := range p.glyphs(l) {
		g := glyph{x0: sp.lo, x1: sp.hi, y0: l.hi, y1: l.lo}
		for y := l.lo; y < l.hi; y++ {
			for x := sp.lo; x < sp.hi; x++ {
				if p.bin[y*p.w+x] {
					g.y0, g.y1 = min(g.y0, y), max(g.y1, y+1)
				}
			}
		}
		if g.y1-g.y0 >= h/4 {
			out = append(out, g)
		}
	}
	var tops, bottoms []int
	tallest := 0
	for _, g := range out {
		tallest = max(tallest, g.y1-g.y0)
	}
	for _, g := range out {
		if g.y1-g.y0 >= tallest*7/10 {
			tops, bottoms = append(tops, g.y0), append(bottoms, g.y1)
		}
	}
	if len(tops) == 0 {
		return out, l, fit{float64(l.lo)}, fit{float64(l.hi)}
	}
	// The cap line and baseline as straight lines across the band: under
	// perspective the line rises or falls along its length.
	var xs, ts, bs []float64
	for _, g := range out {
		if g.y1-g.y0 >= tallest*7/10 {
			xs = append(xs, float64(g.x0+g.x1)/2)
			ts, bs = append(ts, float64(g.y0)), append(bs, float64(g.y1))
		}
	}
	sort.Ints(tops)
	sort.Ints(bottoms)
	med := run{tops[len(tops)/2], bottoms[len(bottoms)/2]}
	top, ok1 := polyfit(xs, ts, 1)
	bottom, ok2 := polyfit(xs, bs, 1)
	if !ok1 || !ok2 || len(xs) < 6 {
		return out, med, fit{float64(med.lo)}, fit{float64(med.hi)}
	}
	return out, med, top, bottom
}

// fit is a least-squares polynomial y = c0 + c1 x + c2 x² (degree 1 or 2).
type fit [3]float64

func (f fit) at(x float64) float64 { return f[0] + f[1]*x + f[2]*x*x }

// polyfit fits degree 1 or 2; it returns false when the system is singular.
func polyfit(xs, ys []float64, degree int) (fit, bool) {
	n := degree + 1
	var a [3][4]float64
	for k := range xs {
		p := [3]float64{1, xs[k], xs[k] * xs[k]}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				a[i][j] += p[i] * p[j]
			}
			a[i][n] += p[i] * ys[k]
		}
	}
	// Gaussian elimination.
	for c := 0; c < n; c++ {
		piv := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if math.Abs(a[piv][c]) < 1e-9 {
			return fit{}, false
		}
		a[c], a[piv] = a[piv], a[c]
		for r := 0; r < n; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k <= n; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var out fit
	for i := 0; i < n; i++ {
		out[i] = a[i][n] / a[i][i]
	}
	return out, true
}

// cells fits the centres of n fixed-pitch cells to the glyphs found: start
// from an even spacing between the first and last glyph, then refit the
// position of cell i as a quadratic in i (perspective makes the pitch
// change along the line).
func cells(gs []glyph, n int) []float64 {
	c := func(g glyph) float64 { return float64(g.x0+g.x1) / 2 }
	// Walk the glyphs left to right, counting cells by the gaps between
	// them measured in the local pitch (which changes under perspective);
	// glyphs that touch are split by their width.
	var xs []float64
	for _, g := range gs {
		w := float64(g.x1 - g.x0)
		pitch := (c(gs[len(gs)-1]) - c(gs[0])) / float64(n-1)
		if k := math.Round(w / pitch); k >= 2 {
			for j := 0.0; j < k; j++ {
				xs = append(xs, float64(g.x0)+(j+0.5)*w/k)
			}
			continue
		}
		xs = append(xs, c(g))
	}
	is := make([]float64, len(xs))
	pitch := (xs[len(xs)-1] - xs[0]) / float64(n-1)
	for k := 1; k < len(xs); k++ {
		steps := math.Max(1, math.Round((xs[k]-xs[k-1])/pitch))
		is[k] = is[k-1] + steps
		if steps == 1 {
			pitch = 0.8*pitch + 0.2*(xs[k]-xs[k-1]) // follow the local pitch
		}
	}
	model := fit{xs[0], (xs[len(xs)-1] - xs[0]) / float64(n-1), 0}
	if last := is[len(is)-1]; last == float64(n-1) && len(xs) >= 3 {
		if f, ok := polyfit(is, xs, 2); ok {
			model = f
		}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = model.at(float64(i))
	}
	return out
}

// glyphs returns the ink spans of a line, left to right.
func (p *plane) glyphs(l run) []run {
	counts := make([]int, p.w)
	for y := l.lo; y < l.hi; y++ {
		for x := 0; x < p.w; x++ {
			if p.bin[y*p.w+x] {
				counts[x]++
			}
		}
	}
	var out []run
	for _, r := range runs(counts, 1, 0) {
		if r.hi-r.lo >= 2 {
			out = append(out, r)
		}
	}
	return out
}

// readBand reads the MRZ in an upright, prepared band.
func (r *Reader) readBand(p *plane, now time.Time) *Result {
	// Lines of characters: other ink (a page edge, a stray mark) makes no
	// row of ten or more glyphs.
	c := func(g glyph) float64 { return float64(g.x0+g.x1) / 2 }
	var ls []run
	var boxes [][]glyph
	var tops, bottoms []fit
	var gaps []float64
	for _, l := range p.lines() {
		gs, capLine, top, bottom := p.boxes(l)
		if len(gs) < 10 {
			continue
		}
		ls, boxes = append(ls, capLine), append(boxes, gs)
		tops, bottoms = append(tops, top), append(bottoms, bottom)
		for j := 1; j < len(gs); j++ {
			gaps = append(gaps, c(gs[j])-c(gs[j-1]))
		}
	}
	if len(ls) < 2 || len(ls) > 3 {
		return nil
	}
	sort.Float64s(gaps)
	pitch := gaps[len(gaps)/4] // most neighbours are one cell apart; merged glyphs are wider
	// Each line is the longest chain of glyphs without a gap of several
	// cells: ink beside the MRZ (page edge, background) is left out.
	var first, last []float64
	for i, gs := range boxes {
		bestLo, bestHi, lo := 0, 0, 0
		for j := 1; j <= len(gs); j++ {
			if j == len(gs) || c(gs[j])-c(gs[j-1]) > 2.6*pitch {
				if j-lo > bestHi-bestLo {
					bestLo, bestHi = lo, j
				}
				lo = j
			}
		}
		gs = gs[bestLo:bestHi]
		if len(gs) < 10 {
			return nil
		}
		boxes[i] = gs
		first = append(first, c(gs[0]))
		last = append(last, c(gs[len(gs)-1]))
	}
	widest := 0.0
	for i := range ls {
		widest = math.Max(widest, last[i]-first[i])
	}
	n := 44
	switch est := widest/pitch + 1; {
	case len(ls) == 3:
		n = 30
	case est < 40:
		n = 36
	}
	res := &Result{}
	var alts []string
	for i := range ls {
		step := (last[i] - first[i]) / float64(n-1)
		if step <= 0 {
			return nil
		}
		centres := cells(boxes[i], n)
		var line, alt strings.Builder
		conf := make([]float64, n)
		for j := 0; j < n; j++ {
			cx := centres[j]
			local := step
			if j > 0 && j < n-1 {
				local = (centres[j+1] - centres[j-1]) / 2
			}
			ch, ch2, c := r.classify(p, cx, local, run{int(math.Round(tops[i].at(cx))), int(math.Round(bottoms[i].at(cx)))})
			line.WriteByte(ch)
			alt.WriteByte(ch2)
			conf[j] = c
		}
		res.Lines = append(res.Lines, line.String())
		res.Confidence = append(res.Confidence, conf)
		alts = append(alts, alt.String())
	}
	opt := mrz.Options{Now: now, Repair: true, Confidence: res.Confidence, MinConfidence: 0.6}
	m, err := mrz.ParseLines(res.Lines, opt)
	if m != nil && !m.Valid {
		if lines, ok := secondChoices(res.Lines, alts, res.Confidence, opt); ok {
			m, err = mrz.ParseLines(lines, opt)
		}
	}
	res.MRZ, res.Err = m, err
	if m != nil {
		res.Lines = m.Lines
	}
	return res
}

// secondChoices tries the classifier's second choice at the least
// confident characters, one or two at a time, and returns the reading if
// exactly one such change makes the MRZ valid (the check digits decide,
// as for the letter/digit repairs of package mrz).
func secondChoices(lines, alts []string, conf [][]float64, opt mrz.Options) ([]string, bool) {
	type pos struct {
		line, col int
		c         float64
	}
	var ps []pos
	for i := range lines {
		for j := range lines[i] {
			if alts[i][j] != lines[i][j] {
				ps = append(ps, pos{i, j, conf[i][j]})
			}
		}
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].c < ps[b].c })
	if len(ps) > 10 {
		ps = ps[:10]
	}
	try := func(change ...pos) ([]string, bool) {
		out := append([]string(nil), lines...)
		for _, p := range change {
			b := []byte(out[p.line])
			b[p.col] = alts[p.line][p.col]
			out[p.line] = string(b)
		}
		m, _ := mrz.ParseLines(out, opt)
		return out, m != nil && m.Valid
	}
	var found [][]string
	for a := range ps {
		if l, ok := try(ps[a]); ok {
			found = append(found, l)
		}
	}
	if len(found) == 0 {
		for a := range ps {
			for b := a + 1; b < len(ps); b++ {
				if l, ok := try(ps[a], ps[b]); ok {
					found = append(found, l)
				}
			}
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return nil, false
}

// classify reads the cell centred near cx on line l.
func (r *Reader) classify(p *plane, cx, pitch float64, l run) (first, runnerUp byte, confidence float64) {
	// Re-centre on the ink of the cell.
	lo, hi := int(cx-pitch*0.5), int(cx+pitch*0.5)
	minX, maxX := math.MaxInt, -1
	for y := l.lo; y < l.hi; y++ {
		for x := max(lo, 0); x < min(hi, p.w); x++ {
			if p.bin[y*p.w+x] {
				minX, maxX = min(minX, x), max(maxX, x)
			}
		}
	}
	if maxX >= 0 {
		// Follow the ink, but not by more than a quarter cell: ink beyond
		// the last character (an edge, a mark) must not drag the cell.
		ic := float64(minX+maxX+1) / 2
		cx += math.Max(-pitch/4, math.Min(pitch/4, ic-cx))
	}
	// The cell spans the cap height and a little more, as the templates do.
	capH := float64(l.hi - l.lo)
	top, height := float64(l.lo)-capH*cellAbove, capH*(1+cellAbove+cellBelow)
	sample := func(dx, dy float64) []float32 {
		cell := make([]float32, cellW*cellH)
		for y := 0; y < cellH; y++ {
			for x := 0; x < cellW; x++ {
				sx := cx - pitch/2 + (float64(x)+0.5+dx)*pitch/cellW
				sy := top + (float64(y)+0.5+dy)*height/cellH
				cell[y*cellW+x] = p.at(sx, sy)
			}
		}
		return normalise(cell)
	}
	v := sample(0, 0)
	best, second, bi, si := float32(-2), float32(-2), 0, 0
	for i, ts := range r.templates {
		s := max(dot(v, ts[0]), dot(v, ts[1]))
		switch {
		case s > best:
			best, second, bi, si = s, best, i, bi
		case s > second:
			second, si = s, i
		}
	}
	if best-second < 0.02 {
		// A close call (O and Q, 8 and B…): let both candidates find their
		// best alignment within a template pixel, then compare again.
		score := func(i int) float32 {
			s := float32(-2)
			for _, dy := range []float64{-1, 0, 1} {
				for _, dx := range []float64{-1, 0, 1} {
					w := sample(dx, dy)
					s = max(s, dot(w, r.templates[i][0]), dot(w, r.templates[i][1]))
				}
			}
			return s
		}
		if a, b := score(bi), score(si); b > a {
			bi, si, best, second = si, bi, b, a
		} else {
			best, second = a, b
		}
	}
	conf := math.Max(0, math.Min(1, float64(best)*0.5+float64(best-second)*2))
	return Alphabet[bi], Alphabet[si], conf
}

// dot is the inner product of two cells, four lanes at a time.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// normalise returns v with zero mean and unit norm.
func normalise(v []float32) []float32 {
	var mean float32
	for _, x := range v {
		mean += x
	}
	mean /= float32(len(v))
	out := make([]float32, len(v))
	var n float32
	for i, x := range v {
		out[i] = x - mean
		n += out[i] * out[i]
	}
	if n > 0 {
		inv := float32(1 / math.Sqrt(float64(n)))
		for i := range out {
			out[i] *= inv
		}
	}
	return out
}

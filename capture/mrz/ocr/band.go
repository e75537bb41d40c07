package ocr

import (
	"bytes"
	"image"
	"math"
	"slices"
	"sort"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/mrz"
)

// plane is a grayscale image in Go memory, ink high.
type plane struct {
	w, h int
	pix  []float32 // 0 (paper) to 1 (ink)
	bin  []uint8   // 1 for ink (after Otsu), 0 for paper
	rows []int     // the ink of each row of bin
	lvl  []uint8   // scratch for prepare: pix in 256 levels
}

// turn rotates the plane by 180°.
func (p *plane) turn() {
	for i, j := 0, len(p.pix)-1; i < j; i, j = i+1, j-1 {
		p.pix[i], p.pix[j] = p.pix[j], p.pix[i]
		p.bin[i], p.bin[j] = p.bin[j], p.bin[i]
	}
	slices.Reverse(p.rows)
}

// prepare evens out the light of the band and binarises it, into a plane
// from the Reader's pool (give it back with release).
func (r *Reader) prepare(crop gocv.Mat, s *scratch) *plane {
	w, h := crop.Cols(), crop.Rows()
	// The paper, estimated at a quarter of the resolution: a closing
	// removes the strokes. (A blur would carry the darkness of a page edge
	// or background into the text next to it.) Shrinking by exactly four
	// is much faster, so the band is cut to a multiple of four first; the
	// few pixels left out hardly move an estimate this smooth.
	sw, sh := max(w/4, 1), max(h/4, 1)
	if w >= 4 && h >= 4 {
		even := crop.Region(image.Rect(0, 0, 4*sw, 4*sh))
		gocv.Resize(even, &s.quarter, image.Pt(sw, sh), 0, 0, gocv.InterpolationArea)
		even.Close()
	} else {
		gocv.Resize(crop, &s.quarter, image.Pt(sw, sh), 0, 0, gocv.InterpolationArea)
	}
	k := max(9, s.quarter.Rows()/3|1)
	kernel := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(k/2|1, k/2|1))
	defer kernel.Close()
	gocv.MorphologyEx(s.quarter, &s.closedBg, gocv.MorphClose, kernel)
	gocv.Resize(s.closedBg, &s.bg, image.Pt(w, h), 0, 0, gocv.InterpolationLinear)
	bg := s.bg
	ink, paper := bytesOf(crop), bytesOf(bg)
	p := r.newPlane(w, h)
	pix, lvl, bin := p.pix[:len(ink)], p.lvl[:len(ink)], p.bin[:len(ink)]
	paper = paper[:len(pix)]
	// Ink darkness in [0, 1], and in 256 levels for Otsu.
	for i, c := range ink {
		d := r.darkness[paper[i]][c]
		pix[i] = d
		lvl[i] = uint8(d * 255)
	}
	// Four histograms, so that runs of equal pixels do not wait on each
	// other's counts.
	var hs [4][256]int
	i := 0
	for ; i+4 <= len(lvl); i += 4 {
		l := lvl[i : i+4 : i+4]
		hs[0][l[0]]++
		hs[1][l[1]]++
		hs[2][l[2]]++
		hs[3][l[3]]++
	}
	for ; i < len(lvl); i++ {
		hs[0][lvl[i]]++
	}
	var hist [256]int
	for k := range hist {
		hist[k] = hs[0][k] + hs[1][k] + hs[2][k] + hs[3][k]
	}
	t := otsu(hist[:], len(pix))
	for y := range p.h {
		row, n := bin[y*w:(y+1)*w], 0
		for x, l := range lvl[y*w : (y+1)*w] {
			ink := uint8(uint64(t-int(l)) >> 63) // l > t
			row[x] = ink
			n += int(ink)
		}
		p.rows[y] = n
	}
	return p
}

// darknessTable tabulates the darkness of ink c on paper b,
// 2·(1 − c/b) clamped to [0, 1]: 0 at or below the paper, and 0 on a
// black background (paper 0).
func darknessTable() *[256][256]float32 {
	var t [256][256]float32
	for b := 1; b < 256; b++ {
		for c := range 256 {
			d := (1 - float32(c)/float32(b)) * 2
			t[b][c] = max(0, min(1, d))
		}
	}
	return &t
}

// bytesOf returns the pixels of an 8-bit single-channel Mat, row by row.
func bytesOf(m gocv.Mat) []byte {
	if b, err := m.DataPtrUint8(); err == nil && len(b) == m.Rows()*m.Cols() {
		return b
	}
	return m.ToBytes()
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
	counts := p.rows
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
		if sp.lo == 0 || sp.hi == p.w {
			// Cut by the crop's edge: the page's edge or the background
			// beyond it (the crop leaves a margin beside the characters).
			continue
		}
		g := glyph{x0: sp.lo, x1: sp.hi, y0: l.hi, y1: l.lo}
		inked := func(y int) bool { return bytes.IndexByte(p.bin[y*p.w+sp.lo:y*p.w+sp.hi], 1) >= 0 }
		for y := l.lo; y < l.hi; y++ {
			if inked(y) {
				g.y0 = y
				break
			}
		}
		for y := l.hi - 1; y >= g.y0; y-- {
			if inked(y) {
				g.y1 = y + 1
				break
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
		for x, ink := range p.bin[y*p.w : (y+1)*p.w] {
			counts[x] += int(ink)
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

// layout is where the characters of a prepared band are: n fixed-pitch
// cells on each of two or three lines.
type layout struct {
	n     int
	lines []textLine
}

// textLine is one line of a layout.
type textLine struct {
	centres     []float64 // of the n cells
	step        float64   // the mean pitch
	top, bottom fit       // the cap line and the baseline across the band
}

// cell returns the centre, the local pitch and the cap line and baseline
// of cell j.
func (t *textLine) cell(j int) (cx, pitch float64, l run) {
	n := len(t.centres)
	cx, pitch = t.centres[j], t.step
	if j > 0 && j < n-1 {
		pitch = (t.centres[j+1] - t.centres[j-1]) / 2
	}
	return cx, pitch, run{int(math.Round(t.top.at(cx))), int(math.Round(t.bottom.at(cx)))}
}

// layout finds the lines and character cells of the MRZ in an upright,
// prepared band, or returns nil if the band does not hold two or three
// lines of fixed-pitch text. Turning the band by 180° does not change
// whether it finds them.
func (p *plane) layout() *layout {
	// Lines of characters: other ink (a page edge, a stray mark) makes no
	// row of ten or more glyphs.
	c := func(g glyph) float64 { return float64(g.x0+g.x1) / 2 }
	var boxes [][]glyph
	var tops, bottoms []fit
	var gaps []float64
	for _, l := range p.lines() {
		gs, _, top, bottom := p.boxes(l)
		if len(gs) < 10 {
			continue
		}
		boxes = append(boxes, gs)
		tops, bottoms = append(tops, top), append(bottoms, bottom)
		for j := 1; j < len(gs); j++ {
			gaps = append(gaps, c(gs[j])-c(gs[j-1]))
		}
	}
	if len(boxes) < 2 || len(boxes) > 3 {
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
	for i := range boxes {
		widest = math.Max(widest, last[i]-first[i])
	}
	n := 44
	switch est := widest/pitch + 1; {
	case len(boxes) == 3:
		n = 30
	case est < 40:
		n = 36
	}
	lay := &layout{n: n}
	for i := range boxes {
		step := (last[i] - first[i]) / float64(n-1)
		if !(step > 0) {
			return nil
		}
		lay.lines = append(lay.lines, textLine{centres: cells(boxes[i], n), step: step, top: tops[i], bottom: bottoms[i]})
	}
	return lay
}

// turned tells whether the band of a layout reads better turned by 180°:
// it compares how well a sample of its cells match the templates either
// way up, at the templates' coarse resolution. The cells of the turned
// band are those of the upright one, read backwards.
func (r *Reader) turned(p *plane, lay *layout) bool {
	var up, down float32
	var v cell
	var c coarseCell
	for i := range lay.lines {
		t := &lay.lines[i]
		for j := i % 3; j < lay.n; j += 3 {
			cx, pitch, l := t.cell(j)
			capH := float64(l.hi - l.lo)
			height := capH * (1 + cellAbove + cellBelow)
			p.sample(&v, cx-pitch/2, pitch/cellW, float64(l.lo)-capH*cellAbove, height/cellH)
			v.normalise()
			v.shrink(&c)
			up += r.bestCoarse(&c)
			// Turned by 180°, pixel k becomes pixel n-1-k and the
			// baseline becomes the cap line: the turned cell, read
			// backwards, starts a pixel earlier and reaches further above
			// the cap line here (its room below the baseline).
			p.sample(&v, cx-1-pitch/2, pitch/cellW, float64(l.lo)-1-capH*cellBelow, height/cellH)
			v.reverse()
			v.normalise()
			v.shrink(&c)
			down += r.bestCoarse(&c)
		}
	}
	return down > up
}

// readLayout reads the characters of a layout and parses them.
func (r *Reader) readLayout(p *plane, lay *layout, now time.Time) *Result {
	res := &Result{}
	var alts []string
	line, alt := make([]byte, lay.n), make([]byte, lay.n)
	for i := range lay.lines {
		conf := make([]float64, lay.n)
		for j := range lay.n {
			cx, pitch, l := lay.lines[i].cell(j)
			line[j], alt[j], conf[j] = r.classify(p, cx, pitch, l, charset(len(lay.lines), lay.n, i, j))
		}
		res.Lines = append(res.Lines, string(line))
		res.Confidence = append(res.Confidence, conf)
		alts = append(alts, string(alt))
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

// classify reads the cell centred near cx on line l as one of the
// characters of allowed (a set of Alphabet indices, at least two). It
// shortlists them at the templates' coarse resolution and compares the
// shortlist at the full one.
func (r *Reader) classify(p *plane, cx, pitch float64, l run, allowed charSet) (first, runnerUp byte, confidence float64) {
	// Re-centre on the ink of the cell.
	lo := min(max(int(cx-pitch*0.5), 0), p.w)
	hi := max(min(int(cx+pitch*0.5), p.w), lo)
	minX, maxX := math.MaxInt, -1
	for y := max(l.lo, 0); y < min(l.hi, p.h); y++ {
		if row := p.bin[y*p.w+lo : y*p.w+hi]; len(row) > 0 {
			if x := bytes.IndexByte(row, 1); x >= 0 {
				minX = min(minX, lo+x)
				maxX = max(maxX, lo+bytes.LastIndexByte(row, 1))
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
	var v cell
	sample := func(dx, dy float64) *cell {
		p.sample(&v, cx-pitch/2+dx*pitch/cellW, pitch/cellW, top+dy*height/cellH, height/cellH)
		v.normalise()
		return &v
	}
	sample(0, 0)
	var c coarseCell
	v.shrink(&c)
	// The shortlist, best first.
	var list [shortlist]int
	var listScore [shortlist]float32
	for i := range listScore {
		listScore[i] = -3
	}
	for i := range r.coarse {
		if allowed&(1<<i) == 0 {
			continue
		}
		s := max(dotCoarse(&c, &r.coarse[i][0]), dotCoarse(&c, &r.coarse[i][1]))
		if s <= listScore[shortlist-1] {
			continue
		}
		k := shortlist - 1
		for ; k > 0 && listScore[k-1] < s; k-- {
			list[k], listScore[k] = list[k-1], listScore[k-1]
		}
		list[k], listScore[k] = i, s
	}
	best, second, bi, si := float32(-2), float32(-2), 0, 0
	for k, i := range list {
		if listScore[k] < -2 {
			break // fewer allowed characters than the shortlist holds
		}
		s := max(dotCell(&v, &r.fine[i][0]), dotCell(&v, &r.fine[i][1]))
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
		a, b := float32(-2), float32(-2)
		for _, dy := range []float64{-1, 0, 1} {
			for _, dx := range []float64{-1, 0, 1} {
				w := sample(dx, dy)
				a = max(a, dotCell(w, &r.fine[bi][0]), dotCell(w, &r.fine[bi][1]))
				b = max(b, dotCell(w, &r.fine[si][0]), dotCell(w, &r.fine[si][1]))
			}
		}
		if b > a {
			bi, si, best, second = si, bi, b, a
		} else {
			best, second = a, b
		}
	}
	conf := math.Max(0, math.Min(1, float64(best)*0.5+float64(best-second)*2))
	return Alphabet[bi], Alphabet[si], conf
}

// shortlist is how many characters classify compares at full resolution.
const shortlist = 6

// cell is a character cell at the templates' resolution; coarseCell is
// the same at half of it.
type (
	cell       [cellW * cellH]float32
	coarseCell [cellW * cellH / 4]float32
)

// sample fills c with bilinear samples of the plane (paper outside it) at
// (x0 + (i+½)·sx, y0 + (j+½)·sy) for column i and row j.
func (p *plane) sample(c *cell, x0, sx, y0, sy float64) {
	var xi [cellW]int
	var xf [cellW]float32
	maxX, maxY := float64(p.w-1), float64(p.h-1)
	for i := range xi {
		x := x0 + (float64(i)+0.5)*sx
		if !(x >= 0 && x <= maxX) {
			xi[i] = -1
			continue
		}
		xi[i] = int(x)
		xf[i] = float32(x - float64(xi[i]))
	}
	for j := range cellH {
		row := c[j*cellW : (j+1)*cellW]
		y := y0 + (float64(j)+0.5)*sy
		if !(y >= 0 && y <= maxY) {
			clear(row)
			continue
		}
		ya := int(y)
		yb := min(ya+1, p.h-1)
		fy := float32(y - float64(ya))
		ra, rb := p.pix[ya*p.w:(ya+1)*p.w], p.pix[yb*p.w:(yb+1)*p.w]
		for i, xa := range xi {
			if xa < 0 {
				row[i] = 0
				continue
			}
			xb := min(xa+1, p.w-1)
			fx := xf[i]
			a := ra[xa]*(1-fx) + ra[xb]*fx
			b := rb[xa]*(1-fx) + rb[xb]*fx
			row[i] = a*(1-fy) + b*fy
		}
	}
}

// normalise makes c zero-mean and unit-norm (a blank cell stays zero).
func (c *cell) normalise() { normalise(c[:]) }

// reverse turns the cell by 180°.
func (c *cell) reverse() {
	for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
		c[i], c[j] = c[j], c[i]
	}
}

// shrink averages 2×2 blocks of c into a normalised coarse cell.
func (c *cell) shrink(out *coarseCell) {
	const w = cellW / 2
	for y := range cellH / 2 {
		r0, r1 := c[2*y*cellW:(2*y+1)*cellW], c[(2*y+1)*cellW:(2*y+2)*cellW]
		o := out[y*w : (y+1)*w]
		for x := range o {
			o[x] = r0[2*x] + r0[2*x+1] + r1[2*x] + r1[2*x+1]
		}
	}
	normalise(out[:])
}

// bestCoarse is the best match of a coarse cell with any template.
func (r *Reader) bestCoarse(c *coarseCell) float32 {
	best := float32(-2)
	for i := range r.coarse {
		best = max(best, dotCoarse(c, &r.coarse[i][0]), dotCoarse(c, &r.coarse[i][1]))
	}
	return best
}

// dotCell and dotCoarse are the inner products of two cells.
func dotCell(a, b *cell) float32 { return dot(a[:], b[:]) }

func dotCoarse(a, b *coarseCell) float32 { return dot(a[:], b[:]) }

// dot is the inner product of two vectors, eight lanes at a time.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		a, b := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += a[0] * b[0]
		s1 += a[1] * b[1]
		s2 += a[2] * b[2]
		s3 += a[3] * b[3]
		s4 += a[4] * b[4]
		s5 += a[5] * b[5]
		s6 += a[6] * b[6]
		s7 += a[7] * b[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3) + (s4 + s5) + (s6 + s7)
}

// normalise makes v zero-mean and unit-norm in place (a constant v
// becomes zero).
func normalise(v []float32) {
	var mean float32
	for _, x := range v {
		mean += x
	}
	mean /= float32(len(v))
	var n float32
	for i, x := range v {
		v[i] = x - mean
		n += v[i] * v[i]
	}
	if n > 0 {
		inv := float32(1 / math.Sqrt(float64(n)))
		for i := range v {
			v[i] *= inv
		}
	}
}

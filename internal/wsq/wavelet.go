package wsq

// The 9/7 biorthogonal (Cohen–Daubechies–Feauveau) wavelet of the standard is
// computed with the lifting scheme. With whole-sample symmetric extension at
// both ends of every line, lifting gives exactly the convolution with the
// 9-tap lowpass and 7-tap highpass analysis filters the standard tabulates
// (and that files carry in their DTT segment). The normalisation matches those
// filters: lowpass DC gain √2, highpass centre tap 0.78848561640558.
const (
	liftA = -1.586134342059924
	liftB = -0.052980118572961
	liftC = 0.882911075530934
	liftD = 0.443506852043971
	// liftK scales the lowpass outputs; highpass outputs are divided by it.
	liftK = 1.149604398860241
)

// stdFilters returns the analysis filters of the standard (centre tap
// first, then outwards), as written to and expected in the DTT segment.
func stdFilters() (lo [5]float64, hi [4]float64) {
	return [5]float64{0.852698679009, 0.377402855613, -0.110624404418, -0.023849465020, 0.037828455507},
		[4]float64{0.788485616406, -0.418092273222, -0.040689417609, 0.064538882629}
}

// margin is how many mirrored samples extend a line on each side so the
// four lifting steps run without boundary cases: each step spoils one
// sample of margin at each end.
const margin = 4

// mirror fills the margins of e, whose samples margin..len(e)-margin-1 hold
// a line of n ≥ 2 samples, by whole-sample symmetric extension.
func mirror(e []float32) {
	n := len(e) - 2*margin
	at := func(i int) float32 {
		for i < 0 || i >= n {
			if i < 0 {
				i = -i
			} else {
				i = 2*(n-1) - i
			}
		}
		return e[margin+i]
	}
	for j := 1; j <= margin; j++ {
		e[margin-j] = at(-j)
		e[margin+n-1+j] = at(n - 1 + j)
	}
}

// liftPass adds k·(left+right neighbour) to e[start], e[start+2], … up to
// the second-to-last sample.
func liftPass(e []float32, start int, k float32) {
	if start < 1 || start >= len(e) {
		return
	}
	for s := e[start-1:]; len(s) >= 3; s = s[2:] {
		s[1] += k * (s[0] + s[2])
	}
}

// liftLine applies the four forward lifting steps to the extended line e.
func liftLine(e []float32) {
	liftPass(e, 1, liftA)
	liftPass(e, 2, liftB)
	liftPass(e, 3, liftC)
	liftPass(e, 4, liftD)
}

// unliftLine undoes liftLine on an extended line of transform samples.
func unliftLine(e []float32) {
	liftPass(e, 2, -liftD)
	liftPass(e, 3, -liftC)
	liftPass(e, 4, -liftB)
	liftPass(e, 5, -liftA)
}

// axpy2 adds k·(a[j]+b[j]) to dst[j].
func axpy2(dst, a, b []float32, k float32) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	for len(dst) >= 4 && len(a) >= 4 && len(b) >= 4 {
		dst[0] += k * (a[0] + b[0])
		dst[1] += k * (a[1] + b[1])
		dst[2] += k * (a[2] + b[2])
		dst[3] += k * (a[3] + b[3])
		dst, a, b = dst[4:], a[4:], b[4:]
	}
	for j := range dst {
		dst[j] += k * (a[j] + b[j])
	}
}

func scaleRow(dst []float32, k float32) {
	for j := range dst {
		dst[j] *= k
	}
}

// transform holds the scratch buffers of the wavelet transform so one
// encode or decode allocates them once.
type transform struct {
	tmp  []float32 // half a frame: the rows of one half of a vertical split
	line []float32
}

func newTransform(width, height int) *transform {
	n := max(width, height) + 2*margin
	return &transform{tmp: make([]float32, width*((height+1)/2)), line: make([]float32, n)}
}

// lowLen is the number of lowpass samples of an n-sample line: ceil(n/2);
// the highpass half has floor(n/2).
func lowLen(n int) int { return (n + 1) / 2 }

// vsplit describes the vertical split layout of a node: lowpass row k sits
// at plane row y+lo+k, highpass row k at y+hi+k.
type vsplit struct {
	plane        []float32
	stride, x, w int
	y, lo, hi    int
	nl, nh       int
}

func (v *vsplit) row(r int) []float32 {
	o := r*v.stride + v.x
	return v.plane[o : o+v.w]
}
func (v *vsplit) low(k int) []float32  { return v.row(v.y + v.lo + k) }
func (v *vsplit) high(k int) []float32 { return v.row(v.y + v.hi + k) }

// step is one lifting step across rows in split layout: parity 1 updates
// the highpass rows from their lowpass neighbours, parity 0 the lowpass
// rows from their highpass neighbours, mirroring at both ends.
func (v *vsplit) step(parity int, k float32) {
	if parity == 1 {
		for i := 0; i < v.nh; i++ {
			j := i + 1
			if j >= v.nl {
				j = i
			}
			axpy2(v.high(i), v.low(i), v.low(j), k)
		}
		return
	}
	for i := 0; i < v.nl; i++ {
		a, b := i-1, i
		if a < 0 {
			a = 0
		}
		if b >= v.nh {
			b = i - 1
		}
		axpy2(v.low(i), v.high(a), v.high(b), k)
	}
}

func (v *vsplit) scale(kl, kh float32) {
	for i := 0; i < v.nl; i++ {
		scaleRow(v.low(i), kl)
	}
	for i := 0; i < v.nh; i++ {
		scaleRow(v.high(i), kh)
	}
}

// hanalyze splits one line horizontally: src is copied to the line buffer,
// lifted, and written to dst as scaled lowpass and highpass halves.
func (t *transform) hanalyze(dst, src []float32, inv bool) {
	w := len(src)
	ext := t.line[:w+2*margin]
	copy(ext[margin:], src)
	mirror(ext)
	liftLine(ext)
	line := ext[margin : margin+w]
	lw := lowLen(w)
	hw := w - lw
	lowOff, highOff := 0, lw
	if inv {
		lowOff, highOff = hw, 0
	}
	lo := dst[lowOff : lowOff+lw]
	hi := dst[highOff : highOff+hw]
	const kl, kh = float32(liftK), float32(1 / liftK)
	for i := range hi {
		lo[i] = line[2*i] * kl
		hi[i] = line[2*i+1] * kh
	}
	if lw > hw {
		lo[lw-1] = line[w-1] * kl
	}
}

// hsynthesize undoes hanalyze: src holds the halves, dst gets the line.
func (t *transform) hsynthesize(dst, src []float32, inv bool) {
	w := len(src)
	ext := t.line[:w+2*margin]
	line := ext[margin : margin+w]
	lw := lowLen(w)
	hw := w - lw
	lowOff, highOff := 0, lw
	if inv {
		lowOff, highOff = hw, 0
	}
	lo := src[lowOff : lowOff+lw]
	hi := src[highOff : highOff+hw]
	const ul, uh = float32(1 / liftK), float32(liftK)
	for i := range hi {
		line[2*i] = lo[i] * ul
		line[2*i+1] = hi[i] * uh
	}
	if lw > hw {
		line[w-1] = lo[lw-1] * ul
	}
	mirror(ext)
	unliftLine(ext)
	copy(dst, line)
}

// layout returns the vertical split layout of node nd.
func layout(plane []float32, stride int, nd wnode) vsplit {
	r := nd.rect
	v := vsplit{plane: plane, stride: stride, x: r.x, w: r.w, y: r.y, nl: lowLen(r.h), nh: r.h - lowLen(r.h)}
	if nd.invV {
		v.lo, v.hi = v.nh, 0
	} else {
		v.lo, v.hi = 0, v.nl
	}
	return v
}

// analyze performs the forward two-dimensional split of node nd in place:
// every row is split horizontally and moved to its place in the vertical
// split layout (the bottom half going through tmp), then the columns are
// lifted on that layout.
func (t *transform) analyze(plane []float32, stride int, nd wnode) {
	v := layout(plane, stride, nd)
	w := v.w
	// Natural row 2k is lowpass row k, 2k+1 highpass row k. The half that
	// ends up at the bottom is collected in tmp first.
	bottomIsLow := nd.invV
	nb := v.nh
	if bottomIsLow {
		nb = v.nl
	}
	tmp := t.tmp[:nb*w]
	for k := 0; k < v.nl; k++ {
		src := v.row(v.y + 2*k)
		if bottomIsLow {
			t.hanalyze(tmp[k*w:(k+1)*w], src, nd.invH)
		} else {
			t.hanalyze(v.low(k), src, nd.invH)
		}
		if k < v.nh {
			src = v.row(v.y + 2*k + 1)
			if bottomIsLow {
				t.hanalyze(v.high(k), src, nd.invH)
			} else {
				t.hanalyze(tmp[k*w:(k+1)*w], src, nd.invH)
			}
		}
	}
	for k := 0; k < nb; k++ {
		if bottomIsLow {
			copy(v.low(k), tmp[k*w:(k+1)*w])
		} else {
			copy(v.high(k), tmp[k*w:(k+1)*w])
		}
	}
	v.step(1, liftA)
	v.step(0, liftB)
	v.step(1, liftC)
	v.step(0, liftD)
	v.scale(liftK, 1/liftK)
}

// synthesize undoes analyze for node nd.
func (t *transform) synthesize(plane []float32, stride int, nd wnode) {
	v := layout(plane, stride, nd)
	w := v.w
	v.scale(1/liftK, liftK)
	v.step(0, -liftD)
	v.step(1, -liftC)
	v.step(0, -liftB)
	v.step(1, -liftA)
	bottomIsLow := nd.invV
	nb := v.nh
	if bottomIsLow {
		nb = v.nl
	}
	tmp := t.tmp[:nb*w]
	for k := 0; k < nb; k++ {
		if bottomIsLow {
			copy(tmp[k*w:(k+1)*w], v.low(k))
		} else {
			copy(tmp[k*w:(k+1)*w], v.high(k))
		}
	}
	// Rows go back to natural order, last first, so no row is overwritten
	// before it has been moved.
	for k := v.nl - 1; k >= 0; k-- {
		if k < v.nh {
			src := v.high(k)
			if !bottomIsLow {
				src = tmp[k*w : (k+1)*w]
			}
			t.hsynthesize(v.row(v.y+2*k+1), src, nd.invH)
		}
		src := v.low(k)
		if bottomIsLow {
			src = tmp[k*w : (k+1)*w]
		}
		t.hsynthesize(v.row(v.y+2*k), src, nd.invH)
	}
}

// decompose runs the whole analysis tree over plane (width×height).
func (t *transform) decompose(plane []float32, width int, tree *[numNodes]wnode) {
	for i := range tree {
		t.analyze(plane, width, tree[i])
	}
}

// reconstruct runs the synthesis tree in reverse order.
func (t *transform) reconstruct(plane []float32, width int, tree *[numNodes]wnode) {
	for i := numNodes - 1; i >= 0; i-- {
		t.synthesize(plane, width, tree[i])
	}
}

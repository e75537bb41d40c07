package wsq

// rect is a rectangle of the coefficient plane: origin (x, y), size w×h.
type rect struct {
	x, y, w, h int
}

// wnode is one two-dimensional split of the decomposition tree. invH marks a
// node whose horizontal split stores the highpass half first (spectral
// inversion), invV the same for the vertical split.
type wnode struct {
	rect
	invH, invV bool
}

const (
	numNodes    = 20 // two-dimensional splits of the decomposition
	numSubbands = 64 // subbands of the quantisation tree, 60..63 are never coded
	codedBands  = 60 // subbands 0..59 carry data
	block2Start = 19 // first subband of the second data block
	block3Start = 52 // first subband of the third data block
)

// halves splits n into two parts; the larger part comes first unless
// smallFirst is set. Even lengths split evenly.
func halves(n int, smallFirst bool) (int, int) {
	if n%2 == 0 {
		return n / 2, n / 2
	}
	if smallFirst {
		return n / 2, n/2 + 1
	}
	return n/2 + 1, n / 2
}

// waveletTree returns the twenty splits of the WSQ decomposition for a
// width×height image, in the order the analysis applies them.
func waveletTree(width, height int) [numNodes]wnode {
	var t [numNodes]wnode
	// Nodes whose split is spectrally inverted (fixed by the standard).
	for _, n := range [...]int{2, 4, 7, 9, 11, 13, 16, 18} {
		t[n].invH = true
	}
	for _, n := range [...]int{3, 5, 8, 9, 12, 13, 17, 18} {
		t[n].invV = true
	}
	// quad sets node parent to r and its children first..first+3 to the
	// four quadrants (top-left, top-right, bottom-left, bottom-right).
	// smallX / smallY put the smaller part first for odd lengths.
	quad := func(parent, first int, r rect, smallX, smallY, withBR bool) {
		t[parent].rect = r
		lw, rw := halves(r.w, smallX)
		th, bh := halves(r.h, smallY)
		t[first].rect = rect{r.x, r.y, lw, th}
		t[first+1].rect = rect{r.x + lw, r.y, rw, th}
		t[first+2].rect = rect{r.x, r.y + th, lw, bh}
		if withBR {
			t[first+3].rect = rect{r.x + lw, r.y + th, rw, bh}
		}
	}
	quad(0, 1, rect{0, 0, width, height}, false, false, false)
	l1 := t[1].rect
	lw, rw := halves(l1.w, false)
	th, bh := halves(l1.h, false)
	quad(4, 6, rect{lw, 0, rw, th}, true, false, true)
	quad(5, 10, rect{0, th, lw, bh}, false, true, true)
	quad(14, 15, rect{0, 0, lw, th}, false, false, true)
	t[19].rect = rect{0, 0, (t[15].w + 1) / 2, (t[15].h + 1) / 2}
	return t
}

// quantTree returns the 64 subband rectangles in coding order.
func quantTree(t *[numNodes]wnode) [numSubbands]rect {
	var q [numSubbands]rect
	// grid16 lays out the 4×4 subbands of a region split twice. smallX and
	// smallY choose which half of the first split is the smaller one for
	// odd lengths; the second split puts the larger part first in the
	// left/top half and the smaller part first in the right/bottom half.
	grid16 := func(p int, r rect, smallY, smallX bool) {
		tx, t2x := halves(r.w, smallX)
		ty, t2y := halves(r.h, smallY)
		a0, a1 := halves(tx, false)
		b0, b1 := halves(t2x, true)
		c0, c1 := halves(ty, false)
		d0, d1 := halves(t2y, true)
		xs := [4]int{r.x, r.x + a0, r.x + tx, r.x + tx + b0}
		ws := [4]int{a0, a1, b0, b1}
		ys := [4]int{r.y, r.y + c0, r.y + ty, r.y + ty + d0}
		hs := [4]int{c0, c1, d0, d1}
		// Order inside the group: 2×2 blocks (TL, TR, BL, BR), each in
		// raster order.
		for blk := 0; blk < 4; blk++ {
			bx, by := (blk%2)*2, (blk/2)*2
			for k := 0; k < 4; k++ {
				cx, cy := bx+k%2, by+k/2
				q[p+blk*4+k] = rect{xs[cx], ys[cy], ws[cx], hs[cy]}
			}
		}
	}
	grid16(3, t[14].rect, false, false)
	grid16(19, t[4].rect, false, true)
	grid16(48, t[0].rect, false, false)
	grid16(35, t[5].rect, true, false)
	r := t[19].rect
	a0, a1 := halves(r.w, false)
	c0, c1 := halves(r.h, false)
	q[0] = rect{r.x, r.y, a0, c0}
	q[1] = rect{r.x + a0, r.y, a1, c0}
	q[2] = rect{r.x, r.y + c0, a0, c1}
	q[3] = rect{r.x + a0, r.y + c0, a1, c1}
	return q
}

package finger

import (
	"math"
	"sync"
)

// roiResult is the outcome of the image-processing foreground estimate.
type roiResult struct {
	mask      []bool // per pixel, true = foreground (print)
	pixels    int    // number of foreground pixels
	mean      float64
	blocks    []bool // per 32×32 block (partial at the edges): any foreground pixel
	bw, bh    int
	nBlocks   int // number of foreground blocks
	blockSize int
}

// computeROI estimates the print's foreground as NFIQ 2's ImgProcROI
// feature does: a 5×5 grey-level erosion, a 41×41 Gaussian blur, an Otsu
// threshold, a 91×91 Gaussian blur of the binary image and a second Otsu
// threshold; holes in the foreground are filled and only the foreground
// region with the largest bounding box is kept.
func computeROI(g *gray) *roiResult {
	w, h := g.w, g.h
	er := erode5(g)
	b1 := gaussianBlur8(er, w, h, 41, false)
	t1 := otsu(b1)
	for i, v := range b1 {
		if int(v) > t1 {
			b1[i] = 255
		} else {
			b1[i] = 0
		}
	}
	b2 := gaussianBlur8(b1, w, h, 91, true)
	t2 := otsu(b2)
	bin := b2
	for i, v := range bin {
		if int(v) > t2 {
			bin[i] = 255
		} else {
			bin[i] = 0
		}
	}
	fillHoles(bin, w, h)
	keepLargestBlack(bin, w, h)

	r := &roiResult{mask: make([]bool, w*h), blockSize: 32}
	var sum int
	for i, v := range bin {
		if v == 0 {
			r.mask[i] = true
			r.pixels++
			sum += int(g.pix[i])
		}
	}
	if r.pixels == 0 {
		r.mean = 255
	} else {
		r.mean = float64(sum) / float64(r.pixels)
	}
	bs := r.blockSize
	r.bw, r.bh = (w+bs-1)/bs, (h+bs-1)/bs
	r.blocks = make([]bool, r.bw*r.bh)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if r.mask[y*w+x] {
				r.blocks[(y/bs)*r.bw+x/bs] = true
			}
		}
	}
	for _, b := range r.blocks {
		if b {
			r.nBlocks++
		}
	}
	return r
}

// erode5 is a 5×5 grey-level erosion (minimum filter); pixels outside the
// image are ignored.
func erode5(g *gray) []uint8 {
	w, h := g.w, g.h
	tmp := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		row := g.pix[y*w : (y+1)*w]
		out := tmp[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			m := uint8(255)
			for k := max(x-2, 0); k <= min(x+2, w-1); k++ {
				m = min(m, row[k])
			}
			out[x] = m
		}
	}
	res := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m := uint8(255)
			for k := max(y-2, 0); k <= min(y+2, h-1); k++ {
				m = min(m, tmp[k*w+x])
			}
			res[y*w+x] = m
		}
	}
	return res
}

// gaussKernel returns the normalised Gaussian taps for an odd kernel size
// with OpenCV's default sigma for that size.
func gaussKernel(ksize int) []float32 {
	sigma := 0.3*(float64(ksize-1)*0.5-1) + 0.8
	k := make([]float64, ksize)
	var s float64
	for i := range k {
		x := float64(i - (ksize-1)/2)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		s += k[i]
	}
	kf := make([]float32, ksize)
	for i := range k {
		kf[i] = float32(k[i] / s)
	}
	return kf
}

// reflect101 maps an index outside [0,n) by mirroring without repeating
// the edge pixel.
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	for i < 0 || i >= n {
		if i < 0 {
			i = -i
		}
		if i >= n {
			i = 2*n - 2 - i
		}
	}
	return i
}

// gaussianBlur8 blurs an 8-bit image with a separable Gaussian of the given
// odd size (mirrored borders) and rounds back to 8 bits. When binary is
// set the input holds only 0 and 255 and the horizontal pass sums the
// kernel over runs of 255 instead of tap by tap. Rows are split between
// two goroutines.
func gaussianBlur8(src []uint8, w, h, ksize int, binary bool) []uint8 {
	k := gaussKernel(ksize)
	r := ksize / 2
	// cumulative kernel for the run sums: cum[i] = k[0]+…+k[i-1]
	cum := make([]float32, ksize+1)
	for i, v := range k {
		cum[i+1] = cum[i] + v
	}
	tmp := make([]float32, w*h)
	out := make([]uint8, w*h)
	parallelRows(h, func(y0, y1 int) {
		line := make([]float32, w+2*r)
		for y := y0; y < y1; y++ {
			row := src[y*w : (y+1)*w]
			for i := range line {
				line[i] = float32(row[reflect101(i-r, w)])
			}
			dst := tmp[y*w : (y+1)*w]
			if binary {
				blurRuns(line, dst, cum, r)
				continue
			}
			for x := 0; x < w; x++ {
				seg := line[x : x+ksize]
				s := k[r] * seg[r]
				for i := 0; i < r; i++ {
					s += k[i] * (seg[i] + seg[ksize-1-i])
				}
				dst[x] = s
			}
		}
	})
	parallelRows(h, func(y0, y1 int) {
		acc := make([]float32, w)
		rows := make([][]float32, ksize)
		for y := y0; y < y1; y++ {
			for i := range rows {
				rows[i] = tmp[reflect101(y+i-r, h)*w:][:w]
			}
			copy(acc, rows[r])
			kc := k[r]
			for x := range acc {
				acc[x] *= kc
			}
			for i := 0; i < r; i++ {
				kv := k[i]
				a, b := rows[i], rows[ksize-1-i]
				for x := range acc {
					acc[x] += kv * (a[x] + b[x])
				}
			}
			o := out[y*w : (y+1)*w]
			for x, v := range acc {
				o[x] = uint8(min(max(v+0.5, 0), 255))
			}
		}
	})
	return out
}

// blurRuns is the horizontal Gaussian pass over a padded line holding only
// 0 and 255: each output is 255 times the kernel mass over the runs of 255
// inside its window.
func blurRuns(line, dst, cum []float32, r int) {
	ksize := 2*r + 1
	type run struct{ a, b int } // [a,b) in line coordinates
	var runs []run
	for i := 0; i < len(line); {
		if line[i] == 0 {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != 0 {
			j++
		}
		runs = append(runs, run{i, j})
		i = j
	}
	first := 0
	for x := range dst {
		// window in line coordinates: [x, x+ksize)
		for first < len(runs) && runs[first].b <= x {
			first++
		}
		var s float32
		for _, rn := range runs[first:] {
			if rn.a >= x+ksize {
				break
			}
			a := max(rn.a, x) - x
			b := min(rn.b, x+ksize) - x
			s += cum[b] - cum[a]
		}
		dst[x] = 255 * s
	}
}

// parallelRows runs fn over [0,h) split in two halves concurrently.
func parallelRows(h int, fn func(y0, y1 int)) {
	if h < 64 {
		fn(0, h)
		return
	}
	var wg sync.WaitGroup
	mid := h / 2
	wg.Add(1)
	go func() {
		defer wg.Done()
		fn(mid, h)
	}()
	fn(0, mid)
	wg.Wait()
}

// otsu returns Otsu's threshold of an 8-bit image (the grey level that
// maximises the between-class variance; values above it are foreground).
func otsu(pix []uint8) int {
	var hist [256]int
	for _, v := range pix {
		hist[v]++
	}
	n := float64(len(pix))
	var mu float64
	for i, c := range hist {
		mu += float64(i) * float64(c)
	}
	mu /= n
	var mu1, q1, maxSigma float64
	maxVal := 0
	const eps = 1.1920928955078125e-07
	for i := 0; i < 256; i++ {
		p := float64(hist[i]) / n
		mu1 *= q1
		q1 += p
		q2 := 1 - q1
		if min(q1, q2) < eps || max(q1, q2) > 1-eps {
			continue
		}
		mu1 = (mu1 + float64(i)*p) / q1
		mu2 := (mu - q1*mu1) / q2
		s := q1 * q2 * (mu1 - mu2) * (mu1 - mu2)
		if s > maxSigma {
			maxSigma = s
			maxVal = i
		}
	}
	return maxVal
}

// fillHoles turns white (255) regions that do not touch the image border
// into foreground (0).
func fillHoles(bin []uint8, w, h int) {
	seen := make([]bool, w*h)
	stack := make([]int, 0, 1024)
	// mark white pixels connected (4-neighbourhood) to the border
	push := func(i int) {
		if !seen[i] && bin[i] == 255 {
			seen[i] = true
			stack = append(stack, i)
		}
	}
	for x := 0; x < w; x++ {
		push(x)
		push((h-1)*w + x)
	}
	for y := 0; y < h; y++ {
		push(y * w)
		push(y*w + w - 1)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := i%w, i/w
		if x > 0 {
			push(i - 1)
		}
		if x < w-1 {
			push(i + 1)
		}
		if y > 0 {
			push(i - w)
		}
		if y < h-1 {
			push(i + w)
		}
	}
	for i, v := range bin {
		if v == 255 && !seen[i] {
			bin[i] = 0
		}
	}
}

// keepLargestBlack keeps the black (0) 4-connected region with the largest
// bounding box (the first found on ties, scanning rows top-down) and
// whitens all others.
func keepLargestBlack(bin []uint8, w, h int) {
	label := make([]int32, w*h)
	stack := make([]int, 0, 1024)
	best, bestArea := int32(0), 0
	var n int32
	for s := range bin {
		if bin[s] != 0 || label[s] != 0 {
			continue
		}
		n++
		x0, y0, x1, y1 := w, h, -1, -1
		label[s] = n
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			for _, j := range [4]int{i - 1, i + 1, i - w, i + w} {
				switch {
				case j == i-1 && x == 0, j == i+1 && x == w-1, j < 0, j >= w*h:
					continue
				}
				if bin[j] == 0 && label[j] == 0 {
					label[j] = n
					stack = append(stack, j)
				}
			}
		}
		if a := (x1 - x0 + 1) * (y1 - y0 + 1); a > bestArea {
			best, bestArea = n, a
		}
	}
	for i, l := range label {
		if l != 0 && l != best {
			bin[i] = 255
		}
	}
}

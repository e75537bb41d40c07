package fingerprints

import (
	"math"
	"runtime"
	"sync"
)

// Filter bank geometry. Orientations are quantised into nOrient bins over
// [0, π) and ridge periods into steps of periodStep pixels between
// minPeriod and maxPeriod.
const (
	nOrient    = 24
	minPeriod  = 6.5
	maxPeriod  = 12.5
	periodStep = 0.5
	nPeriod    = int((maxPeriod-minPeriod)/periodStep) + 1
	maxRadius  = 8
	maxSize    = 2*maxRadius + 1
)

// gaborBank holds one even-symmetric Gabor kernel per quantised
// (orientation, period) pair. Each kernel has zero mean and unit response
// to a matched unit-amplitude sinusoid, so repeated filtering neither drifts
// towards all-ridge nor all-valley and keeps a stable amplitude.
//
// A bank works at a given scale: scale 0.5 is for a half-resolution grid,
// where periods and envelopes are halved.
type gaborBank struct {
	radius, size int
	k            [][]float32 // [oi*nPeriod+pi] -> size*size taps
	// per kernel row, the columns [lo, hi) inside the circular support
	lo, hi [maxSize]int
}

func newGaborBank(sigmaAcross, sigmaAlong, scale float64, radius int) *gaborBank {
	kRadius, kSize := radius, 2*radius+1
	b := &gaborBank{radius: radius, size: kSize, k: make([][]float32, nOrient*nPeriod)}
	sigmaAcross *= scale
	sigmaAlong *= scale
	r2 := float64(kRadius)*float64(kRadius) + 0.5
	for j := 0; j < kSize; j++ {
		dy := float64(j - kRadius)
		half := int(math.Floor(math.Sqrt(math.Max(0, r2-dy*dy))))
		b.lo[j] = kRadius - half
		b.hi[j] = kRadius + half + 1
	}
	for oi := 0; oi < nOrient; oi++ {
		th := (float64(oi) + 0.5) * math.Pi / nOrient
		c, s := math.Cos(th), math.Sin(th)
		for pi := 0; pi < nPeriod; pi++ {
			period := (minPeriod + float64(pi)*periodStep) * scale
			f := 2 * math.Pi / period
			k := make([]float64, kSize*kSize)
			env := make([]float64, kSize*kSize)
			carrier := make([]float64, kSize*kSize)
			var sum, wsum float64
			for j := 0; j < kSize; j++ {
				for i := b.lo[j]; i < b.hi[j]; i++ {
					dx, dy := float64(i-kRadius), float64(j-kRadius)
					along := dx*c + dy*s
					across := -dx*s + dy*c
					n := j*kSize + i
					env[n] = math.Exp(-0.5 * (across*across/(sigmaAcross*sigmaAcross) + along*along/(sigmaAlong*sigmaAlong)))
					carrier[n] = math.Cos(f * across)
					k[n] = env[n] * carrier[n]
					sum += k[n]
					wsum += env[n]
				}
			}
			// remove the DC component with the envelope shape, then scale
			// to unit response to the matched sinusoid
			var gain float64
			for n := range k {
				k[n] -= env[n] * sum / wsum
				gain += k[n] * carrier[n]
			}
			kf := make([]float32, kSize*kSize)
			for i := range k {
				kf[i] = float32(k[i] / gain)
			}
			b.k[oi*nPeriod+pi] = kf
		}
	}
	return b
}

// orientIndex quantises a ridge direction in radians to a bank bin.
func orientIndex(theta float64) int {
	t := math.Mod(theta, math.Pi)
	if t < 0 {
		t += math.Pi
	}
	i := int(t / math.Pi * nOrient)
	if i >= nOrient {
		i = nOrient - 1
	}
	return i
}

// periodIndex quantises a ridge period in pixels to a bank bin.
func periodIndex(p float64) int {
	i := int(math.Round((p - minPeriod) / periodStep))
	if i < 0 {
		i = 0
	}
	if i >= nPeriod {
		i = nPeriod - 1
	}
	return i
}

// padded is a float32 image with a zero border of maxRadius pixels so that
// the filter loops need no bounds handling.
type padded struct {
	w, h, stride int
	pix          []float32
}

const pad = maxRadius

func newPadded(w, h int) *padded {
	s := w + 2*pad
	return &padded{w: w, h: h, stride: s, pix: make([]float32, s*(h+2*pad))}
}

func (p *padded) at(x, y int) float32 { return p.pix[(y+pad)*p.stride+x+pad] }
func (p *padded) set(x, y int, v float32) {
	p.pix[(y+pad)*p.stride+x+pad] = v
}

// filterPass applies the per-pixel kernel idx[y*w+x] (or nothing where idx is
// negative) to src, writes op(response) into dst.
func (b *gaborBank) filterPass(src, dst *padded, idx []int16, op func(float32) float32) {
	w, h := src.w, src.h
	workers := runtime.GOMAXPROCS(0)
	if workers > 8 {
		workers = 8
	}
	var wg sync.WaitGroup
	band := (h + workers*4 - 1) / (workers * 4)
	next := make(chan int, workers*4+1)
	for y0 := 0; y0 < h; y0 += band {
		next <- y0
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y0 := range next {
				y1 := min(y0+band, h)
				b.filterRows(src, dst, idx, op, y0, y1, w)
			}
		}()
	}
	wg.Wait()
}

func (b *gaborBank) filterRows(src, dst *padded, idx []int16, op func(float32) float32, y0, y1, w int) {
	stride := src.stride
	sp := src.pix
	kRadius, kSize := b.radius, b.size
	for y := y0; y < y1; y++ {
		drow := dst.pix[(y+pad)*stride+pad : (y+pad)*stride+pad+w]
		irow := idx[y*w : y*w+w]
		for x := range drow {
			ki := irow[x]
			if ki < 0 {
				drow[x] = 0
				continue
			}
			k := b.k[ki]
			base := (y+pad-kRadius)*stride + x + pad - kRadius
			var s0, s1 float32
			for j := 0; j < kSize; j++ {
				lo, hi := b.lo[j], b.hi[j]
				kr := k[j*kSize+lo : j*kSize+hi]
				row := sp[base+j*stride+lo : base+j*stride+hi]
				row = row[:len(kr)]
				i := 0
				for ; i+1 < len(kr); i += 2 {
					s0 += kr[i] * row[i]
					s1 += kr[i+1] * row[i+1]
				}
				if i < len(kr) {
					s0 += kr[i] * row[i]
				}
			}
			drow[x] = op(s0 + s1)
		}
	}
}

package finger

import (
	"fmt"
	"image"
	"math"
)

// Image size limits after the near-white frame around the print has been
// trimmed. They are the limits NFIQ 2 applies (taken there from its
// minutiae extractor): the trimmed print must be wider and taller than
// MinSize pixels and narrower than MaxWidth and lower than MaxHeight.
const (
	MinSize   = 196
	MaxWidth  = 800
	MaxHeight = 1000
)

// whiteFrameMu is the mean grey level above which a whole row or column
// counts as blank frame around the print.
const whiteFrameMu = 250

// gray is a packed 8-bit image: pix[y*w+x].
type gray struct {
	w, h int
	pix  []uint8
}

// fromImage copies img into a packed buffer.
func fromImage(img *image.Gray) *gray {
	b := img.Bounds()
	g := &gray{w: b.Dx(), h: b.Dy(), pix: make([]uint8, b.Dx()*b.Dy())}
	for y := 0; y < g.h; y++ {
		off := img.PixOffset(b.Min.X, b.Min.Y+y)
		copy(g.pix[y*g.w:(y+1)*g.w], img.Pix[off:off+g.w])
	}
	return g
}

// sub copies the rectangle [x0,x0+w) × [y0,y0+h).
func (g *gray) sub(x0, y0, w, h int) *gray {
	o := &gray{w: w, h: h, pix: make([]uint8, w*h)}
	for y := 0; y < h; y++ {
		copy(o.pix[y*w:(y+1)*w], g.pix[(y0+y)*g.w+x0:(y0+y)*g.w+x0+w])
	}
	return o
}

// trimWhiteFrame removes near-white rows and columns around the print the
// way NFIQ 2 does before it computes any feature: from each side, the first
// row (column) whose mean is at most 250 becomes the edge of the crop.
// (NIST's current source keeps one more blank line on each side; the
// reference outputs were made without it, and this matches them.) It
// returns the cropped image and its offset in g.
func trimWhiteFrame(g *gray) (*gray, image.Point, error) {
	rowMu := func(y int) float64 {
		s := 0
		for _, v := range g.pix[y*g.w : (y+1)*g.w] {
			s += int(v)
		}
		return float64(s) / float64(g.w)
	}
	colMu := func(x int) float64 {
		s := 0
		for y := 0; y < g.h; y++ {
			s += int(g.pix[y*g.w+x])
		}
		return float64(s) / float64(g.h)
	}
	top, bottom, left, right := 0, g.h-1, 0, g.w-1
	for y := 0; y < g.h; y++ {
		if rowMu(y) <= whiteFrameMu {
			top = y
			break
		}
	}
	for y := g.h - 1; y >= 0; y-- {
		if rowMu(y) <= whiteFrameMu {
			bottom = y
			break
		}
	}
	for x := 0; x < g.w; x++ {
		if colMu(x) <= whiteFrameMu {
			left = x
			break
		}
	}
	for x := g.w - 1; x >= 0; x-- {
		if colMu(x) <= whiteFrameMu {
			right = x
			break
		}
	}
	w := right - left + 1
	if w <= 0 {
		left, w = 0, g.w
	}
	h := bottom - top + 1
	if h <= 0 {
		top, h = 0, g.h
	}
	switch {
	case w <= MinSize:
		return nil, image.Point{}, fmt.Errorf("%w: print is %d×%d pixels after trimming the blank frame, width must exceed %d", ErrImageSize, w, h, MinSize)
	case w >= MaxWidth:
		return nil, image.Point{}, fmt.Errorf("%w: print is %d×%d pixels after trimming the blank frame, width must be below %d", ErrImageSize, w, h, MaxWidth)
	case h <= MinSize:
		return nil, image.Point{}, fmt.Errorf("%w: print is %d×%d pixels after trimming the blank frame, height must exceed %d", ErrImageSize, w, h, MinSize)
	case h >= MaxHeight:
		return nil, image.Point{}, fmt.Errorf("%w: print is %d×%d pixels after trimming the blank frame, height must be below %d", ErrImageSize, w, h, MaxHeight)
	}
	if left == 0 && top == 0 && w == g.w && h == g.h {
		return g, image.Point{}, nil
	}
	return g.sub(left, top, w, h), image.Point{X: left, Y: top}, nil
}

// meanStd returns the mean and the population standard deviation of the
// whole image.
func meanStd(g *gray) (float64, float64) {
	var hist [256]int
	for _, v := range g.pix {
		hist[v]++
	}
	var s, s2 float64
	for v, n := range hist {
		s += float64(v) * float64(n)
		s2 += float64(v) * float64(v) * float64(n)
	}
	n := float64(len(g.pix))
	mu := s / n
	return mu, math.Sqrt(math.Max(0, s2/n-mu*mu))
}

// blockMeanStd returns mean and population standard deviation of the
// rectangle [x0,x1) × [y0,y1).
func blockMeanStd(g *gray, x0, y0, x1, y1 int) (float64, float64) {
	var s, s2 int
	for y := y0; y < y1; y++ {
		for _, v := range g.pix[y*g.w+x0 : y*g.w+x1] {
			s += int(v)
			s2 += int(v) * int(v)
		}
	}
	n := float64((x1 - x0) * (y1 - y0))
	mu := float64(s) / n
	return mu, math.Sqrt(math.Max(0, float64(s2)/n-mu*mu))
}

package wsq

import (
	"image/color"
	"math"
)

func grayModel() color.Model { return color.GrayModel }

// unquantize places the dequantised coefficients into their subbands of
// plane (row stride w); subbands with a zero bin width stay zero.
func unquantize(plane []float32, w int, coef []int16, t *quantTable, qt *[numSubbands]rect) {
	c := t.binCenter
	k := 0
	for i := 0; i < codedBands; i++ {
		q := t.q[i]
		if q == 0 {
			continue
		}
		hz := t.z[i] / 2
		r := qt[i]
		for y := 0; y < r.h; y++ {
			row := plane[(r.y+y)*w+r.x:]
			row = row[:r.w]
			src := coef[k : k+r.w]
			k += r.w
			for x, v := range src {
				switch {
				case v > 0:
					row[x] = float32(q*(float32(v)-c)) + hz
				case v < 0:
					row[x] = float32(q*(float32(v)+c)) - hz
				}
			}
		}
	}
}

// toBytes converts reconstructed samples to pixels the way the reference
// decoder does: x·r_scale + m_shift + 0.5, truncated, clamped to 0..255.
func toBytes(pix []uint8, plane []float32, mShift, rScale float32) {
	pix = pix[:len(plane)]
	for i, f := range plane {
		// The explicit conversion keeps the multiply and add unfused, as in
		// the reference decoder.
		v := float32(f*rScale) + mShift + 0.5
		switch {
		case v < 0:
			pix[i] = 0
		case v > 255:
			pix[i] = 255
		default:
			pix[i] = uint8(v)
		}
	}
}

// Quantiser constants of the standard (FBI WSQ specification, annex A).
const (
	varianceThresh = 1.01 // subbands with a smaller variance are dropped
	binCenter      = 0.44 // the C parameter: reconstruction point in a bin
	zeroBinRatio   = 1.2  // zero bin width relative to the bin width
)

// subbandVariances computes the variance of every coded subband. Subbands
// 0..3 and, when those are busy enough (sum ≥ 20000), all others are
// measured on their central region only (the standard's cropped window:
// from 1/8 of the width and 9/32 of the height, 3/4 wide, 7/16 high), which
// keeps the border of the print out of the estimate.
func subbandVariances(plane []float32, w int, qt *[numSubbands]rect) [codedBands]float64 {
	var v [codedBands]float64
	variance := func(r rect, crop bool) float64 {
		x0, y0, cw, ch := r.x, r.y, r.w, r.h
		if crop {
			x0 += r.w / 8
			y0 += 9 * r.h / 32
			cw = 3 * r.w / 4
			ch = 7 * r.h / 16
		}
		n := cw * ch
		if n < 2 {
			return 0
		}
		var sum, ssq float64
		for y := y0; y < y0+ch; y++ {
			row := plane[y*w+x0 : y*w+x0+cw]
			var s, q float32
			for _, f := range row {
				s += f
				q += f * f
			}
			sum += float64(s)
			ssq += float64(q)
		}
		return (ssq - sum*sum/float64(n)) / float64(n-1)
	}
	vsum := 0.0
	for i := 0; i < 4; i++ {
		v[i] = variance(qt[i], true)
		vsum += v[i]
	}
	crop := vsum >= 20000
	if !crop {
		for i := 0; i < 4; i++ {
			v[i] = variance(qt[i], false)
		}
	}
	for i := 4; i < codedBands; i++ {
		v[i] = variance(qt[i], crop)
	}
	return v
}

// binWidths derives the quantiser bin widths for the target bit rate from
// the subband variances (FBI WSQ specification, annex A): bins proportional
// to 10/(A·ln σ²) for the coded subbands, with the common factor chosen so
// that the estimated rate of the subbands left with a positive rate equals
// the target. Subbands with variance below the threshold are not coded
// (width 0).
func binWidths(v *[codedBands]float64, bitrate float64) [codedBands]float64 {
	var weight [codedBands]float64
	for i := range weight {
		weight[i] = 1
	}
	for i, a := range [...]float64{1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08} {
		weight[block3Start+i] = a
	}
	// Reciprocal of the subband's share of the image: 1/1024, 1/256, 1/16.
	share := func(i int) float64 {
		switch {
		case i < 4:
			return 1.0 / 1024
		case i < 51:
			return 1.0 / 256
		}
		return 1.0 / 16
	}
	var rel, sigma [codedBands]float64
	var set []int
	for i := 0; i < codedBands; i++ {
		if v[i] < varianceThresh {
			continue
		}
		if i < 4 {
			rel[i] = 1
		} else {
			rel[i] = 10 / (weight[i] * math.Log(v[i]))
		}
		sigma[i] = math.Sqrt(v[i])
		set = append(set, i)
	}
	coded := append([]int(nil), set...)
	q := 0.0
	for len(set) > 0 {
		s, logP := 0.0, 0.0
		for _, i := range set {
			s += share(i)
			logP += share(i) * math.Log(sigma[i]/rel[i])
		}
		q = math.Pow(2, bitrate/s-1) / 2.5 / math.Exp(logP/s)
		next := set[:0:0]
		for _, i := range set {
			if rel[i]/q < 5*sigma[i] {
				next = append(next, i)
			}
		}
		if len(next) == len(set) {
			break
		}
		set = next
	}
	var out [codedBands]float64
	if q > 0 {
		for _, i := range coded {
			out[i] = rel[i] / q
		}
	}
	return out
}

// quantize maps the coefficients of every coded subband to bin indices in
// coding order (subband by subband, rows top to bottom) into dst, which must
// hold them all. It returns how many it wrote and a bit set of the subbands
// whose indices would exceed maxIndex (those are clamped).
func quantize(dst []int16, plane []float32, w int, qt *[numSubbands]rect, t *quantTable) (int, uint64) {
	n := 0
	var over uint64
	for i := 0; i < codedBands; i++ {
		q := t.q[i]
		if q == 0 {
			continue
		}
		hz := t.z[i] / 2
		inv := 1 / q
		r := qt[i]
		for y := 0; y < r.h; y++ {
			row := plane[(r.y+y)*w+r.x:]
			row = row[:r.w]
			out := dst[n : n+r.w]
			n += r.w
			for x, f := range row {
				var k int16
				switch {
				case f > hz:
					v := (f - hz) * inv
					if v >= maxIndex {
						over |= 1 << i
						v = maxIndex - 1
					}
					k = int16(v) + 1
				case f < -hz:
					v := (f + hz) * inv
					if v <= -maxIndex {
						over |= 1 << i
						v = 1 - maxIndex
					}
					k = int16(v) - 1
				}
				out[x] = k
			}
		}
	}
	return n, over
}

package face

import (
	"fmt"

	"gocv.io/x/gocv"
)

// Byte budgets for EncodeJPEG: a chip (eMRTD DG2) image of 15–20 KB and a
// registry copy.
const (
	ChipBudget     = 20000
	RegistryBudget = 200000
)

// EncodeJPEG encodes img as JPEG at the highest quality (1–100) whose
// output fits budget bytes, found by binary search, and returns the bytes
// and the quality. It fails when even quality 1 does not fit (make the
// image smaller, for example with a narrower token).
func EncodeJPEG(img gocv.Mat, budget int) ([]byte, int, error) {
	if img.Empty() {
		return nil, 0, fmt.Errorf("face: empty image")
	}
	enc := func(q int) ([]byte, error) {
		buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, img, []int{gocv.IMWriteJpegQuality, q})
		if err != nil {
			return nil, fmt.Errorf("face: JPEG encoding: %w", err)
		}
		defer buf.Close()
		return append([]byte(nil), buf.GetBytes()...), nil
	}
	lo, hi := 1, 100
	var best []byte
	bestQ := 0
	for lo <= hi {
		q := (lo + hi) / 2
		b, err := enc(q)
		if err != nil {
			return nil, 0, err
		}
		if len(b) <= budget {
			best, bestQ = b, q
			lo = q + 1
		} else {
			hi = q - 1
		}
	}
	if best == nil {
		return nil, 0, fmt.Errorf("face: a %dx%d image does not fit %d bytes even at JPEG quality 1: make it smaller", img.Cols(), img.Rows(), budget)
	}
	return best, bestQ, nil
}

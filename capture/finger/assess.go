package finger

import (
	"errors"
	"fmt"
	"image"
	"sync"
)

// Errors returned by Assess, Segment and ExtractMinutiae; the returned
// errors wrap them with details.
var (
	// ErrResolution: the image is not 500 ppi, the only resolution the
	// NFIQ 2 features are defined for.
	ErrResolution = errors.New("finger: unsupported resolution")
	// ErrImageSize: the image (after trimming its blank frame) is too
	// small or too large.
	ErrImageSize = errors.New("finger: unsupported image size")
	// ErrEmptyImage: the image is blank, uniform or without contrast.
	ErrEmptyImage = errors.New("finger: empty image")
)

// Result is the quality assessment of one fingerprint image.
type Result struct {
	// Score is the 0–100 quality score (see the package documentation for
	// how it is computed); 0 for an empty image.
	Score int
	// Features holds the native NFIQ 2 quality features.
	Features Features
	// Feedback is NFIQ 2's actionable feedback.
	Feedback Feedback
	// Minutiae are the minutiae found, in the coordinates of the input
	// image.
	Minutiae []Minutia
	// Crop is the part of the input image the features were computed on
	// (the input without its near-white frame).
	Crop image.Rectangle
}

// checkInput validates resolution and size and returns the packed image.
func checkInput(img *image.Gray, ppi int) (*gray, error) {
	if ppi != referenceResolution {
		return nil, fmt.Errorf("%w: %d ppi, only %d ppi images are supported", ErrResolution, ppi, referenceResolution)
	}
	if img == nil {
		return nil, fmt.Errorf("%w: no image", ErrImageSize)
	}
	b := img.Bounds()
	if b.Dx() <= MinSize || b.Dy() <= MinSize {
		return nil, fmt.Errorf("%w: image is %d×%d pixels, width and height must exceed %d", ErrImageSize, b.Dx(), b.Dy(), MinSize)
	}
	return fromImage(img), nil
}

// prepare checks the input and trims its near-white frame, returning the
// print and its offset in img.
func prepare(img *image.Gray, ppi int) (*gray, image.Point, error) {
	full, err := checkInput(img, ppi)
	if err != nil {
		return nil, image.Point{}, err
	}
	return trimWhiteFrame(full)
}

// Assess computes the NFIQ 2 features, the actionable feedback, the
// minutiae and the quality score of a 500 ppi 8-bit fingerprint image.
//
// ppi must be 500 (ErrResolution otherwise). The image, after near-white
// rows and columns around the print are trimmed, must be larger than
// 196×196 and smaller than 800×1000 pixels (ErrImageSize). A blank or
// uniform image (mean grey level above 250 or standard deviation below 1)
// yields an error wrapping ErrEmptyImage together with a Result whose
// Score is 0 and whose Feedback says what is wrong.
func Assess(img *image.Gray, ppi int) (*Result, error) {
	g, off, err := prepare(img, ppi)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	res := &Result{Crop: image.Rect(0, 0, g.w, g.h).Add(off).Add(b.Min)}
	mu, sigma := meanStd(g)
	res.Feedback.UniformImage = sigma
	res.Feedback.EmptyImageOrContrastTooLow = mu
	res.Features.Mu = mu
	if sigma < UniformThreshold || mu > EmptyThreshold {
		res.Feedback.setFlags()
		res.Feedback.TooFewMinutiae = true
		res.Feedback.SmallForeground = true
		return res, fmt.Errorf("%w: mean grey level %.1f, standard deviation %.2f", ErrEmptyImage, mu, sigma)
	}
	f := &res.Features
	var (
		wg   sync.WaitGroup
		roi  *roiResult
		mins []Minutia
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		roi = computeROI(g)
		var sum float64
		for by := 0; by < roi.bh; by++ {
			for bx := 0; bx < roi.bw; bx++ {
				if !roi.blocks[by*roi.bw+bx] {
					continue
				}
				bs := roi.blockSize
				x, y := bx*bs, by*bs
				sum += coherence(g, x, y, min(bs, g.w-x), min(bs, g.h-y))
			}
		}
		f.CoherenceSum = sum
		if roi.nBlocks > 0 {
			f.CoherenceRel = sum / float64(roi.nBlocks)
		}
		f.ROIAreaMean = roi.mean
	}()
	go func() {
		defer wg.Done()
		mins = extractMinutiae(g)
	}()
	mask32 := newRidgeMask(g, 32, sigma)
	bf := slantedFeatures(g, mask32)
	f.FDA = histogram(bf.fda, &fdaBounds)
	f.LCS = histogram(bf.lcs, &lcsBounds)
	f.RVUP = histogram(bf.rvu, &rvupBounds)
	f.OF = histogram(orientationFlow(g, sigma), &ofBounds)
	f.OCL = histogram(oclValues(g), &oclBounds)
	f.MMB = meanOfBlockMeans(g)
	wg.Wait()

	minutiaeFeatures(g, mu, sigma, mins, f)
	res.Feedback.FingerprintImageWithMinutiae = len(mins)
	res.Feedback.SufficientFingerprintForeground = roi.pixels
	res.Feedback.setFlags()
	res.Minutiae = make([]Minutia, len(mins))
	for i, m := range mins {
		m.X += res.Crop.Min.X
		m.Y += res.Crop.Min.Y
		res.Minutiae[i] = m
	}
	res.Score = score(f, &res.Feedback)
	return res, nil
}

// Segment returns the foreground of a 500 ppi fingerprint image as a mask
// of the image's size: 255 for foreground (print), 0 for background. It is
// NFIQ 2's image-processing region of interest (see computeROI), computed
// on the image without its near-white frame; the frame is background.
func Segment(img *image.Gray) (*image.Gray, error) {
	g, off, err := prepare(img, referenceResolution)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	mask := image.NewGray(b)
	if mu, sigma := meanStd(g); sigma < UniformThreshold || mu > EmptyThreshold {
		return mask, fmt.Errorf("%w: mean grey level %.1f, standard deviation %.2f", ErrEmptyImage, mu, sigma)
	}
	roi := computeROI(g)
	for y := 0; y < g.h; y++ {
		row := mask.Pix[(off.Y+y)*mask.Stride+off.X:]
		for x := 0; x < g.w; x++ {
			if roi.mask[y*g.w+x] {
				row[x] = 255
			}
		}
	}
	return mask, nil
}

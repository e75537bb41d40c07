// Package ocr reads the MRZ of an identity document from a photo or a scan
// (ICAO 9303 part 3 §4.2 printing: OCR-B, fixed pitch). It finds the MRZ
// band with OpenCV (gocv) morphology in either orientation, straightens it,
// binarises it, cuts the lines and the fixed-pitch character cells, and
// classifies every cell against OCR-B glyph templates, giving a confidence
// per character; the text then goes to package mrz, which checks it and
// repairs the letter/digit confusions the check digits allow.
//
// The templates (glyphs.png) are rendered at build time from the OCR-B font
// of Debian's fonts-ocr-b by internal/genglyphs and embedded; the runtime
// needs no font.
//
// Caveats: strong perspective (a page photographed at a steep angle) is
// only corrected as far as a rotated rectangle fits the band; glare that
// wipes out characters cannot be recovered.
package ocr

//go:generate go run ./internal/genglyphs

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"
	"time"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/mrz"
)

// Alphabet is the MRZ character set, in the order of the template atlas.
const Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

// Template cell size, and how far a cell reaches above the cap line and
// below the baseline, as a share of the cap height (as in genglyphs).
const (
	cellW     = 24
	cellH     = 32
	cellAbove = 0.05
	cellBelow = 0.15
)

//go:embed glyphs.png
var glyphsPNG []byte

// MaxImageBytes bounds an encoded image given to ReadImage.
const MaxImageBytes = 32 << 20

// ErrNotFound means no MRZ band was found in the image.
var ErrNotFound = errors.New("ocr: no MRZ found in the image")

// Reader reads MRZs. It holds the decoded templates and is safe for
// concurrent use.
type Reader struct {
	// templates holds, per character, the sharp glyph and a blurred one
	// (photos are rarely sharp).
	templates [len(Alphabet)][2][]float32
}

// NewReader decodes the embedded templates.
func NewReader() (*Reader, error) {
	img, err := png.Decode(bytes.NewReader(glyphsPNG))
	if err != nil {
		return nil, fmt.Errorf("ocr: templates: %w", err)
	}
	r := &Reader{}
	for i := range Alphabet {
		cell := make([]float32, cellW*cellH)
		for y := 0; y < cellH; y++ {
			for x := 0; x < cellW; x++ {
				g, _, _, _ := img.At(i*cellW+x, y).RGBA()
				cell[y*cellW+x] = 1 - float32(g)/0xFFFF // ink is 1
			}
		}
		r.templates[i] = [2][]float32{normalise(cell), normalise(blur(cell))}
	}
	return r, nil
}

// Result is what ReadImage found.
type Result struct {
	// Lines are the characters read, Confidence their scores (0–1).
	Lines      []string    `json:"lines"`
	Confidence [][]float64 `json:"confidence"`
	// MRZ is the parsed (and, where the check digits allow, repaired) MRZ;
	// Err says why it is not valid.
	MRZ     *mrz.MRZ      `json:"mrz"`
	Err     error         `json:"-"`
	Elapsed time.Duration `json:"elapsed"`
}

// ReadImage decodes a JPEG or PNG image and reads its MRZ.
func (r *Reader) ReadImage(data []byte, now time.Time) (*Result, error) {
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("ocr: image larger than %d MiB", MaxImageBytes>>20)
	}
	start := time.Now()
	img, err := gocv.IMDecode(data, gocv.IMReadGrayScale)
	if err != nil || img.Empty() {
		return nil, fmt.Errorf("ocr: the file is not a readable JPEG or PNG image")
	}
	defer img.Close()
	res, err := r.Read(img, now)
	if res != nil {
		res.Elapsed = time.Since(start)
	}
	return res, err
}

// Read reads the MRZ of a grayscale image.
func (r *Reader) Read(gray gocv.Mat, now time.Time) (*Result, error) {
	if gray.Cols() < 64 || gray.Rows() < 32 {
		return nil, fmt.Errorf("ocr: image of %dx%d is too small", gray.Cols(), gray.Rows())
	}
	start := time.Now()
	var best *Result
	// Upright and sideways pages first; skewed ones need a second pass.
	for _, tilts := range [][]float64{{0}, {-12, 12}} {
		if res := r.readBands(gray, locate(gray, tilts), now, &best); res != nil {
			res.Elapsed = time.Since(start)
			return res, nil
		}
		if best != nil && best.MRZ != nil && best.MRZ.Valid {
			break // valid, if not confident: skewed variants will not do better
		}
	}
	if best == nil {
		return nil, ErrNotFound
	}
	best.Elapsed = time.Since(start)
	return best, nil
}

// readBands reads each band both ways up; it returns the first confident
// valid reading, and keeps the best one so far in best.
func (r *Reader) readBands(gray gocv.Mat, bands []band, now time.Time, best **Result) *Result {
	for _, b := range bands {
		crop := straighten(gray, b)
		p := prepare(crop)
		crop.Close()
		for flip := 0; flip < 2; flip++ {
			if flip == 1 {
				p.turn()
			}
			res := r.readBand(p, now)
			if res == nil {
				continue
			}
			if *best == nil || better(res, *best) {
				*best = res
			}
			if res.MRZ != nil && res.MRZ.Valid && res.MeanConfidence() >= 0.85 {
				return res
			}
			if res.MeanConfidence() >= 0.65 {
				break // the right way up already: turning it will not help
			}
		}
	}
	return nil
}

// blur is a 3×3 binomial blur of a cell.
func blur(c []float32) []float32 {
	out := make([]float32, len(c))
	k := [3]float32{0.25, 0.5, 0.25}
	for y := 0; y < cellH; y++ {
		for x := 0; x < cellW; x++ {
			var s, wsum float32
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= cellW || yy >= cellH {
						continue
					}
					w := k[dx+1] * k[dy+1]
					s += c[yy*cellW+xx] * w
					wsum += w
				}
			}
			out[y*cellW+x] = s / wsum
		}
	}
	return out
}

// better prefers a valid MRZ, then a parsed one, then the higher mean confidence.
func better(a, b *Result) bool {
	rank := func(r *Result) int {
		switch {
		case r.MRZ != nil && r.MRZ.Valid:
			return 2
		case r.MRZ != nil:
			return 1
		}
		return 0
	}
	if rank(a) != rank(b) {
		return rank(a) > rank(b)
	}
	return a.MeanConfidence() > b.MeanConfidence()
}

// MeanConfidence is the mean of the characters' confidences.
func (r *Result) MeanConfidence() float64 {
	sum, n := 0.0, 0
	for _, l := range r.Confidence {
		for _, c := range l {
			sum += c
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// band is a candidate MRZ region: a rotated rectangle in image coordinates.
type band struct {
	rect  gocv.RotatedRect
	score float64
}

// locate finds MRZ band candidates, best first. The text of an MRZ is a
// block of dense dark strokes on a light background, wider than tall.
func locate(gray gocv.Mat, tilts []float64) []band {
	scale := 720.0 / math.Max(float64(gray.Cols()), float64(gray.Rows()))
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(gray, &small, image.Point{}, scale, scale, gocv.InterpolationArea)

	var out []band
	// Text lines run along the image axes in the four orientations; a
	// skewed page is tried turned back by ±12° as well, so that the
	// horizontal kernels join its characters.
	for _, vertical := range []bool{false, true} {
		for _, tilt := range tilts {
			work := small.Clone()
			// toSmall maps a point of work back to small.
			var back []func(x, y float64) (float64, float64)
			if vertical {
				rows := float64(small.Rows())
				gocv.Rotate(work, &work, gocv.Rotate90Clockwise)
				// turned (u, v) is original (v, rows-1-u)
				back = append(back, func(u, v float64) (float64, float64) { return v, rows - 1 - u })
			}
			if tilt != 0 {
				wcx, wcy := float64(work.Cols())/2, float64(work.Rows())/2
				m := gocv.GetRotationMatrix2D(image.Pt(int(wcx), int(wcy)), tilt, 1)
				gocv.WarpAffineWithParams(work, &work, m, image.Pt(work.Cols(), work.Rows()), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
				a, b, tx := m.GetDoubleAt(0, 0), m.GetDoubleAt(0, 1), m.GetDoubleAt(0, 2)
				c, d, ty := m.GetDoubleAt(1, 0), m.GetDoubleAt(1, 1), m.GetDoubleAt(1, 2)
				m.Close()
				det := a*d - b*c
				inv := func(x, y float64) (float64, float64) {
					x, y = x-tx, y-ty
					return (d*x - b*y) / det, (-c*x + a*y) / det
				}
				back = append([]func(x, y float64) (float64, float64){inv}, back...)
			}
			for _, c := range candidates(work, max(9, small.Cols()/60), max(11, small.Cols()/36)) {
				pts := make([]image.Point, 0, 4)
				for _, p := range c.rect.Points {
					x, y := float64(p.X), float64(p.Y)
					for _, f := range back {
						x, y = f(x, y)
					}
					pts = append(pts, image.Pt(int(x/scale), int(y/scale)))
				}
				pv := gocv.NewPointVectorFromPoints(pts)
				c.rect = gocv.MinAreaRect(pv)
				pv.Close()
				out = append(out, c)
			}
			work.Close()
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score > out[j].score })
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}

// candidates finds text-block rectangles in an upright small image.
func candidates(small gocv.Mat, zoneHeights ...int) []band {
	w := small.Cols()
	// Dark strokes on a light background stand out in a black-hat.
	kernel := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(max(9, w/70), max(5, w/150)))
	defer kernel.Close()
	bh := gocv.NewMat()
	defer bh.Close()
	gocv.MorphologyEx(small, &bh, gocv.MorphBlackhat, kernel)
	grad := gocv.NewMat()
	defer grad.Close()
	gocv.Sobel(bh, &grad, gocv.MatTypeCV32F, 1, 0, -1, 1, 0, gocv.BorderDefault)
	gocv.ConvertScaleAbs(grad, &grad, 1, 0)
	gocv.Normalize(grad, &grad, 0, 255, gocv.NormMinMax)
	// Join the characters of a line.
	joinLine := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(max(15, w/40), max(3, w/300)))
	defer joinLine.Close()
	gocv.MorphologyEx(grad, &grad, gocv.MorphClose, joinLine)
	lines := gocv.NewMat()
	defer lines.Close()
	gocv.Threshold(grad, &lines, 0, 255, gocv.ThresholdBinary|gocv.ThresholdOtsu)
	var out []band
	for _, h := range zoneHeights {
		out = append(out, zones(lines, h)...)
	}
	return out
}

// zones closes lines zoneH apart into zones and returns the band-shaped ones.
func zones(lines gocv.Mat, zoneH int) []band {
	w := lines.Cols()
	th := gocv.NewMat()
	defer th.Close()
	joinZone := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(max(15, w/40), zoneH))
	defer joinZone.Close()
	gocv.MorphologyEx(lines, &th, gocv.MorphClose, joinZone)
	none := gocv.NewMat()
	defer none.Close()
	gocv.Erode(th, &th, none)

	contours := gocv.FindContours(th, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer contours.Close()
	var out []band
	for i := 0; i < contours.Size(); i++ {
		c := contours.At(i)
		rr := gocv.MinAreaRect(c)
		long, short := float64(rr.Width), float64(rr.Height)
		if short > long {
			long, short = short, long
		}
		if short < 8 || long < float64(w)*0.25 {
			continue
		}
		aspect := long / short
		if aspect < 3 || aspect > 40 {
			continue
		}
		// Prefer long, well-filled bands near the bottom of the page.
		fill := gocv.ContourArea(c) / (long * short)
		out = append(out, band{rect: rr, score: long * short * fill})
	}
	return out
}

// straighten cuts the band out of the full image, upright and scaled so
// that a character line is about 48 px high.
func straighten(gray gocv.Mat, b band) gocv.Mat {
	pts := b.rect.Points
	if len(pts) != 4 {
		pts = []image.Point{b.rect.BoundingRect.Min, {X: b.rect.BoundingRect.Max.X, Y: b.rect.BoundingRect.Min.Y},
			b.rect.BoundingRect.Max, {X: b.rect.BoundingRect.Min.X, Y: b.rect.BoundingRect.Max.Y}}
	}
	e1 := [2]float64{float64(pts[1].X - pts[0].X), float64(pts[1].Y - pts[0].Y)}
	e2 := [2]float64{float64(pts[2].X - pts[1].X), float64(pts[2].Y - pts[1].Y)}
	l1, l2 := math.Hypot(e1[0], e1[1]), math.Hypot(e2[0], e2[1])
	// d runs along the lines, n across them (d turned +90°: a rotation,
	// never a mirror); reading upside down is tried by the caller.
	d, w, h := e1, l1, l2
	if l2 > l1 {
		d, w, h = e2, l2, l1
	}
	if w == 0 || h == 0 {
		return gocv.NewMatWithSize(1, 1, gocv.MatTypeCV8U)
	}
	d = [2]float64{d[0] / w, d[1] / w}
	if d[0] < 0 || (math.Abs(d[0]) < 1e-6 && d[1] < 0) {
		d = [2]float64{-d[0], -d[1]}
	}
	n := [2]float64{-d[1], d[0]}
	var cx, cy float64
	for _, p := range pts {
		cx += float64(p.X) / 4
		cy += float64(p.Y) / 4
	}
	// Margins: characters at the ends, and the half-line above and below.
	w *= 1.08
	h *= 1.6
	corner := func(a, b float64) gocv.Point2f {
		return gocv.Point2f{X: float32(cx + a*d[0] + b*n[0]), Y: float32(cy + a*d[1] + b*n[1])}
	}
	src := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{corner(-w/2, -h/2), corner(w/2, -h/2), corner(w/2, h/2), corner(-w/2, h/2)})
	defer src.Close()
	// Up to three lines: about 70 px per line of band height.
	outH := 150
	if w/h < 10 {
		outH = 200 // three lines (TD1): keep the characters as tall
	}
	outW := int(w / h * float64(outH))
	dst := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{{X: 0, Y: 0}, {X: float32(outW), Y: 0}, {X: float32(outW), Y: float32(outH)}, {X: 0, Y: float32(outH)}})
	defer dst.Close()
	m := gocv.GetPerspectiveTransform2f(src, dst)
	defer m.Close()
	out := gocv.NewMat()
	gocv.WarpPerspectiveWithParams(gray, &out, m, image.Pt(outW, outH), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
	return out
}

// Package ocr reads the MRZ of an identity document from a photo or a scan
// (ICAO 9303 part 3 §4.2 printing: OCR-B, fixed pitch). It finds candidate
// MRZ bands with OpenCV (gocv) morphology in either orientation (reading
// each distinct band once), straightens a band, binarises it, cuts the
// lines and the fixed-pitch character cells, and classifies every cell
// against OCR-B glyph templates, giving a confidence per character; the
// text then goes to package mrz, which checks it and repairs the
// letter/digit confusions the check digits allow.
//
// A band is read the way up that a sample of its cells matches the
// templates better, and turned only if that reading is poor. Each cell is
// compared only with the characters its field may hold (letters in names
// and codes, digits in dates and check digits, ICAO 9303 parts 4–7): with
// all of them at half the templates' resolution, then with the few best
// at full resolution.
//
// The templates (glyphs.png) are rendered at build time from the OCR-B font
// of Debian's fonts-ocr-b by internal/genglyphs and embedded; the runtime
// needs no font. A Reader keeps the buffers of a reading for the next one.
//
// Caveats: strong perspective (a page photographed at a steep angle) is
// only corrected as far as a rotated rectangle fits the band; glare that
// wipes out characters cannot be recovered; the letters-only and
// digits-only fields are those of the ICAO formats (TD1, TD2, TD3, MRV-A,
// MRV-B), so a national layout of the same size that puts digits where
// ICAO has letters would be misread.
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
	"slices"
	"sort"
	"sync"
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
	// fine holds, per character, the sharp glyph and a blurred one
	// (photos are rarely sharp), zero-mean and unit-norm; coarse holds
	// them at half the resolution.
	fine   [len(Alphabet)][2]cell
	coarse [len(Alphabet)][2]coarseCell
	// darkness is the ink's darkness by paper and ink brightness.
	darkness *[256][256]float32
	// planes and scratches recycle the buffers of readings (see scratch).
	planes, scratches sync.Pool
}

// NewReader decodes the embedded templates.
func NewReader() (*Reader, error) {
	img, err := png.Decode(bytes.NewReader(glyphsPNG))
	if err != nil {
		return nil, fmt.Errorf("ocr: templates: %w", err)
	}
	r := &Reader{darkness: darknessTable()}
	for i := range Alphabet {
		var c cell
		for y := 0; y < cellH; y++ {
			for x := 0; x < cellW; x++ {
				g, _, _, _ := img.At(i*cellW+x, y).RGBA()
				c[y*cellW+x] = 1 - float32(g)/0xFFFF // ink is 1
			}
		}
		r.fine[i] = [2]cell{c, blur(&c)}
		for k := range r.fine[i] {
			r.fine[i][k].normalise()
			r.fine[i][k].shrink(&r.coarse[i][k])
		}
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

// Read reads the MRZ of a grayscale image (8-bit; a BGR or BGRA image is
// converted).
func (r *Reader) Read(gray gocv.Mat, now time.Time) (*Result, error) {
	if gray.Cols() < 64 || gray.Rows() < 32 {
		return nil, fmt.Errorf("ocr: image of %dx%d is too small", gray.Cols(), gray.Rows())
	}
	start := time.Now()
	if t := gray.Type(); t != gocv.MatTypeCV8UC1 {
		code := gocv.ColorBGRToGray
		switch t {
		case gocv.MatTypeCV8UC3:
		case gocv.MatTypeCV8UC4:
			code = gocv.ColorBGRAToGray
		default:
			return nil, fmt.Errorf("ocr: want an 8-bit grayscale image, not Mat type %v", t)
		}
		converted := gocv.NewMat()
		defer converted.Close()
		gocv.CvtColor(gray, &converted, code)
		gray = converted
	}
	s := r.getScratch()
	defer r.putScratch(s)
	var best *Result
	// Upright and sideways pages first; skewed ones need a second pass.
	for _, tilts := range [][]float64{{0}, {-12, 12}} {
		if res := r.readBands(gray, locate(gray, tilts, s), now, s, &best); res != nil {
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

// readBands reads each band, the way up that matches the templates
// better first; it returns the first confident valid reading, and keeps
// the best one so far in best.
func (r *Reader) readBands(gray gocv.Mat, bands []band, now time.Time, s *scratch, best **Result) *Result {
	for _, b := range bands {
		if res := r.readBand(gray, b, now, s, best); res != nil {
			return res
		}
	}
	return nil
}

// readBand reads one band (see readBands).
func (r *Reader) readBand(gray gocv.Mat, b band, now time.Time, s *scratch, best **Result) *Result {
	straighten(gray, b, &s.crop)
	p := r.prepare(s.crop, s)
	defer r.release(p)
	lay := p.layout()
	if lay == nil {
		return nil // not two or three lines of text, either way up
	}
	turnFirst := r.turned(p, lay)
	for try := 0; try < 2; try++ {
		if try == 1 || turnFirst {
			p.turn()
			if lay = p.layout(); lay == nil {
				continue
			}
		}
		res := r.readLayout(p, lay, now)
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
	return nil
}

// blur is a 3×3 binomial blur of a cell.
func blur(c *cell) cell {
	var out cell
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
func locate(gray gocv.Mat, tilts []float64, s *scratch) []band {
	scale := 720.0 / math.Max(float64(gray.Cols()), float64(gray.Rows()))
	resize(gray, scale, &s.small, &s.half)
	small := s.small

	var out []band
	// Text lines run along the image axes in the four orientations; a
	// skewed page is tried turned back by ±12° as well, so that the
	// horizontal kernels join its characters.
	for _, vertical := range []bool{false, true} {
		for _, tilt := range tilts {
			work := small
			// back maps a point of work back to small.
			var back []func(x, y float64) (float64, float64)
			if vertical {
				rows := float64(small.Rows())
				gocv.Rotate(small, &s.work, gocv.Rotate90Clockwise)
				work = s.work
				// turned (u, v) is original (v, rows-1-u)
				back = append(back, func(u, v float64) (float64, float64) { return v, rows - 1 - u })
			}
			if tilt != 0 {
				wcx, wcy := float64(work.Cols())/2, float64(work.Rows())/2
				m := gocv.GetRotationMatrix2D(image.Pt(int(wcx), int(wcy)), tilt, 1)
				gocv.WarpAffineWithParams(work, &s.tilted, m, image.Pt(work.Cols(), work.Rows()), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
				work = s.tilted
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
			for _, c := range candidates(work, s, max(9, small.Cols()/60), max(11, small.Cols()/36)) {
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
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	// The same block is often found at both zone heights or in two
	// passes: read it once.
	var kept []band
	for _, c := range out {
		if !slices.ContainsFunc(kept, func(k band) bool { return same(k.rect, c.rect) }) {
			kept = append(kept, c)
		}
	}
	if len(kept) > 5 {
		kept = kept[:5]
	}
	return kept
}

// same tells whether two rectangles outline the same block: the same
// direction, length and height to within a few percent, and centres
// closer than a fraction of the height.
func same(a, b gocv.RotatedRect) bool {
	axes := func(r gocv.RotatedRect) (long, short, angle float64) {
		long, short, angle = float64(r.Width), float64(r.Height), r.Angle
		if short > long {
			long, short, angle = short, long, angle+90
		}
		return long, short, angle
	}
	la, sa, aa := axes(a)
	lb, sb, ab := axes(b)
	turn := math.Mod(math.Abs(aa-ab), 180)
	turn = math.Min(turn, 180-turn)
	d := math.Hypot(float64(a.Center.X-b.Center.X), float64(a.Center.Y-b.Center.Y))
	return turn < 2 && math.Abs(la-lb) <= 0.04*math.Max(la, lb) &&
		math.Abs(sa-sb) <= 0.1*math.Max(sa, sb) && d <= 0.2*math.Min(sa, sb)
}

// resize scales an image by scale into dst with area averaging, as a
// Resize by scale with InterpolationArea does, but faster: it halves the
// image exactly (into tmp) while it is at least twice the size wanted
// (OpenCV does that many times faster than an area resize by an
// arbitrary factor), and area-resizes only the rest of the way.
func resize(gray gocv.Mat, scale float64, dst, tmp *gocv.Mat) {
	size := image.Pt(max(int(math.Round(float64(gray.Cols())*scale)), 1), max(int(math.Round(float64(gray.Rows())*scale)), 1))
	halvings := 0
	for w, h := gray.Cols(), gray.Rows(); w >= 2*size.X && h >= 2*size.Y; w, h = w/2, h/2 {
		halvings++
	}
	src := gray
	for i := range halvings {
		// Alternate between dst and tmp, ending in tmp.
		into := tmp
		if (halvings-i)%2 == 0 {
			into = dst
		}
		even := src.Region(image.Rect(0, 0, src.Cols()&^1, src.Rows()&^1))
		gocv.Resize(even, into, image.Pt(even.Cols()/2, even.Rows()/2), 0, 0, gocv.InterpolationArea)
		even.Close()
		src = *into
	}
	gocv.Resize(src, dst, size, 0, 0, gocv.InterpolationArea)
}

// candidates finds text-block rectangles in an upright small image.
func candidates(small gocv.Mat, s *scratch, zoneHeights ...int) []band {
	w := small.Cols()
	// Dark strokes on a light background stand out in a black-hat.
	kernel := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(max(9, w/70), max(5, w/150)))
	defer kernel.Close()
	gocv.MorphologyEx(small, &s.bh, gocv.MorphBlackhat, kernel)
	gocv.Sobel(s.bh, &s.grad, gocv.MatTypeCV16S, 1, 0, -1, 1, 0, gocv.BorderDefault)
	gocv.ConvertScaleAbs(s.grad, &s.abs, 1, 0)
	gocv.Normalize(s.abs, &s.abs, 0, 255, gocv.NormMinMax)
	// Join the characters of a line.
	joinLine := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(max(15, w/40), max(3, w/300)))
	defer joinLine.Close()
	gocv.MorphologyEx(s.abs, &s.closed, gocv.MorphClose, joinLine)
	gocv.Threshold(s.closed, &s.lines, 0, 255, gocv.ThresholdBinary|gocv.ThresholdOtsu)
	var out []band
	for _, h := range zoneHeights {
		out = append(out, zones(s.lines, h, s)...)
	}
	return out
}

// zones closes lines zoneH apart into zones and returns the band-shaped ones.
func zones(lines gocv.Mat, zoneH int, s *scratch) []band {
	w := lines.Cols()
	joinZone := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(max(15, w/40), zoneH))
	defer joinZone.Close()
	gocv.MorphologyEx(lines, &s.th, gocv.MorphClose, joinZone)
	none := gocv.NewMat()
	defer none.Close()
	gocv.Erode(s.th, &s.eroded, none)

	contours := gocv.FindContours(s.eroded, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer contours.Close()
	var out []band
	for i := 0; i < contours.Size(); i++ {
		c := contours.At(i)
		// No side of a rectangle is longer than the diagonal of its
		// bounding box: most specks need no closer look.
		if box := gocv.BoundingRect(c); math.Hypot(float64(box.Dx()), float64(box.Dy())) < float64(w)*0.25 {
			continue
		}
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

// straighten cuts the band out of the full image into out, upright and
// scaled so that a character line is about 48 px high.
func straighten(gray gocv.Mat, b band, out *gocv.Mat) {
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
		one := gocv.NewMatWithSize(1, 1, gocv.MatTypeCV8U)
		one.CopyTo(out)
		one.Close()
		return
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
	// Up to three lines: about 70 px per line of band height.
	outH := 150
	if w/h < 10 {
		outH = 200 // three lines (TD1): keep the characters as tall
	}
	outW := int(w / h * float64(outH))
	// A rectangle to a rectangle: an affine map, cheaper to apply than a
	// perspective one.
	src := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{corner(-w/2, -h/2), corner(w/2, -h/2), corner(w/2, h/2)})
	defer src.Close()
	dst := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{{X: 0, Y: 0}, {X: float32(outW), Y: 0}, {X: float32(outW), Y: float32(outH)}})
	defer dst.Close()
	m := gocv.GetAffineTransform2f(src, dst)
	defer m.Close()
	gocv.WarpAffineWithParams(gray, out, m, image.Pt(outW, outH), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
}

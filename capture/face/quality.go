package face

import (
	"errors"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

// Limits are the pass limits of the measures. Each measure scores 50 at
// its limit, 100 at its ideal and 0 at its bad value (see the package
// documentation for their basis).
type Limits struct {
	// Luminance mean of the face, grey levels 0–255.
	DarkBad, DarkLimit, DarkIdeal       float64
	BrightIdeal, BrightLimit, BrightBad float64
	// Standard deviation of the face's luminance, grey levels.
	ContrastBad, ContrastLimit, ContrastIdeal float64
	// Shares of face pixels at or below 25 and at or above 250.
	UnderLimit, OverLimit float64
	// Spread of the face's luminance from the 1st to the 99th percentile.
	RangeBad, RangeLimit, RangeIdeal float64
	// Ratio of the darker to the brighter half of the face.
	UniformBad, UniformLimit, UniformIdeal float64
	// Sharpness: standard deviation of the Laplacian of the face scaled to
	// 128×128, relative to the face's luminance standard deviation.
	SharpBad, SharpLimit, SharpIdeal float64
	// Distance of the face's mean chroma from the skin box, in Cr/Cb units.
	ColourLimit, ColourBad float64
	// Distance between the eye centres in pixels (ICAO: at least 90, 120
	// recommended).
	EyeDistanceBad, EyeDistanceLimit, EyeDistanceIdeal float64
	// Estimated head height (crown to chin) over image height.
	HeadSmallBad, HeadSmallLimit, HeadIdealMin, HeadIdealMax, HeadLargeLimit, HeadLargeBad float64
	// Smallest margin between the estimated head and the image edge, over
	// the face width.
	MarginBad, MarginLimit, MarginIdeal float64
	// Horizontal offset of the eye midpoint from the image centre, over the
	// image width.
	CentreIdeal, CentreLimit, CentreBad float64
	// Absolute roll and estimated yaw in degrees.
	RollIdeal, RollLimit, RollBad float64
	YawIdeal, YawLimit, YawBad    float64
	// Mean luminance gradient of the background around the head (grey
	// levels per pixel at the detection scale).
	BackgroundIdeal, BackgroundLimit, BackgroundBad float64
}

// ICAOLimits are the default limits, derived from ICAO 9303 / ISO/IEC
// 19794-5 portrait requirements as explained in the package documentation.
func ICAOLimits() Limits {
	return Limits{
		DarkBad: 30, DarkLimit: 70, DarkIdeal: 100,
		BrightIdeal: 180, BrightLimit: 210, BrightBad: 245,
		ContrastBad: 8, ContrastLimit: 18, ContrastIdeal: 30,
		UnderLimit: 0.10, OverLimit: 0.05,
		RangeBad: 40, RangeLimit: 90, RangeIdeal: 150,
		UniformBad: 0.4, UniformLimit: 0.75, UniformIdeal: 0.9,
		SharpBad: 0.15, SharpLimit: 0.35, SharpIdeal: 0.6,
		ColourLimit: 12, ColourBad: 35,
		EyeDistanceBad: 30, EyeDistanceLimit: 90, EyeDistanceIdeal: 120,
		HeadSmallBad: 0.2, HeadSmallLimit: 0.45, HeadIdealMin: 0.6, HeadIdealMax: 0.8, HeadLargeLimit: 0.95, HeadLargeBad: 1.2,
		MarginBad: -0.3, MarginLimit: 0, MarginIdeal: 0.15,
		CentreIdeal: 0.05, CentreLimit: 0.15, CentreBad: 0.35,
		RollIdeal: 2, RollLimit: 8, RollBad: 20,
		YawIdeal: 3, YawLimit: 8, YawBad: 25,
		BackgroundIdeal: 2, BackgroundLimit: 6, BackgroundBad: 15,
	}
}

// Options tune Assess. The zero value uses ICAOLimits.
type Options struct {
	// Limits replaces ICAOLimits when non-nil.
	Limits *Limits
	// SkipBackground leaves out the background uniformity measure (for
	// stations that replace the background themselves).
	SkipBackground bool
}

// normSize is the size the inner face is scaled to for the photometric
// measures, so that they do not depend on the face's size in pixels.
const normSize = 128

// scratch holds the Mats Assess reuses between frames.
type scratch struct {
	gray, faceN, lap, colour, ycc, grad, gx, gy, mask, plain gocv.Mat
}

func newScratch() *scratch {
	return &scratch{
		gray: gocv.NewMat(), faceN: gocv.NewMat(), lap: gocv.NewMat(), colour: gocv.NewMat(),
		ycc: gocv.NewMat(), grad: gocv.NewMat(), gx: gocv.NewMat(), gy: gocv.NewMat(),
		mask: gocv.NewMat(), plain: gocv.NewMat(),
	}
}

func (s *scratch) close() {
	for _, m := range []*gocv.Mat{&s.gray, &s.faceN, &s.lap, &s.colour, &s.ycc, &s.grad, &s.gx, &s.gy, &s.mask, &s.plain} {
		m.Close()
	}
}

// AssessImage is Assess for a Go image.
func (d *Detector) AssessImage(img image.Image, opt Options) (*Report, error) {
	m, err := ImageToMat(img)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return d.Assess(m, opt)
}

// Assess detects the face in an 8-bit image (BGR, BGRA or grey; colour is
// needed for the natural-colour measure) and measures its quality.
func (d *Detector) Assess(img gocv.Mat, opt Options) (*Report, error) {
	lim := ICAOLimits()
	if opt.Limits != nil {
		lim = *opt.Limits
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, errors.New("face: detector is closed")
	}
	s := d.scratch
	if err := toGray(img, &s.gray); err != nil {
		return nil, err
	}
	w, h := img.Cols(), img.Rows()
	r := &Report{Width: w, Height: h}
	// The plain (not equalised) downscaled grey image, for the background.
	smallScale := 1.0
	if w > detectWidth {
		smallScale = float64(detectWidth) / float64(w)
		gocv.Resize(s.gray, &s.plain, image.Pt(detectWidth, max(1, int(math.Round(float64(h)*smallScale)))), 0, 0, gocv.InterpolationArea)
	} else {
		s.gray.CopyTo(&s.plain)
	}
	faces := d.detect(s.gray)
	if len(faces) == 0 {
		r.Measures = append(r.Measures, measure(MeasureFaceCount, "faces", 0, 0, false, AdviceNoFace))
		// Say at least whether the picture is too dark or too bright.
		mean := s.plain.Mean().Val1
		sc, ok := band(mean, lim.DarkBad, lim.DarkLimit, lim.DarkIdeal, lim.BrightIdeal, lim.BrightLimit, lim.BrightBad)
		r.Measures = append(r.Measures, measure(MeasureLuminanceMean, "grey level", mean, sc, ok, lumAdvice(mean, lim)))
		r.finish()
		r.Score = 0
		return r, nil
	}
	main := faces[0]
	for _, f := range faces {
		if f.Box.Dx()*3 >= main.Box.Dx() {
			r.Faces++
		}
	}
	r.Face = &main
	if r.Faces == 1 {
		r.Measures = append(r.Measures, measure(MeasureFaceCount, "faces", 1, 100, true, ""))
	} else {
		r.Measures = append(r.Measures, measure(MeasureFaceCount, "faces", float64(r.Faces), 0, false, AdviceOnePerson))
	}
	d.photometric(r, img, main, lim)
	d.geometric(r, img, main, lim)
	if !opt.SkipBackground {
		d.background(r, main, smallScale, lim)
	}
	r.finish()
	return r, nil
}

// band scores a two-sided measure.
func band(v, lowBad, lowLimit, lowIdeal, highIdeal, highLimit, highBad float64) (float64, bool) {
	a, okA := rise(v, lowBad, lowLimit, lowIdeal)
	b, okB := fall(v, highIdeal, highLimit, highBad)
	return min(a, b), okA && okB
}

func lumAdvice(mean float64, lim Limits) string {
	if mean < (lim.DarkIdeal+lim.BrightIdeal)/2 {
		return AdviceTooDark
	}
	return AdviceTooBright
}

// innerFace is the part of the face box the photometric measures look at:
// no hair, no background.
func innerFace(box image.Rectangle) image.Rectangle {
	w, h := box.Dx(), box.Dy()
	return image.Rect(box.Min.X+w*15/100, box.Min.Y+h*12/100, box.Max.X-w*15/100, box.Max.Y-h*8/100)
}

// photometric adds the luminance, exposure, uniformity, sharpness and
// colour measures.
func (d *Detector) photometric(r *Report, img gocv.Mat, f Face, lim Limits) {
	s := d.scratch
	inner := innerFace(f.Box).Intersect(image.Rect(0, 0, r.Width, r.Height))
	if inner.Dx() < 8 || inner.Dy() < 8 {
		return
	}
	roi := s.gray.Region(inner)
	gocv.Resize(roi, &s.faceN, image.Pt(normSize, normSize), 0, 0, gocv.InterpolationArea)
	roi.Close()
	pix, err := s.faceN.DataPtrUint8()
	if err != nil {
		return
	}
	var hist [256]int
	var sum, sumL, sumR float64
	for i, p := range pix {
		hist[p]++
		sum += float64(p)
		if i%normSize < normSize/2 {
			sumL += float64(p)
		} else {
			sumR += float64(p)
		}
	}
	n := float64(len(pix))
	mean := sum / n
	var vari float64
	for v, c := range hist {
		dv := float64(v) - mean
		vari += dv * dv * float64(c)
	}
	std := math.Sqrt(vari / n)
	var under, over int
	for v := 0; v <= 25; v++ {
		under += hist[v]
	}
	for v := 250; v < 256; v++ {
		over += hist[v]
	}
	p1, p99 := percentile(&hist, len(pix), 0.01), percentile(&hist, len(pix), 0.99)

	sc, ok := band(mean, lim.DarkBad, lim.DarkLimit, lim.DarkIdeal, lim.BrightIdeal, lim.BrightLimit, lim.BrightBad)
	r.Measures = append(r.Measures, measure(MeasureLuminanceMean, "grey level", mean, sc, ok, lumAdvice(mean, lim)))
	sc, ok = rise(std, lim.ContrastBad, lim.ContrastLimit, lim.ContrastIdeal)
	r.Measures = append(r.Measures, measure(MeasureLuminanceVariance, "grey level (std dev)", std, sc, ok, AdviceContrast))
	uf, of := float64(under)/n, float64(over)/n
	sc, ok = fall(uf, lim.UnderLimit/5, lim.UnderLimit, lim.UnderLimit*3)
	r.Measures = append(r.Measures, measure(MeasureUnderExposure, "share of pixels", uf, sc, ok, AdviceTooDark))
	sc, ok = fall(of, lim.OverLimit/5, lim.OverLimit, lim.OverLimit*3)
	r.Measures = append(r.Measures, measure(MeasureOverExposure, "share of pixels", of, sc, ok, AdviceTooBright))
	dr := float64(p99 - p1)
	sc, ok = rise(dr, lim.RangeBad, lim.RangeLimit, lim.RangeIdeal)
	r.Measures = append(r.Measures, measure(MeasureDynamicRange, "grey levels", dr, sc, ok, AdviceContrast))
	l, rr := sumL/(n/2), sumR/(n/2)
	ratio := 1.0
	if max(l, rr) > 0 {
		ratio = min(l, rr) / max(l, rr)
	}
	sc, ok = rise(ratio, lim.UniformBad, lim.UniformLimit, lim.UniformIdeal)
	r.Measures = append(r.Measures, measure(MeasureIllumination, "ratio", ratio, sc, ok, AdviceUneven))

	gocv.Laplacian(s.faceN, &s.lap, gocv.MatTypeCV32F, 3, 1, 0, gocv.BorderReplicate)
	mu, sd := gocv.NewMat(), gocv.NewMat()
	gocv.MeanStdDev(s.lap, &mu, &sd)
	lapStd := float64(sd.GetDoubleAt(0, 0))
	mu.Close()
	sd.Close()
	sharp := lapStd / math.Max(std, 4)
	sc, ok = rise(sharp, lim.SharpBad, lim.SharpLimit, lim.SharpIdeal)
	r.Measures = append(r.Measures, measure(MeasureSharpness, "laplacian/contrast", sharp, sc, ok, AdviceBlurred))

	// Natural colour: mean chroma of the cheeks and nose.
	if img.Type() == gocv.MatTypeCV8UC1 {
		r.Measures = append(r.Measures, measure(MeasureNaturalColour, "Cr/Cb distance", 0, 0, false, AdviceGreyImage))
		return
	}
	bw, bh := f.Box.Dx(), f.Box.Dy()
	skin := image.Rect(f.Box.Min.X+bw/4, f.Box.Min.Y+bh*45/100, f.Box.Max.X-bw/4, f.Box.Min.Y+bh*85/100).Intersect(image.Rect(0, 0, r.Width, r.Height))
	if skin.Empty() {
		return
	}
	croi := img.Region(skin)
	gocv.Resize(croi, &s.colour, image.Pt(32, 32), 0, 0, gocv.InterpolationArea)
	croi.Close()
	code := gocv.ColorBGRToYCrCb
	if img.Type() == gocv.MatTypeCV8UC4 {
		gocv.CvtColor(s.colour, &s.colour, gocv.ColorBGRAToBGR)
	}
	gocv.CvtColor(s.colour, &s.ycc, code)
	m := s.ycc.Mean()
	cr, cb := m.Val2, m.Val3
	dist := math.Hypot(outside(cr, 133, 173), outside(cb, 77, 127))
	sc, ok = fall(dist, 0, lim.ColourLimit, lim.ColourBad)
	r.Measures = append(r.Measures, measure(MeasureNaturalColour, "Cr/Cb distance", dist, sc, ok, AdviceColour))
}

// outside is how far v lies outside [lo, hi].
func outside(v, lo, hi float64) float64 {
	switch {
	case v < lo:
		return lo - v
	case v > hi:
		return v - hi
	}
	return 0
}

// percentile returns the grey level below which the share q of the n
// pixels of hist lies.
func percentile(hist *[256]int, n int, q float64) int {
	target := int(q * float64(n))
	acc := 0
	for v, c := range hist {
		acc += c
		if acc > target {
			return v
		}
	}
	return 255
}

// headRect estimates the whole head (hair to chin, ear to ear) from the
// face box.
func headRect(box image.Rectangle) image.Rectangle {
	w, h := box.Dx(), box.Dy()
	return image.Rect(box.Min.X-w*15/100, box.Min.Y-h/2, box.Max.X+w*15/100, box.Max.Y+h*15/100)
}

// geometric adds the eye, size, position and pose measures.
func (d *Detector) geometric(r *Report, img gocv.Mat, f Face, lim Limits) {
	W, H := float64(r.Width), float64(r.Height)
	if f.EyesFound {
		r.Measures = append(r.Measures, measure(MeasureEyesVisible, "", 1, 100, true, ""))
	} else {
		r.Measures = append(r.Measures, measure(MeasureEyesVisible, "", 0, 0, false, AdviceEyes))
	}
	ed := f.EyeDistance()
	sc, ok := rise(ed, lim.EyeDistanceBad, lim.EyeDistanceLimit, lim.EyeDistanceIdeal)
	r.Measures = append(r.Measures, measure(MeasureInterEyeDistance, "pixels", ed, sc, ok, AdviceCloser))

	head := headRect(f.Box)
	hs := float64(head.Dy()) / H
	sc, ok = band(hs, lim.HeadSmallBad, lim.HeadSmallLimit, lim.HeadIdealMin, lim.HeadIdealMax, lim.HeadLargeLimit, lim.HeadLargeBad)
	adv := AdviceCloser
	if hs > lim.HeadIdealMax {
		adv = AdviceBack
	}
	r.Measures = append(r.Measures, measure(MeasureHeadSize, "head height/image height", hs, sc, ok, adv))

	fw := float64(f.Box.Dx())
	margin := math.Min(math.Min(float64(head.Min.X), W-float64(head.Max.X)), math.Min(float64(head.Min.Y), H-float64(head.Max.Y))) / fw
	sc, ok = rise(margin, lim.MarginBad, lim.MarginLimit, lim.MarginIdeal)
	r.Measures = append(r.Measures, measure(MeasureCropMargins, "face widths", margin, sc, ok, AdviceHeadCut))

	mx, _ := f.EyeMid()
	off := math.Abs(mx-W/2) / W
	sc, ok = fall(off, lim.CentreIdeal, lim.CentreLimit, lim.CentreBad)
	r.Measures = append(r.Measures, measure(MeasureCentring, "image widths", off, sc, ok, AdviceCentre))

	if f.EyesFound {
		roll := f.Roll()
		sc, ok = fall(math.Abs(roll), lim.RollIdeal, lim.RollLimit, lim.RollBad)
		r.Measures = append(r.Measures, measure(MeasureRoll, "degrees", roll, sc, ok, AdviceStraight))
		yaw := f.Yaw()
		if sy, ok := d.skinYaw(img, f); ok {
			yaw = sy
		}
		sc, ok = fall(math.Abs(yaw), lim.YawIdeal, lim.YawLimit, lim.YawBad)
		r.Measures = append(r.Measures, measure(MeasureYaw, "degrees", yaw, sc, ok, AdviceTurn))
	}
}

// Yaw estimates the head's turn in degrees from how far the eye midpoint
// lies from the centre of the face box, treating the head as a cylinder
// as wide as the box; the sign says which way (positive: the eyes moved
// to the image right). It is a coarse estimate (a few degrees).
func (f Face) Yaw() float64 {
	mx, _ := f.EyeMid()
	cx := float64(f.Box.Min.X+f.Box.Max.X) / 2
	s := (mx - cx) / (0.5 * float64(f.Box.Dx()))
	s = math.Max(-1, math.Min(1, s))
	return math.Asin(s) * 180 / math.Pi
}

// background adds the background uniformity: the mean luminance gradient
// beside and above the head, outside an ellipse around it.
func (d *Detector) background(r *Report, f Face, scale float64, lim Limits) {
	s := d.scratch
	sw, sh := s.plain.Cols(), s.plain.Rows()
	sb := image.Rect(int(float64(f.Box.Min.X)*scale), int(float64(f.Box.Min.Y)*scale), int(float64(f.Box.Max.X)*scale), int(float64(f.Box.Max.Y)*scale))
	bw, bh := sb.Dx(), sb.Dy()
	region := image.Rect(sb.Min.X-bw, sb.Min.Y-bh*8/10, sb.Max.X+bw, sb.Max.Y).Intersect(image.Rect(0, 0, sw, sh))
	if region.Empty() {
		return
	}
	gocv.Sobel(s.plain, &s.gx, gocv.MatTypeCV32F, 1, 0, 3, 0.125, 0, gocv.BorderReplicate)
	gocv.Sobel(s.plain, &s.gy, gocv.MatTypeCV32F, 0, 1, 3, 0.125, 0, gocv.BorderReplicate)
	gocv.Magnitude(s.gx, s.gy, &s.grad)
	if s.mask.Rows() != sh || s.mask.Cols() != sw {
		s.mask.Close()
		s.mask = gocv.NewMatWithSize(sh, sw, gocv.MatTypeCV8UC1)
	}
	s.mask.SetTo(gocv.NewScalar(0, 0, 0, 0))
	gocv.Rectangle(&s.mask, region, color.RGBA{255, 255, 255, 255}, -1)
	// Cut out the head and, below the chin, the neck and shoulders.
	cx, cy := (sb.Min.X+sb.Max.X)/2, sb.Min.Y+bh*35/100
	gocv.Ellipse(&s.mask, image.Pt(cx, cy), image.Pt(bw*8/10, bh), 0, 0, 360, color.RGBA{}, -1)
	gocv.Rectangle(&s.mask, image.Rect(sb.Min.X-bw/4, sb.Min.Y+bh/2, sb.Max.X+bw/4, sh), color.RGBA{}, -1)
	if gocv.CountNonZero(s.mask) < 50 {
		return // no background visible
	}
	g := s.grad.MeanWithMask(s.mask).Val1
	sc, ok := fall(g, lim.BackgroundIdeal, lim.BackgroundLimit, lim.BackgroundBad)
	r.Measures = append(r.Measures, measure(MeasureBackgroundUniform, "grey levels/pixel", g, sc, ok, AdviceBackground))
}

// skinYaw estimates the yaw from where the eye midpoint lies in the run of
// skin-coloured columns across the cheeks (the visible width of the face):
// a turned head shows more of one cheek than of the other.
func (d *Detector) skinYaw(img gocv.Mat, f Face) (float64, bool) {
	if img.Type() != gocv.MatTypeCV8UC3 {
		return 0, false
	}
	s := d.scratch
	bw, bh := f.Box.Dx(), f.Box.Dy()
	region := image.Rect(f.Box.Min.X-bw*3/10, f.Box.Min.Y+bh*45/100, f.Box.Max.X+bw*3/10, f.Box.Min.Y+bh*75/100)
	if !region.In(image.Rect(0, 0, img.Cols(), img.Rows())) {
		return 0, false
	}
	const cols, rows = 96, 16
	roi := img.Region(region)
	gocv.Resize(roi, &s.colour, image.Pt(cols, rows), 0, 0, gocv.InterpolationArea)
	roi.Close()
	gocv.CvtColor(s.colour, &s.ycc, gocv.ColorBGRToYCrCb)
	gocv.InRangeWithScalar(s.ycc, gocv.NewScalar(40, 133, 77, 0), gocv.NewScalar(255, 173, 127, 0), &s.mask)
	buf, err := s.mask.DataPtrUint8()
	if err != nil {
		return 0, false
	}
	var skin [cols]bool
	for x := 0; x < cols; x++ {
		n := 0
		for y := 0; y < rows; y++ {
			if buf[y*cols+x] != 0 {
				n++
			}
		}
		skin[x] = n*2 >= rows
	}
	mx, _ := f.EyeMid()
	c := int((mx - float64(region.Min.X)) / float64(region.Dx()) * cols)
	if c < 0 || c >= cols || !skin[c] {
		return 0, false
	}
	l, r := c, c
	for l > 0 && (skin[l-1] || (l > 1 && skin[l-2])) {
		l--
	}
	for r < cols-1 && (skin[r+1] || (r < cols-2 && skin[r+2])) {
		r++
	}
	width := float64(r - l + 1)
	if width < cols*0.35 || l == 0 || r == cols-1 {
		return 0, false // not a face-shaped run of skin
	}
	off := (float64(c) - float64(l+r)/2) / (width / 2)
	off = math.Max(-1, math.Min(1, off))
	return math.Asin(off) * 180 / math.Pi, true
}

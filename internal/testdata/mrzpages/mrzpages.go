// Package mrzpages renders synthetic identity-document data pages (TD1 ID
// cards, TD2 and TD3 documents, MRV-A and MRV-B visas) with valid MRZs of fictitious people, and
// degrades them the way cameras and scanners do, in graded levels, with the
// ground truth. It is the test and benchmark set of the MRZ reader; nothing
// here comes from a real document.
//
// Pages are drawn at 300 dpi with the OCR-B font of Debian's fonts-ocr-b
// (the MRZ typeface ICAO 9303 part 3 requires), a guilloche background, a
// photo area and printed text beside the MRZ; then scaled to the level's
// resolution, turned by a multiple of 90° and skewed, warped in
// perspective, lit unevenly, blurred, given noise and JPEG artefacts.
package mrzpages

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"gocv.io/x/gocv"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/capturestation/station/capture/mrz"
)

// FontPath is the OCR-B font used for the MRZ and the printed text.
// OCRBS.otf has the glyphs of OCRB.otf without the CFF operators
// golang.org/x/image cannot read.
const FontPath = "/usr/share/fonts/opentype/ocr-b/OCRBS.otf"

// Level grades the degradations.
type Level int

// Levels.
const (
	// Clean: a flat scan at 300 dpi, upright.
	Clean Level = iota
	// Moderate: 200–400 dpi, any of the four orientations with ±5° skew,
	// slight blur, noise, JPEG quality 70–90, uneven light.
	Moderate
	// Hard: 150–600 dpi in a 1600×1200 photo, ±15° skew, perspective,
	// blur, strong noise, JPEG quality 40–70, strong uneven light, glare.
	Hard
)

// String names the level.
func (l Level) String() string {
	switch l {
	case Clean:
		return "clean"
	case Moderate:
		return "moderate"
	case Hard:
		return "hard"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// Sample is one generated image with its ground truth.
type Sample struct {
	// Image is the encoded image (PNG for Clean, JPEG otherwise).
	Image []byte
	// Lines are the MRZ lines printed on the page.
	Lines  []string
	Format mrz.Format
	// Rotation (0, 90, 180, 270) and Skew (degrees) describe the pose.
	Rotation int
	Skew     float64
	DPI      int
}

// Generator draws samples. It holds the parsed font; it is not safe for
// concurrent use.
type Generator struct {
	font *opentype.Font
}

// New loads the OCR-B font.
func New() (*Generator, error) {
	b, err := os.ReadFile(FontPath)
	if err != nil {
		return nil, fmt.Errorf("mrzpages: %w (make deps installs fonts-ocr-b)", err)
	}
	f, err := opentype.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("mrzpages: %w", err)
	}
	return &Generator{font: f}, nil
}

var (
	surnames = []string{"ERIKSSON", "OKAFOR", "NGUYEN", "DIALLO", "ROSSI", "SILVA", "KOWALSKA", "HASSAN", "MENSAH", "DUBOIS",
		"IVANOVA", "MARTINEZ LOPEZ", "VAN DER BERG", "OBI", "SCHMIDT", "TANAKA", "ABDULLAHI", "BJORKLUND", "QUISPE", "ZZTEST"}
	givens = []string{"ANNA MARIA", "EMEKA", "CHEN", "FATOU", "GIULIA", "HUGO", "IMANI", "JONAS", "KOFI", "LEILA", "MATEO",
		"NADIA", "OMAR", "PRIYA", "JEAN PIERRE", "XAVIER", "ZOE", "BAO", "YUSUF", "OLGA"}
	states = []string{"UTO", "FRA", "NGA", "SEN", "KEN", "BRA", "VNM", "ITA", "POL", "EGY", "GHA", "D", "NLD", "JPN", "PER"}
)

// checkDigit returns the ICAO check digit of s as a character.
func checkDigit(s string) string {
	d, _ := mrz.CheckDigit(s)
	return string(d)
}

func pad(s string, n int) string {
	s = strings.ReplaceAll(s, " ", "<")
	if len(s) > n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

func alnum(rng *rand.Rand, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
		if i == 0 {
			b[i] = chars[rng.IntN(26)]
		}
	}
	return string(b)
}

func yymmdd(rng *rand.Rand, from, to int) string {
	return fmt.Sprintf("%02d%02d%02d", (from+rng.IntN(to-from))%100, 1+rng.IntN(12), 1+rng.IntN(28))
}

// Identity returns valid MRZ lines of a random fictitious person.
func Identity(rng *rand.Rand, f mrz.Format) []string {
	state := pad(states[rng.IntN(len(states))], 3)
	nat := pad(states[rng.IntN(len(states))], 3)
	name := surnames[rng.IntN(len(surnames))] + "<<" + givens[rng.IntN(len(givens))]
	doc := alnum(rng, 9)
	dob := yymmdd(rng, 1950, 2010)
	exp := yymmdd(rng, 2027, 2036)
	sex := []string{"M", "F", "<"}[rng.IntN(3)]
	switch f {
	case TD1:
		opt1 := pad(alnum(rng, rng.IntN(8)), 15)
		l1 := "I<" + state + doc + checkDigit(doc) + opt1
		opt2 := pad("", 11)
		l2 := dob + checkDigit(dob) + sex + exp + checkDigit(exp) + nat + opt2
		comp := l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
		l2 += checkDigit(comp)
		return []string{l1, l2, pad(name, 30)}
	case MRVA, MRVB:
		width := f.Width()
		l1 := "V<" + state + pad(name, width-5)
		l2 := doc + checkDigit(doc) + nat + dob + checkDigit(dob) + sex + exp + checkDigit(exp)
		return []string{l1, l2 + pad(alnum(rng, rng.IntN(6)), width-len(l2))}
	case TD2:
		l1 := "I<" + state + pad(name, 31)
		opt := pad(alnum(rng, rng.IntN(5)), 7)
		l2 := doc + checkDigit(doc) + nat + dob + checkDigit(dob) + sex + exp + checkDigit(exp) + opt
		comp := l2[0:10] + l2[13:20] + l2[21:35]
		return []string{l1, l2 + checkDigit(comp)}
	default:
		l1 := "P<" + state + pad(name, 39)
		pn := pad(alnum(rng, rng.IntN(10)), 14)
		pnc := checkDigit(pn)
		l2 := doc + checkDigit(doc) + nat + dob + checkDigit(dob) + sex + exp + checkDigit(exp) + pn + pnc
		comp := l2[0:10] + l2[13:20] + l2[21:43]
		return []string{l1, l2 + checkDigit(comp)}
	}
}

// The formats, re-exported for callers that do not import capture/mrz.
const (
	TD1  = mrz.TD1
	TD2  = mrz.TD2
	TD3  = mrz.TD3
	MRVA = mrz.MRVA
	MRVB = mrz.MRVB
)

// Sample returns the n-th sample of seed at level.
func (g *Generator) Sample(seed uint64, n int, level Level) (Sample, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)*3+uint64(level)))
	f := []mrz.Format{TD3, TD3, TD3, TD1, TD1, TD2, MRVA, MRVB}[rng.IntN(8)]
	lines := Identity(rng, f)
	page, err := g.page(rng, f, lines, nil)
	if err != nil {
		return Sample{}, err
	}
	s := Sample{Lines: lines, Format: f, DPI: 300}
	if level != Clean {
		light(rng, page, map[Level]float64{Moderate: 0.15, Hard: 0.35}[level], map[Level]float64{Moderate: 4, Hard: 10}[level])
	}
	if level == Hard {
		// A separate stream, so that the glare leaves the other draws (and
		// so the rest of the set) as they were.
		glare(rand.New(rand.NewPCG(seed^0x676c617265, uint64(n))), page)
	}
	img, err := gocv.ImageToMatRGB(page)
	if err != nil {
		return Sample{}, fmt.Errorf("mrzpages: %w", err)
	}
	defer img.Close()
	if err := degrade(rng, &img, level, &s); err != nil {
		return Sample{}, err
	}
	ext, params := gocv.PNGFileExt, []int{gocv.IMWritePngCompression, 3}
	if level != Clean {
		ext, params = gocv.JPEGFileExt, []int{gocv.IMWriteJpegQuality, map[Level]int{Moderate: 70, Hard: 40}[level] + rng.IntN(21)}
	}
	buf, err := gocv.IMEncodeWithParams(ext, img, params)
	if err != nil {
		return Sample{}, fmt.Errorf("mrzpages: encode: %w", err)
	}
	defer buf.Close()
	s.Image = append([]byte(nil), buf.GetBytes()...)
	return s, nil
}

// page draws a data page at 300 dpi (MRZ pitch 2.54 mm = 30 px). viz
// holds the printed fields by label; the others get random text.
func (g *Generator) page(rng *rand.Rand, f mrz.Format, lines []string, viz map[string]string) (*image.RGBA, error) {
	size := map[mrz.Format]image.Point{TD3: {1476, 1039}, TD2: {1240, 874}, TD1: {1011, 638}, MRVA: {1476, 945}, MRVB: {1240, 874}}[f]
	img := image.NewRGBA(image.Rectangle{Max: size})
	tint := color.RGBA{uint8(225 + rng.IntN(25)), uint8(225 + rng.IntN(25)), uint8(215 + rng.IntN(30)), 255}
	draw.Draw(img, img.Bounds(), &image.Uniform{tint}, image.Point{}, draw.Src)
	guilloche(rng, img, image.Rect(0, 0, size.X, size.Y-len(lines)*50-60))
	// Photo area.
	photo := image.Rect(50, 120, 50+size.X/4, 120+min(size.X/3, size.Y-len(lines)*50-220))
	draw.Draw(img, photo, &image.Uniform{color.RGBA{170, 170, 180, 255}}, image.Point{}, draw.Src)
	cx, cy, rx, ry := (photo.Min.X+photo.Max.X)/2, (photo.Min.Y+photo.Max.Y)/2, photo.Dx()/3, photo.Dy()/3
	for y := photo.Min.Y; y < photo.Max.Y; y++ {
		for x := photo.Min.X; x < photo.Max.X; x++ {
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			if dx*dx+dy*dy < 1 {
				img.Set(x, y, color.RGBA{uint8(150 + rng.IntN(30)), 110, 90, 255})
			}
		}
	}
	small, err := opentype.NewFace(g.font, &opentype.FaceOptions{Size: 24, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	text := &font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{40, 40, 70, 255}), Face: small}
	kind := map[mrz.Format]string{TD3: "PASSPORT / PASSEPORT", TD2: "IDENTITY CARD", TD1: "IDENTITY CARD", MRVA: "VISA", MRVB: "VISA"}[f]
	text.Dot = fixed.P(50, 70)
	text.DrawString(kind + "   " + strings.TrimRight(lines[0][2:5], "<"))
	y := 150
	for _, label := range []string{"SURNAME", "GIVEN NAMES", "NATIONALITY", "DATE OF BIRTH", "SEX", "DATE OF EXPIRY", "AUTHORITY"} {
		if y > photo.Max.Y {
			break
		}
		text.Dot = fixed.P(photo.Max.X+40, y)
		value := alnum(rng, 4+rng.IntN(8)) // drawn always, so that the random stream stays the same
		if v, ok := viz[label]; ok {
			value = v
		}
		text.DrawString(label + ": " + value)
		y += 40
	}
	// MRZ: fixed pitch of 30 px, characters 29 px high, lines 50 px apart.
	pitch := 30.0
	face, err := opentype.NewFace(g.font, &opentype.FaceOptions{Size: pitch / 0.72, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	ink := &font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{uint8(rng.IntN(40)), uint8(rng.IntN(40)), uint8(rng.IntN(50)), 255}), Face: face}
	width := float64(len(lines[0])) * pitch
	x0 := (float64(size.X) - width) / 2
	base := size.Y - 45 - (len(lines)-1)*50
	for i, l := range lines {
		for j, r := range l {
			ink.Dot = fixed.P(int(x0+float64(j)*pitch), base+i*50)
			ink.DrawString(string(r))
		}
	}
	return img, nil
}

// guilloche draws interlaced sine curves over r.
func guilloche(rng *rand.Rand, img *image.RGBA, r image.Rectangle) {
	col := color.RGBA{uint8(150 + rng.IntN(80)), uint8(150 + rng.IntN(80)), uint8(170 + rng.IntN(80)), 255}
	for k := 0; k < 14; k++ {
		amp := 20 + rng.Float64()*40
		period := 80 + rng.Float64()*200
		phase := rng.Float64() * 2 * math.Pi
		y0 := r.Min.Y + k*r.Dy()/14
		for x := r.Min.X; x < r.Max.X; x++ {
			y := y0 + int(amp*math.Sin(float64(x)/period*2*math.Pi+phase))
			if y >= r.Min.Y && y < r.Max.Y {
				img.Set(x, y, col)
			}
		}
	}
}

// light multiplies the page by a linear gradient of the given strength (uneven
// light) and adds Gaussian noise of standard deviation sd.
func light(rng *rand.Rand, img *image.RGBA, strength, sd float64) {
	a, b := rng.Float64()*2-1, rng.Float64()*2-1
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	clamp := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			g := 1 - strength/2 + strength*(a*float64(x)/w+b*float64(y)/h+2)/4
			i := img.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				img.Pix[i+c] = clamp(float64(img.Pix[i+c])*g + rng.NormFloat64()*sd)
			}
		}
	}
}

// glare adds the specular reflection of a laminate or a lamp: a bright
// elliptical patch with a soft edge somewhere on the page, at times over
// the MRZ, that lifts the dark print towards the paper's grey.
func glare(rng *rand.Rand, img *image.RGBA) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	cx, cy := w*(0.1+0.8*rng.Float64()), h*(0.2+0.8*rng.Float64())
	rx, ry := w*(0.05+0.15*rng.Float64()), h*(0.03+0.08*rng.Float64())
	peak := 50 + 50*rng.Float64()
	x0, x1 := max(0, int(cx-3*rx)), min(img.Rect.Dx(), int(cx+3*rx))
	y0, y1 := max(0, int(cy-3*ry)), min(img.Rect.Dy(), int(cy+3*ry))
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			add := peak * math.Exp(-(dx*dx+dy*dy)/2)
			if add < 1 {
				continue
			}
			i := img.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				img.Pix[i+c] = uint8(math.Min(255, float64(img.Pix[i+c])+add))
			}
		}
	}
}

// degrade applies the level's transformations to img in place.
func degrade(rng *rand.Rand, img *gocv.Mat, level Level, s *Sample) error {
	if level == Clean {
		return nil
	}
	uniform := func(lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }
	dpi := map[Level][2]float64{Moderate: {200, 400}, Hard: {150, 600}}[level]
	s.DPI = int(uniform(dpi[0], dpi[1]))
	scale := float64(s.DPI) / 300
	gocv.Resize(*img, img, image.Point{}, scale, scale, gocv.InterpolationArea)

	// Pose: a multiple of 90°, then skew; the page lands on a background.
	s.Rotation = 90 * rng.IntN(4)
	maxSkew := map[Level]float64{Moderate: 5, Hard: 15}[level]
	s.Skew = uniform(-maxSkew, maxSkew)
	d := int(math.Hypot(float64(img.Cols()), float64(img.Rows()))) + 20
	canvas := image.Point{X: d, Y: d}
	if level == Hard {
		canvas = image.Point{X: max(1600, d), Y: max(1200, d)}
	}
	angle := float64(s.Rotation) + s.Skew
	center := gocv.Point2f{X: float32(img.Cols()) / 2, Y: float32(img.Rows()) / 2}
	rot := gocv.GetRotationMatrix2D(image.Pt(int(center.X), int(center.Y)), -angle, 1)
	defer rot.Close()
	rot.SetDoubleAt(0, 2, rot.GetDoubleAt(0, 2)+float64(canvas.X)/2-float64(center.X))
	rot.SetDoubleAt(1, 2, rot.GetDoubleAt(1, 2)+float64(canvas.Y)/2-float64(center.Y))
	bg := color.RGBA{uint8(rng.IntN(120)), uint8(rng.IntN(120)), uint8(rng.IntN(120)), 0}
	gocv.WarpAffineWithParams(*img, img, rot, canvas, gocv.InterpolationLinear, gocv.BorderConstant, bg)

	if level == Hard {
		// Perspective: move the corners by up to 5 % of the canvas.
		w, h := float32(canvas.X), float32(canvas.Y)
		j := func(v float32) float32 { return v + float32(uniform(-0.05, 0.05))*w }
		src := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{{X: 0, Y: 0}, {X: w, Y: 0}, {X: w, Y: h}, {X: 0, Y: h}})
		dst := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{{X: j(0), Y: j(0)}, {X: j(w), Y: j(0)}, {X: j(w), Y: j(h)}, {X: j(0), Y: j(h)}})
		m := gocv.GetPerspectiveTransform2f(src, dst)
		gocv.WarpPerspectiveWithParams(*img, img, m, canvas, gocv.InterpolationLinear, gocv.BorderConstant, bg)
		m.Close()
		src.Close()
		dst.Close()
		// A hand-held photo is at most 1600×1200.
		if f := math.Min(1600/float64(canvas.X), 1200/float64(canvas.Y)); f < 1 {
			gocv.Resize(*img, img, image.Point{}, f, f, gocv.InterpolationArea)
			s.DPI = int(float64(s.DPI) * f)
		}
	}
	sigma := uniform(0, map[Level]float64{Moderate: 0.8, Hard: 1.3}[level])
	if sigma > 0.3 {
		gocv.GaussianBlur(*img, img, image.Point{}, sigma, sigma, gocv.BorderReplicate)
	}
	return nil
}

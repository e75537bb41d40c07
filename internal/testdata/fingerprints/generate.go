package fingerprints

import (
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// ErrInvalidParams reports Params that Generate cannot honour.
var ErrInvalidParams = errors.New("fingerprints: invalid params")

// Stream identifiers keep the master and the impression random sequences
// independent, so impression settings never change the master.
const (
	streamMaster     = 0x6d6173746572
	streamImpression = 0x696d7072
)

func checkUnit(name string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > 1 {
		return fmt.Errorf("%w: %s=%v outside [0,1]", ErrInvalidParams, name, v)
	}
	return nil
}

// normalize validates p and fills in the defaults.
func (p Params) normalize() (Params, error) {
	if p.Width == 0 && p.Height == 0 {
		p.Width, p.Height = DefaultWidth, DefaultHeight
	}
	if p.Width == 0 {
		p.Width = DefaultWidth
	}
	if p.Height == 0 {
		p.Height = DefaultHeight
	}
	if p.Width < MinSize || p.Height < MinSize || p.Width > MaxSize || p.Height > MaxSize {
		return p, fmt.Errorf("%w: size %dx%d outside [%d,%d]", ErrInvalidParams, p.Width, p.Height, MinSize, MaxSize)
	}
	if p.Class < AnyClass || p.Class > Whorl {
		return p, fmt.Errorf("%w: class %d", ErrInvalidParams, int(p.Class))
	}
	for _, c := range []struct {
		n string
		v float64
	}{
		{"Degradation", p.Degradation}, {"Dryness", p.Dryness}, {"Wetness", p.Wetness},
		{"Noise", p.Noise}, {"Blur", p.Blur}, {"PartialContact", p.PartialContact},
		{"Distortion", p.Distortion},
	} {
		if err := checkUnit(c.n, c.v); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Generate synthesises one fingerprint impression and its ground truth.
// It is deterministic: equal Params give byte-identical results.
func Generate(p Params) (*Print, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	m := buildMaster(p)
	class := m.class
	irng := rand.New(rand.NewPCG(uint64(p.Seed), streamImpression))
	im := newImpression(irng, m, p)
	img, fg := im.render()

	pr := &Print{Image: img, Class: class, Foreground: fg}
	for _, s := range m.sing {
		x, y := im.forward(s.X, s.Y)
		if x < 0 || y < 0 || x >= float64(p.Width) || y >= float64(p.Height) {
			continue
		}
		pr.Singular = append(pr.Singular, SingularPoint{X: x, Y: y, Kind: s.Kind})
	}
	for _, mn := range m.minutiae() {
		x, y := im.forward(float64(mn.X)+0.5, float64(mn.Y)+0.5)
		// direction: map a point a few pixels along the minutia direction
		x2, y2 := im.forward(float64(mn.X)+0.5+4*math.Cos(mn.Angle), float64(mn.Y)+0.5-4*math.Sin(mn.Angle))
		ix, iy := int(math.Floor(x)), int(math.Floor(y))
		if ix < 0 || iy < 0 || ix >= p.Width || iy >= p.Height || fg.Pix[iy*fg.Stride+ix] == 0 {
			continue
		}
		ang := math.Atan2(-(y2 - y), x2-x)
		if ang < 0 {
			ang += 2 * math.Pi
		}
		pr.Minutiae = append(pr.Minutiae, Minutia{X: ix, Y: iy, Angle: ang, Kind: mn.Kind})
	}
	return pr, nil
}

// buildMaster makes the master of normalised params.
func buildMaster(p Params) *master {
	mrng := rand.New(rand.NewPCG(uint64(p.Seed), streamMaster))
	class := p.Class
	pick := pickClass(mrng) // always drawn so the stream does not depend on Class
	if class == AnyClass {
		class = pick
	}
	return newMaster(mrng, class, p.Width, p.Height)
}

// grayFrom converts a [0,255] float plane into an image.
func grayFrom(w, h int, v []float32) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, f := range v {
		if f < 0 {
			f = 0
		}
		if f > 255 {
			f = 255
		}
		g.Pix[i] = uint8(f + 0.5)
	}
	return g
}

package fingerprints

import (
	"bytes"
	"errors"
	"image"
	"math"
	"math/cmplx"
	"testing"
)

// poincare sums the orientation changes of theta (ridge directions in
// [0, π)) along a circle around (cx, cy) and returns the index in units of
// full turns: +0.5 for a core, -0.5 for a delta, 0 elsewhere.
func poincare(theta func(x, y int) float64, cx, cy, r float64) float64 {
	const n = 72
	var sum float64
	prev := theta(int(math.Round(cx+r)), int(math.Round(cy)))
	for k := 1; k <= n; k++ {
		a := 2 * math.Pi * float64(k) / n
		cur := theta(int(math.Round(cx+r*math.Cos(a))), int(math.Round(cy+r*math.Sin(a))))
		d := cur - prev
		for d > math.Pi/2 {
			d -= math.Pi
		}
		for d <= -math.Pi/2 {
			d += math.Pi
		}
		sum += d
		prev = cur
	}
	return sum / (2 * math.Pi)
}

// imageOrientation estimates ridge directions from the image with a
// smoothed gradient structure tensor.
func imageOrientation(g *image.Gray, sigma float64) func(x, y int) float64 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	gxx := make([]float32, w*h)
	gyy := make([]float32, w*h)
	gxy := make([]float32, w*h)
	at := func(x, y int) float32 {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		return float32(g.Pix[y*g.Stride+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			gx := at(x+1, y-1) + 2*at(x+1, y) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x-1, y) - at(x-1, y+1)
			gy := at(x-1, y+1) + 2*at(x, y+1) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x, y-1) - at(x+1, y-1)
			gxx[y*w+x], gyy[y*w+x], gxy[y*w+x] = gx*gx, gy*gy, gx*gy
		}
	}
	gaussBlur(gxx, w, h, sigma)
	gaussBlur(gyy, w, h, sigma)
	gaussBlur(gxy, w, h, sigma)
	return func(x, y int) float64 {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		i := y*w + x
		// gradient direction, then the ridge runs across it
		return wrapPi(0.5*math.Atan2(2*float64(gxy[i]), float64(gxx[i]-gyy[i])) + math.Pi/2)
	}
}

// blockPeriod finds the dominant ridge period in the size×size block at
// (x0, y0) by scanning a Hann-windowed Fourier transform over periods and
// directions.
func blockPeriod(g *image.Gray, x0, y0, size int) (period, strength float64) {
	var mean float64
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			mean += float64(g.Pix[(y0+y)*g.Stride+x0+x])
		}
	}
	mean /= float64(size * size)
	win := make([]float64, size)
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(size))
	}
	v := make([]float64, size*size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			v[y*size+x] = (float64(g.Pix[(y0+y)*g.Stride+x0+x]) - mean) * win[x] * win[y]
		}
	}
	// separable complex exponentials: e^{i(kx·x+ky·y)} = e^{i·kx·x}·e^{i·ky·y}
	ex := make([]complex128, size)
	ey := make([]complex128, size)
	var best, total float64
	for t := 6.0; t <= 14; t += 0.25 {
		for a := 0; a < 24; a++ {
			phi := float64(a) * math.Pi / 24
			kx, ky := 2*math.Pi/t*math.Cos(phi), 2*math.Pi/t*math.Sin(phi)
			for i := range ex {
				ex[i] = cmplx.Rect(1, kx*float64(i))
				ey[i] = cmplx.Rect(1, ky*float64(i))
			}
			var acc complex128
			for y := 0; y < size; y++ {
				var row complex128
				for x := 0; x < size; x++ {
					row += complex(v[y*size+x], 0) * ex[x]
				}
				acc += row * ey[y]
			}
			p := real(acc)*real(acc) + imag(acc)*imag(acc)
			total += p
			if p > best {
				best, period = p, t
			}
		}
	}
	return period, best / total
}

func TestGenerateClasses(t *testing.T) {
	tests := []struct {
		class          Class
		seed           int64
		cores, deltas  int
		checkImageSing bool
	}{
		{Arch, 11, 0, 0, false},
		{TentedArch, 12, 1, 1, true},
		{LeftLoop, 13, 1, 1, true},
		{RightLoop, 14, 1, 1, true},
		{Whorl, 15, 2, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.class.String(), func(t *testing.T) {
			p := Params{Seed: tc.seed, Class: tc.class}
			pr, err := Generate(p)
			if err != nil {
				t.Fatal(err)
			}
			if pr.Class != tc.class {
				t.Fatalf("class %v, want %v", pr.Class, tc.class)
			}
			w, h := pr.Image.Rect.Dx(), pr.Image.Rect.Dy()
			if w != DefaultWidth || h != DefaultHeight {
				t.Fatalf("size %dx%d", w, h)
			}

			// singular points and their Poincaré index on the model field
			np, _ := p.normalize()
			m := buildMaster(np)
			model := func(x, y int) float64 {
				x = min(max(x, 0), w-1)
				y = min(max(y, 0), h-1)
				return m.orient[y*w+x]
			}
			var cores, deltas int
			estimated := imageOrientation(pr.Image, 4)
			for _, s := range pr.Singular {
				want := 0.5
				if s.Kind == Delta {
					want = -0.5
					deltas++
				} else {
					cores++
				}
				for _, r := range []float64{6, 15, 30} {
					if got := poincare(model, s.X, s.Y, r); math.Abs(got-want) > 1e-6 {
						t.Errorf("%v at (%.0f,%.0f) r=%v: model Poincaré index %v, want %v", s.Kind, s.X, s.Y, r, got, want)
					}
				}
				if tc.checkImageSing {
					if got := poincare(estimated, s.X, s.Y, 24); math.Abs(got-want) > 1e-6 {
						t.Errorf("%v at (%.0f,%.0f): image Poincaré index %v, want %v", s.Kind, s.X, s.Y, got, want)
					}
				}
			}
			if cores != tc.cores || deltas != tc.deltas {
				t.Errorf("%d cores %d deltas, want %d and %d", cores, deltas, tc.cores, tc.deltas)
			}
			// away from the singular points the index is zero
			for _, pt := range [][2]float64{{80, 120}, {330, 120}, {208, 500}} {
				if got := poincare(model, pt[0], pt[1], 20); math.Abs(got) > 1e-6 {
					t.Errorf("regular point %v has index %v", pt, got)
				}
			}

			// ridge period in blocks well inside the print
			for _, b := range [][2]int{{120, 150}, {240, 150}, {100, 300}, {250, 330}, {180, 420}} {
				if pr.Foreground.GrayAt(b[0]+32, b[1]+32).Y == 0 {
					continue
				}
				per, strength := blockPeriod(pr.Image, b[0], b[1], 64)
				if per < 7 || per > 12.5 {
					t.Errorf("block %v: ridge period %.2f px outside [7,12.5]", b, per)
				}
				if strength < 0.005 {
					t.Errorf("block %v: no dominant ridge frequency (%.4f)", b, strength)
				}
			}

			// ridges in the foreground, plain background outside
			var fgN, bgN int
			var bgSum, fgSum, fgSq float64
			for i, f := range pr.Foreground.Pix {
				v := float64(pr.Image.Pix[i])
				if f == 255 {
					fgN++
					fgSum += v
					fgSq += v * v
				} else {
					bgN++
					bgSum += v
				}
			}
			if frac := float64(fgN) / float64(w*h); frac < 0.45 || frac > 0.95 {
				t.Errorf("foreground covers %.2f of the image", frac)
			}
			fgMean := fgSum / float64(fgN)
			fgStd := math.Sqrt(fgSq/float64(fgN) - fgMean*fgMean)
			if fgStd < 60 {
				t.Errorf("foreground standard deviation %.1f: ridges missing", fgStd)
			}
			if bgN > 0 && bgSum/float64(bgN) < 225 {
				t.Errorf("background mean %.1f, want light", bgSum/float64(bgN))
			}

			// minutiae
			if n := len(pr.Minutiae); n < 20 || n > 100 {
				t.Errorf("%d minutiae, want 20..100", n)
			}
			var ends, bifs int
			for _, mn := range pr.Minutiae {
				if pr.Foreground.GrayAt(mn.X, mn.Y).Y != 255 {
					t.Errorf("minutia %+v outside foreground", mn)
				}
				if mn.Angle < 0 || mn.Angle >= 2*math.Pi {
					t.Errorf("minutia angle %v", mn.Angle)
				}
				switch mn.Kind {
				case Ending:
					ends++
				case Bifurcation:
					bifs++
				default:
					t.Errorf("minutia kind %v", mn.Kind)
				}
			}
			if ends == 0 || bifs == 0 {
				t.Errorf("%d endings and %d bifurcations", ends, bifs)
			}
			t.Logf("%d minutiae (%d endings, %d bifurcations), singular %v", len(pr.Minutiae), ends, bifs, pr.Singular)
		})
	}
}

func TestDeterminism(t *testing.T) {
	p := Params{Seed: 42, Degradation: 0.5}
	a, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Image.Pix, b.Image.Pix) || !bytes.Equal(a.Foreground.Pix, b.Foreground.Pix) {
		t.Fatal("same params gave different images")
	}
	if len(a.Minutiae) != len(b.Minutiae) || a.Class != b.Class {
		t.Fatal("same params gave different ground truth")
	}
	for i := range a.Minutiae {
		if a.Minutiae[i] != b.Minutiae[i] {
			t.Fatal("same params gave different minutiae")
		}
	}
	c, err := Generate(Params{Seed: 43, Degradation: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Image.Pix, c.Image.Pix) {
		t.Fatal("different seeds gave the same image")
	}
}

func TestSameMasterAcrossDegradation(t *testing.T) {
	// the class and (pristine-geometry) singular points depend only on the seed
	a, err := Generate(Params{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(Params{Seed: 7, Dryness: 0.8, Noise: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if a.Class != b.Class || len(a.Singular) != len(b.Singular) {
		t.Fatalf("master changed: %v/%v", a.Class, b.Class)
	}
	for i := range a.Singular {
		if a.Singular[i] != b.Singular[i] {
			t.Fatalf("singular point moved without distortion: %v vs %v", a.Singular[i], b.Singular[i])
		}
	}
	if len(a.Minutiae) != len(b.Minutiae) {
		t.Fatalf("minutiae changed without geometric effects: %d vs %d", len(a.Minutiae), len(b.Minutiae))
	}
}

// clarity is an objective quality proxy: the mean over the 16×16 blocks of
// the reference foreground of the orientation coherence of the gradients,
// weighted by the block contrast (saturating at a standard deviation of 40
// grey levels). Blank, noisy, blurred or smudged blocks score low.
func clarity(g *image.Gray, ref *image.Gray) float64 {
	const bs = 16
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var sum float64
	var n int
	for by := 0; by+bs <= h; by += bs {
		for bx := 0; bx+bs <= w; bx += bs {
			if ref.GrayAt(bx+bs/2, by+bs/2).Y == 0 {
				continue
			}
			var gxx, gyy, gxy, mean, sq float64
			for y := by; y < by+bs; y++ {
				for x := bx; x < bx+bs; x++ {
					v := float64(g.Pix[y*g.Stride+x])
					mean += v
					sq += v * v
					if x == 0 || y == 0 || x == w-1 || y == h-1 {
						continue
					}
					gx := float64(g.Pix[y*g.Stride+x+1]) - float64(g.Pix[y*g.Stride+x-1])
					gy := float64(g.Pix[(y+1)*g.Stride+x]) - float64(g.Pix[(y-1)*g.Stride+x])
					gxx += gx * gx
					gyy += gy * gy
					gxy += gx * gy
				}
			}
			mean /= bs * bs
			std := math.Sqrt(math.Max(0, sq/(bs*bs)-mean*mean))
			coh := 0.0
			if gxx+gyy > 1e-9 {
				coh = math.Sqrt((gxx-gyy)*(gxx-gyy)+4*gxy*gxy) / (gxx + gyy)
			}
			sum += coh * math.Min(1, std/40)
			n++
		}
	}
	return sum / float64(n)
}

func TestDegradationMonotonic(t *testing.T) {
	levels := []float64{0, 0.2, 0.4, 0.6, 0.8, 1}
	for _, seed := range []int64{1, 2, 3} {
		ref, err := Generate(Params{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		prev := math.Inf(1)
		var got []float64
		for _, d := range levels {
			pr, err := Generate(Params{Seed: seed, Degradation: d})
			if err != nil {
				t.Fatal(err)
			}
			q := clarity(pr.Image, ref.Foreground)
			got = append(got, q)
			if q >= prev {
				t.Errorf("seed %d: clarity %.3f at degradation %.1f is not below %.3f", seed, q, d, prev)
			}
			prev = q
		}
		if got[0] < 0.6 || got[len(got)-1] > 0.5*got[0] {
			t.Errorf("seed %d: clarity from %.3f to %.3f, want a good start and a large drop", seed, got[0], got[len(got)-1])
		}
		t.Logf("seed %d: clarity %.3f", seed, got)
	}
}

func TestExplicitControls(t *testing.T) {
	ref, err := Generate(Params{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	base := clarity(ref.Image, ref.Foreground)
	tests := []struct {
		name string
		p    Params
	}{
		{"dry", Params{Seed: 5, Dryness: 0.9}},
		{"wet", Params{Seed: 5, Wetness: 0.9}},
		{"noise", Params{Seed: 5, Noise: 0.9}},
		{"blur", Params{Seed: 5, Blur: 0.9}},
		{"partial", Params{Seed: 5, PartialContact: 0.9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := Generate(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if q := clarity(pr.Image, ref.Foreground); q >= base {
				t.Errorf("clarity %.3f not below pristine %.3f", q, base)
			}
		})
	}
}

func TestSizesAndErrors(t *testing.T) {
	pr, err := Generate(Params{Seed: 3, Width: 256, Height: 320})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Image.Rect.Dx() != 256 || pr.Image.Rect.Dy() != 320 {
		t.Fatalf("size %v", pr.Image.Rect)
	}
	bad := []Params{
		{Width: 10, Height: 10},
		{Width: -1},
		{Degradation: 1.5},
		{Noise: -0.1},
		{Blur: math.NaN()},
		{Class: Class(99)},
	}
	for _, p := range bad {
		if _, err := Generate(p); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%+v: error %v, want ErrInvalidParams", p, err)
		}
	}
}

package fingerprints

import (
	"math"
	"testing"
)

// TestRidgesFullyFormed checks that the growth leaves no unformed patch in
// the master: everywhere inside the silhouette the smoothed magnitude of
// the ridge signal stays clearly away from zero.
func TestRidgesFullyFormed(t *testing.T) {
	for _, seed := range []int64{0, 3, 4} {
		p, err := Params{Seed: seed}.normalize()
		if err != nil {
			t.Fatal(err)
		}
		m := buildMaster(p)
		abs := make([]float32, len(m.field))
		for i, v := range m.field {
			abs[i] = max(v, -v)
		}
		gaussBlur(abs, m.w, m.h, 2.5)
		var n, weak int
		for y := 0; y < m.h; y++ {
			for x := 0; x < m.w; x++ {
				if m.shape.dist(float64(x)+0.5, float64(y)+0.5) < 10 {
					continue
				}
				n++
				if abs[y*m.w+x] < 0.3 {
					weak++
				}
			}
		}
		if frac := float64(weak) / float64(n); frac > 0.002 {
			t.Errorf("seed %d (%v): %.4f of the print has no formed ridges", seed, m.class, frac)
		}
	}
}

// TestMinutiaDirections checks that minutia directions follow the ridge
// flow of the master (modulo π) for nearly all minutiae.
func TestMinutiaDirections(t *testing.T) {
	for _, seed := range []int64{1, 6} {
		p, err := Params{Seed: seed}.normalize()
		if err != nil {
			t.Fatal(err)
		}
		m := buildMaster(p)
		ms := m.minutiae()
		var ok, sense int
		at := func(x, y float64) float32 {
			ix, iy := min(max(int(x), 0), m.w-1), min(max(int(y), 0), m.h-1)
			return m.field[iy*m.w+ix]
		}
		for _, mn := range ms {
			// an ending points out of its ridge into the valley; a
			// bifurcation points along its stem ridge, away from the
			// valley between the branches
			dx, dy := math.Cos(mn.Angle), -math.Sin(mn.Angle)
			x, y := float64(mn.X)+0.5, float64(mn.Y)+0.5
			ahead, behind := at(x+6*dx, y+6*dy), at(x-6*dx, y-6*dy)
			if (mn.Kind == Ending && ahead < 0 && behind > 0) || (mn.Kind == Bifurcation && ahead > 0 && behind < 0) {
				sense++
			}
			// Angle is measured with y up; the field with y down
			d := math.Abs(wrapPi(-mn.Angle) - m.orient[mn.Y*m.w+mn.X])
			d = math.Min(d, math.Pi-d)
			if d < 25*math.Pi/180 {
				ok++
			}
		}
		if frac := float64(ok) / float64(len(ms)); frac < 0.85 {
			t.Errorf("seed %d: only %.2f of %d minutia directions follow the ridges", seed, frac, len(ms))
		}
		if frac := float64(sense) / float64(len(ms)); frac < 0.75 {
			t.Errorf("seed %d: only %.2f of %d minutia directions point the documented way", seed, frac, len(ms))
		}
	}
}

package fingerprints

import "math"

// Minutiae extraction from the ideal master ridge pattern: binarise the
// ridge signal, thin it to a one-pixel skeleton (Zhang & Suen 1984), find
// ridge endings (crossing number 1) and bifurcations (crossing number 3),
// drop the ones near the silhouette border and the tiny spurs and bridges
// left by thinning, and estimate each direction by tracing the skeleton.

const (
	minutiaBorder = 14.0 // minimum distance from the silhouette edge, px
	minutiaPair   = 6.0  // closer pairs are thinning artefacts, px
	traceLen      = 10   // skeleton steps used for the direction
)

// neighbour offsets in clockwise order starting north (P2..P9 of Zhang–Suen)
var nbDX = [8]int{0, 1, 1, 1, 0, -1, -1, -1}
var nbDY = [8]int{-1, -1, 0, 1, 1, 1, 0, -1}

// skeleton returns the thinned binary ridge map of the master (1 = ridge
// skeleton pixel) restricted to the silhouette.
func (m *master) skeleton() []uint8 {
	w, h := m.w, m.h
	s := make([]uint8, w*h)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			if m.field[i] > 0 && m.shape.dist(float64(x)+0.5, float64(y)+0.5) > 2 {
				s[i] = 1
			}
		}
	}
	thin(s, w, h)
	return s
}

// thin applies Zhang–Suen thinning in place. The outermost rows and
// columns must be zero.
func thin(s []uint8, w, h int) {
	cand := make([]int, 0, len(s)/3)
	for i, v := range s {
		if v == 1 {
			cand = append(cand, i)
		}
	}
	var del []int
	for {
		changed := false
		for sub := 0; sub < 2; sub++ {
			del = del[:0]
			for _, i := range cand {
				if s[i] == 0 {
					continue
				}
				var p [8]uint8
				n := 0
				for k := 0; k < 8; k++ {
					p[k] = s[i+nbDY[k]*w+nbDX[k]]
					n += int(p[k])
				}
				if n < 2 || n > 6 {
					continue
				}
				a := 0
				for k := 0; k < 8; k++ {
					if p[k] == 0 && p[(k+1)%8] == 1 {
						a++
					}
				}
				if a != 1 {
					continue
				}
				// p[0]=N, p[2]=E, p[4]=S, p[6]=W
				if sub == 0 {
					if p[0]*p[2]*p[4] != 0 || p[2]*p[4]*p[6] != 0 {
						continue
					}
				} else {
					if p[0]*p[2]*p[6] != 0 || p[0]*p[4]*p[6] != 0 {
						continue
					}
				}
				del = append(del, i)
			}
			for _, i := range del {
				s[i] = 0
			}
			if len(del) > 0 {
				changed = true
			}
		}
		if !changed {
			break
		}
		k := 0
		for _, i := range cand {
			if s[i] == 1 {
				cand[k] = i
				k++
			}
		}
		cand = cand[:k]
	}
}

// crossingNumber returns half the number of 0/1 transitions around i.
func crossingNumber(s []uint8, w, i int) int {
	t := 0
	for k := 0; k < 8; k++ {
		a := s[i+nbDY[k]*w+nbDX[k]]
		b := s[i+nbDY[(k+1)%8]*w+nbDX[(k+1)%8]]
		if a != b {
			t++
		}
	}
	return t / 2
}

// trace follows the skeleton from start (a neighbour of from) for up to n
// steps and returns the last pixel reached.
func trace(s []uint8, w, h, from, start, n int) (int, int) {
	prev, cur := from, start
	visited := map[int]bool{from: true, start: true}
	for step := 1; step < n; step++ {
		x, y := cur%w, cur/w
		next := -1
		// prefer 4-neighbours, then diagonals, to stay on the line
		for _, k := range [8]int{0, 2, 4, 6, 1, 3, 5, 7} {
			xx, yy := x+nbDX[k], y+nbDY[k]
			if xx < 0 || yy < 0 || xx >= w || yy >= h {
				continue
			}
			j := yy*w + xx
			if s[j] == 1 && !visited[j] && j != prev {
				next = j
				break
			}
		}
		if next < 0 {
			break
		}
		visited[next] = true
		prev, cur = cur, next
	}
	return cur % w, cur / w
}

// minutiae extracts the master minutiae in master coordinates.
func (m *master) minutiae() []Minutia {
	w, h := m.w, m.h
	s := m.skeleton()
	type cand struct {
		x, y int
		kind MinutiaKind
		ang  float64
		drop bool
	}
	var cs []cand
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			if s[i] == 0 {
				continue
			}
			cn := crossingNumber(s, w, i)
			if cn != 1 && cn != 3 {
				continue
			}
			if m.shape.dist(float64(x)+0.5, float64(y)+0.5) < minutiaBorder {
				continue
			}
			// branch starts: first skeleton pixel of each run of neighbours
			var starts []int
			for k := 0; k < 8; k++ {
				kp := (k + 7) % 8
				cur := s[i+nbDY[k]*w+nbDX[k]]
				prv := s[i+nbDY[kp]*w+nbDX[kp]]
				if cur == 1 && prv == 0 {
					starts = append(starts, i+nbDY[k]*w+nbDX[k])
				}
			}
			if cn == 1 && len(starts) == 1 {
				ex, ey := trace(s, w, h, i, starts[0], traceLen)
				ang := math.Atan2(-float64(y-ey), float64(x-ex))
				cs = append(cs, cand{x: x, y: y, kind: Ending, ang: ang})
			} else if cn == 3 && len(starts) == 3 {
				var vx, vy [3]float64
				for b, st := range starts {
					ex, ey := trace(s, w, h, i, st, traceLen)
					vx[b], vy[b] = float64(ex-x), float64(y-ey) // y up
				}
				// the two fork branches are the most parallel pair
				best, stem := -2.0, 0
				for a := 0; a < 3; a++ {
					b, c := (a+1)%3, (a+2)%3
					na := math.Hypot(vx[b], vy[b]) * math.Hypot(vx[c], vy[c])
					if na == 0 {
						continue
					}
					cos := (vx[b]*vx[c] + vy[b]*vy[c]) / na
					if cos > best {
						best, stem = cos, a
					}
				}
				ang := math.Atan2(vy[stem], vx[stem])
				cs = append(cs, cand{x: x, y: y, kind: Bifurcation, ang: ang})
			}
		}
	}
	// drop close pairs (spurs, bridges, tiny islands and lakes)
	for a := range cs {
		for b := a + 1; b < len(cs); b++ {
			dx, dy := float64(cs[a].x-cs[b].x), float64(cs[a].y-cs[b].y)
			if dx*dx+dy*dy < minutiaPair*minutiaPair {
				cs[a].drop, cs[b].drop = true, true
			}
		}
	}
	var out []Minutia
	for _, c := range cs {
		if c.drop {
			continue
		}
		ang := c.ang
		if ang < 0 {
			ang += 2 * math.Pi
		}
		out = append(out, Minutia{X: c.x, Y: c.y, Angle: ang, Kind: c.kind})
	}
	return out
}

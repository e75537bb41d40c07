package liveness

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"
)

// Cue names, the keys of Verdict.Cues.
const (
	CuePlanarity  = "planarity"
	CueMotion     = "motion"
	CueMoire      = "moire"
	CueSaturation = "saturation"
	CueBlack      = "black"
	CueHue        = "hue"
	CueSpecular   = "specular"
	CueModel      = "model"
	CueBlink      = "blink"
	CueTurn       = "turn"
	CueSmile      = "smile"
)

const dftSize = 128

// passiveCues measures the appearance cues on the face box of one frame.
func (s *Session) passiveCues(bgr, gray gocv.Mat, face image.Rectangle) {
	bounds := image.Rect(0, 0, gray.Cols(), gray.Rows())
	face = face.Intersect(bounds)
	if face.Dx() < 20 || face.Dy() < 20 {
		return
	}
	if v, ok := moire(gray, face); ok {
		s.passive[CueMoire] = append(s.passive[CueMoire], v)
	}
	sat, black, hue, spec := colour(bgr, face)
	s.passive[CueSaturation] = append(s.passive[CueSaturation], sat)
	s.passive[CueBlack] = append(s.passive[CueBlack], black)
	s.passive[CueHue] = append(s.passive[CueHue], hue)
	s.passive[CueSpecular] = append(s.passive[CueSpecular], spec)
	if s.a.model != nil && len(s.passive[CueModel]) < 3 {
		crop := bgr.Region(face)
		p, err := s.a.model.Score(crop)
		crop.Close()
		if err == nil {
			s.passive[CueModel] = append(s.passive[CueModel], 1-p)
		}
	}
}

// moire is the height of the strongest isolated peak of the face's
// spectrum above the median of its ring (natural log units): a display's
// pixel grid and the moiré it makes with the sensor are periodic and stand
// out; skin and paper fall off smoothly.
func moire(gray gocv.Mat, face image.Rectangle) (float64, bool) {
	c := image.Pt((face.Min.X+face.Max.X)/2, (face.Min.Y+face.Max.Y)/2)
	r := image.Rect(c.X-dftSize/2, c.Y-dftSize/2, c.X+dftSize/2, c.Y+dftSize/2)
	if !r.In(image.Rect(0, 0, gray.Cols(), gray.Rows())) {
		return 0, false
	}
	roi := gray.Region(r)
	defer roi.Close()
	crop := roi.Clone()
	defer crop.Close()
	pix, err := crop.DataPtrUint8()
	if err != nil || len(pix) < dftSize*dftSize {
		return 0, false
	}
	var mean float64
	for _, v := range pix {
		mean += float64(v)
	}
	mean /= float64(len(pix))
	buf := make([]byte, 4*dftSize*dftSize)
	for y := 0; y < dftSize; y++ {
		wy := 0.5 - 0.5*math.Cos(2*math.Pi*float64(y)/float64(dftSize-1))
		for x := 0; x < dftSize; x++ {
			wx := 0.5 - 0.5*math.Cos(2*math.Pi*float64(x)/float64(dftSize-1))
			v := float32((float64(pix[y*dftSize+x]) - mean) * wx * wy)
			binary.LittleEndian.PutUint32(buf[4*(y*dftSize+x):], math.Float32bits(v))
		}
	}
	src, err := gocv.NewMatFromBytes(dftSize, dftSize, gocv.MatTypeCV32F, buf)
	if err != nil {
		return 0, false
	}
	defer src.Close()
	spec := gocv.NewMat()
	defer spec.Close()
	gocv.DFT(src, &spec, gocv.DftComplexOutput)
	f, err := spec.DataPtrFloat32()
	if err != nil {
		return 0, false
	}
	const rMin, rMax = 10, dftSize / 2
	rings := make([][]float64, rMax)
	type peak struct {
		r int
		v float64
	}
	var all []peak
	for v := 0; v < dftSize; v++ {
		fv := v
		if fv >= dftSize/2 {
			fv -= dftSize
		}
		for u := 0; u < dftSize/2; u++ { // half plane: the spectrum is symmetric
			if u == 0 || fv == 0 {
				continue // the window's edges leak along the axes
			}
			rad := int(math.Hypot(float64(u), float64(fv)))
			if rad < rMin || rad >= rMax {
				continue
			}
			i := 2 * (v*dftSize + u)
			l := 0.5 * math.Log(float64(f[i])*float64(f[i])+float64(f[i+1])*float64(f[i+1])+1e-6)
			rings[rad] = append(rings[rad], l)
			all = append(all, peak{rad, l})
		}
	}
	med := make([]float64, rMax)
	for k, ring := range rings {
		if len(ring) > 0 {
			sort.Float64s(ring)
			med[k] = ring[len(ring)/2]
		}
	}
	// The mean of the five strongest excesses: robust to one noise spike.
	ex := make([]float64, len(all))
	for k, p := range all {
		ex[k] = p.v - med[p.r]
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(ex)))
	var top float64
	n := min(5, len(ex))
	for _, v := range ex[:n] {
		top += v
	}
	return top / float64(max(n, 1)), true
}

// colour measures the skin saturation, the black level, the skin hue and
// the share of glare in the face box.
func colour(bgr gocv.Mat, face image.Rectangle) (sat, black, hue, spec float64) {
	roi := bgr.Region(face)
	defer roi.Close()
	hsv := gocv.NewMat()
	defer hsv.Close()
	gocv.CvtColor(roi, &hsv, gocv.ColorBGRToHSV)
	d, err := hsv.DataPtrUint8()
	if err != nil {
		// A region is not continuous: copy it.
		c := hsv.Clone()
		defer c.Close()
		if d, err = c.DataPtrUint8(); err != nil {
			return
		}
	}
	w, h := face.Dx(), face.Dy()
	var hist [256]int
	var nSkin, nGlare int
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			H, S, V := float64(d[i]), float64(d[i+1]), float64(d[i+2])
			hist[d[i+2]]++
			if V >= 235 && S <= 45 {
				nGlare++
			}
			fx := float64(x) / float64(w)
			if fx > 0.25 && fx < 0.75 && fy > 0.45 && fy < 0.8 {
				if H > 90 {
					H -= 180
				}
				sat += S
				hue += H
				nSkin++
			}
		}
	}
	if nSkin > 0 {
		sat /= float64(nSkin)
		hue = math.Abs(hue/float64(nSkin) - 14)
	}
	spec = 100 * float64(nGlare) / float64(w*h)
	cum, target := 0, w*h/50
	for v, n := range hist {
		cum += n
		if cum >= target {
			black = float64(v)
			break
		}
	}
	return
}

// evidence is how far v has gone from the live value towards the attack
// value, 0..1.
func (r Range) evidence(v float64) float64 {
	if r.Attack == r.Live {
		return 0
	}
	return math.Max(0, math.Min(1, (v-r.Live)/(r.Attack-r.Live)))
}

// Verdict judges the frames added so far.
func (s *Session) Verdict() (*Verdict, error) {
	if s.n == 0 {
		return nil, ErrNoFrames
	}
	v := &Verdict{Challenge: s.ch, Frames: s.n, Cues: map[string]float64{}, Evidence: map[string]float64{}}
	if !s.found {
		v.Reasons = []string{fmt.Sprintf("no face found in %d frames", s.n)}
		return v, nil
	}
	v.Face = s.face
	t := s.a.opts.Thresholds
	mean := func(x []float64) float64 {
		var m float64
		for _, e := range x {
			m += e
		}
		return m / float64(len(x))
	}
	for _, k := range []string{CueMoire, CueSaturation, CueBlack, CueHue, CueSpecular, CueModel} {
		if len(s.passive[k]) > 0 {
			v.Cues[k] = mean(s.passive[k])
		}
	}
	if len(s.motion) > 0 {
		v.Cues[CueMotion] = percentile(s.motion, 1)
		v.Cues[CuePlanarity] = percentile(s.planarity, 0.8)
	}
	judge := func(cue string, r Range, why string) {
		val, ok := v.Cues[cue]
		if !ok {
			return
		}
		e := r.evidence(val)
		v.Evidence[cue] = e
		if e >= 0.5 {
			v.Reasons = append(v.Reasons, fmt.Sprintf("%s: %s (%.2f)", cue, why, val))
		}
	}
	if v.Cues[CueMotion] >= t.MinMotion {
		judge(CuePlanarity, t.Planarity, "the face moves as one plane, like a print or a screen")
	} else if len(s.motion) > 0 {
		v.Reasons = append(v.Reasons, fmt.Sprintf("planarity not judged: the face hardly moved (%.2f %% of its width)", v.Cues[CueMotion]))
	}
	judge(CueMoire, t.Moire, "periodic peaks in the face's spectrum, like a display's pixel grid")
	judge(CueSaturation, t.Saturation, "washed-out skin colour, like a print")
	judge(CueBlack, t.Black, "lifted blacks, like paper or a backlit display")
	judge(CueHue, t.Hue, "skin hue outside the range of lit skin, like a display's colour shift")
	judge(CueSpecular, t.Specular, "a broad glare over the face, like a reflection on glass")
	judge(CueModel, t.Model, "the presentation-attack model rejects the face")
	worst := 0.0
	for _, e := range v.Evidence {
		worst = math.Max(worst, e)
	}
	v.Score = 1 - worst

	// Challenges.
	if len(s.eyeStd) > 2 {
		med := median(s.eyeStd)
		lo, at := math.Inf(1), 0
		for i, e := range s.eyeStd {
			if e < lo {
				lo, at = e, i
			}
		}
		ratio := lo / math.Max(med, 1e-6)
		recovered := false
		for _, e := range s.eyeStd[at:] {
			recovered = recovered || e >= 0.85*med
		}
		// A global change of light dims the cheeks as well.
		cheek := s.cheekStd[at] / math.Max(median(s.cheekStd), 1e-6)
		if !recovered || cheek < t.Blink {
			ratio = 1
		}
		v.Cues[CueBlink] = ratio
	}
	if len(s.turn) > 0 {
		best := 0.0
		for _, x := range s.turn {
			if math.Abs(x) > math.Abs(best) {
				best = x
			}
		}
		v.Cues[CueTurn] = best
	}
	if len(s.smile) > 0 {
		v.Cues[CueSmile] = percentile(s.smile, 0.9)
	}
	switch s.ch {
	case ChallengeNone:
		v.ChallengePassed = true
	case Blink:
		b, ok := v.Cues[CueBlink]
		v.ChallengePassed = ok && b <= t.Blink
	case TurnLeft:
		v.ChallengePassed = v.Cues[CueTurn] >= t.Turn
	case TurnRight:
		v.ChallengePassed = v.Cues[CueTurn] <= -t.Turn
	case Smile:
		v.ChallengePassed = v.Cues[CueSmile] >= t.Smile
	}
	if !v.ChallengePassed {
		v.Reasons = append(v.Reasons, fmt.Sprintf("challenge %s not performed", s.ch))
	}
	v.Live = v.Score >= s.a.opts.Threshold && v.ChallengePassed
	return v, nil
}

package liveness

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"

	"gocv.io/x/gocv"
)

// DefaultCascadeDir is where Debian's opencv-data installs the Haar
// cascades.
const DefaultCascadeDir = "/usr/share/opencv4/haarcascades"

// Challenge is the action the subject is asked to perform.
type Challenge int

// Challenges. Left and right are the subject's own: with a camera that does
// not mirror, a turn to the subject's left moves the nose towards the
// image's right edge.
const (
	ChallengeNone Challenge = iota
	Blink
	TurnLeft
	TurnRight
	Smile
)

// String names the challenge.
func (c Challenge) String() string {
	switch c {
	case ChallengeNone:
		return "none"
	case Blink:
		return "blink"
	case TurnLeft:
		return "turn-left"
	case TurnRight:
		return "turn-right"
	case Smile:
		return "smile"
	}
	return fmt.Sprintf("Challenge(%d)", int(c))
}

// Thresholds set, for each passive cue, the value typical of a bona fide
// presentation (Live) and the value typical of an attack (Attack). A cue's
// attack evidence grows linearly from 0 at Live to 1 at Attack; the score
// is one minus the strongest evidence. Zero fields take the defaults.
type Thresholds struct {
	Planarity  Range // homography residual, % of face width
	Moire      Range // spectral peak excess, natural-log units
	Saturation Range // mean skin saturation, 0..255
	Black      Range // 2nd percentile of face brightness, 0..255
	Hue        Range // |skin hue − 14|, OpenCV hue units (0..180)
	Specular   Range // share of face pixels that are glare, %
	Model      Range // 1 − the ONNX model's live probability
	// MinMotion is the face motion (% of face width) below which planarity
	// is not judged.
	MinMotion float64
	// Blink is the drop of the eye contrast (fraction of its median) that
	// counts as a closed eye; Turn the differential shift of the face
	// centre against its sides (% of face width); Smile the widening of
	// the mouth (fraction).
	Blink, Turn, Smile float64
}

// Range is the bona fide and the attack value of a cue.
type Range struct{ Live, Attack float64 }

// DefaultThresholds were calibrated on the synthetic set of
// internal/testdata/faces with seeds distinct from those of the reported
// figures (see doc.go).
func DefaultThresholds() Thresholds {
	return Thresholds{
		Planarity:  Range{0.26, 0.16},
		Moire:      Range{2.2, 3.6},
		Saturation: Range{40, 20},
		Black:      Range{70, 130},
		Hue:        Range{6, 12},
		Specular:   Range{15, 45},
		Model:      Range{0.3, 0.7},
		MinMotion:  0.4,
		Blink:      0.8,
		Turn:       3,
		Smile:      0.06,
	}
}

func (t *Thresholds) fill() {
	d := DefaultThresholds()
	set := func(r *Range, def Range) {
		if *r == (Range{}) {
			*r = def
		}
	}
	set(&t.Planarity, d.Planarity)
	set(&t.Moire, d.Moire)
	set(&t.Saturation, d.Saturation)
	set(&t.Black, d.Black)
	set(&t.Hue, d.Hue)
	set(&t.Specular, d.Specular)
	set(&t.Model, d.Model)
	if t.MinMotion == 0 {
		t.MinMotion = d.MinMotion
	}
	if t.Blink == 0 {
		t.Blink = d.Blink
	}
	if t.Turn == 0 {
		t.Turn = d.Turn
	}
	if t.Smile == 0 {
		t.Smile = d.Smile
	}
}

// Options configure an Analyzer. The zero value is usable.
type Options struct {
	// CascadeDir holds haarcascade_frontalface_default.xml and
	// haarcascade_eye.xml; DefaultCascadeDir if empty.
	CascadeDir string
	// Threshold is the score at or above which a presentation is live;
	// 0.5 if zero.
	Threshold float64
	// Thresholds of the cues; DefaultThresholds for zero fields.
	Thresholds Thresholds
	// ModelPath is an optional ONNX presentation-attack model (see Model).
	ModelPath string
	// Model options; used only with ModelPath.
	Model ModelOptions
}

// Analyzer judges whether frame sequences show a live face. It holds the
// cascades (and the optional model); create it with New, share it between
// sessions used one at a time, and Close it.
type Analyzer struct {
	opts  Options
	face  gocv.CascadeClassifier
	eye   gocv.CascadeClassifier
	model *Model
}

// New loads the cascades and the optional model.
func New(opts Options) (*Analyzer, error) {
	if opts.CascadeDir == "" {
		opts.CascadeDir = DefaultCascadeDir
	}
	if opts.Threshold == 0 {
		opts.Threshold = 0.5
	}
	opts.Thresholds.fill()
	a := &Analyzer{opts: opts, face: gocv.NewCascadeClassifier(), eye: gocv.NewCascadeClassifier()}
	for _, c := range []struct {
		cc   *gocv.CascadeClassifier
		file string
	}{{&a.face, "haarcascade_frontalface_default.xml"}, {&a.eye, "haarcascade_eye.xml"}} {
		p := filepath.Join(opts.CascadeDir, c.file)
		if !c.cc.Load(p) {
			a.Close()
			return nil, fmt.Errorf("liveness: load cascade %s: install opencv-data or set Options.CascadeDir", p)
		}
	}
	if opts.ModelPath != "" {
		m, err := LoadModel(opts.ModelPath, opts.Model)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("liveness: %w", err)
		}
		a.model = m
	}
	return a, nil
}

// Close releases the cascades and the model.
func (a *Analyzer) Close() error {
	a.face.Close()
	a.eye.Close()
	if a.model != nil {
		a.model.Close()
		a.model = nil
	}
	return nil
}

// Options returns the analyzer's options, defaults filled in.
func (a *Analyzer) Options() Options { return a.opts }

// Verdict is the outcome of a liveness analysis.
type Verdict struct {
	// Live is true when the score reaches the threshold and the challenge,
	// if any, was performed.
	Live bool `json:"live"`
	// Score is the liveness score, 0 (attack) to 1 (live).
	Score float64 `json:"score"`
	// Reasons explain a rejection (and note cues that could not be judged).
	Reasons []string `json:"reasons,omitempty"`
	// Cues are the measured cue values (see the package documentation).
	Cues map[string]float64 `json:"cues"`
	// Evidence is each cue's attack evidence, 0..1.
	Evidence map[string]float64 `json:"evidence"`
	// Challenge is the challenge asked for; ChallengePassed whether the
	// subject performed it (true for ChallengeNone).
	Challenge       Challenge `json:"challenge"`
	ChallengePassed bool      `json:"challengePassed"`
	// Frames is the number of frames analysed; Face the face box found in
	// the first of them.
	Frames int             `json:"frames"`
	Face   image.Rectangle `json:"face"`
}

// MarshalText names the challenge.
func (c Challenge) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ParseChallenge reads a challenge name: none, blink, turn-left,
// turn-right or smile.
func ParseChallenge(s string) (Challenge, error) {
	for _, c := range []Challenge{ChallengeNone, Blink, TurnLeft, TurnRight, Smile} {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("liveness: unknown challenge %q: use none, blink, turn-left, turn-right or smile", s)
}

// ErrNoFrames is returned for an empty sequence.
var ErrNoFrames = errors.New("liveness: no frames: pass at least two frames")

// Analyze runs a session over the frames.
func (a *Analyzer) Analyze(ctx context.Context, frames []image.Image, ch Challenge) (*Verdict, error) {
	if len(frames) == 0 {
		return nil, ErrNoFrames
	}
	s := a.NewSession(ch)
	defer s.Close()
	for i, f := range frames {
		if err := s.Add(ctx, f); err != nil {
			return nil, fmt.Errorf("liveness: frame %d: %w", i, err)
		}
	}
	return s.Verdict()
}

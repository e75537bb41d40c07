package face

import (
	"errors"

	"gocv.io/x/gocv"
)

// Capture is the frame an AutoCapture chose.
type Capture struct {
	// Frame is a copy of the chosen frame; the receiver closes it.
	Frame gocv.Mat
	// Report is its quality report; Index its number among the frames
	// offered since the AutoCapture was created.
	Report *Report
	Index  int
}

// AutoCapture judges a stream of frames: it fires when every measure has
// passed on Need consecutive frames, and hands over the best frame (highest
// Report.Score) of that passing run. A failing frame starts the run
// again. It is not safe for concurrent use; Close releases the frame it
// holds.
type AutoCapture struct {
	need  int
	run   int
	index int
	best  *Capture
}

// DefaultNeed is the number of consecutive passing frames NewAutoCapture
// uses when given zero: half a second at 10–15 fps.
const DefaultNeed = 5

// NewAutoCapture returns a judge that fires after need consecutive passing
// frames (DefaultNeed when need ≤ 0).
func NewAutoCapture(need int) *AutoCapture {
	if need <= 0 {
		need = DefaultNeed
	}
	return &AutoCapture{need: need}
}

// Run is the number of consecutive passing frames so far (for a progress
// indicator: Run of Need).
func (a *AutoCapture) Run() int { return a.run }

// Need is the number of consecutive passing frames that fires.
func (a *AutoCapture) Need() int { return a.need }

// Offer gives the judge a frame and its report. When the run is complete it
// returns the best frame of the run (the caller closes its Frame) and
// starts afresh; otherwise it returns nil. The frame is copied only when it
// becomes the best of the run.
func (a *AutoCapture) Offer(frame gocv.Mat, r *Report) *Capture {
	a.index++
	if r == nil || !r.Pass {
		a.reset()
		return nil
	}
	a.run++
	if a.best == nil || r.Score > a.best.Report.Score {
		if a.best != nil {
			a.best.Frame.Close()
		}
		a.best = &Capture{Frame: frame.Clone(), Report: r, Index: a.index - 1}
	}
	if a.run < a.need {
		return nil
	}
	c := a.best
	a.best, a.run = nil, 0
	return c
}

// Feed assesses a frame with the detector and offers it; it returns the
// report as well, for the operator's feedback.
func (a *AutoCapture) Feed(d *Detector, frame gocv.Mat, opt Options) (*Capture, *Report, error) {
	if d == nil {
		return nil, nil, errors.New("face: auto-capture needs a detector")
	}
	r, err := d.Assess(frame, opt)
	if err != nil {
		a.reset()
		return nil, nil, err
	}
	return a.Offer(frame, r), r, nil
}

// Reset forgets the current run.
func (a *AutoCapture) Reset() { a.reset() }

func (a *AutoCapture) reset() {
	if a.best != nil {
		a.best.Frame.Close()
		a.best = nil
	}
	a.run = 0
}

// Close releases the frame held for the current run.
func (a *AutoCapture) Close() error {
	a.reset()
	return nil
}

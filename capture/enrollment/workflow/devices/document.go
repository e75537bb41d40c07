package devices

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/mrz/ocr"
)

// Bounds of a document reading when Document.MaxFrames or MaxTime is zero:
// frames judged (ten seconds of a camera at 15 frames a second) and time
// (frames without an MRZ take the reader longest).
const (
	DefaultDocumentFrames = 150
	DefaultDocumentTime   = 12 * time.Second
)

// Document reads the MRZ of the document's data page on a camera with the
// OCR reader. A reading is trusted when its check digits hold in two frames
// that agree character for character; failing that, when the frames run
// out, the best valid reading, else the best reading seen.
type Document struct {
	Frames FrameSource
	// Reader is the MRZ reader (safe for concurrent use, shared).
	Reader *ocr.Reader
	// Device names the camera.
	Device string
	// MaxFrames bounds the frames judged; DefaultDocumentFrames when zero.
	MaxFrames int
	// MaxTime bounds the reading; DefaultDocumentTime when zero.
	MaxTime time.Duration
	// Clock dates the reading (the MRZ's century rule); time.Now when nil.
	Clock func() time.Time
}

var _ workflow.DocumentReader = (*Document)(nil)

// ReadDocument implements workflow.DocumentReader.
func (d *Document) ReadDocument(ctx context.Context, progress func(workflow.DocumentFrame)) (*workflow.DocumentScan, error) {
	if d.Frames == nil || d.Reader == nil {
		return nil, fmt.Errorf("%w: no document camera or MRZ reader", workflow.ErrNoDevice)
	}
	limit, maxTime := d.MaxFrames, d.MaxTime
	if limit <= 0 {
		limit = DefaultDocumentFrames
	}
	if maxTime <= 0 {
		maxTime = DefaultDocumentTime
	}
	start := time.Now()
	now := time.Now
	if d.Clock != nil {
		now = d.Clock
	}
	// The time bound holds while waiting for frames as well (a camera that
	// never delivers one).
	rctx, cancel := context.WithTimeout(ctx, maxTime)
	defer cancel()
	stream, err := d.Frames.Open(rctx)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	var (
		best, lastValid *ocr.Result
		frames          int
	)
	scan := func(r *ocr.Result) *workflow.DocumentScan {
		return &workflow.DocumentScan{Lines: slices.Clone(r.Lines), Confidence: r.MeanConfidence(), Frames: frames, Device: d.Device}
	}
	for frames < limit && rctx.Err() == nil {
		m, ok, err := nextFrame(rctx, stream, frames)
		if err != nil && ctx.Err() == nil && rctx.Err() != nil {
			// Out of time waiting for a frame.
			if frames == 0 {
				return nil, fmt.Errorf("camera: no frame in %s: check that it is connected", maxTime)
			}
			break
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			break // the camera stopped: judge what was seen
		}
		frames++
		if m.Empty() {
			m.Close()
			continue
		}
		res, err := d.Reader.Read(m, now()) // it converts colour frames to grey
		m.Close()
		f := workflow.DocumentFrame{Frame: frames, Advice: workflow.AdviceNoMRZ}
		switch {
		case errors.Is(err, ocr.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("read the MRZ: %w", err)
		default:
			valid := res.MRZ != nil && res.MRZ.Valid
			f.Found, f.Valid, f.Confidence, f.Advice = true, valid, res.MeanConfidence(), workflow.AdviceUnreadable
			if valid {
				f.Advice = workflow.AdviceConfirming
				if lastValid != nil && slices.Equal(lastValid.Lines, res.Lines) {
					f.Advice = workflow.AdviceRead
				}
			}
		}
		if progress != nil {
			progress(f)
		}
		if res == nil {
			continue
		}
		if f.Advice == workflow.AdviceRead {
			return scan(res), nil
		}
		if f.Valid {
			lastValid = res
		}
		if best == nil || rank(res) > rank(best) {
			best = res
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w in %d frames (%s): put the data page flat under the camera with the whole MRZ in view", ocr.ErrNotFound, frames, time.Since(start).Round(time.Second))
	}
	return scan(best), nil
}

// rank orders readings: valid before invalid, then by confidence.
func rank(r *ocr.Result) float64 {
	v := r.MeanConfidence()
	if r.MRZ != nil && r.MRZ.Valid {
		v++
	}
	return v
}

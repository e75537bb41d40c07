package devices

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gocv.io/x/gocv"

	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/face"
	"github.com/capturestation/station/capture/face/liveness"
)

// Face runs face attempts on a camera. Detector and Liveness are shared
// (the caller creates and closes them); attempts run one at a time.
type Face struct {
	Frames   FrameSource
	Detector *face.Detector
	// Liveness judges presentation attacks; nil when the policy does not
	// ask for liveness.
	Liveness *liveness.Analyzer
	// Challenge is the action asked of the subject (none by default).
	Challenge liveness.Challenge
	// Limits replaces the ICAO limits of the quality measures when set.
	Limits *face.Limits
	// Device names the camera in the captured image's metadata.
	Device string
}

var _ workflow.FaceCapturer = (*Face)(nil)

// CaptureFace implements workflow.FaceCapturer.
func (f *Face) CaptureFace(ctx context.Context, req workflow.FaceRequest, progress func(workflow.FaceFrame)) (*workflow.FaceResult, error) {
	if f.Frames == nil || f.Detector == nil {
		return nil, fmt.Errorf("%w: no camera or face detector", workflow.ErrNoDevice)
	}
	if req.Liveness && f.Liveness == nil {
		return nil, fmt.Errorf("%w: the policy asks for liveness but no liveness analyzer is configured", workflow.ErrNoDevice)
	}
	p := req.Policy
	stream, err := f.Frames.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	auto := face.NewAutoCapture(p.AutoCaptureFrames)
	defer auto.Close()
	var session *liveness.Session
	if req.Liveness {
		session = f.Liveness.NewSession(f.Challenge)
		defer session.Close()
	}
	opts := face.Options{Limits: f.Limits, SkipBackground: p.SkipBackground}
	var (
		captured   *face.Capture
		best       = gocv.NewMat()
		bestReport *face.Report
		liveFrames int
		frames     int
	)
	defer best.Close()
	defer func() {
		if captured != nil {
			captured.Frame.Close()
		}
	}()
	for frames < p.MaxFrames {
		if captured != nil && (session == nil || liveFrames >= p.LivenessFrames) {
			break
		}
		m, ok, err := nextFrame(ctx, stream, frames)
		if err != nil {
			return nil, err
		}
		if !ok {
			break // the camera stopped: judge what we have
		}
		frames++
		r, err := f.Detector.Assess(m, opts)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("face quality: %w", err)
		}
		if session != nil && r.Faces > 0 && liveFrames < p.LivenessFrames {
			if err := session.AddMat(ctx, m); err != nil {
				m.Close()
				return nil, fmt.Errorf("liveness: %w", err)
			}
			liveFrames++
		}
		if r.Face != nil && (bestReport == nil || r.Score > bestReport.Score) {
			m.CopyTo(&best)
			bestReport = r
		}
		if captured == nil {
			captured = auto.Offer(m, r)
		}
		m.Close()
		if progress != nil {
			ff := workflow.FaceFrame{Frame: frames, Pass: r.Pass, Score: score(r.Score), Run: auto.Run(), Need: auto.Need()}
			if captured != nil {
				ff.Run = ff.Need
			}
			if len(r.Advice) > 0 {
				ff.Advice = r.Advice[0]
			}
			progress(ff)
		}
	}
	res := &workflow.FaceResult{Frames: frames, Device: f.Device}
	frame, report := best, bestReport
	if captured != nil {
		res.Captured = true
		frame, report = captured.Frame, captured.Report
	}
	if report != nil {
		res.Score, res.Pass, res.Advice = score(report.Score), report.Pass, report.Advice
		if err := tokens(frame, report, res); err != nil {
			return nil, err
		}
	}
	if session != nil {
		res.Liveness = &workflow.LivenessResult{Method: "passive cues (capture/face/liveness)"}
		if liveFrames < 2 {
			res.Liveness.Reasons = []string{"too few frames with a face to judge liveness"}
		} else {
			v, err := session.Verdict()
			if err != nil && !errors.Is(err, liveness.ErrNoFrames) {
				return nil, fmt.Errorf("liveness: %w", err)
			}
			if v != nil {
				res.Liveness.Live, res.Liveness.Score, res.Liveness.Reasons = v.Live, v.Score, v.Reasons
			}
		}
	}
	return res, nil
}

// tokens makes the registry and chip token images of the chosen frame.
func tokens(frame gocv.Mat, r *face.Report, res *workflow.FaceResult) error {
	reg, err := face.TokenCrop(frame, *r.Face, face.RegistryTokenWidth)
	if err != nil {
		return fmt.Errorf("token image: %w", err)
	}
	defer reg.Close()
	if res.Image, _, err = face.EncodeJPEG(reg, face.RegistryBudget); err != nil {
		return fmt.Errorf("token image: %w", err)
	}
	res.Width, res.Height = reg.Cols(), reg.Rows()
	chip, err := face.TokenCrop(frame, *r.Face, face.ChipTokenWidth)
	if err != nil {
		return fmt.Errorf("chip token image: %w", err)
	}
	defer chip.Close()
	if res.Token, _, err = face.EncodeJPEG(chip, face.ChipBudget); err != nil {
		return fmt.Errorf("chip token image: %w", err)
	}
	return nil
}

func score(s float64) int { return int(math.Round(s)) }

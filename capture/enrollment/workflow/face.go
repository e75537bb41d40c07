package workflow

import (
	"context"
	"fmt"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/events"
)

// FaceRequest tells a FaceCapturer what the policy wants.
type FaceRequest struct {
	// ID is the enrollment (for the capturer's logs and events only).
	ID     string
	Policy FacePolicy
	// Liveness asks for a liveness verdict over the frames.
	Liveness bool
}

// FaceFrame is the judgement of one preview frame, for the operator's feedback.
type FaceFrame struct {
	Frame int
	Pass  bool
	Score int
	// Run of Need consecutive passing frames fire auto-capture.
	Run, Need int
	// Advice is the most pressing advice ("move closer").
	Advice string
}

// LivenessResult is a presentation-attack-detection verdict.
type LivenessResult struct {
	Live    bool
	Score   float64
	Method  string
	Reasons []string
}

// FaceResult is one face attempt: the best frame's token images and quality,
// whether auto-capture fired, and the liveness verdict.
type FaceResult struct {
	// Captured is true when auto-capture fired; otherwise Image (if any) is
	// the best frame seen, offered for a low-quality acceptance.
	Captured bool
	// Image is the registry token JPEG (ISO/IEC 19794-5 token frontal) and
	// Token the chip-sized one (within 20 kB).
	Image         []byte
	Width, Height int
	Token         []byte
	// Score is the ISO/IEC 29794-5 style score (0–100); Pass says every
	// measure passed; Advice lists the failing measures' advice.
	Score  int
	Pass   bool
	Advice []string
	// Liveness is the verdict (nil when not asked).
	Liveness *LivenessResult
	// Frames is the number of frames judged.
	Frames int
	// Device names the camera.
	Device string
}

// FaceCapturer runs one face attempt on the station's camera: it judges the
// frames, auto-captures and runs the liveness check, reporting each frame.
// The devices package implements it with OpenCV.
type FaceCapturer interface {
	CaptureFace(ctx context.Context, req FaceRequest, progress func(FaceFrame)) (*FaceResult, error)
}

// Face attempt outcomes, in FaceOutcome.Outcome and the audit.
const (
	OutcomeAccepted       = "accepted"
	OutcomeLowQuality     = "low_quality"
	OutcomeLivenessFailed = "liveness_failed"
	OutcomeNoFace         = "no_face"
)

// FaceOutcome is what CaptureFace returns.
type FaceOutcome struct {
	Status  Status   `json:"status"`
	Outcome string   `json:"outcome"`
	Score   int      `json:"score"`
	Live    *bool    `json:"live,omitempty"`
	Advice  []string `json:"advice,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	// AttemptsLeft is how many attempts remain before the operator may
	// accept the best capture as an exception.
	AttemptsLeft int `json:"attemptsLeft"`
}

// CaptureFace runs a face attempt: live preview events while it judges the
// frames, auto-capture, liveness over the frames. A capture with the
// policy's quality and a live verdict is accepted; otherwise the best
// capture is kept for a later acceptance and the attempt is counted.
func (s *Service) CaptureFace(ctx context.Context, id, actor string) (FaceOutcome, error) {
	if s.face == nil {
		return FaceOutcome{}, fmt.Errorf("capture face: %w: no camera configured", ErrNoDevice)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return FaceOutcome{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return FaceOutcome{}, err
	}
	if err := s.reach(d, StageFace); err != nil {
		return FaceOutcome{}, err
	}
	p := s.policy
	progress := func(f FaceFrame) {
		s.pub.Publish(events.KindCapture, EventFaceFrame, CaptureEvent{ID: id, Step: "face", Frame: f.Frame, Pass: f.Pass, Score: f.Score, Run: f.Run, Need: f.Need, Advice: f.Advice})
	}
	r, err := s.face.CaptureFace(ctx, FaceRequest{ID: id, Policy: p.Face, Liveness: p.RequireLiveness}, progress)
	if err != nil {
		return FaceOutcome{}, fmt.Errorf("capture face: %w", err)
	}
	if d.Face == nil {
		d.Face = &FaceState{}
	}
	fs := d.Face
	fs.Attempts++
	out := FaceOutcome{Score: r.Score, Advice: r.Advice}
	qualityOK := r.Captured && r.Pass && r.Score >= p.MinFaceScore
	var live *enrollment.Liveness
	if r.Liveness != nil {
		live = &enrollment.Liveness{Live: r.Liveness.Live, Score: r.Liveness.Score, Method: r.Liveness.Method, Reasons: r.Liveness.Reasons}
		l := r.Liveness.Live
		out.Live, out.Reasons = &l, r.Liveness.Reasons
	}
	liveOK := !p.RequireLiveness || (live != nil && live.Live)
	switch {
	case len(r.Image) == 0:
		out.Outcome = OutcomeNoFace
	case qualityOK && liveOK:
		out.Outcome = OutcomeAccepted
	case !qualityOK:
		out.Outcome = OutcomeLowQuality
	default:
		out.Outcome = OutcomeLivenessFailed
	}
	if len(r.Image) > 0 {
		cand := &enrollment.Face{Image: enrollment.Image{Format: "JPEG", Data: r.Image, Width: r.Width, Height: r.Height,
			CapturedAt: s.now().UTC(), Device: r.Device}, Quality: r.Score, QualityFormat: "ISO_29794_5"}
		better := fs.Candidate == nil || out.Outcome == OutcomeAccepted || qualityOK || (!fs.CandidatePass && r.Score >= fs.Candidate.Quality)
		if better {
			fs.Candidate, fs.CandidatePass, fs.CandidateLiveness, fs.Token = cand, qualityOK, live, r.Token
		}
		if out.Outcome == OutcomeAccepted {
			d.Enrollment.Face, d.Enrollment.Liveness = cand, live
			d.Exceptions = without(without(d.Exceptions, ExceptionLowQuality, "face"), ExceptionLiveness, "face")
		}
	}
	out.AttemptsLeft = max(p.Retries-fs.Attempts, 0)
	detail := map[string]string{"attempt": fmt.Sprint(fs.Attempts), "outcome": out.Outcome, "score": fmt.Sprint(r.Score), "frames": fmt.Sprint(r.Frames)}
	if live != nil {
		detail["live"] = fmt.Sprint(live.Live)
	}
	if err := s.commit(ctx, d, actor, "enrollment.face", detail); err != nil {
		return FaceOutcome{}, err
	}
	s.pub.Publish(events.KindCapture, EventFaceResult, CaptureEvent{ID: id, Step: "face", Pass: qualityOK, Score: r.Score, Live: out.Live, Outcome: out.Outcome, Attempts: fs.Attempts})
	out.Status = s.status(d)
	return out, nil
}

// AcceptLivenessFailure accepts the face although the liveness check
// failed, after Policy.Retries attempts, with a reason and (if the policy
// asks) a supervisor's approval. The face kept is the best capture; if its
// quality is below the minimum, AcceptLowQuality is needed as well.
func (s *Service) AcceptLivenessFailure(ctx context.Context, id, actor, reason string, a *Approval) (Status, error) {
	return s.exception(ctx, id, actor, StageFace, Exception{Kind: ExceptionLiveness, Target: "face", Reason: reason}, a, func(d *Draft) error {
		fs := d.Face
		switch {
		case !s.policy.RequireLiveness:
			return fmt.Errorf("%w: the policy does not ask for liveness", ErrNothingToAccept)
		case fs == nil || fs.Candidate == nil:
			return fmt.Errorf("%w: capture the face first", ErrNothingToAccept)
		case fs.CandidateLiveness != nil && fs.CandidateLiveness.Live:
			return fmt.Errorf("%w: the face was judged live", ErrNothingToAccept)
		case fs.Attempts < s.policy.Retries:
			return fmt.Errorf("%w: %d of %d face attempts made", ErrRetriesLeft, fs.Attempts, s.policy.Retries)
		}
		return nil
	}, func(d *Draft) {
		fs := d.Face
		if fs.CandidatePass || d.hasException(ExceptionLowQuality, "face") {
			d.Enrollment.Face = fs.Candidate
		}
		d.Enrollment.Liveness = fs.CandidateLiveness
	})
}

// AcceptLowQuality accepts the best capture below the minimum quality of
// target ("face" or a finger position) after Policy.Retries attempts, with
// a reason and (if the policy asks) a supervisor's approval.
func (s *Service) AcceptLowQuality(ctx context.Context, id, actor, target, reason string, a *Approval) (Status, error) {
	if target == "face" {
		return s.exception(ctx, id, actor, StageFace, Exception{Kind: ExceptionLowQuality, Target: "face", Reason: reason}, a, func(d *Draft) error {
			fs := d.Face
			switch {
			case fs == nil || fs.Candidate == nil:
				return fmt.Errorf("%w: no face capture to accept", ErrNothingToAccept)
			case fs.CandidatePass:
				return fmt.Errorf("%w: the face capture meets the quality minimum", ErrNothingToAccept)
			case fs.Attempts < s.policy.Retries:
				return fmt.Errorf("%w: %d of %d face attempts made", ErrRetriesLeft, fs.Attempts, s.policy.Retries)
			}
			return nil
		}, func(d *Draft) {
			d.Enrollment.Face, d.Enrollment.Liveness = d.Face.Candidate, d.Face.CandidateLiveness
		})
	}
	pos := enrollment.Position(target)
	if err := s.checkPosition(pos); err != nil {
		return Status{}, fmt.Errorf("accept low quality: %w", err)
	}
	return s.exception(ctx, id, actor, StageFingers, Exception{Kind: ExceptionLowQuality, Target: target, Position: pos, Reason: reason}, a, func(d *Draft) error {
		fs := d.Fingers[pos]
		switch {
		case fs == nil || fs.Candidate == nil:
			return fmt.Errorf("%w: no low-quality capture of %s", ErrNothingToAccept, pos)
		case fs.Attempts < s.policy.Retries:
			return fmt.Errorf("%w: %d of %d attempts made on %s", ErrRetriesLeft, fs.Attempts, s.policy.Retries, pos)
		}
		return nil
	}, func(d *Draft) {
		fs := d.Fingers[pos]
		setFinger(&d.Enrollment, *fs.Candidate)
		fs.Candidate = nil
	})
}

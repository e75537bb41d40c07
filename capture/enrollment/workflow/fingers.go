package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/finger"
	"github.com/capturestation/station/drivers/fingerprint"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/wsq"
)

// FingerScanner captures one print; every fingerprint.Scanner is one. In
// slaps_442 mode it must be a slap scanner (the workflow keeps the image it
// returns for the slap slot as is).
type FingerScanner interface {
	Capture(ctx context.Context, progress fingerprint.Progress) (fingerprint.Image, error)
}

var _ FingerScanner = fingerprint.Scanner(nil)

// Finger attempt outcomes (besides OutcomeAccepted and OutcomeLowQuality).
const (
	OutcomeNoFinger = "no_finger"
)

// FingerOutcome is what CaptureFinger returns.
type FingerOutcome struct {
	Status   Status              `json:"status"`
	Position enrollment.Position `json:"position"`
	Outcome  string              `json:"outcome"`
	Score    int                 `json:"score"`
	// Feedback is the quality assessment's advice (NFIQ 2 actionable feedback).
	Feedback     string `json:"feedback,omitempty"`
	AttemptsLeft int    `json:"attemptsLeft"`
}

func (s *Service) checkPosition(pos enrollment.Position) error {
	if !slices.Contains(s.policy.allowedFingers(), pos) {
		return fmt.Errorf("%w: position %q is not taken in %s mode (use one of %v)", ErrInvalidInput, pos, s.policy.FingerMode, s.policy.allowedFingers())
	}
	return nil
}

// CaptureFinger captures the finger (or slap) at pos on the scanner, judges
// its quality (NFIQ 2 style, capture/finger) and keeps it as WSQ. A print
// at the policy's minimum is accepted; a weaker one is kept as the
// position's candidate for AcceptLowQuality and counts as an attempt.
// Scanner errors (timeout, unplugged) are returned and count as nothing.
func (s *Service) CaptureFinger(ctx context.Context, id, actor string, pos enrollment.Position) (FingerOutcome, error) {
	if err := s.checkPosition(pos); err != nil {
		return FingerOutcome{}, fmt.Errorf("capture finger: %w", err)
	}
	if s.fingers == nil {
		return FingerOutcome{}, fmt.Errorf("capture finger: %w: no fingerprint scanner configured", ErrNoDevice)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return FingerOutcome{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return FingerOutcome{}, err
	}
	if err := s.reach(d, StageFingers); err != nil {
		return FingerOutcome{}, err
	}
	progress := func(st fingerprint.Stage) {
		s.pub.Publish(events.KindCapture, EventFingerStage, CaptureEvent{ID: id, Step: string(pos), Stage: st.String()})
	}
	img, err := s.fingers.Capture(ctx, progress)
	if err != nil {
		return FingerOutcome{}, fmt.Errorf("capture %s: %w", pos, err)
	}
	if img.Gray == nil {
		return FingerOutcome{}, fmt.Errorf("capture %s: %w: the scanner returned no image", pos, fingerprint.ErrProtocol)
	}
	out := FingerOutcome{Position: pos}
	q, qerr := finger.Assess(img.Gray, img.PPI)
	switch {
	case errors.Is(qerr, finger.ErrEmptyImage):
		out.Outcome = OutcomeNoFinger
	case qerr != nil:
		return FingerOutcome{}, fmt.Errorf("capture %s: quality: %w", pos, qerr)
	}
	fs := d.Fingers[pos]
	if fs == nil {
		fs = &FingerState{}
		d.Fingers[pos] = fs
	}
	fs.Attempts++
	if out.Outcome == "" {
		out.Score = q.Score
		out.Feedback = feedback(q)
		var buf bytes.Buffer
		if err := wsq.Encode(&buf, img.Gray, wsq.Options{PPI: img.PPI}); err != nil {
			return FingerOutcome{}, fmt.Errorf("capture %s: WSQ: %w", pos, err)
		}
		b := img.Gray.Bounds()
		f := enrollment.Finger{Position: pos, Quality: q.Score, QualityFormat: "NFIQ2", ImpressionType: "LIVE_SCAN_PLAIN",
			Image: &enrollment.Image{Format: "WSQ", Data: buf.Bytes(), Width: b.Dx(), Height: b.Dy(), Resolution: img.PPI, BitDepth: 8,
				CapturedAt: img.Captured.UTC(), Device: scannerName(s.fingers)}}
		if q.Score >= s.policy.MinFingerScore {
			out.Outcome = OutcomeAccepted
			setFinger(&d.Enrollment, f)
			fs.Candidate = nil
			d.Exceptions = without(without(d.Exceptions, ExceptionLowQuality, string(pos)), ExceptionMissingFinger, string(pos))
		} else {
			out.Outcome = OutcomeLowQuality
			if fs.Candidate == nil || f.Quality >= fs.Candidate.Quality {
				fs.Candidate = &f
			}
		}
	}
	out.AttemptsLeft = max(s.policy.Retries-fs.Attempts, 0)
	detail := map[string]string{"position": string(pos), "attempt": fmt.Sprint(fs.Attempts), "outcome": out.Outcome, "score": fmt.Sprint(out.Score)}
	if err := s.commit(ctx, d, actor, "enrollment.finger", detail); err != nil {
		return FingerOutcome{}, err
	}
	s.pub.Publish(events.KindCapture, EventFingerResult, CaptureEvent{ID: id, Step: string(pos), Pass: out.Outcome == OutcomeAccepted, Score: out.Score, Outcome: out.Outcome, Attempts: fs.Attempts})
	out.Status = s.status(d)
	return out, nil
}

// feedback turns NFIQ 2's actionable feedback into advice for the operator.
func feedback(q *finger.Result) string {
	f := q.Feedback
	switch {
	case f.Empty || f.Uniform:
		return "no print: place the finger flat on the scanner"
	case f.SmallForeground:
		return "the print is too small: press the finger flat, centred on the scanner"
	case f.TooFewMinutiae:
		return "too few details: clean the scanner and the finger, then press evenly"
	}
	return ""
}

func scannerName(sc FingerScanner) string {
	if i, ok := sc.(interface{ Info() fingerprint.Info }); ok {
		in := i.Info()
		return in.Vendor + " " + in.Model
	}
	return ""
}

// setFinger puts f in the enrollment, replacing the same position.
func setFinger(e *enrollment.Enrollment, f enrollment.Finger) {
	for i := range e.Fingers {
		if e.Fingers[i].Position == f.Position {
			e.Fingers[i] = f
			return
		}
	}
	e.Fingers = append(e.Fingers, f)
}

// MarkMissing records that the finger (or slap) at pos cannot be captured,
// with an OSIA reason (BANDAGED, AMPUTATED, DAMAGED) and, if the policy
// asks, a supervisor's approval.
func (s *Service) MarkMissing(ctx context.Context, id, actor string, pos enrollment.Position, reason enrollment.MissingReason, a *Approval) (Status, error) {
	if err := s.checkPosition(pos); err != nil {
		return Status{}, fmt.Errorf("mark missing: %w", err)
	}
	switch reason {
	case enrollment.Bandaged, enrollment.Amputated, enrollment.Damaged:
	default:
		return Status{}, fmt.Errorf("mark %s missing: %w: reason %q: use BANDAGED, AMPUTATED or DAMAGED", pos, ErrInvalidInput, reason)
	}
	return s.exception(ctx, id, actor, StageFingers, Exception{Kind: ExceptionMissingFinger, Target: string(pos), Position: pos, Reason: string(reason)}, a,
		func(*Draft) error { return nil },
		func(d *Draft) {
			setFinger(&d.Enrollment, enrollment.Finger{Position: pos, Missing: reason})
			if fs := d.Fingers[pos]; fs != nil {
				fs.Candidate = nil
			}
			d.Exceptions = without(d.Exceptions, ExceptionLowQuality, string(pos))
		})
}

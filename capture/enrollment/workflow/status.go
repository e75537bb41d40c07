package workflow

import (
	"fmt"
	"slices"
	"time"

	"github.com/capturestation/station/capture/enrollment"
)

// Status is an enrollment's progress without personal data: what the UI
// shows beside the form, and what Review returns.
type Status struct {
	ID        string    `json:"id"`
	Operator  string    `json:"operator"`
	Stage     Stage     `json:"stage"`
	Version   uint64    `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Steps lists each step with whether the policy requires it and
	// whether it is complete.
	Steps []StepStatus `json:"steps"`
	// Missing says what is still needed before Confirm, in step order.
	Missing    []string       `json:"missing,omitempty"`
	Document   DocumentStatus `json:"document"`
	Face       FaceStatus     `json:"face"`
	Fingers    []FingerStatus `json:"fingers,omitempty"`
	Exceptions []Exception    `json:"exceptions,omitempty"`
}

// StepStatus is one step's state.
type StepStatus struct {
	Step     Stage `json:"step"`
	Required bool  `json:"required"`
	Complete bool  `json:"complete"`
}

// DocumentStatus is the document step's state.
type DocumentStatus struct {
	MRZScanned   bool   `json:"mrzScanned"`
	MRZValid     bool   `json:"mrzValid"`
	Format       string `json:"format,omitempty"`
	ChipAttempts int    `json:"chipAttempts"`
	ChipRead     bool   `json:"chipRead"`
	Access       string `json:"access,omitempty"`
	Passive      string `json:"passive,omitempty"`
	Genuine      bool   `json:"genuine"`
	Exception    bool   `json:"exception"`
}

// FaceStatus is the face step's state.
type FaceStatus struct {
	Attempts  int    `json:"attempts"`
	Captured  bool   `json:"captured"`
	Accepted  bool   `json:"accepted"`
	Score     int    `json:"score,omitempty"`
	Pass      bool   `json:"pass"`
	Live      *bool  `json:"live,omitempty"`
	Exception string `json:"exception,omitempty"`
}

// Finger states in FingerStatus.State.
const (
	FingerPending    = "pending"
	FingerCaptured   = "captured"
	FingerLowQuality = "low_quality" // a capture below the minimum awaits retry or acceptance
	FingerAccepted   = "accepted"    // a low-quality capture accepted as an exception
	FingerMissing    = "missing"
)

// FingerStatus is one required (or captured) finger position.
type FingerStatus struct {
	Position enrollment.Position      `json:"position"`
	Required bool                     `json:"required"`
	State    string                   `json:"state"`
	Score    int                      `json:"score,omitempty"`
	Attempts int                      `json:"attempts"`
	Missing  enrollment.MissingReason `json:"missing,omitempty"`
}

func (s *Service) status(d *Draft) Status {
	e := &d.Enrollment
	st := Status{ID: e.TransactionID, Operator: e.OperatorID, Stage: d.Stage, Version: d.Version,
		CreatedAt: e.CreatedAt, UpdatedAt: d.UpdatedAt, Exceptions: d.Exceptions}
	p := s.policy
	st.Steps = []StepStatus{
		{StageBiographic, len(p.Biographic) > 0, s.biographicDone(d)},
		{StageDocument, p.RequireDocument, s.documentDone(d)},
		{StageFace, p.RequireFace, s.faceDone(d)},
		{StageFingers, p.RequireFingers, s.fingersDone(d)},
	}
	for _, step := range []Stage{StageBiographic, StageDocument, StageFace, StageFingers} {
		st.Missing = append(st.Missing, s.missing(d, step)...)
	}
	if m := d.MRZ; m != nil {
		st.Document.MRZScanned, st.Document.MRZValid, st.Document.Format = true, m.Valid, m.Format
	}
	if c := d.Chip; c != nil {
		st.Document.ChipAttempts, st.Document.ChipRead, st.Document.Access = c.Attempts, c.Read, c.Access
		st.Document.Passive, st.Document.Genuine = c.Passive, c.Genuine
	}
	st.Document.Exception = d.hasException(ExceptionChip, "document")
	if f := d.Face; f != nil {
		st.Face.Attempts = f.Attempts
		st.Face.Captured = f.Candidate != nil
		st.Face.Pass = f.CandidatePass
		if f.Candidate != nil {
			st.Face.Score = f.Candidate.Quality
		}
		if f.CandidateLiveness != nil {
			live := f.CandidateLiveness.Live
			st.Face.Live = &live
		}
	}
	st.Face.Accepted = e.Face != nil
	switch {
	case d.hasException(ExceptionLiveness, "face"):
		st.Face.Exception = string(ExceptionLiveness)
	case d.hasException(ExceptionLowQuality, "face"):
		st.Face.Exception = string(ExceptionLowQuality)
	}
	required := p.RequiredFingers()
	positions := slices.Clone(required)
	for _, f := range e.Fingers {
		if !slices.Contains(positions, f.Position) {
			positions = append(positions, f.Position)
		}
	}
	for _, pos := range positions {
		fs := FingerStatus{Position: pos, Required: slices.Contains(required, pos), State: FingerPending}
		if fst := d.Fingers[pos]; fst != nil {
			fs.Attempts = fst.Attempts
			if fst.Candidate != nil {
				fs.State, fs.Score = FingerLowQuality, fst.Candidate.Quality
			}
		}
		if f := findFinger(e, pos); f != nil {
			switch {
			case f.Missing != "":
				fs.State, fs.Missing, fs.Score = FingerMissing, f.Missing, 0
			case d.hasException(ExceptionLowQuality, string(pos)):
				fs.State, fs.Score = FingerAccepted, f.Quality
			default:
				fs.State, fs.Score = FingerCaptured, f.Quality
			}
		}
		st.Fingers = append(st.Fingers, fs)
	}
	return st
}

func findFinger(e *enrollment.Enrollment, pos enrollment.Position) *enrollment.Finger {
	for i := range e.Fingers {
		if e.Fingers[i].Position == pos {
			return &e.Fingers[i]
		}
	}
	return nil
}

// stageOf is the first step that is not complete.
func (s *Service) stageOf(d *Draft) Stage {
	switch {
	case !s.biographicDone(d):
		return StageBiographic
	case !s.documentDone(d):
		return StageDocument
	case !s.faceDone(d):
		return StageFace
	case !s.fingersDone(d):
		return StageFingers
	}
	return StageReview
}

func (s *Service) biographicDone(d *Draft) bool { return len(s.missing(d, StageBiographic)) == 0 }
func (s *Service) documentDone(d *Draft) bool   { return len(s.missing(d, StageDocument)) == 0 }
func (s *Service) faceDone(d *Draft) bool       { return len(s.missing(d, StageFace)) == 0 }
func (s *Service) fingersDone(d *Draft) bool    { return len(s.missing(d, StageFingers)) == 0 }

// missing says what the step still needs, as the operator would be told.
func (s *Service) missing(d *Draft, step Stage) []string {
	p := s.policy
	e := &d.Enrollment
	var out []string
	switch step {
	case StageBiographic:
		for _, f := range p.Biographic {
			if biographicValue(&e.Biographic, f) == "" {
				out = append(out, fmt.Sprintf("biographic: %s is empty", f))
			}
		}
	case StageDocument:
		if !p.RequireDocument {
			return nil
		}
		switch {
		case d.MRZ == nil:
			out = append(out, "document: scan the MRZ")
		case !d.MRZ.Valid:
			out = append(out, "document: the MRZ has wrong check digits: scan it again")
		}
		if p.RequireChip && !(d.Chip != nil && d.Chip.Genuine) && !d.hasException(ExceptionChip, "document") {
			switch {
			case d.Chip == nil || d.Chip.Attempts == 0:
				out = append(out, "document: read the chip")
			case !d.Chip.Read:
				out = append(out, "document: the chip could not be read: try again, or accept a chip exception")
			default:
				out = append(out, "document: the chip failed passive authentication: accept a chip exception or refuse the document")
			}
		}
	case StageFace:
		if !p.RequireFace {
			return nil
		}
		if e.Face == nil {
			if d.Face != nil && d.Face.Candidate != nil && d.Face.CandidatePass {
				out = append(out, "face: the liveness check failed: capture again, or accept a liveness exception")
			} else if d.Face != nil && d.Face.Candidate != nil {
				out = append(out, "face: quality below the minimum: capture again, or accept the low-quality capture")
			} else {
				out = append(out, "face: capture the face")
			}
			return out
		}
		if p.RequireLiveness && !(e.Liveness != nil && e.Liveness.Live) && !d.hasException(ExceptionLiveness, "face") {
			out = append(out, "face: the liveness check failed: capture again, or accept a liveness exception")
		}
	case StageFingers:
		for _, pos := range p.RequiredFingers() {
			if findFinger(e, pos) == nil {
				out = append(out, fmt.Sprintf("fingers: %s", pos))
			}
		}
	}
	return out
}

func biographicValue(b *enrollment.Biographic, field string) string {
	switch field {
	case FieldFirstName:
		return b.FirstName
	case FieldLastName:
		return b.LastName
	case FieldDateOfBirth:
		return b.DateOfBirth
	case FieldGender:
		return b.Gender
	case FieldNationality:
		return b.Nationality
	case FieldPlaceOfBirth:
		return b.PlaceOfBirth
	}
	return ""
}

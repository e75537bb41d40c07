package workflow

import "github.com/capturestation/station/internal/events"

// Publisher receives the workflow's progress events; *events.Bus is one.
// Event data carry identifiers, stages, scores and verdicts, never personal
// data (no names, MRZ, images).
type Publisher interface {
	Publish(kind events.Kind, typ string, data any) events.Event
}

var _ Publisher = (*events.Bus)(nil)

// Event types. Enrollment events (events.KindEnrollment) carry a
// StageEvent; capture events (events.KindCapture) a CaptureEvent.
const (
	// EventStarted, EventResumed, EventStage, EventSealed and EventCancelled
	// follow an enrollment's life; EventStage is published after every
	// command with the stage it left the enrollment in.
	EventStarted   = "enrollment.started"
	EventResumed   = "enrollment.resumed"
	EventStage     = "enrollment.stage"
	EventSealed    = "enrollment.sealed"
	EventCancelled = "enrollment.cancelled"
	// EventException is an accepted exception (kind, target, approver).
	EventException = "enrollment.exception"

	// EventChipStep is a chip-reading step starting (Step); EventChipResult
	// the verdict (Access, Passive, Genuine).
	EventChipStep   = "chip.step"
	EventChipResult = "chip.result"
	// EventDocumentFrame is the judgement of one camera frame of the
	// document's data page (Frame, Pass when the check digits hold, Score
	// the confidence in percent, Advice); EventDocumentResult the reading's
	// outcome. Neither carries the MRZ.
	EventDocumentFrame  = "document.frame"
	EventDocumentResult = "document.result"
	// EventFaceFrame is the judgement of one preview frame (Frame, Pass,
	// Score, Run of Need, Advice); EventFaceResult the attempt's outcome.
	EventFaceFrame  = "face.frame"
	EventFaceResult = "face.result"
	// EventFingerStage is a scanner stage (waiting, finger detected, ...);
	// EventFingerResult the quality of the capture.
	EventFingerStage  = "finger.stage"
	EventFingerResult = "finger.result"
)

// StageEvent is the data of enrollment events.
type StageEvent struct {
	ID       string `json:"id"`
	Stage    Stage  `json:"stage"`
	Action   string `json:"action,omitempty"`
	Operator string `json:"operator,omitempty"`
	// Kind, Target and Supervisor describe an exception (EventException).
	Kind       ExceptionKind `json:"kind,omitempty"`
	Target     string        `json:"target,omitempty"`
	Supervisor string        `json:"supervisor,omitempty"`
}

// CaptureEvent is the data of capture events; fields not relevant to the
// event type are empty.
type CaptureEvent struct {
	ID       string `json:"id"`
	Step     string `json:"step"` // "chip", "document", "face" or a finger position
	Stage    string `json:"stage,omitempty"`
	Frame    int    `json:"frame,omitempty"`
	Pass     bool   `json:"pass"`
	Score    int    `json:"score,omitempty"`
	Run      int    `json:"run,omitempty"`
	Need     int    `json:"need,omitempty"`
	Advice   string `json:"advice,omitempty"`
	Live     *bool  `json:"live,omitempty"`
	Access   string `json:"access,omitempty"`
	Passive  string `json:"passive,omitempty"`
	Genuine  *bool  `json:"genuine,omitempty"`
	Outcome  string `json:"outcome,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
}

// discard is the Publisher used when none is given.
type discard struct{}

func (discard) Publish(kind events.Kind, typ string, data any) events.Event {
	return events.Event{Kind: kind, Type: typ, Data: data}
}

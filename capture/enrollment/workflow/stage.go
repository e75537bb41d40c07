package workflow

import "fmt"

// Stage is where an enrollment stands. The stages run in this order; an
// enrollment is at the first stage whose step is not complete, so redoing an
// earlier step (a new face capture) can move it back.
type Stage int

// Stages.
const (
	StageBiographic Stage = iota + 1
	StageDocument
	StageFace
	StageFingers
	StageReview
	// StageSealed and StageCancelled are final: the draft is gone.
	StageSealed
	StageCancelled
)

var stageNames = map[Stage]string{
	StageBiographic: "biographic", StageDocument: "document", StageFace: "face",
	StageFingers: "fingers", StageReview: "review", StageSealed: "sealed", StageCancelled: "cancelled",
}

// String names the stage.
func (s Stage) String() string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// MarshalText encodes the stage by name.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a stage name.
func (s *Stage) UnmarshalText(b []byte) error {
	for k, v := range stageNames {
		if v == string(b) {
			*s = k
			return nil
		}
	}
	return fmt.Errorf("%w: unknown stage %q", ErrInvalidInput, b)
}

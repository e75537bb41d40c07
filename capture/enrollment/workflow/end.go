package workflow

import (
	"fmt"
	"time"

	"github.com/capturestation/station/internal/store"
)

// endPrefix keys the small records that remember how an enrollment ended
// (sealed or cancelled), so a late command gets a clear answer instead of
// "not found". They hold no personal data.
const endPrefix = "ended/"

type ending struct {
	Stage Stage     `json:"stage"`
	At    time.Time `json:"at"`
}

func (e ending) err(id string) error {
	if e.Stage == StageSealed {
		return fmt.Errorf("%w: %s was confirmed at %s", ErrSealed, id, e.At.Format(time.RFC3339))
	}
	return fmt.Errorf("%w: %s was cancelled at %s", ErrNotFound, id, e.At.Format(time.RFC3339))
}

func loadEnd(tx *store.Tx, id string) (ending, bool, error) {
	var e ending
	found, err := tx.GetSealed(store.Enrollments, endPrefix+id, &e)
	return e, found, err
}

// finish deletes the draft and records how it ended, in the caller's transaction.
func finish(tx *store.Tx, id string, stage Stage, at time.Time) error {
	if err := deleteDraft(tx, id); err != nil {
		return err
	}
	return tx.PutSealed(store.Enrollments, endPrefix+id, ending{Stage: stage, At: at})
}

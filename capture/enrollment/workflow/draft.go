package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
)

// draftPrefix keys drafts in the store's enrollments bucket. The outbox keeps
// sealed enrollments in the same bucket under the bare transaction ID, so a
// draft and the enrollment it becomes never share a key.
const draftPrefix = "draft/"

func draftKey(id string) string { return draftPrefix + id }

// Draft is an enrollment in progress as saved (sealed) after every step: the
// record so far and the state of each step. It holds personal data and is
// never logged or published.
type Draft struct {
	Enrollment enrollment.Enrollment `json:"enrollment"`
	Stage      Stage                 `json:"stage"`
	// Version counts the saves.
	Version   uint64    `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`

	MRZ     *MRZState                            `json:"mrz,omitempty"`
	Chip    *ChipState                           `json:"chip,omitempty"`
	Face    *FaceState                           `json:"face,omitempty"`
	Fingers map[enrollment.Position]*FingerState `json:"fingers,omitempty"`
	// Exceptions are the accepted exceptions with their approvals.
	Exceptions []Exception `json:"exceptions,omitempty"`
}

// MRZState is the scanned MRZ.
type MRZState struct {
	Lines          []string `json:"lines"`
	Format         string   `json:"format"`
	Valid          bool     `json:"valid"`
	DocumentNumber string   `json:"documentNumber"`
	// Birth and Expiry are the dates as printed (YYMMDD), for the chip key.
	Birth  string `json:"birth"`
	Expiry string `json:"expiry"`
}

// ChipState is the outcome of the chip reads.
type ChipState struct {
	Attempts int `json:"attempts"`
	// Read is true once a read returned data.
	Read    bool   `json:"read"`
	Access  string `json:"access,omitempty"`
	Passive string `json:"passive,omitempty"`
	Genuine bool   `json:"genuine"`
	// Problems explain a failed check (codes and protocol text, no personal data).
	Problems []string `json:"problems,omitempty"`
	// LastError is the last read failure.
	LastError string `json:"lastError,omitempty"`
	// Portrait is the chip's face image for display beside the live face.
	Portrait       []byte `json:"portrait,omitempty"`
	PortraitFormat string `json:"portraitFormat,omitempty"`
}

// FaceState is the face step's attempts and best result.
type FaceState struct {
	Attempts int `json:"attempts"`
	// Candidate is the best capture so far, with its liveness verdict; it
	// becomes Enrollment.Face once accepted.
	Candidate         *enrollment.Face     `json:"candidate,omitempty"`
	CandidatePass     bool                 `json:"candidatePass"`
	CandidateLiveness *enrollment.Liveness `json:"candidateLiveness,omitempty"`
	// Token is the chip-sized (ICAO token, 20 kB) JPEG of the candidate.
	Token []byte `json:"token,omitempty"`
}

// FingerState is one finger position's attempts and best capture.
type FingerState struct {
	Attempts  int                `json:"attempts"`
	Candidate *enrollment.Finger `json:"candidate,omitempty"`
}

// Exception is an accepted exception: what, why, who accepted and who approved.
type Exception struct {
	Kind     ExceptionKind       `json:"kind"`
	Position enrollment.Position `json:"position,omitempty"`
	// Step is "face", "document" or a finger position for low-quality acceptance.
	Target string `json:"target,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Operator accepted it; Supervisor approved it (empty when the policy
	// needs no approval).
	Operator   string    `json:"operator"`
	Supervisor string    `json:"supervisor,omitempty"`
	At         time.Time `json:"at"`
}

// hasException reports whether an exception of kind for target was accepted.
func (d *Draft) hasException(kind ExceptionKind, target string) bool {
	for _, e := range d.Exceptions {
		if e.Kind == kind && e.Target == target {
			return true
		}
	}
	return false
}

func loadDraft(tx *store.Tx, id string) (*Draft, error) {
	var d Draft
	found, err := tx.GetSealed(store.Enrollments, draftKey(id), &d)
	if err != nil {
		return nil, fmt.Errorf("load draft %s: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return &d, nil
}

func saveDraft(tx *store.Tx, d *Draft) error {
	if err := tx.PutSealed(store.Enrollments, draftKey(d.Enrollment.TransactionID), d); err != nil {
		return fmt.Errorf("save draft %s: %w", d.Enrollment.TransactionID, err)
	}
	return nil
}

func deleteDraft(tx *store.Tx, id string) error {
	return tx.Delete(store.Enrollments, draftKey(id))
}

// DraftInfo describes a saved draft without personal data.
type DraftInfo struct {
	ID        string    `json:"id"`
	Operator  string    `json:"operator"`
	Stage     Stage     `json:"stage"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// listDrafts reads every draft's summary.
func listDrafts(tx *store.Tx) ([]DraftInfo, error) {
	b := tx.Bucket(store.Enrollments)
	if b == nil {
		return nil, fmt.Errorf("list drafts: %w: %s", store.ErrNoBucket, store.Enrollments)
	}
	var out []DraftInfo
	c := b.Cursor()
	prefix := []byte(draftPrefix)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		plain, err := tx.Unseal(store.Enrollments, string(k), v)
		if err != nil {
			return nil, fmt.Errorf("list drafts: %w", err)
		}
		var d Draft
		err = json.Unmarshal(plain, &d)
		clear(plain)
		if err != nil {
			return nil, fmt.Errorf("list drafts: %s: %w", k, err)
		}
		out = append(out, DraftInfo{ID: strings.TrimPrefix(string(k), draftPrefix), Operator: d.Enrollment.OperatorID,
			Stage: d.Stage, CreatedAt: d.Enrollment.CreatedAt, UpdatedAt: d.UpdatedAt})
	}
	return out, nil
}

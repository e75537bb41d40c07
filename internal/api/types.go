package api

import (
	"encoding/json"
	"time"

	"github.com/capturestation/station/internal/health"
)

// Status is GET /api/v1/status.
type Status struct {
	StationID string         `json:"stationId"`
	Version   string         `json:"version"`
	StartedAt time.Time      `json:"startedAt"`
	Ready     bool           `json:"ready"`
	Health    []health.Check `json:"health"`
	Queue     QueueStats     `json:"queue"`
	// Registry is the primary target; Targets lists every target, the
	// primary first, when enrollments fan out to several.
	Registry Registry   `json:"registry"`
	Targets  []Registry `json:"targets"`
	// AcceptingEnrollments is false when the station refuses new enrollments
	// (low disk); Refusal says why.
	AcceptingEnrollments bool   `json:"acceptingEnrollments"`
	Refusal              string `json:"refusal,omitempty"`
	// Devices are the capture devices attached now.
	Devices []Device `json:"devices"`
}

// Device is an attached capture device.
type Device struct {
	// Kind is the modality: "fingerprint".
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Driver string `json:"driver"`
	Vendor string `json:"vendor"`
	Model  string `json:"model"`
	Path   string `json:"path"`
	Serial string `json:"serial,omitempty"`
}

// Registry describes the sync target.
type Registry struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	URL       string    `json:"url"`
	Reachable bool      `json:"reachable"`
	LastError string    `json:"lastError,omitempty"`
	LastSync  time.Time `json:"lastSync,omitzero"`
}

// QueueStats counts outbox items by state.
type QueueStats struct {
	Pending   int `json:"pending"`
	InFlight  int `json:"inFlight"`
	Failed    int `json:"failed"`
	Delivered int `json:"delivered"`
	// OldestUndelivered is when the oldest undelivered item was queued.
	OldestUndelivered   time.Time `json:"oldestUndelivered,omitzero"`
	OldestUndeliveredID string    `json:"oldestUndeliveredId,omitempty"`
}

// QueueItem is one outbox item: identifiers and delivery state, no personal data.
type QueueItem struct {
	ID            string    `json:"id"`
	TransactionID string    `json:"transactionId"`
	PersonID      string    `json:"personId"`
	IdentityID    string    `json:"identityId,omitempty"`
	Target        string    `json:"target"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	EnqueuedAt    time.Time `json:"enqueuedAt"`
	NextAttempt   time.Time `json:"nextAttempt,omitzero"`
	DeliveredAt   time.Time `json:"deliveredAt,omitzero"`
	ErrorClass    string    `json:"errorClass,omitempty"`
	Error         string    `json:"error,omitempty"`
}

// QueueList is GET /api/v1/queue.
type QueueList struct {
	Items []QueueItem `json:"items"`
	// Next is the cursor of the next page (pass it as "after"); empty on the last page.
	Next string `json:"next,omitempty"`
}

// EnrollResult is the answer to POST /api/v1/enrollments.
type EnrollResult struct {
	TransactionID string `json:"transactionId"`
	PersonID      string `json:"personId"`
	IdentityID    string `json:"identityId"`
	// Created is false when the same enrollment was already queued.
	Created bool `json:"created"`
}

// KeyInfo is the station's signing key, public part only.
type KeyInfo struct {
	KeyID     string          `json:"kid"`
	Algorithm string          `json:"alg"`
	JWK       json.RawMessage `json:"jwk"`
	PEM       string          `json:"pem"`
}

// Login is the body of POST /api/v1/session.
type Login struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// SessionInfo is the answer to a login.
type SessionInfo struct {
	Operator  string `json:"operator"`
	Role      string `json:"role"`
	CSRFToken string `json:"csrfToken"`
}

// NewOperator is the body of POST /api/v1/operators.
type NewOperator struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	Secret string `json:"secret"`
}

// Operator is an account as listed (never its hash).
type Operator struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Locked    bool      `json:"locked"`
	CreatedAt time.Time `json:"createdAt"`
}

// Error is the body of every error answer.
type Error struct {
	Error string `json:"error"`
	// Code is a stable machine-readable reason, e.g. "not_found", "low_disk".
	Code string `json:"code,omitempty"`
}

// SimulatedEnrollment is the outcome of one scripted enrollment
// (POST /api/v1/enrollments/simulated).
type SimulatedEnrollment struct {
	ID           string  `json:"id"`
	Stage        string  `json:"stage"`
	Error        string  `json:"error,omitempty"`
	Milliseconds float64 `json:"milliseconds"`
}

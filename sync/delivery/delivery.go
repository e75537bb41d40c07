// Package delivery holds the vocabulary shared by the sync worker and the
// registry connectors: how a failed delivery is classified (retry later, give
// up and show the operator, or conflict with what the registry already holds)
// and the receipt a registry's confirmation leaves behind.
package delivery

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Class says what the worker should do after a failed delivery.
type Class int

// Failure classes.
const (
	// Retryable failures (network errors, 5xx, 408, 429) are tried again with backoff.
	Retryable Class = iota + 1
	// Permanent failures (400, 403, 422, …) go to the failed list until an operator retries them.
	Permanent
	// Conflict means the registry holds a different record under our identifiers;
	// it is permanent for the worker, and reported as such to the operator.
	Conflict
)

// String returns the class name used in logs, metrics and the API.
func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	case Conflict:
		return "conflict"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Error is a classified delivery failure.
type Error struct {
	Class Class
	// Status is the HTTP status the registry answered, 0 for transport errors.
	Status int
	// RetryAfter is the delay the registry asked for (Retry-After), 0 if none.
	RetryAfter time.Duration
	Err        error
}

// Error describes the failure without personal data: connectors put the
// registry's status and error code in Err, never the request body.
func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s failure (HTTP %d): %v", e.Class, e.Status, e.Err)
	}
	return fmt.Sprintf("%s failure: %v", e.Class, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Retry wraps err as a retryable failure.
func Retry(status int, retryAfter time.Duration, err error) error {
	return &Error{Class: Retryable, Status: status, RetryAfter: retryAfter, Err: err}
}

// Fail wraps err as a permanent failure.
func Fail(status int, err error) error {
	return &Error{Class: Permanent, Status: status, Err: err}
}

// Conflicting wraps err as a conflict with a different record in the registry.
func Conflicting(status int, err error) error {
	return &Error{Class: Conflict, Status: status, Err: err}
}

// Classify returns the class of err: the class of a wrapped *Error, and
// Retryable for anything else (a transport error, a timeout), so that an
// unclassified failure is never dropped.
func Classify(err error) (Class, *Error) {
	var de *Error
	if errors.As(err, &de) {
		return de.Class, de
	}
	return Retryable, nil
}

// ClassForStatus maps an HTTP status to a failure class: 408, 425, 429 and
// 5xx are retryable, 409 is a conflict, other 4xx are permanent.
func ClassForStatus(status int) Class {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly,
		status == http.StatusTooManyRequests, status >= 500:
		return Retryable
	case status == http.StatusConflict:
		return Conflict
	}
	return Permanent
}

// WithoutURL keeps only the cause of a *url.Error: the request URL may hold
// identifiers (a person or customer ID, a query string) that do not belong
// in logs and receipts. Other errors are returned as they are.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// ParseRetryAfter reads a Retry-After header value (delay-seconds or an
// HTTP date) relative to now. It returns 0 when the value is absent or
// unusable, and caps the delay at one day.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	if d > 24*time.Hour {
		d = 24 * time.Hour
	}
	return d
}

// Receipt is what a registry's confirmation of a delivery leaves at the station.
// It holds identifiers and outcomes only, no personal data.
type Receipt struct {
	Target      string    `json:"target"`
	Kind        string    `json:"kind"`
	PersonID    string    `json:"personId,omitempty"`
	IdentityID  string    `json:"identityId,omitempty"`
	DeliveredAt time.Time `json:"deliveredAt"`
	// AlreadyPresent is true when the registry already held an identical record
	// (a retry after a lost response).
	AlreadyPresent bool              `json:"alreadyPresent,omitempty"`
	Details        map[string]string `json:"details,omitempty"`
}

package outbox

import (
	"fmt"
	"strconv"
	"time"
)

// State is where an item is in its delivery.
type State uint8

// Item states.
const (
	// Pending items wait for their next attempt time.
	Pending State = iota + 1
	// InFlight items are leased to a worker until their lease expires.
	InFlight
	// Failed items failed permanently and wait for an operator (RetryFailed or Drop).
	Failed
	// Delivered items were confirmed by the registry.
	Delivered
)

var stateNames = [...]string{Pending: "pending", InFlight: "inflight", Failed: "failed", Delivered: "delivered"}

// String returns "pending", "inflight", "failed" or "delivered".
func (s State) String() string {
	if s >= Pending && s <= Delivered {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// ParseState parses a state name as returned by String.
func ParseState(s string) (State, error) {
	for st := Pending; st <= Delivered; st++ {
		if stateNames[st] == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown queue state %q: use pending, inflight, failed or delivered", s)
}

// MarshalText encodes the state by name.
func (s State) MarshalText() ([]byte, error) {
	if s < Pending || s > Delivered {
		return nil, fmt.Errorf("cannot encode queue %s", s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a state name.
func (s *State) UnmarshalText(b []byte) error {
	st, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}

// undelivered reports whether the item still blocks later items of its person.
func (s State) undelivered() bool { return s == Pending || s == InFlight || s == Failed }

// Item is one enrollment's delivery to one target: identifiers and delivery
// state only, never the enrollment's personal data.
type Item struct {
	// ID is the item's queue sequence number in decimal; it orders items by enqueue time.
	ID            string `json:"id"`
	TransactionID string `json:"transactionId"`
	PersonID      string `json:"personId"`
	IdentityID    string `json:"identityId"`
	Target        string `json:"target"`
	State         State  `json:"state"`
	// Attempts counts the leases taken since enqueue (or since RetryFailed).
	Attempts   int       `json:"attempts"`
	EnqueuedAt time.Time `json:"enqueuedAt"`
	// NextAttempt is when a pending item is due.
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	// LeasedUntil is when an in-flight item's lease expires.
	LeasedUntil time.Time `json:"leasedUntil,omitzero"`
	DeliveredAt time.Time `json:"deliveredAt,omitzero"`
	// LastErrorClass is the delivery.Class name of the last failure.
	LastErrorClass string `json:"lastErrorClass,omitempty"`
	// LastError is the last failure's message (the registry's status and
	// error code; connectors keep request data out of it).
	LastError string `json:"lastError,omitempty"`
}

// dueAt is the time the item sits at in the due index.
func (it *Item) dueAt() (time.Time, bool) {
	switch it.State {
	case Pending:
		return it.NextAttempt, true
	case InFlight:
		return it.LeasedUntil, true
	}
	return time.Time{}, false
}

// record is what is sealed in the items bucket.
type record struct {
	Item Item `json:"item"`
	// Gen is the lease generation, incremented by every lease.
	Gen uint64 `json:"gen"`
	seq uint64
}

// Stats are the queue's counts and its oldest undelivered item.
type Stats struct {
	Pending   int `json:"pending"`
	InFlight  int `json:"inFlight"`
	Failed    int `json:"failed"`
	Delivered int `json:"delivered"`
	// OldestUndelivered is when the oldest undelivered item was enqueued (zero if none).
	OldestUndelivered time.Time `json:"oldestUndelivered,omitzero"`
	// OldestUndeliveredID is that item's ID.
	OldestUndeliveredID string `json:"oldestUndeliveredId,omitempty"`
}

// Undelivered returns the number of pending, in-flight and failed items.
func (s Stats) Undelivered() int { return s.Pending + s.InFlight + s.Failed }

// Filter selects items for List.
type Filter struct {
	// State selects one state; 0 lists all.
	State State
	// Target selects one target; empty lists all.
	Target string
	// After is the ID of the last item of the previous page; empty starts at the oldest.
	After string
	// Limit is the page size: default 100, at most 1000.
	Limit int
}

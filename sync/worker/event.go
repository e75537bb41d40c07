package worker

import (
	"strconv"
	"time"

	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

// EventKind says what happened to an item.
type EventKind int

// Event kinds.
const (
	// Leased: a delivery attempt starts.
	Leased EventKind = iota + 1
	// Delivered: the registry confirmed the item.
	Delivered
	// RetryScheduled: the attempt failed and will be retried at NextAttempt.
	RetryScheduled
	// Failed: the attempt failed permanently (or conflicted); the item is on the failed list.
	Failed
)

// String returns "leased", "delivered", "retry" or "failed".
func (k EventKind) String() string {
	switch k {
	case Leased:
		return "leased"
	case Delivered:
		return "delivered"
	case RetryScheduled:
		return "retry"
	case Failed:
		return "failed"
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event is sync progress for one item: identifiers and classes only.
type Event struct {
	Kind          EventKind
	Target        string
	ItemID        string
	TransactionID string
	// Attempt is the attempt number (1 for the first).
	Attempt int
	// Class is the failure class (delivery.Class name) of RetryScheduled and Failed.
	Class string
	// NextAttempt is when a RetryScheduled item is due again.
	NextAttempt time.Time
	At          time.Time
}

func itemEvent(kind EventKind, it outbox.Item) Event {
	return Event{Kind: kind, ItemID: it.ID, TransactionID: it.TransactionID, Attempt: it.Attempts}
}

func retryEvent(it outbox.Item, class delivery.Class, next time.Time) Event {
	ev := itemEvent(RetryScheduled, it)
	ev.Class, ev.NextAttempt = class.String(), next
	return ev
}

func failEvent(it outbox.Item, class delivery.Class) Event {
	ev := itemEvent(Failed, it)
	ev.Class = class.String()
	return ev
}

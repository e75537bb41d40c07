// Package events is the station's typed in-process event bus: device
// attach/detach, capture progress, quality results, enrollment state, sync
// progress, health changes. Every event gets a monotonically increasing ID;
// the bus keeps the most recent ones in a ring so that a reconnecting browser
// asks for everything since the last ID it saw and then streams live.
// Subscribers have bounded buffers: a slow subscriber loses its oldest
// events (and is told how many), and publishing never blocks.
//
// Events carry identifiers, states and measures, never personal data.
package events

import (
	"sync"
	"time"
)

// Kind names what an event is about.
type Kind string

// Event kinds.
const (
	KindHealth     Kind = "health"
	KindSync       Kind = "sync"
	KindEnrollment Kind = "enrollment"
	KindDevice     Kind = "device"
	KindCapture    Kind = "capture"
)

// Event is one thing that happened.
type Event struct {
	ID   uint64    `json:"id"`
	Time time.Time `json:"time"`
	Kind Kind      `json:"kind"`
	// Type is the specific event within its kind, e.g. "delivered".
	Type string `json:"type"`
	// Data is a small JSON-encodable value without personal data.
	Data any `json:"data,omitempty"`
}

// Bus delivers events to subscribers. It is safe for concurrent use.
type Bus struct {
	mu     sync.Mutex
	nextID uint64
	ring   []Event
	start  int // index of the oldest event in ring
	count  int
	subs   map[*Subscription]struct{}
	now    func() time.Time
}

// NewBus returns a bus that remembers the last history events.
func NewBus(history int) *Bus {
	return &Bus{ring: make([]Event, max(history, 1)), subs: map[*Subscription]struct{}{}, nextID: 1, now: time.Now}
}

// Publish assigns the event its ID and time and hands it to every subscriber.
func (b *Bus) Publish(kind Kind, typ string, data any) Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	ev := Event{ID: b.nextID, Time: b.now(), Kind: kind, Type: typ, Data: data}
	b.nextID++
	idx := (b.start + b.count) % len(b.ring)
	if b.count == len(b.ring) {
		b.start = (b.start + 1) % len(b.ring)
	} else {
		b.count++
	}
	b.ring[idx] = ev
	for s := range b.subs {
		s.push(ev)
	}
	return ev
}

// Since returns the remembered events with an ID above after, and whether
// the history still reached back that far (false: some were forgotten, and
// the caller should resynchronise its state).
func (b *Bus) Since(after uint64) ([]Event, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sinceLocked(after)
}

func (b *Bus) sinceLocked(after uint64) ([]Event, bool) {
	var out []Event
	complete := after+1 >= b.nextID // nothing newer exists
	for i := 0; i < b.count; i++ {
		ev := b.ring[(b.start+i)%len(b.ring)]
		if i == 0 && ev.ID <= after+1 {
			complete = true
		}
		if ev.ID > after {
			out = append(out, ev)
		}
	}
	return out, complete
}

// Subscribe returns a subscription that first receives the remembered events
// after the given ID, then live events; buffer bounds what it holds.
func (b *Bus) Subscribe(after uint64, buffer int) *Subscription {
	s := &Subscription{bus: b, buf: make([]Event, 0, max(buffer, 1)), limit: max(buffer, 1), notify: make(chan struct{}, 1)}
	b.mu.Lock()
	defer b.mu.Unlock()
	past, complete := b.sinceLocked(after)
	if !complete {
		s.dropped++
	}
	for _, ev := range past {
		s.push(ev)
	}
	b.subs[s] = struct{}{}
	return s
}

// Subscription is one subscriber's queue.
type Subscription struct {
	bus     *Bus
	mu      sync.Mutex
	buf     []Event
	limit   int
	dropped int
	notify  chan struct{}
}

func (s *Subscription) push(ev Event) {
	s.mu.Lock()
	if len(s.buf) == s.limit {
		copy(s.buf, s.buf[1:])
		s.buf = s.buf[:len(s.buf)-1]
		s.dropped++
	}
	s.buf = append(s.buf, ev)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Ready is signalled when events are waiting.
func (s *Subscription) Ready() <-chan struct{} { return s.notify }

// Take returns the waiting events and how many were dropped since the last
// call because the subscriber was too slow.
func (s *Subscription) Take() (events []Event, dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	events, dropped = s.buf, s.dropped
	s.buf, s.dropped = make([]Event, 0, s.limit), 0
	return events, dropped
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
}

package outbox

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
)

// clock is a manual clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

type env struct {
	t     testing.TB
	path  string
	kek   []byte
	clock *clock
	opts  Options
	db    *store.DB
	ob    *Outbox
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	kek := make([]byte, store.KeySize)
	if _, err := rand.Read(kek); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, path: filepath.Join(t.TempDir(), "station.db"), kek: kek, clock: newClock(), opts: opts}
	e.opts.Clock = e.clock.Now
	e.open()
	t.Cleanup(func() {
		if e.db != nil {
			_ = e.db.Close()
		}
	})
	return e
}

func (e *env) open() {
	e.t.Helper()
	db, err := store.Open(e.path, e.kek, store.Options{NoFsync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	ob, err := New(db, e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.db, e.ob = db, ob
}

// reopen closes and opens the database, as a restart would.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// person returns an enrollment for the person (a fresh one when personID is empty).
func person(t testing.TB, personID string) *enrollment.Enrollment {
	t.Helper()
	e := enrollment.New("st-1", "op-1", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	if personID != "" {
		e.PersonID = personID
	}
	e.Biographic.FirstName = "Test"
	e.Fingers = []enrollment.Finger{{Position: enrollment.RightThumb, Missing: enrollment.Bandaged}}
	return e
}

// withImages adds a face and a finger image of n random bytes each.
func withImages(t testing.TB, e *enrollment.Enrollment, n int) *enrollment.Enrollment {
	t.Helper()
	img := func() []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	e.Face = &enrollment.Face{Image: enrollment.Image{Format: "JPEG", Data: img(), Width: 480, Height: 640}, Quality: 80}
	e.Fingers = []enrollment.Finger{{Position: enrollment.RightIndex, Image: &enrollment.Image{Format: "WSQ", Data: img()}, Quality: 60}}
	e.Documents = []enrollment.Document{{Type: enrollment.DocPassport, Number: "X1",
		ChipDataGroups: map[int][]byte{1: img()[:64], 2: img()}, ChipSOD: img()[:128],
		Pages: []enrollment.Image{{Format: "PNG", Data: img()}}}}
	return e
}

func mustEnqueue(t testing.TB, ob *Outbox, e *enrollment.Enrollment, targets ...string) {
	t.Helper()
	if len(targets) == 0 {
		targets = []string{"osia"}
	}
	created, err := ob.Enqueue(context.Background(), e, targets)
	if err != nil || !created {
		t.Fatalf("Enqueue = %v, %v", created, err)
	}
}

func mustLease(t testing.TB, ob *Outbox, target string, now time.Time, max int) []Lease {
	t.Helper()
	ls, err := ob.Lease(context.Background(), target, now, max, time.Minute)
	if err != nil {
		t.Fatalf("Lease: %v", err)
	}
	return ls
}

func txIDs(ls []Lease) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Item.TransactionID
	}
	return out
}

package worker

import (
	"context"
	"crypto/rand"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

// guard bounds every wait so a broken worker fails the test instead of
// hanging it; no assertion depends on how fast anything is.
const guard = 20 * time.Second

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// registry is a scripted connector that records its calls and what it committed.
type registry struct {
	mu        sync.Mutex
	script    map[string][]error // per transaction: errors to return, in order, before succeeding
	calls     []string
	committed map[string]int
	active    int
	maxActive int
	hold      chan struct{} // when not nil, Deliver waits for it (or ctx)
	started   chan string
	pingErr   error
}

func newRegistry() *registry {
	return &registry{script: map[string][]error{}, committed: map[string]int{}, started: make(chan string, 1000)}
}

func (r *registry) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	r.mu.Lock()
	r.calls = append(r.calls, e.TransactionID)
	r.active++
	r.maxActive = max(r.maxActive, r.active)
	hold := r.hold
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.active--
		r.mu.Unlock()
	}()
	select {
	case r.started <- e.TransactionID:
	default:
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return delivery.Receipt{}, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if errs := r.script[e.TransactionID]; len(errs) > 0 {
		r.script[e.TransactionID] = errs[1:]
		if errs[0] != nil {
			return delivery.Receipt{}, errs[0]
		}
	}
	r.committed[e.TransactionID]++
	return delivery.Receipt{Kind: "identity", PersonID: e.PersonID, IdentityID: e.IdentityID, AlreadyPresent: r.committed[e.TransactionID] > 1}, nil
}

func (r *registry) Ping(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pingErr
}

func (r *registry) snapshot() (calls []string, committed map[string]int, maxActive int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	committed = map[string]int{}
	for k, v := range r.committed {
		committed[k] = v
	}
	return append([]string(nil), r.calls...), committed, r.maxActive
}

type healthCheck struct {
	component, msg string
	ok             bool
}

type healthRecorder chan healthCheck

func (h healthRecorder) Set(component string, ok bool, msg string) {
	select {
	case h <- healthCheck{component, msg, ok}:
	default: // the test reads only what it needs
	}
}

type env struct {
	t      *testing.T
	clock  *clock
	db     *store.DB
	ob     *outbox.Outbox
	reg    *registry
	events chan Event
}

func newEnv(t *testing.T) *env {
	t.Helper()
	kek := make([]byte, store.KeySize)
	if _, err := rand.Read(kek); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "station.db"), kek, store.Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	ob, err := outbox.New(db, outbox.Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clock: c, db: db, ob: ob, reg: newRegistry(), events: make(chan Event, 1000)}
}

// enqueue queues an enrollment of the person (a fresh person when empty).
func (e *env) enqueue(personID string) string {
	e.t.Helper()
	en := enrollment.New("st-1", "op-1", e.clock.Now())
	if personID != "" {
		en.PersonID = personID
	}
	if _, err := e.ob.Enqueue(context.Background(), en, []string{"osia"}); err != nil {
		e.t.Fatal(err)
	}
	return en.TransactionID
}

// worker returns a worker with a deterministic jitter (the full limit), a
// long poll interval (tests wake it with Kick) and the env's clock and events.
func (e *env) worker(cfg Config, opts ...Option) *Worker {
	e.t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Hour
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = time.Hour
	}
	opts = append([]Option{
		WithClock(e.clock.Now),
		WithJitter(func(limit time.Duration) time.Duration { return limit }),
		WithEvents(func(ev Event) { e.events <- ev }),
		WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)
	w, err := New(e.ob, "osia", e.reg, cfg, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// serve runs w until the returned stop function is called; stop returns Serve's error.
func (e *env) serve(w *Worker) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Serve(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(guard):
			e.t.Fatal("Serve did not return after cancel")
			return nil
		}
	}
	e.t.Cleanup(func() { _ = stop() })
	return stop
}

// next returns the next event of the kind, skipping others.
func (e *env) next(kind EventKind) Event {
	e.t.Helper()
	deadline := time.After(guard)
	for {
		select {
		case ev := <-e.events:
			if ev.Kind == kind {
				return ev
			}
		case <-deadline:
			e.t.Fatalf("no %s event", kind)
		}
	}
}

package worker

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

var ctx = context.Background()

func TestDeliversEveryItemOnce(t *testing.T) {
	env := newEnv(t)
	var want []string
	for range 5 {
		want = append(want, env.enqueue(""))
	}
	reg := prometheus.NewRegistry()
	w := env.worker(Config{Concurrency: 2}, WithMetrics(reg))
	stop := env.serve(w)
	for range 5 {
		env.next(Delivered)
	}
	late := env.enqueue("")
	want = append(want, late)
	w.Kick()
	if ev := env.next(Delivered); ev.TransactionID != late || ev.Target != "osia" || ev.Attempt != 1 {
		t.Errorf("event for the late enqueue: %+v", ev)
	}
	if err := stop(); err != nil {
		t.Errorf("Serve = %v, want nil after cancel", err)
	}
	_, committed, _ := env.reg.snapshot()
	for _, tx := range want {
		if committed[tx] != 1 {
			t.Errorf("transaction %s committed %d times", tx, committed[tx])
		}
		if r, found, err := env.ob.Receipt(ctx, "osia", tx); err != nil || !found || r.Kind != "identity" || r.Target != "osia" {
			t.Errorf("receipt of %s: %+v, %v, %v", tx, r, found, err)
		}
	}
	st, _ := env.ob.Stats(ctx)
	if st.Delivered != 6 || st.Undelivered() != 0 {
		t.Errorf("stats %+v", st)
	}
	if got := counterValue(t, w.m.attempts.WithLabelValues("delivered")); got != 6 {
		t.Errorf("delivered attempts metric = %v", got)
	}
	if n := histogramCount(t, w.m.seconds); n != 6 {
		t.Errorf("delivery histogram counted %d attempts, want 6", n)
	}
	wantItems := map[string]float64{"delivered": 6, "failed": 0, "inflight": 0, "pending": 0}
	if got := gauges(t, reg, "station_outbox_items", "state"); !maps.Equal(got, wantItems) {
		t.Errorf("station_outbox_items = %v, want %v", got, wantItems)
	}
}

func TestRetryHonoursRetryAfterAndBackoff(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		wantDelay  time.Duration // jitter is the full limit: BaseBackoff (2 s) for a first attempt
	}{
		{"retry-after longer than backoff", 30 * time.Second, 30 * time.Second},
		{"backoff longer than retry-after", time.Second, 2 * time.Second},
		{"no retry-after", 0, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			tx := env.enqueue("")
			env.reg.script[tx] = []error{delivery.Retry(503, tc.retryAfter, errors.New("unavailable"))}
			w := env.worker(Config{BaseBackoff: 2 * time.Second})
			env.serve(w)
			start := env.clock.Now()
			ev := env.next(RetryScheduled)
			if ev.Class != "retryable" || !ev.NextAttempt.Equal(start.Add(tc.wantDelay)) {
				t.Fatalf("retry event %+v, want next attempt at +%s", ev, tc.wantDelay)
			}
			it, _ := env.ob.Get(ctx, ev.ItemID)
			if it.State != outbox.Pending || !it.NextAttempt.Equal(ev.NextAttempt) || !strings.Contains(it.LastError, "HTTP 503") {
				t.Fatalf("item after retry: %+v", it)
			}
			env.clock.Advance(tc.wantDelay)
			w.Kick()
			if ev := env.next(Delivered); ev.Attempt != 2 {
				t.Errorf("delivered on attempt %d, want 2", ev.Attempt)
			}
			if got := counterValue(t, w.m.failures.WithLabelValues("retryable")); got != 1 {
				t.Errorf("retryable failures metric = %v", got)
			}
		})
	}
}

func TestPermanentFailures(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class string
	}{
		{"permanent", delivery.Fail(422, errors.New("schema violation")), "permanent"},
		{"conflict", delivery.Conflicting(409, errors.New("different record under these IDs")), "conflict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			tx := env.enqueue("P")
			blocked := env.enqueue("P")
			env.reg.script[tx] = []error{tc.err}
			w := env.worker(Config{})
			env.serve(w)
			ev := env.next(Failed)
			if ev.TransactionID != tx || ev.Class != tc.class {
				t.Fatalf("failed event %+v", ev)
			}
			failed, err := env.ob.List(ctx, outbox.Filter{State: outbox.Failed})
			if err != nil || len(failed) != 1 || failed[0].LastErrorClass != tc.class {
				t.Fatalf("failed list %+v, %v", failed, err)
			}
			if got := counterValue(t, w.m.failures.WithLabelValues(tc.class)); got != 1 {
				t.Errorf("%s failures metric = %v", tc.class, got)
			}
			// The operator retries it: both items of the person go, in order.
			if err := env.ob.RetryFailed(ctx, failed[0].ID); err != nil {
				t.Fatal(err)
			}
			w.Kick()
			env.next(Delivered)
			w.Kick()
			env.next(Delivered)
			// Events of different items may be emitted in any order; the
			// registry's calls show the delivery order.
			calls, committed, _ := env.reg.snapshot()
			if want := []string{tx, tx, blocked}; !slices.Equal(calls, want) {
				t.Errorf("calls %v, want %v", calls, want)
			}
			if committed[tx] != 1 || committed[blocked] != 1 {
				t.Errorf("committed %v", committed)
			}
		})
	}
}

func TestUnclassifiedErrorIsRetried(t *testing.T) {
	env := newEnv(t)
	tx := env.enqueue("")
	env.reg.script[tx] = []error{errors.New("connection reset by peer")}
	env.serve(env.worker(Config{}))
	if ev := env.next(RetryScheduled); ev.Class != "retryable" {
		t.Errorf("unclassified error scheduled as %q", ev.Class)
	}
}

func TestBoundedConcurrency(t *testing.T) {
	env := newEnv(t)
	for range 8 {
		env.enqueue("")
	}
	env.reg.hold = make(chan struct{})
	w := env.worker(Config{Concurrency: 3})
	env.serve(w)
	for range 3 {
		select {
		case <-env.reg.started:
		case <-time.After(guard):
			t.Fatal("fewer than 3 deliveries started")
		}
	}
	close(env.reg.hold)
	for range 8 {
		env.next(Delivered)
	}
	calls, _, maxActive := env.reg.snapshot()
	if maxActive != 3 {
		t.Errorf("at most %d deliveries ran at once, want 3", maxActive)
	}
	if len(calls) != 8 {
		t.Errorf("%d calls for 8 items", len(calls))
	}
}

func TestInOrderPerPerson(t *testing.T) {
	env := newEnv(t)
	first, second, third := env.enqueue("P"), env.enqueue("P"), env.enqueue("P")
	env.reg.script[first] = []error{delivery.Retry(502, 0, errors.New("bad gateway")), delivery.Retry(502, 0, errors.New("bad gateway"))}
	w := env.worker(Config{Concurrency: 4, BaseBackoff: time.Second})
	env.serve(w)
	for range 2 {
		ev := env.next(RetryScheduled)
		env.clock.Advance(ev.NextAttempt.Sub(env.clock.Now()))
		w.Kick()
	}
	for range 3 {
		env.next(Delivered)
		w.Kick()
	}
	calls, _, _ := env.reg.snapshot()
	if want := []string{first, first, first, second, third}; !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
}

func TestCancelMidDeliveryThenRestart(t *testing.T) {
	env := newEnv(t)
	tx := env.enqueue("")
	env.reg.hold = make(chan struct{}) // never released: the delivery hangs until cancelled
	cfg := Config{LeaseFor: time.Minute}
	w := env.worker(cfg)
	stop := env.serve(w)
	select {
	case <-env.reg.started:
	case <-time.After(guard):
		t.Fatal("delivery did not start")
	}
	if err := stop(); err != nil {
		t.Fatalf("Serve = %v", err)
	}
	it, err := env.ob.List(ctx, outbox.Filter{State: outbox.InFlight})
	if err != nil || len(it) != 1 || it[0].TransactionID != tx {
		t.Fatalf("after cancel the item should stay leased: %+v, %v", it, err)
	}
	if got := counterValue(t, w.m.attempts.WithLabelValues("interrupted")); got != 1 {
		t.Errorf("interrupted attempts = %v", got)
	}

	// A new worker (the restarted daemon) delivers it once the lease expires.
	env.reg.mu.Lock()
	env.reg.hold = nil
	env.reg.mu.Unlock()
	env.clock.Advance(cfg.LeaseFor)
	w2 := env.worker(cfg)
	stop2 := env.serve(w2)
	if ev := env.next(Delivered); ev.TransactionID != tx || ev.Attempt != 2 {
		t.Errorf("delivered %+v", ev)
	}
	_ = stop2()
	calls, committed, _ := env.reg.snapshot()
	if len(calls) != 2 || committed[tx] != 1 {
		t.Errorf("calls %v, committed %d; want one interrupted call and one delivery", calls, committed[tx])
	}
}

func TestHealth(t *testing.T) {
	env := newEnv(t)
	tx := env.enqueue("")
	env.reg.pingErr = errors.New("dial tcp: connection refused")
	env.reg.script[tx] = []error{delivery.Retry(0, 0, errors.New("dial tcp: connection refused"))}
	env.clock.Advance(25 * time.Hour)
	h := make(healthRecorder, 100)
	w := env.worker(Config{StuckAfter: 24 * time.Hour}, WithHealth(h))
	env.serve(w)
	var sawUnreachable, sawStuck bool
	deadline := time.After(guard)
	for !sawUnreachable || !sawStuck {
		select {
		case c := <-h:
			switch {
			case c.component == "registry/osia" && !c.ok && strings.Contains(c.msg, "connection refused"):
				sawUnreachable = true
			case c.component == "sync/osia" && !c.ok && strings.Contains(c.msg, "undelivered for 25h"):
				sawStuck = true
			}
		case <-deadline:
			t.Fatalf("health: unreachable reported %v, stuck reported %v", sawUnreachable, sawStuck)
		}
	}
}

func TestBackoffLimit(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{9, 256 * time.Second}, {10, 5 * time.Minute}, {1000, 5 * time.Minute},
	}
	for _, tc := range tests {
		if got := backoffLimit(time.Second, 5*time.Minute, tc.attempts); got != tc.want {
			t.Errorf("backoffLimit(attempt %d) = %s, want %s", tc.attempts, got, tc.want)
		}
	}
	for range 1000 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %s", d)
		}
	}
}

func TestNewAndServeErrors(t *testing.T) {
	env := newEnv(t)
	if _, err := New(env.ob, "bad target", env.reg, Config{}); err == nil {
		t.Error("New accepted a malformed target")
	}
	if _, err := New(nil, "osia", env.reg, Config{}); err == nil {
		t.Error("New accepted a nil outbox")
	}
	reg := prometheus.NewRegistry()
	for _, target := range []string{"a", "b"} {
		if _, err := New(env.ob, target, env.reg, Config{}, WithMetrics(reg)); err != nil {
			t.Errorf("worker %s on a shared registry: %v", target, err)
		}
	}
	if _, err := New(env.ob, "a", env.reg, Config{}, WithMetrics(reg)); err == nil {
		t.Error("two workers of one target registered the same metrics")
	}
	w := env.worker(Config{})
	env.serve(w)
	env.enqueue("")
	w.Kick()
	env.next(Delivered) // Serve is running
	if err := w.Serve(ctx); !errors.Is(err, ErrRunning) {
		t.Errorf("second Serve = %v, want ErrRunning", err)
	}
}

func TestRegistryWideFailureHoldsTheQueue(t *testing.T) {
	tests := []struct {
		name string
		err  error
		hold time.Duration
	}{
		// Two failures in a row: the hold is the second backoff step.
		{"unreachable", delivery.Retry(0, 0, errors.New("connection refused")), 2 * time.Minute},
		{"retry-after", delivery.Retry(503, 10*time.Minute, errors.New("maintenance")), 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			for range 20 {
				tx := env.enqueue("")
				env.reg.script[tx] = []error{tt.err}
			}
			w := env.worker(Config{Concurrency: 2, BaseBackoff: time.Minute, MaxBackoff: time.Hour})
			env.serve(w)
			env.next(RetryScheduled)
			env.next(RetryScheduled)
			// Held: kicks lease nothing until the hold is over.
			for range 5 {
				w.Kick()
				time.Sleep(20 * time.Millisecond)
			}
			if calls, _, _ := env.reg.snapshot(); len(calls) != 2 {
				t.Fatalf("%d delivery attempts while the registry was out of reach, want 2", len(calls))
			}
			env.clock.Advance(tt.hold + time.Second)
			w.Kick()
			env.next(RetryScheduled)
			env.next(RetryScheduled)
			if calls, _, _ := env.reg.snapshot(); len(calls) != 4 {
				t.Fatalf("%d attempts after the hold, want 4", len(calls))
			}
		})
	}
}

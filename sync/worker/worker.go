package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

// Connector delivers enrollments to one registry. Deliver must be idempotent
// for the same enrollment (same person, identity and transaction IDs) and
// classify its failures with the delivery package.
type Connector interface {
	Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error)
	Ping(ctx context.Context) error
}

// Health receives the worker's health checks: component names are
// "registry/<target>" (reachability) and "sync/<target>" (stuck items).
type Health interface {
	Set(component string, ok bool, message string)
}

// Config tunes a worker. Zero fields take their defaults.
type Config struct {
	// Concurrency bounds the deliveries in flight (default 4).
	Concurrency int
	// LeaseFor is how long a leased item is reserved (default 2 min).
	LeaseFor time.Duration
	// BaseBackoff is the first retry's backoff limit (default 1 s).
	BaseBackoff time.Duration
	// MaxBackoff caps the backoff limit (default 5 min).
	MaxBackoff time.Duration
	// PollInterval is the longest the worker sleeps without a Kick (default 5 s).
	PollInterval time.Duration
	// PingInterval is how often the registry is pinged (default 30 s).
	PingInterval time.Duration
	// StuckAfter is the age after which an undelivered item is a health
	// warning (default 24 h).
	StuckAfter time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	def(&c.LeaseFor, 2*time.Minute)
	def(&c.BaseBackoff, time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.PollInterval, 5*time.Second)
	def(&c.PingInterval, 30*time.Second)
	def(&c.StuckAfter, 24*time.Hour)
	c.MaxBackoff = max(c.MaxBackoff, c.BaseBackoff)
	return c
}

// Option configures optional parts of a worker.
type Option func(*Worker)

// WithHealth reports health to h.
func WithHealth(h Health) Option { return func(w *Worker) { w.health = h } }

// WithMetrics registers the worker's metrics with reg, labelled with the target.
func WithMetrics(reg prometheus.Registerer) Option { return func(w *Worker) { w.reg = reg } }

// WithEvents calls fn for every progress event. fn is called from the
// delivery goroutines and must return quickly.
func WithEvents(fn func(Event)) Option { return func(w *Worker) { w.events = fn } }

// WithClock replaces time.Now for lease, backoff and stuck-item times.
func WithClock(now func() time.Time) Option { return func(w *Worker) { w.now = now } }

// WithLogger logs to l (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(w *Worker) { w.log = l } }

// WithJitter replaces the random draw of the backoff: fn returns a duration
// in [0, limit].
func WithJitter(fn func(limit time.Duration) time.Duration) Option {
	return func(w *Worker) { w.jitter = fn }
}

// Worker delivers one target's items. Create it with New and run Serve.
type Worker struct {
	ob     *outbox.Outbox
	target string
	conn   Connector
	cfg    Config

	health Health
	reg    prometheus.Registerer
	events func(Event)
	now    func() time.Time
	log    *slog.Logger
	jitter func(time.Duration) time.Duration

	m       *metrics
	kick    chan struct{}
	pingNow chan struct{}
	running atomic.Bool

	// hold pauses leasing while the registry as a whole is unreachable or
	// has asked for a pause, so an offline station does not cycle through
	// its whole queue rescheduling every item.
	holdMu       sync.Mutex
	holdUntil    time.Time // backoff after unreachable-registry failures
	holdAfter    time.Time // the registry's own Retry-After
	holdFailures int
}

// ErrRunning is returned by Serve when the worker is already serving.
var ErrRunning = errors.New("sync worker is already running")

// New returns a worker delivering target's items from ob through c.
func New(ob *outbox.Outbox, target string, c Connector, cfg Config, opts ...Option) (*Worker, error) {
	if ob == nil || c == nil {
		return nil, errors.New("sync worker needs an outbox and a connector")
	}
	if err := outbox.CheckTarget(target); err != nil {
		return nil, fmt.Errorf("sync worker: %w", err)
	}
	w := &Worker{
		ob: ob, target: target, conn: c, cfg: cfg.withDefaults(),
		now: time.Now, log: slog.Default(), jitter: fullJitter,
		kick: make(chan struct{}, 1), pingNow: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(w)
	}
	w.log = w.log.With("target", target)
	m, err := newMetrics(w.reg, ob, target)
	if err != nil {
		return nil, fmt.Errorf("sync worker %s metrics: %w", target, err)
	}
	w.m = m
	return w, nil
}

func fullJitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return rand.N(limit + 1)
}

// Kick wakes the worker, for example after an enqueue. It never blocks.
func (w *Worker) Kick() { signal(w.kick) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Serve delivers items until ctx is cancelled, then waits for its
// goroutines to end and returns nil. It returns an error only when the
// worker is already running.
func (w *Worker) Serve(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer w.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Go(func() { w.monitor(ctx) })

	done := make(chan struct{}, w.cfg.Concurrency)
	inflight := 0
	for {
		wait := w.cfg.PollInterval
		if until := w.heldUntil(); w.now().Before(until) {
			wait = min(wait, until.Sub(w.now()))
		} else if free := w.cfg.Concurrency - inflight; free > 0 {
			leases, err := w.ob.Lease(ctx, w.target, w.now(), free, w.cfg.LeaseFor)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				w.log.Error("leasing queue items failed; will retry", "err", err)
			}
			for _, l := range leases {
				inflight++
				w.emit(itemEvent(Leased, l.Item))
				wg.Go(func() {
					defer func() { done <- struct{}{} }()
					w.deliver(ctx, l)
				})
			}
			if len(leases) < free {
				wait = w.untilNextDue(ctx, wait)
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-w.kick:
		case <-done:
			inflight--
		case <-timer.C:
		}
		timer.Stop()
	}
}

// untilNextDue shortens wait to the time until the target's next due item.
func (w *Worker) untilNextDue(ctx context.Context, wait time.Duration) time.Duration {
	next, ok, err := w.ob.NextDue(ctx, w.target)
	if err != nil || !ok {
		return wait
	}
	// A due item that was not leased waits for an earlier item of its
	// person: wait for a kick or the poll interval.
	if d := next.Sub(w.now()); d > 0 && d < wait {
		return d
	}
	return wait
}

// deliver makes one delivery attempt and records its outcome.
func (w *Worker) deliver(ctx context.Context, l outbox.Lease) {
	dctx, cancel := context.WithTimeout(ctx, w.cfg.LeaseFor*3/4)
	start := time.Now()
	receipt, err := w.conn.Deliver(dctx, l.Enrollment)
	cancel()
	w.m.seconds.Observe(time.Since(start).Seconds())
	l.Enrollment = nil
	if err != nil && ctx.Err() != nil {
		// Stopped mid-delivery: leave the lease to expire.
		w.m.attempts.WithLabelValues("interrupted").Inc()
		w.log.Debug("delivery interrupted by shutdown; the item is due again after its lease", "item", l.Item.ID)
		return
	}
	// Record the outcome even if ctx was cancelled meanwhile.
	rctx := context.WithoutCancel(ctx)
	now := w.now()
	if err == nil {
		w.m.attempts.WithLabelValues("delivered").Inc()
		if receipt.Target == "" {
			receipt.Target = w.target
		}
		w.setReachable(true, "reachable")
		w.release(false)
		w.record(w.ob.Ack(rctx, l, receipt), l, itemEvent(Delivered, l.Item))
		return
	}
	class, de := delivery.Classify(err)
	w.m.failures.WithLabelValues(class.String()).Inc()
	if class == delivery.Retryable {
		w.m.attempts.WithLabelValues("retry").Inc()
		var retryAfter time.Duration
		if de != nil {
			retryAfter = de.RetryAfter
		}
		next := now.Add(max(w.backoff(l.Item.Attempts), retryAfter))
		if de == nil || de.Status == 0 || retryAfter > 0 {
			// Not about this item: the registry is out of reach or asked for a pause.
			w.holdOff(now, retryAfter)
		}
		w.log.Info("delivery failed; retry scheduled", "item", l.Item.ID, "attempt", l.Item.Attempts, "class", class, "next", next, "err", err)
		w.record(w.ob.Retry(rctx, l, err, next), l, retryEvent(l.Item, class, next))
		signal(w.pingNow)
		return
	}
	w.m.attempts.WithLabelValues("failed").Inc()
	w.log.Warn("delivery failed permanently; the item is on the failed list", "item", l.Item.ID, "class", class, "err", err)
	w.record(w.ob.Fail(rctx, l, err), l, failEvent(l.Item, class))
}

// holdOff pauses leasing after a registry-wide failure, for a backoff that
// grows with consecutive such failures, and at least retryAfter.
func (w *Worker) holdOff(now time.Time, retryAfter time.Duration) {
	w.holdMu.Lock()
	defer w.holdMu.Unlock()
	if retryAfter > 0 {
		if until := now.Add(retryAfter); until.After(w.holdAfter) {
			w.holdAfter = until
		}
		return
	}
	w.holdFailures++
	if until := now.Add(w.backoff(w.holdFailures)); until.After(w.holdUntil) {
		w.holdUntil = until
	}
}

// release ends a hold: a delivery went through, or (reachable only) a ping
// did, which does not cut short a pause the registry asked for.
func (w *Worker) release(reachableOnly bool) {
	w.holdMu.Lock()
	defer w.holdMu.Unlock()
	w.holdFailures, w.holdUntil = 0, time.Time{}
	if !reachableOnly {
		w.holdAfter = time.Time{}
	}
}

func (w *Worker) heldUntil() time.Time {
	w.holdMu.Lock()
	defer w.holdMu.Unlock()
	if w.holdAfter.After(w.holdUntil) {
		return w.holdAfter
	}
	return w.holdUntil
}

// backoff returns the delay before retry number attempts (1 for the first
// failure): a random duration in [0, min(MaxBackoff, BaseBackoff·2^(attempts-1))].
func (w *Worker) backoff(attempts int) time.Duration {
	return w.jitter(backoffLimit(w.cfg.BaseBackoff, w.cfg.MaxBackoff, attempts))
}

func backoffLimit(base, maxDelay time.Duration, attempts int) time.Duration {
	limit := base
	for i := 1; i < attempts && limit < maxDelay; i++ {
		limit *= 2
	}
	return min(limit, maxDelay)
}

// record logs a failure to record an outcome and emits the event otherwise.
func (w *Worker) record(err error, l outbox.Lease, ev Event) {
	switch {
	case err == nil:
		w.emit(ev)
	case errors.Is(err, outbox.ErrStaleLease):
		w.log.Warn("outcome not recorded: the lease expired and the item was leased again", "item", l.Item.ID, "outcome", ev.Kind)
	default:
		w.log.Error("outcome not recorded; the item is due again after its lease", "item", l.Item.ID, "outcome", ev.Kind, "err", err)
	}
}

func (w *Worker) emit(ev Event) {
	if w.events == nil {
		return
	}
	ev.Target = w.target
	if ev.At.IsZero() {
		ev.At = w.now()
	}
	w.events(ev)
}

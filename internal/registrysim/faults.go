package registrysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits on fault settings, so that a typo cannot hang a test run.
const (
	// MaxLatency is the largest added latency accepted.
	MaxLatency = time.Minute
	// MaxRetryAfter is the largest Retry-After value, in seconds, accepted.
	MaxRetryAfter = 3600
	// maxFaultsBody bounds the JSON accepted by the faults control endpoint.
	maxFaultsBody = 64 << 10
)

// ErrInvalidFaults is returned (wrapped) when fault settings are out of range.
var ErrInvalidFaults = errors.New("invalid fault settings")

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("250ms") and also accepts a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration must be a string like \"50ms\" or a number of nanoseconds: %w", err)
	}
	*d = Duration(n)
	return nil
}

// Faults are the failure settings of a simulator. The zero value injects
// nothing.
type Faults struct {
	// FailRate is the probability (0..1) that a request is answered with
	// Status before the simulator does any work.
	FailRate float64 `json:"failRate"`
	// Status is the HTTP status of injected failures; 0 means 503.
	Status int `json:"status,omitempty"`
	// RetryAfter, when positive, is sent as Retry-After (seconds) with
	// injected failures.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Latency is added before each request is handled. With LatencyMax
	// greater than Latency, the delay is uniform in [Latency, LatencyMax].
	Latency    Duration `json:"latency,omitempty"`
	LatencyMax Duration `json:"latencyMax,omitempty"`
	// DropResponseRate is the probability (0..1) that a request is fully
	// handled, its effects committed, and the connection then closed
	// without a response.
	DropResponseRate float64 `json:"dropResponseRate"`
}

// Validate reports whether the settings are in range.
func (f Faults) Validate() error {
	var errs []error
	if f.FailRate < 0 || f.FailRate > 1 || f.FailRate != f.FailRate {
		errs = append(errs, fmt.Errorf("failRate %v must be between 0 and 1", f.FailRate))
	}
	if f.DropResponseRate < 0 || f.DropResponseRate > 1 || f.DropResponseRate != f.DropResponseRate {
		errs = append(errs, fmt.Errorf("dropResponseRate %v must be between 0 and 1", f.DropResponseRate))
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d must be an HTTP error status (400-599)", f.Status))
	}
	if f.RetryAfter < 0 || f.RetryAfter > MaxRetryAfter {
		errs = append(errs, fmt.Errorf("retryAfter %d must be between 0 and %d seconds", f.RetryAfter, MaxRetryAfter))
	}
	if f.Latency < 0 || time.Duration(f.Latency) > MaxLatency {
		errs = append(errs, fmt.Errorf("latency %v must be between 0 and %v", time.Duration(f.Latency), MaxLatency))
	}
	if f.LatencyMax != 0 && (f.LatencyMax < f.Latency || time.Duration(f.LatencyMax) > MaxLatency) {
		errs = append(errs, fmt.Errorf("latencyMax %v must be between latency %v and %v",
			time.Duration(f.LatencyMax), time.Duration(f.Latency), MaxLatency))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidFaults, errors.Join(errs...))
	}
	return nil
}

// ParseLatency reads a fixed latency ("50ms") or a range ("20ms-200ms").
func ParseLatency(s string) (minimum, maximum time.Duration, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	minimum, err = time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return 0, 0, fmt.Errorf("latency %q: want a duration like 50ms or a range like 20ms-200ms: %w", s, err)
	}
	if !isRange {
		return minimum, 0, nil
	}
	maximum, err = time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return 0, 0, fmt.Errorf("latency %q: upper bound: %w", s, err)
	}
	if maximum < minimum {
		return 0, 0, fmt.Errorf("latency %q: upper bound is below lower bound", s)
	}
	return minimum, maximum, nil
}

// FaultCounts are the numbers of faults injected since start or reset.
type FaultCounts struct {
	Failed  int64 `json:"failed"`
	Dropped int64 `json:"dropped"`
	Delayed int64 `json:"delayed"`
}

// FaultInjector injects the configured faults into requests. It is safe for
// concurrent use; its settings can be changed while it serves.
type FaultInjector struct {
	mu  sync.Mutex
	cfg Faults
	rng *rand.Rand

	failed, dropped, delayed atomic.Int64
}

// NewFaultInjector returns an injector with the given settings whose random
// decisions are drawn from a generator seeded with seed, so that a sequence
// of requests sees the same faults from run to run.
func NewFaultInjector(cfg Faults, seed uint64) (*FaultInjector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &FaultInjector{cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, nil
}

// Set replaces the settings.
func (f *FaultInjector) Set(cfg Faults) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	f.cfg = cfg
	f.mu.Unlock()
	return nil
}

// Get returns the current settings.
func (f *FaultInjector) Get() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// Counts returns how many faults were injected.
func (f *FaultInjector) Counts() FaultCounts {
	return FaultCounts{Failed: f.failed.Load(), Dropped: f.dropped.Load(), Delayed: f.delayed.Load()}
}

// ResetCounts sets the fault counters to zero.
func (f *FaultInjector) ResetCounts() {
	f.failed.Store(0)
	f.dropped.Store(0)
	f.delayed.Store(0)
}

type decision struct {
	delay      time.Duration
	fail       bool
	status     int
	retryAfter int
	drop       bool
}

func (f *FaultInjector) decide() decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cfg
	var d decision
	d.delay = time.Duration(c.Latency)
	if c.LatencyMax > c.Latency {
		d.delay += time.Duration(f.rng.Int64N(int64(c.LatencyMax-c.Latency) + 1))
	}
	if c.FailRate > 0 && f.rng.Float64() < c.FailRate {
		d.fail = true
		d.status = c.Status
		if d.status == 0 {
			d.status = http.StatusServiceUnavailable
		}
		d.retryAfter = c.RetryAfter
		return d
	}
	if c.DropResponseRate > 0 && f.rng.Float64() < c.DropResponseRate {
		d.drop = true
	}
	return d
}

// Middleware injects faults into requests for next. Requests whose path
// starts with one of exemptPrefixes (such as the simulator control
// endpoints) are passed through untouched.
func (f *FaultInjector) Middleware(next http.Handler, exemptPrefixes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range exemptPrefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				next.ServeHTTP(w, r)
				return
			}
		}
		d := f.decide()
		if d.delay > 0 {
			f.delayed.Add(1)
			t := time.NewTimer(d.delay)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if d.fail {
			f.failed.Add(1)
			if d.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(d.retryAfter))
			}
			WriteError(w, d.status, "injected fault: the simulator was told to fail this request; retry later")
			return
		}
		if !d.drop {
			next.ServeHTTP(w, r)
			return
		}
		// Do the work against a buffer, so that every effect is committed,
		// then drop the connection without sending a byte.
		next.ServeHTTP(&discardWriter{header: make(http.Header)}, r)
		f.dropped.Add(1)
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
			return
		}
		// Connections that cannot be hijacked (HTTP/2) are aborted instead.
		panic(http.ErrAbortHandler)
	})
}

// ServeHTTP is the control endpoint for the settings: GET returns them as
// JSON, PUT replaces them with the JSON body (fields left out become zero),
// DELETE turns every fault off.
func (f *FaultInjector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		// The counts a GET returns may be sent back; they are ignored.
		var body struct {
			Faults
			Counts json.RawMessage `json:"counts"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFaultsBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			WriteError(w, http.StatusBadRequest, "faults: body must be a JSON object with failRate, status, retryAfter, latency, latencyMax, dropResponseRate: "+err.Error())
			return
		}
		if err := f.Set(body.Faults); err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
	case http.MethodDelete:
		_ = f.Set(Faults{})
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		WriteError(w, http.StatusMethodNotAllowed, "faults: use GET, PUT or DELETE")
		return
	}
	WriteJSON(w, http.StatusOK, struct {
		Faults
		Counts FaultCounts `json:"counts"`
	}{f.Get(), f.Counts()})
}

// discardWriter is the ResponseWriter given to handlers whose response will
// be dropped.
type discardWriter struct {
	header http.Header
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

package registrysim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaultsValidate(t *testing.T) {
	cases := []struct {
		name string
		f    Faults
		ok   bool
	}{
		{"zero", Faults{}, true},
		{"full", Faults{FailRate: 0.2, Status: 429, RetryAfter: 3, Latency: Duration(time.Millisecond), LatencyMax: Duration(5 * time.Millisecond), DropResponseRate: 0.1}, true},
		{"fail rate above 1", Faults{FailRate: 1.5}, false},
		{"negative drop rate", Faults{DropResponseRate: -0.1}, false},
		{"success status", Faults{Status: 200}, false},
		{"negative retry-after", Faults{RetryAfter: -1}, false},
		{"huge latency", Faults{Latency: Duration(2 * MaxLatency)}, false},
		{"inverted range", Faults{Latency: Duration(time.Second), LatencyMax: Duration(time.Millisecond)}, false},
	}
	for _, tc := range cases {
		err := tc.f.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidFaults) {
			t.Errorf("%s: error does not wrap ErrInvalidFaults", tc.name)
		}
	}
}

func TestParseLatency(t *testing.T) {
	cases := []struct {
		in       string
		min, max time.Duration
		ok       bool
	}{
		{"", 0, 0, true},
		{"50ms", 50 * time.Millisecond, 0, true},
		{"20ms-200ms", 20 * time.Millisecond, 200 * time.Millisecond, true},
		{" 1s - 2s ", time.Second, 2 * time.Second, true},
		{"200ms-20ms", 0, 0, false},
		{"fast", 0, 0, false},
		{"1s-", 0, 0, false},
	}
	for _, tc := range cases {
		lo, hi, err := ParseLatency(tc.in)
		if (err == nil) != tc.ok || lo != tc.min || hi != tc.max {
			t.Errorf("ParseLatency(%q) = %v, %v, %v", tc.in, lo, hi, err)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var f Faults
	if err := json.Unmarshal([]byte(`{"latency":"15ms","latencyMax":30000000}`), &f); err != nil {
		t.Fatal(err)
	}
	if time.Duration(f.Latency) != 15*time.Millisecond || time.Duration(f.LatencyMax) != 30*time.Millisecond {
		t.Errorf("decoded %v %v", f.Latency, f.LatencyMax)
	}
	b, _ := json.Marshal(f)
	if !strings.Contains(string(b), `"latency":"15ms"`) {
		t.Errorf("encoded %s", b)
	}
	if err := json.Unmarshal([]byte(`{"latency":"soon"}`), &f); err == nil {
		t.Error("bad duration accepted")
	}
}

// counter is a handler that counts its calls and answers 201.
type counter struct{ n atomic.Int64 }

func (c *counter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.n.Add(1)
	w.WriteHeader(http.StatusCreated)
}

func TestFaultMiddleware(t *testing.T) {
	cases := []struct {
		name       string
		faults     Faults
		path       string
		wantStatus int
		wantCalls  int64
		retryAfter string
		minDelay   time.Duration
		dropped    bool
	}{
		{name: "none", path: "/v1/x", wantStatus: 201, wantCalls: 1},
		{name: "always fail default status", faults: Faults{FailRate: 1}, path: "/v1/x", wantStatus: 503},
		{name: "always fail 429 with retry-after", faults: Faults{FailRate: 1, Status: 429, RetryAfter: 2}, path: "/v1/x", wantStatus: 429, retryAfter: "2"},
		{name: "exempt path", faults: Faults{FailRate: 1, DropResponseRate: 1}, path: "/_sim/stats", wantStatus: 201, wantCalls: 1},
		{name: "fixed latency", faults: Faults{Latency: Duration(20 * time.Millisecond)}, path: "/v1/x", wantStatus: 201, wantCalls: 1, minDelay: 20 * time.Millisecond},
		{name: "latency range", faults: Faults{Latency: Duration(10 * time.Millisecond), LatencyMax: Duration(15 * time.Millisecond)}, path: "/v1/x", wantStatus: 201, wantCalls: 1, minDelay: 10 * time.Millisecond},
		{name: "drop after work", faults: Faults{DropResponseRate: 1}, path: "/v1/x", wantCalls: 1, dropped: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := NewFaultInjector(tc.faults, 1)
			if err != nil {
				t.Fatal(err)
			}
			stats := NewRequestStats()
			h := &counter{}
			srv := httptest.NewServer(stats.Middleware(fi.Middleware(h, "/_sim/")))
			defer srv.Close()
			start := time.Now()
			resp, err := srv.Client().Post(srv.URL+tc.path, "application/json", strings.NewReader(`{}`))
			elapsed := time.Since(start)
			if tc.dropped {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("response arrived (%d), want a dropped connection", resp.StatusCode)
				}
				if fi.Counts().Dropped != 1 || stats.Snapshot().NoAnswer != 1 {
					t.Errorf("counts %+v %+v", fi.Counts(), stats.Snapshot())
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.wantStatus || resp.Header.Get("Retry-After") != tc.retryAfter {
					t.Errorf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
				}
				if stats.Count(tc.wantStatus) != 1 {
					t.Errorf("stats %+v", stats.Snapshot())
				}
			}
			if got := h.n.Load(); got != tc.wantCalls {
				t.Errorf("handler ran %d times, want %d", got, tc.wantCalls)
			}
			if elapsed < tc.minDelay {
				t.Errorf("answered after %v, want at least %v", elapsed, tc.minDelay)
			}
		})
	}
}

func TestLatencyStopsWithRequest(t *testing.T) {
	fi, err := NewFaultInjector(Faults{Latency: Duration(MaxLatency)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	h := &counter{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/v1/x", nil).WithContext(ctx)
	fi.Middleware(h).ServeHTTP(httptest.NewRecorder(), r)
	if h.n.Load() != 0 {
		t.Error("handler ran for an abandoned request")
	}
}

func TestFaultsControlEndpoint(t *testing.T) {
	fi, err := NewFaultInjector(Faults{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, body string
		status       int
		want         Faults
	}{
		{"PUT", `{"failRate":0.25,"status":503,"retryAfter":2,"latency":"5ms","latencyMax":"10ms","dropResponseRate":0.1}`, 200,
			Faults{FailRate: 0.25, Status: 503, RetryAfter: 2, Latency: Duration(5 * time.Millisecond), LatencyMax: Duration(10 * time.Millisecond), DropResponseRate: 0.1}},
		{"GET", "", 200, Faults{FailRate: 0.25, Status: 503, RetryAfter: 2, Latency: Duration(5 * time.Millisecond), LatencyMax: Duration(10 * time.Millisecond), DropResponseRate: 0.1}},
		{"PUT", `{"failRate":3}`, 400, Faults{FailRate: 0.25, Status: 503, RetryAfter: 2, Latency: Duration(5 * time.Millisecond), LatencyMax: Duration(10 * time.Millisecond), DropResponseRate: 0.1}},
		{"PUT", `{"fail_rate":1}`, 400, Faults{FailRate: 0.25, Status: 503, RetryAfter: 2, Latency: Duration(5 * time.Millisecond), LatencyMax: Duration(10 * time.Millisecond), DropResponseRate: 0.1}},
		{"PUT", `{"failRate":1,"counts":{"failed":4}}`, 200, Faults{FailRate: 1}},
		{"DELETE", "", 200, Faults{}},
		{"POST", "{}", 405, Faults{}},
	}
	for i, tc := range cases {
		w := httptest.NewRecorder()
		fi.ServeHTTP(w, httptest.NewRequest(tc.method, "/_sim/faults", strings.NewReader(tc.body)))
		if w.Code != tc.status {
			t.Errorf("%d %s: status %d: %s", i, tc.method, w.Code, w.Body)
		}
		if got := fi.Get(); got != tc.want {
			t.Errorf("%d %s: settings %+v, want %+v", i, tc.method, got, tc.want)
		}
	}
}

func TestFaultInjectorConcurrent(t *testing.T) {
	fi, err := NewFaultInjector(Faults{FailRate: 0.5}, 7)
	if err != nil {
		t.Fatal(err)
	}
	h := fi.Middleware(&counter{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if i == 0 && j%10 == 0 {
					_ = fi.Set(Faults{FailRate: float64(j%3) / 2})
				}
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/x", nil))
			}
		}()
	}
	wg.Wait()
	if c := fi.Counts(); c.Failed == 0 {
		t.Errorf("no failure injected in 400 requests: %+v", c)
	}
}

func FuzzFaultsControl(f *testing.F) {
	f.Add(`{"failRate":0.1,"latency":"1ms"}`)
	f.Add(`{"latency":12}`)
	f.Add(`{"status":99999}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		fi, err := NewFaultInjector(Faults{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		fi.ServeHTTP(w, httptest.NewRequest("PUT", "/_sim/faults", strings.NewReader(body)))
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d", w.Code)
		}
		if err := fi.Get().Validate(); err != nil {
			t.Fatalf("invalid settings stored: %v", err)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	})
}

package registrysim

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// RequestStats counts answered requests by HTTP status. It is safe for
// concurrent use.
type RequestStats struct {
	mu       sync.Mutex
	byStatus map[int]int64
	noAnswer int64
}

// NewRequestStats returns empty statistics.
func NewRequestStats() *RequestStats {
	return &RequestStats{byStatus: make(map[int]int64)}
}

// RequestCounts is a snapshot of RequestStats.
type RequestCounts struct {
	Total int64 `json:"total"`
	// ByStatus maps an HTTP status ("201") to the number of answers.
	ByStatus map[string]int64 `json:"byStatus"`
	// NoAnswer counts requests that ended without a response (dropped by
	// fault injection or abandoned by the client).
	NoAnswer int64 `json:"noAnswer"`
}

// Snapshot returns the current counts.
func (s *RequestStats) Snapshot() RequestCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := RequestCounts{ByStatus: make(map[string]int64, len(s.byStatus)), NoAnswer: s.noAnswer, Total: s.noAnswer}
	for k, v := range s.byStatus {
		c.ByStatus[strconv.Itoa(k)] = v
		c.Total += v
	}
	return c
}

// Reset sets every count to zero.
func (s *RequestStats) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.byStatus)
	s.noAnswer = 0
}

// Count returns the number of answers with the given status.
func (s *RequestStats) Count(status int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byStatus[status]
}

func (s *RequestStats) record(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		s.noAnswer++
		return
	}
	s.byStatus[status]++
}

// Middleware counts the answers of next, except for requests whose path
// starts with one of exemptPrefixes.
func (s *RequestStats) Middleware(next http.Handler, exemptPrefixes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range exemptPrefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				next.ServeHTTP(w, r)
				return
			}
		}
		sw := &statusWriter{StatusRecorder: StatusRecorder{ResponseWriter: w}, stats: s}
		defer func() {
			if !sw.hijacked {
				s.record(sw.Status)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// StatusRecorder remembers the status written through it, for request
// logs and counts.
type StatusRecorder struct {
	http.ResponseWriter
	// Status is the first final status written; 0 while none is.
	Status int
}

// WriteHeader implements http.ResponseWriter.
func (w *StatusRecorder) WriteHeader(code int) {
	if w.Status == 0 && code >= 200 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *StatusRecorder) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Hijack, Flush).
func (w *StatusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusWriter is the StatusRecorder of the stats middleware.
type statusWriter struct {
	StatusRecorder
	stats    *RequestStats
	hijacked bool
}

// Hijack records the request as unanswered before handing the connection
// over: a fault that drops the answer closes the connection at once, and
// the client must not see it closed before the count says so.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && !w.hijacked {
		w.hijacked = true
		w.stats.record(w.Status)
	}
	return conn, rw, err
}

package dissim

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// Paths of the simulator. The API paths are those of Digital Identity
// Service 1.52; the /_sim/ endpoints are the simulator's own.
const (
	APIPrefix     = "/api/v1"
	HealthPath    = APIPrefix + "/health"
	InfoPath      = APIPrefix + "/info"
	SessionsPath  = APIPrefix + "/sessions"
	CustomersPath = APIPrefix + "/customers"
	SimPrefix     = "/_sim/"
	StatsPath     = SimPrefix + "stats"
	ResetPath     = SimPrefix + "reset"
	FaultsPath    = SimPrefix + "faults"
)

// SessionTokenHeader names the session to close in DELETE /api/v1/sessions.
const SessionTokenHeader = "x-inn-session-token"

// MaxBodyBytes bounds request bodies (images, chip data).
const MaxBodyBytes = 16 << 20

// DefaultMaxSessionTimeout is the longest session accepted when
// Config.MaxSessionTimeout is zero.
const DefaultMaxSessionTimeout = 24 * time.Hour

// Config configures a Simulator.
type Config struct {
	// APITokens are the API tokens accepted as "Authorization: Bearer".
	// They may call every operation, including creating sessions.
	APITokens []string
	// DisableAuth serves every operation without a token; it is required
	// when APITokens is empty.
	DisableAuth bool
	// MaxSessionTimeout is the longest session timeout accepted by
	// POST /api/v1/sessions; 0 means DefaultMaxSessionTimeout.
	MaxSessionTimeout time.Duration
	// Faults are the initial fault settings and Seed seeds their random
	// decisions.
	Faults registrysim.Faults
	Seed   uint64
	// Logger receives one record per request (operation and status, never
	// images or data); nil discards.
	Logger *slog.Logger
	// Now returns the current time for session expiry and document
	// expiry checks; nil means time.Now.
	Now func() time.Time
}

// Simulator is a Digital Identity Service 1.52 server keeping customers in
// memory. It is safe for concurrent use.
type Simulator struct {
	cfg     Config
	logger  *slog.Logger
	now     func() time.Time
	faults  *registrysim.FaultInjector
	stats   *registrysim.RequestStats
	handler http.Handler

	mu        sync.Mutex
	customers map[string]*customer
	sessions  map[string]time.Time // token → expiry

	sessionsCreated, sessionsClosed, authRejected, duplicates atomic.Int64
	sessionCalls, apiTokenCalls                               atomic.Int64
}

// New returns a simulator. The context is unused today and kept for
// symmetry with the other simulators.
func New(_ context.Context, cfg Config) (*Simulator, error) {
	if len(cfg.APITokens) == 0 && !cfg.DisableAuth {
		return nil, errors.New("dissim: configure at least one API token or set DisableAuth")
	}
	for _, t := range cfg.APITokens {
		if t == "" {
			return nil, errors.New("dissim: an API token is empty")
		}
	}
	if cfg.MaxSessionTimeout < 0 {
		return nil, fmt.Errorf("dissim: MaxSessionTimeout %v must not be negative", cfg.MaxSessionTimeout)
	}
	if cfg.MaxSessionTimeout == 0 {
		cfg.MaxSessionTimeout = DefaultMaxSessionTimeout
	}
	s := &Simulator{
		cfg: cfg, logger: cfg.Logger, now: cfg.Now, stats: registrysim.NewRequestStats(),
		customers: make(map[string]*customer), sessions: make(map[string]time.Time),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.faults, err = registrysim.NewFaultInjector(cfg.Faults, cfg.Seed); err != nil {
		return nil, fmt.Errorf("dissim: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(FaultsPath, s.faults)
	mux.HandleFunc(StatsPath, s.serveStats)
	mux.HandleFunc(ResetPath, s.serveReset)
	s.routes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, codeNotFound, "no Digital Identity Service operation is served at this path by the simulator")
	})
	s.handler = s.stats.Middleware(s.faults.Middleware(registrysim.Recoverer(mux, s.logger, internalError), SimPrefix), SimPrefix)
	return s, nil
}

// Handler returns the whole simulator: API endpoints and the /_sim/
// control endpoints, behind fault injection and statistics.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Faults returns the fault injector, to change faults from Go code.
func (s *Simulator) Faults() *registrysim.FaultInjector { return s.faults }

// SetFaults replaces the fault settings.
func (s *Simulator) SetFaults(f registrysim.Faults) error { return s.faults.Set(f) }

// Stats is the answer of GET /_sim/stats.
type Stats struct {
	Customers int `json:"customers"`
	// OpenSessions counts sessions neither closed nor expired.
	OpenSessions    int   `json:"openSessions"`
	SessionsCreated int64 `json:"sessionsCreated"`
	SessionsClosed  int64 `json:"sessionsClosed"`
	// AuthRejected counts requests answered 401.
	AuthRejected int64 `json:"authRejected"`
	// DuplicatesRejected counts customer creations answered 422 ALREADY_EXISTS.
	DuplicatesRejected int64 `json:"duplicatesRejected"`
	// SessionCalls and APITokenCalls count authenticated requests by the
	// kind of bearer token they carried.
	SessionCalls  int64                     `json:"sessionCalls"`
	APITokenCalls int64                     `json:"apiTokenCalls"`
	Requests      registrysim.RequestCounts `json:"requests"`
	Faults        registrysim.FaultCounts   `json:"faults"`
}

// Stats returns the current statistics.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	n := len(s.customers)
	open := 0
	now := s.now()
	for _, exp := range s.sessions {
		if now.Before(exp) {
			open++
		}
	}
	s.mu.Unlock()
	return Stats{
		Customers: n, OpenSessions: open,
		SessionsCreated: s.sessionsCreated.Load(), SessionsClosed: s.sessionsClosed.Load(),
		AuthRejected: s.authRejected.Load(), DuplicatesRejected: s.duplicates.Load(),
		SessionCalls: s.sessionCalls.Load(), APITokenCalls: s.apiTokenCalls.Load(),
		Requests: s.stats.Snapshot(), Faults: s.faults.Counts(),
	}
}

// Reset deletes every customer and session and zeroes the statistics;
// fault settings stay.
func (s *Simulator) Reset() {
	s.mu.Lock()
	clear(s.customers)
	clear(s.sessions)
	s.mu.Unlock()
	s.stats.Reset()
	s.faults.ResetCounts()
	for _, c := range []*atomic.Int64{&s.sessionsCreated, &s.sessionsClosed, &s.authRejected, &s.duplicates, &s.sessionCalls, &s.apiTokenCalls} {
		c.Store(0)
	}
}

// ExpireSessions ends every session at once, as a registry restart would;
// the next request with a session token is answered 401.
func (s *Simulator) ExpireSessions() {
	s.mu.Lock()
	clear(s.sessions)
	s.mu.Unlock()
}

func (s *Simulator) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		registrysim.WriteError(w, http.StatusMethodNotAllowed, StatsPath+" accepts GET only")
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, s.Stats())
}

func (s *Simulator) serveReset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		registrysim.WriteError(w, http.StatusMethodNotAllowed, ResetPath+" accepts POST only")
		return
	}
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// ---- errors ----

// Error codes of the ErrorResponse schema used by the simulator.
const (
	codeNotFound             = "NOT_FOUND"
	codeInvalidID            = "INVALID_ID"
	codeInvalidImage         = "INVALID_IMAGE"
	codeInvalidBody          = "INVALID_REQUEST_BODY"
	codeInvalidParameter     = "INVALID_REQUEST_PARAMETER"
	codeInvalidMethod        = "INVALID_REQUEST_METHOD"
	codeConflict             = "CONFLICT"
	codeUnexpected           = "UNEXPECTED_ERROR"
	codeAlreadyExists        = "ALREADY_EXISTS"
	codeDataDownloaderOff    = "DATA_DOWNLOADER_DISABLED"
	errMissingContentTypeFmt = "Content-Type must be %s"
)

// ErrorResponse is the API's error body.
type ErrorResponse struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// apiError is an error answered with an ErrorResponse.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func fail(status int, code, format string, args ...any) error {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	registrysim.WriteJSON(w, status, ErrorResponse{ErrorCode: code, ErrorMessage: msg})
}

// errUnauthorized is answered 401 without a body, as the API declares.
var errUnauthorized = errors.New("unauthorized")

// ---- routing ----

type op struct {
	name string
	auth bool
	fn   func(w http.ResponseWriter, r *http.Request) error
}

// handle registers the operations of one path, keyed by method.
func (s *Simulator) handle(mux *http.ServeMux, pattern string, ops map[string]op) {
	allow := make([]string, 0, len(ops))
	for m := range ops {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		o, ok := ops[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeErr(w, http.StatusMethodNotAllowed, codeInvalidMethod, fmt.Sprintf("method %s is not allowed here; use %s", r.Method, strings.Join(allow, ", ")))
			return
		}
		start := time.Now()
		sw := &registrysim.StatusRecorder{ResponseWriter: w}
		err := s.serveOp(sw, r, o)
		var ae *apiError
		switch {
		case err == nil:
		case errors.Is(err, errUnauthorized):
			s.authRejected.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer realm="dis"`)
			w.WriteHeader(http.StatusUnauthorized)
			sw.Status = http.StatusUnauthorized
		case errors.As(err, &ae):
			writeErr(sw, ae.status, ae.code, ae.msg)
		default:
			s.logger.Error("operation failed", "op", o.name, "err", err)
			writeErr(sw, http.StatusInternalServerError, codeUnexpected, o.name+" failed in the simulator")
		}
		s.logger.Info("request", "op", o.name, "method", r.Method, "status", sw.Status, "duration", time.Since(start))
	})
}

func (s *Simulator) serveOp(w http.ResponseWriter, r *http.Request, o op) error {
	if o.auth {
		if err := s.authorize(r); err != nil {
			return err
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	return o.fn(w, r)
}

// authorize checks the bearer token: an API token or an open session's token.
func (s *Simulator) authorize(r *http.Request) error {
	if s.cfg.DisableAuth {
		return nil
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return errUnauthorized
	}
	for _, t := range s.cfg.APITokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			s.apiTokenCalls.Add(1)
			return nil
		}
	}
	s.mu.Lock()
	exp, found := s.sessions[tok]
	if found && !s.now().Before(exp) {
		delete(s.sessions, tok)
		found = false
	}
	s.mu.Unlock()
	if !found {
		return errUnauthorized
	}
	s.sessionCalls.Add(1)
	return nil
}

// ---- sessions and actuator ----

func (s *Simulator) health(w http.ResponseWriter, _ *http.Request) error {
	registrysim.WriteJSON(w, http.StatusOK, map[string]string{"status": "UP"})
	return nil
}

func (s *Simulator) info(w http.ResponseWriter, _ *http.Request) error {
	registrysim.WriteJSON(w, http.StatusOK, map[string]any{
		"build": map[string]string{"artifact": "digital-identity-service", "name": "digital-identity-service", "group": "simulator", "version": "1.52.0"},
		"iface": map[string]any{"version": "simulated", "license": map[string]string{"year": "2099", "month": "12", "day": "31"}},
		"sam":   map[string]string{"version": "simulated"},
	})
	return nil
}

// CreateSessionRequest is the body of POST /api/v1/sessions.
type CreateSessionRequest struct {
	Timeout *int32 `json:"timeout"`
}

func (s *Simulator) createSession(w http.ResponseWriter, r *http.Request) error {
	var req CreateSessionRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Timeout == nil {
		return fail(http.StatusBadRequest, codeInvalidBody, "timeout is required: the session's timeout in seconds")
	}
	d := time.Duration(*req.Timeout) * time.Second
	if *req.Timeout <= 0 || d > s.cfg.MaxSessionTimeout {
		return fail(http.StatusBadRequest, codeInvalidBody, "timeout must be between 1 and %d seconds", int(s.cfg.MaxSessionTimeout/time.Second))
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("generate session token: %w", err)
	}
	tok := base64.StdEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	s.sessions[tok] = s.now().Add(d)
	s.mu.Unlock()
	s.sessionsCreated.Add(1)
	registrysim.WriteJSON(w, http.StatusOK, map[string]string{"token": tok})
	return nil
}

func (s *Simulator) deleteSession(w http.ResponseWriter, r *http.Request) error {
	tok := r.Header.Get(SessionTokenHeader)
	if tok == "" {
		// The header is required; Spring answers a missing header with 400.
		return fail(http.StatusBadRequest, codeInvalidParameter, "header %s is required", SessionTokenHeader)
	}
	s.mu.Lock()
	_, found := s.sessions[tok]
	delete(s.sessions, tok)
	s.mu.Unlock()
	if found {
		s.sessionsClosed.Add(1)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- request bodies ----

// readJSON decodes one JSON object strictly (unknown members are refused).
func readJSON(r *http.Request, v any) error {
	if err := requireType(r, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if dec.More() {
		return fail(http.StatusBadRequest, codeInvalidBody, "request body must hold one JSON object")
	}
	return nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fail(http.StatusRequestEntityTooLarge, codeInvalidBody, "request body exceeds %d bytes", MaxBodyBytes)
	}
	msg := err.Error()
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		msg = fmt.Sprintf("member %q has the wrong type (want %s)", ute.Field, ute.Type)
	}
	return fail(http.StatusBadRequest, codeInvalidBody, "request body is not valid: %s", msg)
}

func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

func requireType(r *http.Request, want string) error {
	if mediaType(r) != want {
		return fail(http.StatusBadRequest, codeInvalidBody, errMissingContentTypeFmt, want)
	}
	return nil
}

// internalError is the answer to a handler panic.
func internalError(w http.ResponseWriter) {
	writeErr(w, http.StatusInternalServerError, codeUnexpected, "internal simulator error")
}

package idvsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// Paths of the endpoints. The API document names its operations but shows
// no paths; these are the simulator's (and the connector's) convention,
// relative to the registry's base URL.
const (
	PathInfo   = "/"
	PathHealth = "/health"

	PathSessionCreate       = "/idv/session/create"
	PathSessionList         = "/idv/session/list"
	PathSessionRead         = "/idv/session/read"
	PathSessionTestRead     = "/idv/session/test/read"
	PathSessionLocationRead = "/idv/session/location/read"
	PathDocumentRead        = "/idv/document/read"
	PathDocumentList        = "/idv/document/list"
	PathDocumentDownload    = "/idv/document/download"

	PathSDKSessionRead      = "/sdk/idv/session/read"
	PathSDKMetadataUpdate   = "/sdk/idv/metadata/update"
	PathSDKConsent          = "/sdk/idv/consent/add"
	PathSDKDocumentType     = "/sdk/idv/document/type/update"
	PathSDKDocumentFront    = "/sdk/idv/document/front/add"
	PathSDKDocumentBack     = "/sdk/idv/document/back/add"
	PathSDKLivenessGenerate = "/sdk/idv/liveness/session/generate"
	PathSDKLivenessProcess  = "/sdk/idv/liveness/session/process"
	PathSDKFinalize         = "/sdk/idv/finalize"

	// TokenPath is the OAuth 2.0 client-credentials token endpoint.
	TokenPath = "/oauth/token"
	// SimPrefix starts the simulator-only control endpoints.
	SimPrefix  = "/_sim/"
	StatsPath  = SimPrefix + "stats"
	ResetPath  = SimPrefix + "reset"
	FaultsPath = SimPrefix + "faults"
)

// ClientIDHeader is the header every SDK operation requires.
const ClientIDHeader = "X-Client-Id"

// Size limits of requests.
const (
	// MaxJSONBody bounds JSON bodies, except the liveness images.
	MaxJSONBody = 1 << 20
	// MaxLivenessBody bounds the liveness process body (base64 images).
	MaxLivenessBody = 24 << 20
	// MaxImageBytes bounds one document image of a multipart upload.
	MaxImageBytes = 12 << 20
	// MaxMultipartBody bounds a whole multipart upload.
	MaxMultipartBody = MaxImageBytes + 64<<10
	// MaxSessions bounds the sessions kept in memory; creating more answers 429.
	MaxSessions = 100000
)

// Config configures a Simulator.
type Config struct {
	// Clients may obtain tokens at TokenPath; the token's client becomes
	// the owner of the sessions it creates and must match X-Client-Id.
	Clients []registrysim.Client
	// DisableAuth serves every endpoint without bearer tokens (X-Client-Id
	// is still required where the document requires it); it is required
	// when Clients is empty.
	DisableAuth bool
	// TokenTTL is the lifetime of tokens; 0 means one hour.
	TokenTTL time.Duration
	// SanctionList holds last names (compared case-insensitively) that the
	// OFAC test reports as on a sanction list.
	SanctionList []string
	// Faults are the initial fault settings and Seed seeds their random
	// decisions and the session IDs.
	Faults registrysim.Faults
	Seed   uint64
	// Logger receives one record per request (path and status, never
	// contents); nil discards.
	Logger *slog.Logger
	// Now returns the current time for session dates and token expiry; nil
	// means time.Now.
	Now func() time.Time
}

// Simulator is an in-memory identity-verification session server. It is
// safe for concurrent use.
type Simulator struct {
	tokens   *registrysim.TokenIssuer
	faults   *registrysim.FaultInjector
	stats    *registrysim.RequestStats
	logger   *slog.Logger
	now      func() time.Time
	sanction map[string]bool
	handler  http.Handler

	mu       sync.Mutex
	rng      *rand.Rand
	sessions map[string]*Session
	order    []string // session IDs in creation order
}

// New returns a simulator. ctx is not retained.
func New(ctx context.Context, cfg Config) (*Simulator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Simulator{
		logger:   cfg.Logger,
		now:      cfg.Now,
		stats:    registrysim.NewRequestStats(),
		sanction: make(map[string]bool),
		rng:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x51ed2701f3a5c7b9)),
		sessions: make(map[string]*Session),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, n := range cfg.SanctionList {
		s.sanction[strings.ToUpper(strings.TrimSpace(n))] = true
	}
	var err error
	if s.faults, err = registrysim.NewFaultInjector(cfg.Faults, cfg.Seed); err != nil {
		return nil, fmt.Errorf("idvsim: %w", err)
	}
	if len(cfg.Clients) == 0 && !cfg.DisableAuth {
		return nil, errors.New("idvsim: configure at least one OAuth client or set DisableAuth")
	}
	if !cfg.DisableAuth {
		s.tokens, err = registrysim.NewTokenIssuer(registrysim.TokenConfig{Clients: cfg.Clients, TTL: cfg.TokenTTL, Now: s.now})
		if err != nil {
			return nil, fmt.Errorf("idvsim: %w", err)
		}
	}
	mux := http.NewServeMux()
	if s.tokens != nil {
		mux.Handle(TokenPath, s.tokens)
	}
	mux.Handle(FaultsPath, s.faults)
	mux.HandleFunc(StatsPath, s.serveStats)
	mux.HandleFunc(ResetPath, s.serveReset)
	mux.HandleFunc("/", s.serveAPI)
	s.handler = s.stats.Middleware(s.faults.Middleware(registrysim.Recoverer(mux, s.logger, internalError), SimPrefix), SimPrefix)
	return s, nil
}

// Handler returns the whole simulator: the API, the token endpoint and the
// /_sim/ control endpoints, behind fault injection and statistics.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Faults returns the fault injector.
func (s *Simulator) Faults() *registrysim.FaultInjector { return s.faults }

// SetFaults replaces the fault settings.
func (s *Simulator) SetFaults(f registrysim.Faults) error { return s.faults.Set(f) }

// Tokens returns the token issuer, or nil when authentication is disabled.
func (s *Simulator) Tokens() *registrysim.TokenIssuer { return s.tokens }

// Stats is the answer of GET /_sim/stats.
type Stats struct {
	Sessions  int                       `json:"sessions"`
	Completed int                       `json:"completed"`
	Requests  registrysim.RequestCounts `json:"requests"`
	Faults    registrysim.FaultCounts   `json:"faults"`
}

// Stats returns the current statistics.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	st := Stats{Sessions: len(s.sessions)}
	for _, ss := range s.sessions {
		if ss.Status == StatusComplete {
			st.Completed++
		}
	}
	s.mu.Unlock()
	st.Requests = s.stats.Snapshot()
	st.Faults = s.faults.Counts()
	return st
}

// SessionCount returns the number of sessions held.
func (s *Simulator) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Session returns a deep copy of the session with the given ID.
func (s *Simulator) Session(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return Session{}, false
	}
	return ss.snapshot(), true
}

// Sessions returns deep copies of every session, in creation order.
func (s *Simulator) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.sessions[id].snapshot())
	}
	return out
}

// Reset deletes every session and zeroes the statistics; faults stay.
func (s *Simulator) Reset() {
	s.mu.Lock()
	clear(s.sessions)
	s.order = nil
	s.mu.Unlock()
	s.stats.Reset()
	s.faults.ResetCounts()
}

func (s *Simulator) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "/_sim/stats accepts GET only")
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, s.Stats())
}

func (s *Simulator) serveReset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "/_sim/reset accepts POST only")
		return
	}
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// internalError is the answer to a handler panic.
func internalError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, "internal simulator error; report it with the request that caused it")
}

// route is one API operation.
type route struct {
	method string
	// sdk operations require X-Client-Id.
	sdk bool
	// limit bounds the body.
	limit int64
	h     func(s *Simulator, c *call)
}

var routes = map[string]route{
	PathSessionCreate:       {http.MethodPost, false, MaxJSONBody, (*Simulator).sessionCreate},
	PathSessionList:         {http.MethodPost, false, MaxJSONBody, (*Simulator).sessionList},
	PathSessionRead:         {http.MethodPost, false, MaxJSONBody, (*Simulator).sessionRead},
	PathSessionTestRead:     {http.MethodPost, false, MaxJSONBody, (*Simulator).sessionTestRead},
	PathSessionLocationRead: {http.MethodPost, false, MaxJSONBody, (*Simulator).sessionLocationRead},
	PathDocumentRead:        {http.MethodPost, false, MaxJSONBody, (*Simulator).documentRead},
	PathDocumentList:        {http.MethodPost, false, MaxJSONBody, (*Simulator).documentList},
	PathDocumentDownload:    {http.MethodPost, false, MaxJSONBody, (*Simulator).documentDownload},
	PathSDKSessionRead:      {http.MethodPost, true, MaxJSONBody, (*Simulator).sdkSessionRead},
	PathSDKMetadataUpdate:   {http.MethodPost, true, MaxMetadataBody, (*Simulator).sdkMetadataUpdate},
	PathSDKConsent:          {http.MethodPost, true, MaxJSONBody, (*Simulator).sdkConsent},
	PathSDKDocumentType:     {http.MethodPost, true, MaxJSONBody, (*Simulator).sdkDocumentType},
	PathSDKDocumentFront:    {http.MethodPost, true, MaxMultipartBody, (*Simulator).sdkDocumentFront},
	PathSDKDocumentBack:     {http.MethodPost, true, MaxMultipartBody, (*Simulator).sdkDocumentBack},
	PathSDKLivenessGenerate: {http.MethodPost, true, MaxJSONBody, (*Simulator).sdkLivenessGenerate},
	PathSDKLivenessProcess:  {http.MethodPost, true, MaxLivenessBody, (*Simulator).sdkLivenessProcess},
	PathSDKFinalize:         {http.MethodPost, true, MaxJSONBody, (*Simulator).sdkFinalize},
}

// call is one authorized API request.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	client string
}

func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	sw := &registrysim.StatusRecorder{ResponseWriter: w}
	s.handleAPI(sw, r)
	s.logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status)
}

func (s *Simulator) handleAPI(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathInfo, PathHealth:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed on "+r.URL.Path)
			return
		}
		s.serveHealth(w, r)
		return
	}
	rt, ok := routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed on "+r.URL.Path+"; use "+rt.method)
		return
	}
	client, ok := s.authorize(w, r, rt.sdk)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, rt.limit)
	rt.h(s, &call{w: w, r: r, client: client})
}

// authorize checks the bearer token and X-Client-Id and returns the client
// the request acts for.
func (s *Simulator) authorize(w http.ResponseWriter, r *http.Request, sdk bool) (string, bool) {
	header := strings.TrimSpace(r.Header.Get(ClientIDHeader))
	client := header
	if s.tokens != nil {
		claims, err := s.tokens.Authorize(r, nil)
		if err != nil {
			writeAuthError(w, err)
			return "", false
		}
		if header != "" && header != claims.Subject {
			writeError(w, http.StatusForbidden, ClientIDHeader+" does not name the client the bearer token was issued to")
			return "", false
		}
		client = claims.Subject
	}
	if sdk && header == "" {
		writeError(w, http.StatusBadRequest, ClientIDHeader+" header is required")
		return "", false
	}
	if client == "" {
		client = "anonymous"
	}
	return client, true
}

func (s *Simulator) serveHealth(w http.ResponseWriter, r *http.Request) {
	now := s.now().UTC()
	if r.URL.Path == PathHealth {
		registrysim.WriteJSON(w, http.StatusOK, map[string]any{
			"status": "ok", "timestamp": now, "uptime": 0, "version": Version, "environment": "simulator",
			"checks": map[string]any{"database": "ok", "cache": "ok", "storage": "ok", "external_services": map[string]string{}},
		})
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, map[string]any{
		"service": "idv-simulator", "description": "identity-verification session simulator",
		"version": Version, "environment": "simulator", "timestamp": now,
		"documentation": "", "health": PathHealth, "status": "ok",
	})
}

// Version is the version the simulator reports.
const Version = "1.0.0-sim"

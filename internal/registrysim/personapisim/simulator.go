package personapisim

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// Paths of the API endpoints the simulator serves ({urls_base} is the
// server root).
const (
	TokenPath               = "/auth/token"
	PersonPath              = "/api/person"
	PersonIdentifierPath    = "/api/person/identifier"
	PersonNamePath          = "/api/person/name"
	PersonCommunicationPath = "/api/person/communication"
	IdentifierTypePath      = "/api/identifier-type"
	ClientPersonsPath       = "/api/client/persons"
	LogPath                 = "/api/log"
	StateLogPath            = "/api/statelog"
)

// Paths of the simulator-only control endpoints (not authenticated).
const (
	SimPrefix  = "/_sim/"
	StatsPath  = SimPrefix + "stats"
	ResetPath  = SimPrefix + "reset"
	FaultsPath = SimPrefix + "faults"
)

// IdempotenceKeyHeader is the header that makes a POST idempotent.
const IdempotenceKeyHeader = "Idempotence-Key"

// Limits.
const (
	// DefaultMaxBodyBytes bounds JSON request bodies (persons carry files)
	// unless Config.MaxBodyBytes says otherwise.
	DefaultMaxBodyBytes = 64 << 20
	// maxFormBytes bounds token request forms.
	maxFormBytes = 16 << 10
	// maxItems bounds the elements of one list (identifiers, files, …).
	maxItems = 100
	// maxIdempotenceKey bounds the Idempotence-Key header.
	maxIdempotenceKey = 255
)

// Token lifetimes the API document shows in its examples.
const (
	DefaultClientTokenTTL  = 15552000 * time.Second
	DefaultPersonTokenTTL  = 2592000 * time.Second
	DefaultRefreshTokenTTL = 5184000 * time.Second
	// DefaultIdempotencyTTL is how long an Idempotence-Key is remembered.
	DefaultIdempotencyTTL = 24 * time.Hour
)

// Config configures a Simulator.
type Config struct {
	// Clients may obtain client tokens at TokenPath with their ID and
	// secret (Scopes are ignored: the API has no scopes for clients).
	Clients []registrysim.Client
	// ClientTokenTTL, PersonTokenTTL and RefreshTokenTTL are token
	// lifetimes; zero takes the API document's values (180, 30 and 60 days).
	ClientTokenTTL, PersonTokenTTL, RefreshTokenTTL time.Duration
	// IdempotencyTTL is how long an Idempotence-Key and its answer are
	// kept; zero means DefaultIdempotencyTTL.
	IdempotencyTTL time.Duration
	// IdentifierTypes is the identifier-type dictionary; nil means
	// DefaultIdentifierTypes.
	IdentifierTypes []IdentifierType
	// UniqueIdentifierTypes are the identifier types whose values may
	// belong to one person only: creating or updating another person with
	// such a value is answered 409. The API document states no such rule,
	// so none is enforced by default (two identical POSTs without an
	// Idempotence-Key then create two persons, as the document says).
	UniqueIdentifierTypes []string
	// MaxBodyBytes bounds JSON request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ValidationStatus is the status of validation answers; zero means
	// 400. The API document only says validation errors are 4xx.
	ValidationStatus int
	// Faults are the initial fault settings and Seed seeds their random
	// decisions.
	Faults registrysim.Faults
	Seed   uint64
	// Logger receives one record per request (path, method, status; never
	// record contents); nil discards.
	Logger *slog.Logger
	// Now is the clock for timestamps, token and idempotency expiry; nil
	// means time.Now.
	Now func() time.Time
}

// Simulator serves the person registry API in memory. It is safe for
// concurrent use.
type Simulator struct {
	cfg     Config
	now     func() time.Time
	logger  *slog.Logger
	key     []byte
	clients map[string]registrysim.Client
	types   []compiledType
	unique  map[string]bool
	faults  *registrysim.FaultInjector
	stats   *registrysim.RequestStats
	handler http.Handler

	mu   sync.Mutex
	data store
}

// New validates cfg and returns a simulator.
func New(ctx context.Context, cfg Config) (*Simulator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(cfg.Clients) == 0 {
		return nil, errors.New("personapisim: configure at least one client (ID and secret)")
	}
	for _, d := range []*time.Duration{&cfg.ClientTokenTTL, &cfg.PersonTokenTTL, &cfg.RefreshTokenTTL, &cfg.IdempotencyTTL} {
		if *d < 0 {
			return nil, fmt.Errorf("personapisim: negative lifetime %v", *d)
		}
	}
	if cfg.ClientTokenTTL == 0 {
		cfg.ClientTokenTTL = DefaultClientTokenTTL
	}
	if cfg.PersonTokenTTL == 0 {
		cfg.PersonTokenTTL = DefaultPersonTokenTTL
	}
	if cfg.RefreshTokenTTL == 0 {
		cfg.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ValidationStatus == 0 {
		cfg.ValidationStatus = http.StatusBadRequest
	}
	if cfg.ValidationStatus < 400 || cfg.ValidationStatus > 499 {
		return nil, fmt.Errorf("personapisim: validation status %d is not a 4xx status", cfg.ValidationStatus)
	}
	if cfg.IdentifierTypes == nil {
		cfg.IdentifierTypes = DefaultIdentifierTypes()
	}
	s := &Simulator{cfg: cfg, now: cfg.Now, logger: cfg.Logger, clients: map[string]registrysim.Client{},
		stats: registrysim.NewRequestStats(), key: make([]byte, 32), data: newStore()}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	for _, c := range cfg.Clients {
		if c.ID == "" || c.Secret == "" {
			return nil, errors.New("personapisim: a client needs both an ID and a secret")
		}
		if _, dup := s.clients[c.ID]; dup {
			return nil, fmt.Errorf("personapisim: client %q configured twice", c.ID)
		}
		s.clients[c.ID] = c
	}
	s.unique = map[string]bool{}
	for _, t := range cfg.UniqueIdentifierTypes {
		s.unique[t] = true
	}
	seen := map[string]bool{}
	for _, t := range cfg.IdentifierTypes {
		re, err := regexp.Compile(t.Regex)
		if err != nil {
			return nil, fmt.Errorf("personapisim: identifier type %q: regex: %w", t.Type, err)
		}
		if t.Type == "" || seen[t.Type] {
			return nil, fmt.Errorf("personapisim: identifier type %q is empty or repeated", t.Type)
		}
		seen[t.Type] = true
		if t.Hint == "" {
			t.Hint = "does not match the format of type " + t.Type
		}
		if t.Attributes.Fields == nil {
			t.Attributes.Fields = []AttributeField{}
		}
		s.types = append(s.types, compiledType{IdentifierType: t, re: re})
	}
	if _, err := rand.Read(s.key); err != nil {
		return nil, fmt.Errorf("personapisim: generate token key: %w", err)
	}
	var err error
	if s.faults, err = registrysim.NewFaultInjector(cfg.Faults, cfg.Seed); err != nil {
		return nil, fmt.Errorf("personapisim: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(FaultsPath, s.faults)
	mux.HandleFunc(StatsPath, s.serveStats)
	mux.HandleFunc(ResetPath, s.serveReset)
	mux.HandleFunc("/", s.serveAPI)
	s.handler = s.stats.Middleware(s.faults.Middleware(registrysim.Recoverer(mux, s.logger, internalError), SimPrefix), SimPrefix)
	return s, nil
}

// Handler returns the whole simulator: API endpoints, token endpoint and the
// /_sim/ control endpoints, behind fault injection and statistics.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Faults returns the fault injector.
func (s *Simulator) Faults() *registrysim.FaultInjector { return s.faults }

// SetFaults replaces the fault settings.
func (s *Simulator) SetFaults(f registrysim.Faults) error { return s.faults.Set(f) }

// Stats are the simulator's counts.
type Stats struct {
	Persons     int `json:"persons"`
	Identifiers int `json:"identifiers"`
	Files       int `json:"files"`
	// Replays counts POSTs answered from the idempotency store.
	Replays int64 `json:"replays"`
	// KeyConflicts counts Idempotence-Keys reused with another body.
	KeyConflicts int64 `json:"keyConflicts"`
	// DuplicatesRejected counts identifiers refused because another
	// person holds them.
	DuplicatesRejected int64                     `json:"duplicatesRejected"`
	Requests           registrysim.RequestCounts `json:"requests"`
	Faults             registrysim.FaultCounts   `json:"faults"`
}

// Stats returns the current counts.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	st := Stats{Persons: len(s.data.persons), Replays: s.data.replays, KeyConflicts: s.data.keyConflicts,
		DuplicatesRejected: s.data.dups}
	for _, p := range s.data.persons {
		st.Identifiers += len(p.Identifiers)
		for _, id := range p.Identifiers {
			st.Files += len(id.Files)
		}
	}
	s.mu.Unlock()
	st.Requests = s.stats.Snapshot()
	st.Faults = s.faults.Counts()
	return st
}

// PersonCount returns the number of persons held.
func (s *Simulator) PersonCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data.persons)
}

// Person returns a copy of the person with the given registry ID, files
// with their data and hash.
func (s *Simulator) Person(id string) (Person, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.data.persons[id]
	if !ok {
		return Person{}, false
	}
	return p.answer(), true
}

// FindByIdentifier returns the persons holding the identifier value of
// the given type, in creation order.
func (s *Simulator) FindByIdentifier(identifierType, value string) []Person {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*personRec
	for _, p := range s.data.persons {
		if slices.ContainsFunc(p.Identifiers, func(id Identifier) bool {
			return id.IdentifierType == identifierType && id.Identifier == value
		}) {
			found = append(found, p)
		}
	}
	slices.SortFunc(found, func(a, b *personRec) int { return cmp.Compare(a.Seq, b.Seq) })
	out := make([]Person, 0, len(found))
	for _, p := range found {
		out = append(out, p.answer())
	}
	return out
}

// Reset deletes every record and idempotency entry and zeroes the
// statistics; fault settings stay.
func (s *Simulator) Reset() {
	s.mu.Lock()
	s.data = newStore()
	s.mu.Unlock()
	s.stats.Reset()
	s.faults.ResetCounts()
}

func (s *Simulator) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed", StatsPath+" accepts GET only")
		return
	}
	registrysim.WriteJSON(w, http.StatusOK, s.Stats())
}

func (s *Simulator) serveReset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed", ResetPath+" accepts POST only")
		return
	}
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// internalError is the answer to a handler panic.
func internalError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, "internal simulator error", "report it with the request that caused it")
}

// writeError answers the API's error model with a title and messages.
func writeError(w http.ResponseWriter, status int, title string, messages ...string) {
	registrysim.WriteJSON(w, status, ErrorBody{Title: title, Messages: messages})
}

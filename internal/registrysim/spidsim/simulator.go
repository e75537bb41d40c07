package spidsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// Paths of the endpoints.
const (
	Prefix     = "/gbs-spid-server"
	TokenPath  = "/oauth/token"
	SimPrefix  = "/_sim/"
	StatsPath  = SimPrefix + "stats"
	FaultsPath = SimPrefix + "faults"
)

// MaxBodyBytes bounds request bodies (enrollments carry images).
const MaxBodyBytes = 64 << 20

// DefaultPendingPolls is how many result reads answer "pending" before a
// transaction reaches its final status.
const DefaultPendingPolls = 2

// Config configures a Simulator.
type Config struct {
	// Clients may obtain bearer tokens at TokenPath (OAuth 2.0 client
	// credentials).
	Clients []registrysim.Client
	// DisableAuth serves the API without tokens; required when Clients is empty.
	DisableAuth bool
	// TokenTTL is the lifetime of tokens; 0 means one hour.
	TokenTTL time.Duration
	// PendingPolls is how many getEnrollResult, getSearchResult or
	// getOperator reads see a transaction pending before it completes;
	// 0 means DefaultPendingPolls, negative means it completes at once.
	PendingPolls int
	// MaxBodyBytes bounds request bodies; 0 means MaxBodyBytes.
	MaxBodyBytes int64
	// Faults are the initial fault settings and Seed seeds their decisions.
	Faults registrysim.Faults
	Seed   uint64
	// Logger receives one record per request (operation and status, never
	// record contents); nil discards.
	Logger *slog.Logger
	// Now is the clock for record dates and token expiry; nil means time.Now.
	Now func() time.Time
}

// transaction is an enroll or verify transaction.
type transaction struct {
	ID      string
	Type    string
	Data    UserTransaction
	Status  string
	Message string
	polls   int
	// final is the status the transaction reaches, with its message.
	final, finalMsg string
}

// person is an enrolled person.
type person struct {
	GUID       string
	TGUID      string
	Data       UserTransaction
	EnrolledAt time.Time
}

// operator is a station operator.
type operator struct {
	Document   string
	Biometrics []ContentData
	Status     string
	TGUID      string
	polls      int
	final      string
}

// Simulator is a SPID Server 4.2.12 simulator. It is safe for concurrent use.
type Simulator struct {
	cfg     Config
	tokens  *registrysim.TokenIssuer
	faults  *registrysim.FaultInjector
	stats   *registrysim.RequestStats
	logger  *slog.Logger
	now     func() time.Time
	handler http.Handler

	mu        sync.Mutex
	txs       map[string]*transaction
	byUser    map[string]string // userId → latest enroll TGUID
	persons   map[string]*person
	operators map[string]*operator
	forced    map[string][2]string // userId → forced final status and message
	system    SystemStatus
	seq       atomic.Uint64
	rejected  atomic.Int64
}

// New returns a simulator.
func New(ctx context.Context, cfg Config) (*Simulator, error) {
	_ = ctx
	s := &Simulator{
		cfg: cfg, logger: cfg.Logger, now: cfg.Now, stats: registrysim.NewRequestStats(),
		txs: map[string]*transaction{}, byUser: map[string]string{}, persons: map[string]*person{},
		operators: map[string]*operator{}, forced: map[string][2]string{},
		system: SystemStatus{PsbioStatus: "ACTIVE", SpidxStatus: "ACTIVE", GbdsStatus: "ACTIVE", IdnStatus: "ACTIVE"},
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.MaxBodyBytes <= 0 {
		s.cfg.MaxBodyBytes = MaxBodyBytes
	}
	if s.cfg.PendingPolls == 0 {
		s.cfg.PendingPolls = DefaultPendingPolls
	}
	var err error
	if s.faults, err = registrysim.NewFaultInjector(cfg.Faults, cfg.Seed); err != nil {
		return nil, fmt.Errorf("spidsim: %w", err)
	}
	if len(cfg.Clients) == 0 && !cfg.DisableAuth {
		return nil, errors.New("spidsim: configure at least one OAuth client or set DisableAuth")
	}
	if !cfg.DisableAuth {
		s.tokens, err = registrysim.NewTokenIssuer(registrysim.TokenConfig{Clients: slices.Clone(cfg.Clients), TTL: cfg.TokenTTL, Now: s.now})
		if err != nil {
			return nil, fmt.Errorf("spidsim: %w", err)
		}
	}
	api := http.NewServeMux()
	route := func(pattern, op string, h func(http.ResponseWriter, *http.Request)) {
		api.Handle(pattern, s.logged(op, s.authorized(http.HandlerFunc(h))))
	}
	route("POST "+Prefix+"/people", "enroll", s.enroll)
	route("GET "+Prefix+"/people/transactions/{id}", "getEnrollResult", s.getEnrollResult)
	route("GET "+Prefix+"/people/{key}", "getPerson", s.getPerson)
	route("GET "+Prefix+"/transaction/{guid}", "GetTransactionGuid", s.getTransactionGUID)
	route("GET "+Prefix+"/transaction/biometrics/{tguid}", "GetTransactionData", s.getTransactionData)
	route("GET "+Prefix+"/transaction/people/{cpf}", "GetPersonTransactionData", s.getPersonTransactionData)
	route("POST "+Prefix+"/verify", "verify", s.verify)
	route("GET "+Prefix+"/verify/{tguid}", "getSearchResult", s.getSearchResult)
	route("GET "+Prefix+"/operator/list", "operatorList", s.operatorList)
	route("GET "+Prefix+"/operator/{key}", "getOperator", s.getOperator)
	route("DELETE "+Prefix+"/operator/{key}", "deleteOperator", s.deleteOperator)
	route("POST "+Prefix+"/operator", "operatorInsert", s.operatorInsert)
	route("PUT "+Prefix+"/operator", "enrollOperator", s.enrollOperator)
	route("GET "+Prefix+"/status", "getStatus", s.getStatus)
	api.Handle("/", s.logged("unknown", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, ProcessingError, fmt.Sprintf("no SPID Server 4.2.12 operation for %s %s", r.Method, r.URL.Path))
	})))

	mux := http.NewServeMux()
	if s.tokens != nil {
		mux.Handle(TokenPath, s.tokens)
	}
	mux.Handle(FaultsPath, s.faults)
	mux.HandleFunc(StatsPath, func(w http.ResponseWriter, r *http.Request) {
		registrysim.WriteJSON(w, http.StatusOK, s.Stats())
	})
	mux.Handle("/", registrysim.Recoverer(api, s.logger, internalError))
	s.handler = s.stats.Middleware(s.faults.Middleware(mux, SimPrefix), SimPrefix)
	return s, nil
}

// Handler returns the whole simulator: SPID endpoints, token endpoint and
// /_sim/ control endpoints, behind fault injection and statistics.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Faults returns the fault injector.
func (s *Simulator) Faults() *registrysim.FaultInjector { return s.faults }

// SetFaults replaces the fault settings.
func (s *Simulator) SetFaults(f registrysim.Faults) error { return s.faults.Set(f) }

// Tokens returns the token issuer, or nil when authentication is disabled.
func (s *Simulator) Tokens() *registrysim.TokenIssuer { return s.tokens }

// SetSystemStatus replaces what getStatus reports.
func (s *Simulator) SetSystemStatus(st SystemStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.system = st
}

// ForceOutcome makes the next enroll transaction of userID end with status
// and message instead of its computed outcome (tests of final failures).
func (s *Simulator) ForceOutcome(userID, status, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forced[userID] = [2]string{status, message}
}

// Stats are the simulator's counters.
type Stats struct {
	Persons            int                       `json:"persons"`
	EnrollTransactions int                       `json:"enrollTransactions"`
	VerifyTransactions int                       `json:"verifyTransactions"`
	Operators          int                       `json:"operators"`
	Rejected           int64                     `json:"rejected"`
	Requests           registrysim.RequestCounts `json:"requests"`
	Faults             registrysim.FaultCounts   `json:"faults"`
}

// Stats returns the current counters.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	st := Stats{Persons: len(s.persons), Operators: len(s.operators)}
	for _, t := range s.txs {
		if t.Type == TypeEnroll {
			st.EnrollTransactions++
		} else {
			st.VerifyTransactions++
		}
	}
	s.mu.Unlock()
	st.Rejected = s.rejected.Load()
	st.Requests = s.stats.Snapshot()
	st.Faults = s.faults.Counts()
	return st
}

// Enrolled returns what was enrolled for userID, its person GUID and
// enroll TGUID.
func (s *Simulator) Enrolled(userID string) (UserTransaction, string, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.persons[userID]
	if !ok {
		return UserTransaction{}, "", "", false
	}
	return p.Data, p.GUID, p.TGUID, true
}

// Transaction returns a transaction's type, status and submitted data.
func (s *Simulator) Transaction(tguid string) (typ, status string, data UserTransaction, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txs[tguid]
	if !ok {
		return "", "", UserTransaction{}, false
	}
	return t.Type, t.Status, t.Data, true
}

// OperatorRecord returns an operator's status, TGUID and biometrics.
func (s *Simulator) OperatorRecord(document string) (Operator, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.operators[document]
	if !ok {
		return Operator{}, false
	}
	return Operator{Document: o.Document, Biometrics: slices.Clone(o.Biometrics), Status: o.Status, TGUID: o.TGUID}, true
}

// newGUID returns a fresh transaction or person GUID.
func (s *Simulator) newGUID(kind string) string {
	n := s.seq.Add(1)
	return fmt.Sprintf("%s-%08x-%04x", kind, s.now().Unix()&0xffffffff, n)
}

// authorized checks the bearer token of API requests.
func (s *Simulator) authorized(next http.Handler) http.Handler {
	if s.tokens == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.tokens.Authorize(r, nil); err != nil {
			if errors.Is(err, registrysim.ErrNoToken) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="spid"`)
				writeErr(w, http.StatusUnauthorized, SecurityError, "authentication required: send Authorization: Bearer <token> from the token endpoint")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeErr(w, http.StatusUnauthorized, SecurityError, "token refused: "+err.Error()+"; fetch a new token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logged logs one record per request.
func (s *Simulator) logged(op string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &registrysim.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.logger.Info("request", "op", op, "method", r.Method, "status", sw.Status, "duration", time.Since(start))
	})
}

// writeErr writes an ErrorResponse with one error.
func writeErr(w http.ResponseWriter, status int, typ string, msgs ...string) {
	er := ErrorResponse{Type: typ, Errors: make([]Error, 0, len(msgs))}
	for _, m := range msgs {
		er.Errors = append(er.Errors, Error{Type: typ, Message: m})
	}
	registrysim.WriteJSON(w, status, er)
}

// internalError is the answer to a handler panic.
func internalError(w http.ResponseWriter) {
	writeErr(w, http.StatusInternalServerError, InternalError, "internal simulator error")
}

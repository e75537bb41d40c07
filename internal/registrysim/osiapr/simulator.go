package osiapr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/capturestation/station/internal/osiaspec"
	"github.com/capturestation/station/internal/registrysim"
)

// Paths of the endpoints that are not part of OSIA.
const (
	TokenPath  = "/oauth/token"
	SimPrefix  = "/_sim/"
	StatsPath  = SimPrefix + "stats"
	DumpPath   = SimPrefix + "dump"
	ResetPath  = SimPrefix + "reset"
	FaultsPath = SimPrefix + "faults"
)

// MaxBodyBytes bounds request bodies (identities carry images).
const MaxBodyBytes = 64 << 20

// Config configures a Simulator.
type Config struct {
	// DataFile is a bbolt file that keeps the records across restarts;
	// empty keeps them in memory only.
	DataFile string
	// Clients may obtain tokens at TokenPath. A client without Scopes is
	// granted every scope that pr.yaml uses.
	Clients []registrysim.Client
	// DisableAuth serves the OSIA endpoints without bearer tokens; it is
	// required when Clients is empty.
	DisableAuth bool
	// TokenTTL is the lifetime of tokens; 0 means one hour.
	TokenTTL time.Duration
	// Faults are the initial fault settings and Seed seeds their random
	// decisions.
	Faults registrysim.Faults
	Seed   uint64
	// Logger receives one record per request (operation and status, never
	// record contents); nil discards.
	Logger *slog.Logger
	// Now returns the current time for record dates and token expiry; nil
	// means time.Now.
	Now func() time.Time
}

// Simulator is an OSIA Population Registry v1.5 server. It is safe for
// concurrent use; Close releases its data file.
type Simulator struct {
	doc     *openapi3.T
	router  routers.Router
	store   *store
	tokens  *registrysim.TokenIssuer
	faults  *registrysim.FaultInjector
	stats   *registrysim.RequestStats
	logger  *slog.Logger
	now     func() time.Time
	dups    dupCounter
	handler http.Handler
}

// New loads pr.yaml, opens the data file (if any) and returns a simulator.
func New(ctx context.Context, cfg Config) (*Simulator, error) {
	doc, router, err := osiaspec.Router(ctx)
	if err != nil {
		return nil, err
	}
	s := &Simulator{doc: doc, router: router, logger: cfg.Logger, now: cfg.Now, stats: registrysim.NewRequestStats()}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.faults, err = registrysim.NewFaultInjector(cfg.Faults, cfg.Seed); err != nil {
		return nil, err
	}
	if len(cfg.Clients) == 0 && !cfg.DisableAuth {
		return nil, errors.New("osiapr: configure at least one OAuth client or set DisableAuth")
	}
	if !cfg.DisableAuth {
		all := SpecScopes(doc)
		clients := slices.Clone(cfg.Clients)
		for i := range clients {
			if len(clients[i].Scopes) == 0 {
				clients[i].Scopes = all
			}
		}
		s.tokens, err = registrysim.NewTokenIssuer(registrysim.TokenConfig{Clients: clients, TTL: cfg.TokenTTL, Now: s.now})
		if err != nil {
			return nil, fmt.Errorf("osiapr: %w", err)
		}
	}
	if s.store, err = openStore(cfg.DataFile); err != nil {
		return nil, fmt.Errorf("osiapr: %w", err)
	}
	mux := http.NewServeMux()
	if s.tokens != nil {
		mux.Handle(TokenPath, s.tokens)
	}
	mux.Handle(FaultsPath, s.faults)
	mux.HandleFunc(StatsPath, s.serveStats)
	mux.HandleFunc(DumpPath, s.serveDump)
	mux.HandleFunc(ResetPath, s.serveReset)
	mux.Handle("/", http.HandlerFunc(s.serveOSIA))
	s.handler = s.stats.Middleware(s.faults.Middleware(registrysim.Recoverer(mux, s.logger, internalError), SimPrefix), SimPrefix)
	return s, nil
}

// Close closes the data file.
func (s *Simulator) Close() error { return s.store.close() }

// Handler returns the whole simulator: OSIA endpoints, token endpoint and
// the /_sim/ control endpoints, behind fault injection and statistics.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Faults returns the fault injector, to change faults from Go code.
func (s *Simulator) Faults() *registrysim.FaultInjector { return s.faults }

// Tokens returns the token issuer, or nil when authentication is disabled.
func (s *Simulator) Tokens() *registrysim.TokenIssuer { return s.tokens }

// Document returns the loaded pr.yaml description.
func (s *Simulator) Document() *openapi3.T { return s.doc }

// SpecScopes returns, sorted, every scope named by a security requirement
// of an operation in the document.
func SpecScopes(doc *openapi3.T) []string {
	var out []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Security == nil {
				continue
			}
			for _, req := range *op.Security {
				for _, scopes := range req {
					out = append(out, scopes...)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// internalError is the answer to a handler panic.
func internalError(w http.ResponseWriter) {
	registrysim.WriteError(w, http.StatusInternalServerError, "internal simulator error; report it with the request that caused it")
}

// request is a validated OSIA request.
type request struct {
	op     string
	params map[string]string
	body   []byte
	r      *http.Request
}

// serveOSIA routes, validates against pr.yaml, authorizes and dispatches.
func (s *Simulator) serveOSIA(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &registrysim.StatusRecorder{ResponseWriter: w}
	op := s.handleOSIA(sw, r)
	s.logger.Info("request", "op", op, "method", r.Method, "status", sw.Status, "duration", time.Since(start))
}

func (s *Simulator) handleOSIA(w http.ResponseWriter, r *http.Request) string {
	route, params, err := s.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		registrysim.WriteError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not defined for %s in OSIA PR v1.5", r.Method, r.URL.Path))
		return ""
	case err != nil:
		registrysim.WriteError(w, http.StatusNotFound, fmt.Sprintf("no OSIA PR v1.5 operation at %s", r.URL.Path))
		return ""
	}
	op := route.Operation.OperationID
	// The router matches the escaped path, so parameters arrive escaped.
	decoded := make(map[string]string, len(params))
	for k, v := range params {
		d, err := url.PathUnescape(v)
		if err != nil {
			registrysim.WriteError(w, http.StatusBadRequest, fmt.Sprintf("path parameter %q is not validly escaped", k))
			return op
		}
		decoded[k] = d
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	opts := &openapi3filter.Options{
		SkipSettingDefaults:     true,
		ExcludeRequestBody:      op == opPartialUpdateIdentity, // checked after merging
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()},
	}
	if s.tokens == nil {
		opts.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	} else {
		opts.AuthenticationFunc = func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			_, err := s.tokens.Authorize(in.RequestValidationInput.Request, in.Scopes)
			return err
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		s.writeValidationError(w, err)
		return op
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			registrysim.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
			return op
		}
		registrysim.WriteError(w, http.StatusBadRequest, "read request body: "+err.Error())
		return op
	}
	s.dispatch(w, &request{op: op, params: decoded, body: body, r: r})
	return op
}

// writeValidationError answers a request that pr.yaml rejects: 401/403 for
// security, 413 for size, 400 naming the problem otherwise.
func (s *Simulator) writeValidationError(w http.ResponseWriter, err error) {
	var sre *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sre) {
		var first error
		for _, e := range sre.Errors {
			if errors.Is(e, registrysim.ErrInsufficientScope) {
				registrysim.WriteAuthError(w, e)
				return
			}
			if first == nil {
				first = e
			}
		}
		if first == nil {
			first = registrysim.ErrNoToken
		}
		registrysim.WriteAuthError(w, first)
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		registrysim.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
		return
	}
	registrysim.WriteError(w, http.StatusBadRequest, describeValidation(err))
}

// describeValidation names what is wrong with a request without repeating
// the submitted values.
func describeValidation(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return "request does not conform to OSIA PR v1.5: " + err.Error()
	}
	var where string
	switch {
	case re.Parameter != nil:
		where = fmt.Sprintf("%s parameter %q", re.Parameter.In, re.Parameter.Name)
	case re.RequestBody != nil:
		where = "request body"
	default:
		where = "request"
	}
	msg := where + ": " + re.Reason
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		msg += ": " + se.Reason
		if p := se.JSONPointer(); len(p) > 0 {
			msg += " at /" + strings.Join(p, "/")
		}
	} else if re.Err != nil && re.Err.Error() != re.Reason {
		msg += ": " + re.Err.Error()
	}
	return msg
}

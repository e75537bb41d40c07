package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/session"
	"github.com/capturestation/station/ui/ws"
)

// Backend is what the HTTP API needs from the station.
type Backend interface {
	Status(ctx context.Context) (api.Status, error)
	// ImportOSIAIdentity queues an enrollment from an OSIA Identity document.
	ImportOSIAIdentity(ctx context.Context, body []byte, personID, actor string) (api.EnrollResult, error)
	// Queue lists items in a state ("" for all) after the cursor after.
	Queue(ctx context.Context, state, after string, limit int) (api.QueueList, error)
	QueueItem(ctx context.Context, id string) (api.QueueItem, error)
	Retry(ctx context.Context, id, actor string) (api.QueueItem, error)
	Purge(ctx context.Context, id, actor string) error
	StationKey(ctx context.Context) (api.KeyInfo, error)
	// EnrollSimulated drives count complete enrollments through the
	// workflow with the simulated devices (the technicians' CI path).
	EnrollSimulated(ctx context.Context, count int, actor string) ([]api.SimulatedEnrollment, error)
	// Ready reports whether the station can take enrollments, with its checks.
	Ready(ctx context.Context) (bool, []health.Check)
}

// Options configure a Server.
type Options struct {
	Backend  Backend
	Accounts *operators.Accounts
	Sessions *session.Manager
	// Metrics serves /metrics (Prometheus text format).
	Metrics http.Handler
	Log     *slog.Logger
	// SecureCookie marks the session cookie Secure (behind TLS).
	SecureCookie bool

	// Bus is the event bus streamed to browsers over GET /api/v1/ws; nil
	// streams no events.
	Bus *events.Bus
	// Commands carries out the workflow commands browsers send over the
	// websocket (see docs/ui-protocol.md); nil answers them unknown-command.
	Commands ws.Commands
	// Preview provides the live preview frames; nil has none.
	Preview ws.Preview
	// WebSocket tunes the websocket (limits, ping interval); its Sessions,
	// CookieName, Bus, Commands, Preview and Log are filled in by New.
	WebSocket ws.Options
}

// Server is the station's HTTP API and web UI.
type Server struct {
	opt Options
	hub *ws.Hub
}

// New returns a server.
func New(opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	wo := opt.WebSocket
	if opt.Sessions != nil {
		wo.Sessions = opt.Sessions
	}
	wo.CookieName, wo.Bus, wo.Commands, wo.Preview, wo.Log = cookieName, opt.Bus, opt.Commands, opt.Preview, opt.Log
	return &Server{opt: opt, hub: ws.NewHub(wo)}
}

// Serve runs until ctx is done, then closes every websocket connection
// (http.Server.Shutdown does not close hijacked connections). Run it as a
// service beside the HTTP server.
func (s *Server) Serve(ctx context.Context) error { return s.hub.Serve(ctx) }

// CloseWebSockets closes every websocket connection and refuses new ones,
// waiting for their goroutines until ctx is done.
func (s *Server) CloseWebSockets(ctx context.Context) error { return s.hub.Close(ctx) }

// cookieName is the operator session cookie.
const cookieName = "station_session"

// Limits on request bodies.
const (
	maxJSONBody   = 64 << 10
	maxImportBody = 64 << 20
)

// actor is who performs an API call.
type actor struct {
	name string
	role operators.Role
}

type ctxKey struct{}

// Handler returns the HTTP handler. The control socket handler (local=true)
// trusts its caller as a technician, since the socket's file permissions
// decide who may connect; the TCP handler requires an operator session for
// everything but the health, readiness, metrics, login and static routes.
func (s *Server) Handler(local bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.opt.Metrics != nil {
		mux.Handle("GET /metrics", s.opt.Metrics)
	}
	mux.HandleFunc("POST /api/v1/session", s.login)
	mux.HandleFunc("DELETE /api/v1/session", s.logout)
	mux.Handle("GET /", staticHandler())

	auth := func(min operators.Role, h http.HandlerFunc) http.Handler {
		return s.authorize(local, min, h)
	}
	if !local && s.opt.Sessions != nil {
		// The hub authenticates the session and checks the Origin itself.
		mux.Handle("GET /api/v1/ws", s.hub)
	}
	mux.Handle("GET /api/v1/session", auth(operators.Operator, s.whoami))
	mux.Handle("GET /api/v1/status", auth(operators.Operator, s.status))
	mux.Handle("GET /api/v1/queue", auth(operators.Operator, s.queue))
	mux.Handle("GET /api/v1/queue/{id}", auth(operators.Operator, s.queueItem))
	mux.Handle("POST /api/v1/queue/{id}/retry", auth(operators.Operator, s.retry))
	mux.Handle("DELETE /api/v1/queue/{id}", auth(operators.Supervisor, s.purge))
	mux.Handle("POST /api/v1/enrollments", auth(operators.Operator, s.importEnrollment))
	mux.Handle("POST /api/v1/enrollments/simulated", auth(operators.Technician, s.enrollSimulated))
	mux.Handle("GET /api/v1/keys/station", auth(operators.Operator, s.stationKey))
	mux.Handle("GET /api/v1/operators", auth(operators.Supervisor, s.listOperators))
	mux.Handle("POST /api/v1/operators", auth(operators.Technician, s.addOperator))
	return securityHeaders(mux)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

// rank orders roles: a technician may do what a supervisor may, who may do
// what an operator may.
func rank(r operators.Role) int {
	switch r {
	case operators.Operator:
		return 1
	case operators.Supervisor:
		return 2
	case operators.Technician:
		return 3
	}
	return 0
}

func (s *Server) authorize(local bool, min operators.Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if local {
			ctx := context.WithValue(r.Context(), ctxKey{}, actor{name: "local-technician", role: operators.Technician})
			h(w, r.WithContext(ctx))
			return
		}
		c, err := r.Cookie(cookieName)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "log in first")
			return
		}
		sess, ok := s.opt.Sessions.Lookup(c.Value)
		if !ok {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "your session has ended; log in again")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-CSRF-Token") != sess.CSRFToken {
			writeError(w, http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token header")
			return
		}
		role := operators.Role(sess.Role)
		if rank(role) < rank(min) {
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("this needs the %s role", min))
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, actor{name: sess.Operator, role: role})
		h(w, r.WithContext(ctx))
	})
}

func actorOf(r *http.Request) actor {
	a, _ := r.Context().Value(ctxKey{}).(actor)
	return a
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ready, checks := s.opt.Backend.Ready(r.Context())
	code := http.StatusOK
	if !ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"ready": ready, "checks": checks})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in api.Login
	if err := decodeJSON(r, &in, maxJSONBody); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	acc, err := s.opt.Accounts.Authenticate(r.Context(), in.Name, in.Secret)
	switch {
	case errors.Is(err, operators.ErrLocked):
		writeError(w, http.StatusTooManyRequests, "locked", err.Error())
		return
	case errors.Is(err, operators.ErrBadCredentials):
		s.opt.Log.Info("failed login")
		writeError(w, http.StatusUnauthorized, "bad_credentials", err.Error())
		return
	case err != nil:
		s.internal(w, "login", err)
		return
	}
	token, sess := s.opt.Sessions.Create(acc.Name, string(acc.Role))
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.opt.SecureCookie,
	})
	s.opt.Log.Info("operator logged in", "operator", acc.Name, "role", acc.Role)
	writeJSON(w, http.StatusOK, api.SessionInfo{Operator: sess.Operator, Role: sess.Role, CSRFToken: sess.CSRFToken})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		s.opt.Sessions.Delete(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	info := api.SessionInfo{Operator: a.name, Role: string(a.role)}
	if c, err := r.Cookie(cookieName); err == nil {
		if sess, ok := s.opt.Sessions.Lookup(c.Value); ok {
			info.CSRFToken = sess.CSRFToken
		}
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.opt.Backend.Status(r.Context())
	if err != nil {
		s.fail(w, "status", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), 50, 1, 1000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	l, err := s.opt.Backend.Queue(r.Context(), q.Get("state"), q.Get("after"), limit)
	if err != nil {
		s.fail(w, "queue", err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) queueItem(w http.ResponseWriter, r *http.Request) {
	it, err := s.opt.Backend.QueueItem(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, "queue item", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	it, err := s.opt.Backend.Retry(r.Context(), r.PathValue("id"), actorOf(r).name)
	if err != nil {
		s.fail(w, "retry", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) purge(w http.ResponseWriter, r *http.Request) {
	if err := s.opt.Backend.Purge(r.Context(), r.PathValue("id"), actorOf(r).name); err != nil {
		s.fail(w, "purge", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) importEnrollment(w http.ResponseWriter, r *http.Request) {
	if f := r.URL.Query().Get("format"); f != "osia-identity" {
		writeError(w, http.StatusBadRequest, "bad_request", "format must be osia-identity")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the document is larger than %d MiB", maxImportBody>>20))
		return
	}
	res, err := s.opt.Backend.ImportOSIAIdentity(r.Context(), body, r.URL.Query().Get("personId"), actorOf(r).name)
	if err != nil {
		s.fail(w, "import", err)
		return
	}
	code := http.StatusCreated
	if !res.Created {
		code = http.StatusOK
	}
	writeJSON(w, code, res)
}

// maxSimulated bounds one scripted-enrollment request.
const maxSimulated = 1000

func (s *Server) enrollSimulated(w http.ResponseWriter, r *http.Request) {
	n := 1
	if v := r.URL.Query().Get("count"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > maxSimulated {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("count must be from 1 to %d", maxSimulated))
			return
		}
	}
	res, err := s.opt.Backend.EnrollSimulated(r.Context(), n, actorOf(r).name)
	if err != nil {
		s.fail(w, "scripted enrollment", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) stationKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.opt.Backend.StationKey(r.Context())
	if err != nil {
		s.fail(w, "station key", err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

func (s *Server) listOperators(w http.ResponseWriter, r *http.Request) {
	accs, err := s.opt.Accounts.List(r.Context())
	if err != nil {
		s.internal(w, "list operators", err)
		return
	}
	out := make([]api.Operator, 0, len(accs))
	now := time.Now()
	for _, a := range accs {
		out = append(out, api.Operator{Name: a.Name, Role: string(a.Role), Locked: now.Before(a.LockedUntil), CreatedAt: a.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) addOperator(w http.ResponseWriter, r *http.Request) {
	var in api.NewOperator
	if err := decodeJSON(r, &in, maxJSONBody); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	role, err := operators.ParseRole(in.Role)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	err = s.opt.Accounts.Add(r.Context(), in.Name, role, in.Secret)
	switch {
	case errors.Is(err, operators.ErrExists):
		writeError(w, http.StatusConflict, "exists", err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	s.opt.Log.Info("operator account created", "operator", in.Name, "role", role, "by", actorOf(r).name)
	w.WriteHeader(http.StatusCreated)
}

// fail answers an error from the backend with the status its kind calls for.
func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, api.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, api.ErrBadRequest):
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, api.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, api.ErrRefused):
		writeError(w, http.StatusInsufficientStorage, "refused", err.Error())
	case errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, "cancelled", "the request was cancelled")
	default:
		s.internal(w, what, err)
	}
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.opt.Log.Error("api call failed", "call", what, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", what+" failed; see the station log")
}

func decodeJSON(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not the expected JSON: %w", err)
	}
	return nil
}

func intParam(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, api.Error{Error: msg, Code: reason})
}

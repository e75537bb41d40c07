package ws

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/session"
)

// Operator is who sent a command: the account and role of the connection's
// session, checked again for every command.
type Operator struct {
	Name string
	Role operators.Role
}

// Allows reports whether the operator's role ranks at least min
// (operator < supervisor < technician).
func (o Operator) Allows(min operators.Role) bool { return rank(o.Role) >= rank(min) && rank(min) > 0 }

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

// Commands carries out the workflow commands the page sends (every command
// type this package does not handle itself). Handle runs on its own
// goroutine with a context cancelled when the connection closes; it checks
// op's role itself and returns ErrForbidden, ErrBadRequest, ErrUnavailable
// or ErrUnknownCommand (wrapped) to choose the error code. The reply is
// encoded as JSON into the reply message's data.
type Commands interface {
	Handle(ctx context.Context, op Operator, typ string, data json.RawMessage) (reply any, err error)
}

// Preview is a source of preview frames. SubscribePreview registers sink
// for a device's frames until cancel is called; sink never blocks (it keeps
// only the newest frame for the connection), so the source may call it from
// its capture loop. An unknown device is reported with ErrUnavailable.
type Preview interface {
	SubscribePreview(ctx context.Context, device string, sink func(Frame)) (cancel func(), err error)
}

// Sessions looks up the operator session of a cookie token.
// *session.Manager implements it. If the implementation also has
// Peek(token) (session.Session, bool) (a lookup that does not count as
// activity), connections check their session at every ping and close when
// it has ended.
type Sessions interface {
	Lookup(token string) (session.Session, bool)
}

type peeker interface {
	Peek(token string) (session.Session, bool)
}

// Options configure a Hub.
type Options struct {
	Sessions Sessions
	// CookieName is the session cookie's name.
	CookieName string
	// Bus is where events come from; nil streams none.
	Bus *events.Bus
	// Commands handles workflow commands; nil answers them unknown-command.
	Commands Commands
	// Preview provides preview frames; nil answers subscriptions unavailable.
	Preview Preview
	Log     *slog.Logger

	// MaxMessage bounds an incoming message (default 64 KiB); a bigger one
	// closes the connection with status 1009.
	MaxMessage int64
	// PingInterval is how often the station pings (default 20 s); PongWait
	// how long it waits for any message or pong (default 3×PingInterval).
	PingInterval, PongWait time.Duration
	// WriteTimeout bounds one write (default 10 s).
	WriteTimeout time.Duration
	// EventBuffer bounds the events waiting for a connection (default 512);
	// a connection that falls further behind is told to resync.
	EventBuffer int
	// MaxInFlight bounds the commands running at once per connection (default 4).
	MaxInFlight int
}

func (o *Options) defaults() {
	if o.MaxMessage <= 0 {
		o.MaxMessage = 64 << 10
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 20 * time.Second
	}
	if o.PongWait <= 0 {
		o.PongWait = 3 * o.PingInterval
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 512
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.CookieName == "" {
		o.CookieName = "station_session"
	}
}

// sendBuffer is the kernel send buffer of a connection, a few preview frames.
const sendBuffer = 128 << 10

// Hub accepts websocket connections and owns them until they end or the hub
// is closed. It is safe for concurrent use.
type Hub struct {
	opt      Options
	upgrader websocket.Upgrader
	epoch    string

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewHub returns a hub.
func NewHub(opt Options) *Hub {
	opt.defaults()
	h := &Hub{opt: opt, conns: map[*conn]struct{}{}, epoch: strconv.FormatInt(time.Now().UnixNano(), 36)}
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   4 << 10,
		WriteBufferSize:  32 << 10,
		// The origin is checked before upgrading, in ServeHTTP.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return h
}

// SameOrigin reports whether the request's Origin header, if any, names the
// host the request was sent to. Browsers always send Origin on websocket
// handshakes; a client without one is not a browser page and cannot ride on
// the operator's cookie.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// ServeHTTP upgrades an authenticated, same-origin request and serves the
// connection until it ends.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !SameOrigin(r) {
		h.opt.Log.Warn("websocket refused: cross-origin request")
		httpError(w, http.StatusForbidden, "forbidden", "the page that opened this connection is not the station's")
		return
	}
	c, err := r.Cookie(h.opt.CookieName)
	if err != nil {
		httpError(w, http.StatusUnauthorized, "unauthenticated", "log in first")
		return
	}
	token := c.Value
	sess, ok := h.opt.Sessions.Lookup(token)
	if !ok {
		httpError(w, http.StatusUnauthorized, "unauthenticated", "your session has ended; log in again")
		return
	}
	op := Operator{Name: sess.Operator, Role: operators.Role(sess.Role)}
	if !op.Allows(operators.Operator) {
		httpError(w, http.StatusForbidden, "forbidden", "this account has no station role")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		httpError(w, http.StatusBadRequest, "bad_request", "this address takes websocket connections only")
		return
	}
	wsc, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the request
	}
	if tc, ok := wsc.NetConn().(*net.TCPConn); ok {
		// A small kernel send buffer keeps stale preview frames from
		// piling up in front of a slow browser: what waits is the newest
		// frame in the connection's mailbox, not seconds of old video.
		tc.SetWriteBuffer(sendBuffer)
	}
	cn := newConn(h, wsc, token, op)
	if !h.add(cn) {
		cn.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "station stopping"), time.Now().Add(time.Second))
		cn.ws.Close()
		return
	}
	defer h.remove(cn)
	cn.serve()
}

func (h *Hub) add(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	return true
}

func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.wg.Done()
}

// Len returns the number of open connections.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Close ends every connection (with close status 1001, going away), refuses
// new ones, and waits until their goroutines have stopped or ctx is done.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	for c := range h.conns {
		c.shutdown(websocket.CloseGoingAway, "station stopping")
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Serve implements a service: it runs until ctx is done, then closes every
// connection.
func (h *Hub) Serve(ctx context.Context) error {
	<-ctx.Done()
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return h.Close(cctx)
}

func httpError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg, "code": reason})
}

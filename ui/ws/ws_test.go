package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/session"
)

// harness is a hub behind a test server with a session manager.
type harness struct {
	t        testing.TB
	hub      *Hub
	srv      *httptest.Server
	sessions *session.Manager
	bus      *events.Bus
}

func newHarness(t testing.TB, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, sessions: session.NewManager(time.Minute, time.Hour), bus: events.NewBus(64)}
	opt := Options{Sessions: h.sessions, CookieName: "station_session", Bus: h.bus}
	if mod != nil {
		mod(&opt)
	}
	h.hub = NewHub(opt)
	h.srv = httptest.NewServer(h.hub)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.hub.Close(ctx); err != nil {
			t.Errorf("hub close: %v", err)
		}
		h.srv.Close()
	})
	return h
}

func (h *harness) login(role string) string {
	tok, _ := h.sessions.Create("amina", role)
	return tok
}

func (h *harness) wsURL() string { return "ws" + strings.TrimPrefix(h.srv.URL, "http") }

func (h *harness) dial(token, origin string) (*websocket.Conn, *http.Response, error) {
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Cookie", "station_session="+token)
	}
	if origin != "" {
		hdr.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial(h.wsURL(), hdr)
}

// client wraps a connection with helpers that fail the test.
type client struct {
	t  testing.TB
	c  *websocket.Conn
	id int
}

func (h *harness) connect(role string) *client {
	h.t.Helper()
	c, _, err := h.dial(h.login(role), h.srv.URL)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { c.Close() })
	cl := &client{t: h.t, c: c}
	if w := cl.next(); w.Type != TypeWelcome {
		h.t.Fatalf("first message is %q, want welcome", w.Type)
	}
	return cl
}

// msg is an outbound message as the page decodes it.
type msg struct {
	V       int             `json:"v"`
	Type    string          `json:"type"`
	ID      uint64          `json:"id"`
	Re      json.RawMessage `json:"re"`
	Event   string          `json:"event"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func (cl *client) next() msg {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	mt, b, err := cl.c.ReadMessage()
	if err != nil {
		cl.t.Fatalf("read: %v", err)
	}
	if mt != websocket.TextMessage {
		cl.t.Fatalf("got a binary message, want JSON")
	}
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		cl.t.Fatalf("decode %s: %v", b, err)
	}
	if m.V != Version {
		cl.t.Fatalf("message %s has version %d", b, m.V)
	}
	return m
}

// cmd sends a command and returns its ID.
func (cl *client) cmd(typ string, data any) string {
	cl.t.Helper()
	cl.id++
	id := fmt.Sprintf("c%d", cl.id)
	if err := cl.c.WriteJSON(map[string]any{"v": 1, "type": typ, "id": id, "data": data}); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
	return id
}

// answer reads until the reply or error to id, skipping events.
func (cl *client) answer(id string) msg {
	cl.t.Helper()
	for {
		m := cl.next()
		if (m.Type == TypeReply || m.Type == TypeError) && string(m.Re) == `"`+id+`"` {
			return m
		}
	}
}

func (cl *client) hello(after *uint64, epoch string) HelloReply {
	cl.t.Helper()
	m := cl.answer(cl.cmd(CmdHello, HelloData{LastEventID: after, Epoch: epoch}))
	if m.Type != TypeReply {
		cl.t.Fatalf("hello: %s %s", m.Code, m.Message)
	}
	var r HelloReply
	json.Unmarshal(m.Data, &r)
	return r
}

func TestHandshake(t *testing.T) {
	h := newHarness(t, nil)
	good := h.login("operator")
	tests := []struct {
		name, token, origin string
		want                int
	}{
		{"same origin", good, "SAME", http.StatusSwitchingProtocols},
		{"no origin (not a browser)", good, "", http.StatusSwitchingProtocols},
		{"no cookie", "", "SAME", http.StatusUnauthorized},
		{"forged cookie", "forged", "SAME", http.StatusUnauthorized},
		{"cross origin", good, "http://evil.example", http.StatusForbidden},
		{"other port", good, "http://127.0.0.1:1", http.StatusForbidden},
		{"opaque origin", good, "null", http.StatusForbidden},
		{"no role", h.login("visitor"), "SAME", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := tt.origin
			if origin == "SAME" {
				origin = h.srv.URL
			}
			c, resp, err := h.dial(tt.token, origin)
			if c != nil {
				defer c.Close()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.want, err)
			}
		})
	}
	resp, err := http.Get(h.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plain GET without a session = %d, want 401", resp.StatusCode)
	}
}

func eventIDs(t *testing.T, cl *client, n int) []uint64 {
	t.Helper()
	var ids []uint64
	for len(ids) < n {
		m := cl.next()
		switch m.Type {
		case "health", "sync", "device", "capture", "enrollment":
			ids = append(ids, m.ID)
		case TypeResyncRequired:
			t.Fatalf("unexpected resync-required")
		}
	}
	return ids
}

func seq(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestResyncAfterReconnect(t *testing.T) {
	h := newHarness(t, nil)
	h.bus.Publish(events.KindHealth, "changed", map[string]string{"component": "store"})
	cl := h.connect("operator")
	var welcome WelcomeData
	epoch := h.hub.epoch
	r := cl.hello(nil, "")
	if r.LastEventID != 1 || r.Replayed != 0 || r.Resync {
		t.Fatalf("fresh hello = %+v, want last 1, nothing replayed", r)
	}
	_ = welcome
	for i := 0; i < 3; i++ {
		h.bus.Publish(events.KindSync, "delivered", map[string]int{"n": i})
	}
	got := eventIDs(t, cl, 3)
	if fmt.Sprint(got) != fmt.Sprint(seq(2, 4)) {
		t.Fatalf("live events %v, want 2..4", got)
	}
	cl.c.Close()

	// Missed while away.
	for i := 0; i < 5; i++ {
		h.bus.Publish(events.KindEnrollment, "queued", nil)
	}
	cl2 := h.connect("operator")
	last := got[len(got)-1]
	r = cl2.hello(&last, epoch)
	if r.Resync || r.Replayed != 5 || r.LastEventID != 9 {
		t.Fatalf("resume hello = %+v, want 5 replayed up to 9", r)
	}
	missed := eventIDs(t, cl2, 5)
	h.bus.Publish(events.KindDevice, "attached", nil)
	h.bus.Publish(events.KindCapture, "quality", map[string]int{"score": 71})
	live := eventIDs(t, cl2, 2)
	if all := append(missed, live...); fmt.Sprint(all) != fmt.Sprint(seq(5, 11)) {
		t.Fatalf("after reconnect got %v, want 5..11 in order", all)
	}
}

func TestResyncRequired(t *testing.T) {
	h := newHarness(t, nil) // the bus remembers 64 events
	for i := 0; i < 100; i++ {
		h.bus.Publish(events.KindSync, "progress", nil)
	}
	epoch := h.hub.epoch
	old, future := uint64(10), uint64(500)
	tests := []struct {
		name  string
		after *uint64
		epoch string
	}{
		{"forgotten by the ring", &old, epoch},
		{"another run of the station", &old, "other"},
		{"newer than the station's newest", &future, epoch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := h.connect("operator")
			all, _ := h.bus.Since(0)
			newest := all[len(all)-1].ID
			r := cl.hello(tt.after, tt.epoch)
			if !r.Resync || r.LastEventID != newest || r.Replayed != 0 {
				t.Fatalf("hello = %+v, want resync from 100", r)
			}
			if m := cl.next(); m.Type != TypeResyncRequired {
				t.Fatalf("next message %q, want resync-required", m.Type)
			}
			h.bus.Publish(events.KindHealth, "changed", nil)
			if m := cl.next(); m.Type != "health" || m.ID != newest+1 {
				t.Fatalf("after resync got %+v, want the live event", m)
			}
		})
	}
}

func TestPingPong(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.PingInterval, o.PongWait = 40*time.Millisecond, 150*time.Millisecond })

	alive := h.connect("operator")
	replies := make(chan msg, 16)
	go func() { // the gorilla client answers pings while it reads
		for {
			alive.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, b, err := alive.c.ReadMessage()
			if err != nil {
				close(replies)
				return
			}
			var m msg
			json.Unmarshal(b, &m)
			replies <- m
		}
	}()
	time.Sleep(600 * time.Millisecond) // 15 ping intervals, 4 pong waits
	alive.cmd(CmdPing, nil)
	if m, ok := <-replies; !ok || m.Type != TypeReply {
		t.Fatalf("ping after 600 ms: %+v (open: %v)", m, ok)
	}

	dead := h.connect("operator")
	dead.c.SetPingHandler(func(string) error { return nil }) // never pongs
	start := time.Now()
	dead.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := dead.c.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the station kept a peer that never answers pings: %v", err)
			}
			break
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("dead peer closed after %v", d)
	}
	waitFor(t, func() bool { return h.hub.Len() == 1 }, "the dead connection to be dropped")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// source is a Preview whose frames the test pushes.
type source struct {
	mu     sync.Mutex
	sinks  map[int]func(Frame)
	next   int
	cancel atomic.Int32
}

func (s *source) SubscribePreview(_ context.Context, device string, sink func(Frame)) (func(), error) {
	if device != "cam0" {
		return nil, fmt.Errorf("no camera %q: %w", device, ErrUnavailable)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sinks == nil {
		s.sinks = map[int]func(Frame){}
	}
	id := s.next
	s.next++
	s.sinks[id] = sink
	return func() {
		s.cancel.Add(1)
		s.mu.Lock()
		delete(s.sinks, id)
		s.mu.Unlock()
	}, nil
}

// push hands f to every subscriber and returns how long that took.
func (s *source) push(f Frame) time.Duration {
	start := time.Now()
	s.mu.Lock()
	for _, sink := range s.sinks {
		sink(f)
	}
	s.mu.Unlock()
	return time.Since(start)
}

func (s *source) subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sinks)
}

func TestPreviewBackpressure(t *testing.T) {
	src := &source{}
	h := newHarness(t, func(o *Options) { o.Preview = src })
	cl := h.connect("operator")
	if m := cl.answer(cl.cmd(CmdSubscribePreview, PreviewData{Device: "nope"})); m.Code != CodeUnavailable {
		t.Fatalf("unknown device: %+v", m)
	}
	if m := cl.answer(cl.cmd(CmdSubscribePreview, PreviewData{Device: "cam0"})); m.Type != TypeReply {
		t.Fatalf("subscribe: %+v", m)
	}

	const produced = 400
	jpeg := make([]byte, 30<<10)
	var worst time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= produced; i++ {
			if d := src.push(Frame{Device: "cam0", Seq: uint32(i), Width: 640, Height: 480, JPEG: jpeg}); d > worst {
				worst = d
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()

	// A slow browser: 25 ms per frame.
	var got []uint32
	for {
		cl.c.SetReadDeadline(time.Now().Add(3 * time.Second))
		mt, b, err := cl.c.ReadMessage()
		if err != nil {
			t.Fatalf("read after %d frames: %v", len(got), err)
		}
		if mt != websocket.BinaryMessage {
			continue
		}
		f, err := ParseFrame(b)
		if err != nil {
			t.Fatal(err)
		}
		if f.Device != "cam0" || f.Width != 640 || f.Height != 480 || len(f.JPEG) != len(jpeg) {
			t.Fatalf("frame %+v header or size wrong", f.Seq)
		}
		if len(got) > 0 && f.Seq <= got[len(got)-1] {
			t.Fatalf("frame %d after %d: out of order", f.Seq, got[len(got)-1])
		}
		got = append(got, f.Seq)
		if f.Seq == produced {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	<-done
	t.Logf("produced %d frames, a slow reader received %d; the producer's slowest hand-over took %v", produced, len(got), worst)
	if len(got) > produced/2 {
		t.Errorf("the slow reader received %d of %d frames: frames were queued, not replaced", len(got), produced)
	}
	if worst > 5*time.Millisecond {
		t.Errorf("handing a frame over took up to %v: the producer waited for the socket", worst)
	}

	if m := cl.answer(cl.cmd(CmdUnsubscribePreview, nil)); m.Type != TypeReply {
		t.Fatalf("unsubscribe: %+v", m)
	}
	if src.subscribers() != 0 {
		t.Fatalf("unsubscribe left the source subscription")
	}
	// Closing a subscribed connection cancels its subscription.
	cl.cmd(CmdSubscribePreview, PreviewData{Device: "cam0"})
	waitFor(t, func() bool { return src.subscribers() == 1 }, "the resubscription")
	cl.c.Close()
	waitFor(t, func() bool { return src.subscribers() == 0 }, "the subscription to end with the connection")
}

// commands is a Commands that records what it was asked.
type commands struct {
	started chan struct{}
}

func (c *commands) Handle(ctx context.Context, op Operator, typ string, data json.RawMessage) (any, error) {
	switch typ {
	case "echo":
		return map[string]any{"operator": op.Name, "role": op.Role, "data": data}, nil
	case "approve":
		if !op.Allows("supervisor") {
			return nil, fmt.Errorf("approving a low-quality capture: %w", ErrForbidden)
		}
		return "approved", nil
	case "bad":
		return nil, fmt.Errorf("finger must be 1..10: %w", ErrBadRequest)
	case "broken":
		return nil, errors.New("the scanner stopped answering; reconnect it")
	case "panic":
		panic("bug")
	case "unencodable":
		return func() {}, nil
	case "slow":
		c.started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("%q: %w", typ, ErrUnknownCommand)
}

func TestCommands(t *testing.T) {
	cmds := &commands{started: make(chan struct{}, 8)}
	h := newHarness(t, func(o *Options) { o.Commands = cmds; o.MaxInFlight = 2 })
	op := h.connect("operator")
	sup := h.connect("supervisor")

	tests := []struct {
		name string
		cl   *client
		raw  string // sent as is when set
		typ  string
		data any
		want string // "reply" or an error code
	}{
		{"pass-through", op, "", "echo", map[string]int{"finger": 2}, TypeReply},
		{"role refused", op, "", "approve", nil, CodeForbidden},
		{"role allowed", sup, "", "approve", nil, TypeReply},
		{"bad data", op, "", "bad", nil, CodeBadRequest},
		{"failure", op, "", "broken", nil, CodeFailed},
		{"panic", op, "", "panic", nil, CodeFailed},
		{"unencodable reply", op, "", "unencodable", nil, CodeFailed},
		{"unknown", op, "", "fly", nil, CodeUnknownCommand},
		{"recent events need a supervisor", op, "", CmdRecentEvents, nil, CodeForbidden},
		{"recent events", sup, "", CmdRecentEvents, RecentEventsData{Limit: 5}, TypeReply},
		{"ping", op, "", CmdPing, nil, TypeReply},
		{"preview without a source", op, "", CmdSubscribePreview, PreviewData{Device: "cam0"}, CodeUnavailable},
		{"wrong version", op, `{"v":2,"type":"echo","id":"x1"}`, "", nil, CodeUnsupported},
		{"no type", op, `{"v":1,"id":"x2"}`, "", nil, CodeBadRequest},
		{"bad hello data", op, `{"v":1,"type":"hello","id":"x3","data":{"lastEventId":"x"}}`, "", nil, CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var id string
			if tt.raw != "" {
				var in Inbound
				json.Unmarshal([]byte(tt.raw), &in)
				json.Unmarshal(in.ID, &id)
				tt.cl.c.WriteMessage(websocket.TextMessage, []byte(tt.raw))
			} else {
				id = tt.cl.cmd(tt.typ, tt.data)
			}
			m := tt.cl.answer(id)
			got := m.Type
			if m.Type == TypeError {
				got = m.Code
				if m.Message == "" {
					t.Errorf("error without a message")
				}
			}
			if got != tt.want {
				t.Fatalf("got %s (%s), want %s", got, m.Message, tt.want)
			}
		})
	}

	// Not JSON: an error without re.
	op.c.WriteMessage(websocket.TextMessage, []byte("{"))
	if m := op.next(); m.Type != TypeError || m.Code != CodeBadRequest || len(m.Re) != 0 {
		t.Fatalf("garbage: %+v", m)
	}
	// Echo carried the operator from the session.
	m := op.answer(op.cmd("echo", "x"))
	if !strings.Contains(string(m.Data), `"operator":"amina"`) || !strings.Contains(string(m.Data), `"role":"operator"`) {
		t.Fatalf("echo reply %s lacks the session's operator", m.Data)
	}

	// Bounded commands in flight; closing the connection cancels them.
	op.cmd("slow", nil)
	op.cmd("slow", nil)
	for i := 0; i < 2; i++ {
		select {
		case <-cmds.started:
		case <-time.After(5 * time.Second):
			t.Fatalf("slow command %d did not start", i+1)
		}
	}
	if m := op.answer(op.cmd("echo", nil)); m.Code != CodeBusy {
		t.Fatalf("third command while two run: %+v, want busy", m)
	}
	op.c.Close()
	waitFor(t, func() bool { return h.hub.Len() == 1 }, "the connection with commands in flight to end")
}

func TestUnknownCommandWithoutCommands(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.connect("operator")
	if m := cl.answer(cl.cmd("start-enrollment", nil)); m.Code != CodeUnknownCommand {
		t.Fatalf("got %+v, want unknown-command", m)
	}
}

func TestMessageSizeLimit(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxMessage = 1024 })
	cl := h.connect("operator")
	if m := cl.answer(cl.cmd("ping", strings.Repeat("a", 900))); m.Type != TypeReply {
		t.Fatalf("a message under the limit: %+v", m)
	}
	cl.cmd("ping", strings.Repeat("a", 2000))
	for {
		cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := cl.c.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
			t.Fatalf("got %v, want close 1009", err)
		}
		break
	}
}

func TestSessionEnded(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.login("operator")
	c, _, err := h.dial(tok, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := &client{t: t, c: c}
	cl.next() // welcome
	h.sessions.Delete(tok)
	if m := cl.answer(cl.cmd(CmdPing, nil)); m.Code != CodeUnauthenticated {
		t.Fatalf("command after logout: %+v", m)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, CloseSessionEnded) {
		t.Fatalf("got %v, want close %d", err, CloseSessionEnded)
	}
}

// peekSessions adds Peek, so connections notice a session that ended.
type peekSessions struct{ *session.Manager }

func (p peekSessions) Peek(token string) (session.Session, bool) {
	return p.Lookup(token)
}

func TestSessionEndedWhileIdle(t *testing.T) {
	sessions := session.NewManager(time.Minute, time.Hour)
	h := newHarness(t, func(o *Options) { o.Sessions = peekSessions{sessions}; o.PingInterval = 30 * time.Millisecond })
	h.sessions = sessions
	tok := h.login("operator")
	c, _, err := h.dial(tok, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h.sessions.Delete(tok)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err = c.ReadMessage(); err != nil {
			break
		}
	}
	if !websocket.IsCloseError(err, CloseSessionEnded) {
		t.Fatalf("got %v, want close %d", err, CloseSessionEnded)
	}
}

func TestCloseEndsConnections(t *testing.T) {
	h := newHarness(t, nil)
	cls := []*client{h.connect("operator"), h.connect("technician")}
	cls[0].hello(nil, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.hub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.hub.Len(); n != 0 {
		t.Fatalf("%d connections left", n)
	}
	for _, cl := range cls {
		cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var err error
		for err == nil {
			_, _, err = cl.c.ReadMessage()
		}
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("got %v, want close 1001", err)
		}
	}
	if _, resp, _ := h.dial(h.login("operator"), ""); resp != nil && resp.StatusCode == http.StatusSwitchingProtocols {
		// Upgraded, then closed at once.
	}
}

func TestFrameHeaderRoundTrip(t *testing.T) {
	tests := []Frame{
		{Device: "cam0", Seq: 7, Width: 640, Height: 480, JPEG: []byte{0xff, 0xd8, 0xff, 0xd9}},
		{Device: "", Seq: 0, Width: 0, Height: 0},
		{Device: strings.Repeat("x", 300), Seq: 1<<32 - 1, Width: 70000, Height: -1, JPEG: []byte{1}},
	}
	for _, f := range tests {
		msg := append(FrameHeader(f), f.JPEG...)
		g, err := ParseFrame(msg)
		if err != nil {
			t.Fatal(err)
		}
		want := f
		if len(want.Device) > maxDeviceID {
			want.Device = want.Device[:maxDeviceID]
		}
		want.Width, want.Height = min(max(want.Width, 0), 0xffff), min(max(want.Height, 0), 0xffff)
		if g.Device != want.Device || g.Seq != want.Seq || g.Width != want.Width || g.Height != want.Height || string(g.JPEG) != string(want.JPEG) {
			t.Errorf("round trip of %+v gave %+v", want.Seq, g)
		}
	}
	for _, bad := range [][]byte{nil, {0, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 12, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 40, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}} {
		if _, err := ParseFrame(bad); !errors.Is(err, ErrBadRequest) {
			t.Errorf("ParseFrame(%v) = %v, want ErrBadRequest", bad, err)
		}
	}
}

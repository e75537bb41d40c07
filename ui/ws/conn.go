package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/operators"
)

// CloseSessionEnded is the close status sent when the operator's session
// ends (logout, idle timeout) while the connection is open.
const CloseSessionEnded = 4401

// helloReq asks the writer to (re)start the event stream.
type helloReq struct {
	re    json.RawMessage
	after *uint64
	epoch string
}

// conn is one websocket connection: the reader is the goroutine that
// called serve, the writer is the only goroutine that writes to ws.
type conn struct {
	hub   *Hub
	ws    *websocket.Conn
	token string
	op    Operator

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the writer and the commands in flight

	out      chan Outbound
	hello    chan helloReq
	frames   mailbox
	inflight chan struct{}

	closeMu   sync.Mutex
	closeCode int
	closeText string

	previewMu     sync.Mutex
	previewCancel func()
	previewGen    atomic.Uint64
}

func newConn(h *Hub, ws *websocket.Conn, token string, op Operator) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		hub: h, ws: ws, token: token, op: op, ctx: ctx, cancel: cancel,
		out:       make(chan Outbound, 64),
		hello:     make(chan helloReq, 1),
		frames:    mailbox{ready: make(chan struct{}, 1)},
		inflight:  make(chan struct{}, h.opt.MaxInFlight),
		closeCode: websocket.CloseNormalClosure,
	}
}

// shutdown asks the connection to close with the given status.
func (c *conn) shutdown(code int, text string) {
	c.closeMu.Lock()
	if c.ctx.Err() == nil {
		c.closeCode, c.closeText = code, text
	}
	c.closeMu.Unlock()
	c.cancel()
}

func (c *conn) serve() {
	opt := &c.hub.opt
	c.wg.Add(1)
	go c.writer()

	c.ws.SetReadLimit(opt.MaxMessage)
	extend := func() {
		if c.ctx.Err() == nil {
			c.ws.SetReadDeadline(time.Now().Add(opt.PongWait))
		}
	}
	extend()
	c.ws.SetPongHandler(func(string) error { extend(); return nil })
	c.send(Outbound{Type: TypeWelcome, Data: WelcomeData{
		Protocol: Version, Operator: c.op.Name, Role: string(c.op.Role),
		MaxMessage: opt.MaxMessage, Preview: opt.Preview != nil, Epoch: c.hub.epoch,
	}})
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				opt.Log.Info("websocket closed: message too big", "operator", c.op.Name, "limit", opt.MaxMessage)
			}
			break
		}
		extend()
		if mt != websocket.TextMessage {
			c.send(errorMsg(nil, CodeBadRequest, "commands are JSON text messages"))
			continue
		}
		c.dispatch(data)
	}
	c.cancel()
	c.stopPreview()
	c.wg.Wait()
	c.ws.Close()
}

func errorMsg(re json.RawMessage, code, msg string) Outbound {
	return Outbound{Type: TypeError, Re: re, Code: code, Message: msg}
}

func replyMsg(re json.RawMessage, data any) Outbound {
	return Outbound{Type: TypeReply, Re: re, Data: data}
}

// send queues a JSON message for the writer; it gives up when the
// connection is closing.
func (c *conn) send(m Outbound) {
	select {
	case c.out <- m:
	case <-c.ctx.Done():
	}
}

// validRe keeps a command ID only if it is a JSON number or string, so
// what is echoed back is always well-formed.
func validRe(id json.RawMessage) json.RawMessage {
	if len(id) == 0 || len(id) > 128 {
		return nil
	}
	var v any
	if json.Unmarshal(id, &v) != nil {
		return nil
	}
	switch v.(type) {
	case string, float64:
		return id
	}
	return nil
}

func (c *conn) dispatch(data []byte) {
	opt := &c.hub.opt
	var in Inbound
	if err := json.Unmarshal(data, &in); err != nil {
		c.send(errorMsg(nil, CodeBadRequest, "the message is not a JSON command envelope"))
		return
	}
	re := validRe(in.ID)
	if in.V != Version {
		c.send(errorMsg(re, CodeUnsupported, fmt.Sprintf("protocol version %d is not supported; this station speaks version %d: reload the page", in.V, Version)))
		return
	}
	if in.Type == "" {
		c.send(errorMsg(re, CodeBadRequest, "the command has no type"))
		return
	}
	sess, ok := opt.Sessions.Lookup(c.token)
	if !ok {
		c.send(errorMsg(re, CodeUnauthenticated, "your session has ended; log in again"))
		c.shutdown(CloseSessionEnded, "session ended")
		return
	}
	op := Operator{Name: sess.Operator, Role: operators.Role(sess.Role)}

	switch in.Type {
	case CmdHello:
		var h HelloData
		if err := decodeData(in.Data, &h); err != nil {
			c.send(errorMsg(re, CodeBadRequest, err.Error()))
			return
		}
		select {
		case c.hello <- helloReq{re: re, after: h.LastEventID, epoch: h.Epoch}:
		case <-c.ctx.Done():
		}
	case CmdPing:
		c.send(replyMsg(re, struct{}{}))
	case CmdSubscribePreview:
		c.subscribePreview(re, in.Data)
	case CmdUnsubscribePreview:
		c.stopPreview()
		c.send(replyMsg(re, struct{}{}))
	case CmdRecentEvents:
		c.recentEvents(re, op, in.Data)
	default:
		c.command(re, op, in.Type, in.Data)
	}
}

func decodeData(data json.RawMessage, v any) error {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("the command's data is not what it takes: %v", err)
	}
	return nil
}

func (c *conn) subscribePreview(re json.RawMessage, data json.RawMessage) {
	opt := &c.hub.opt
	if opt.Preview == nil {
		c.send(errorMsg(re, CodeUnavailable, "this station has no preview source"))
		return
	}
	var p PreviewData
	if err := decodeData(data, &p); err != nil || p.Device == "" || len(p.Device) > maxDeviceID {
		c.send(errorMsg(re, CodeBadRequest, "subscribe-preview needs {\"device\": ID}"))
		return
	}
	c.stopPreview()
	gen := c.previewGen.Load()
	cancel, err := opt.Preview.SubscribePreview(c.ctx, p.Device, func(f Frame) {
		if c.previewGen.Load() == gen {
			c.frames.put(f)
		}
	})
	if err != nil {
		c.send(errorMsg(re, codeFor(err), err.Error()))
		return
	}
	c.previewMu.Lock()
	c.previewCancel = cancel
	c.previewMu.Unlock()
	c.send(replyMsg(re, PreviewData{Device: p.Device}))
}

// stopPreview ends the preview subscription, if any, and drops its pending frame.
func (c *conn) stopPreview() {
	c.previewGen.Add(1)
	c.previewMu.Lock()
	cancel := c.previewCancel
	c.previewCancel = nil
	c.previewMu.Unlock()
	if cancel != nil {
		cancel()
	}
	c.frames.clear()
}

// RecentEventsData is the data of recent-events.
type RecentEventsData struct {
	Limit int `json:"limit"`
}

// RecentEventsReply is the reply to recent-events.
type RecentEventsReply struct {
	Events []events.Event `json:"events"`
}

func (c *conn) recentEvents(re json.RawMessage, op Operator, data json.RawMessage) {
	if !op.Allows(operators.Supervisor) {
		c.send(errorMsg(re, CodeForbidden, "recent events need the supervisor or technician role"))
		return
	}
	var d RecentEventsData
	if err := decodeData(data, &d); err != nil {
		c.send(errorMsg(re, CodeBadRequest, err.Error()))
		return
	}
	if d.Limit <= 0 || d.Limit > 1000 {
		d.Limit = 100
	}
	out := RecentEventsReply{Events: []events.Event{}}
	if bus := c.hub.opt.Bus; bus != nil {
		evs, _ := bus.Since(0)
		if len(evs) > d.Limit {
			evs = evs[len(evs)-d.Limit:]
		}
		out.Events = append(out.Events, evs...)
	}
	c.send(replyMsg(re, out))
}

// command passes a workflow command to Options.Commands on its own goroutine.
func (c *conn) command(re json.RawMessage, op Operator, typ string, data json.RawMessage) {
	cmds := c.hub.opt.Commands
	if cmds == nil {
		c.send(errorMsg(re, CodeUnknownCommand, fmt.Sprintf("the station does not know the command %q", typ)))
		return
	}
	select {
	case c.inflight <- struct{}{}:
	default:
		c.send(errorMsg(re, CodeBusy, "too many commands are running; wait for their replies and try again"))
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		reply, err := c.runCommand(op, typ, data)
		<-c.inflight // free the slot before the page can see the answer
		if err != nil {
			code := codeFor(err)
			c.hub.opt.Log.Info("websocket command failed", "operator", op.Name, "command", typ, "code", code)
			c.send(errorMsg(re, code, err.Error()))
			return
		}
		c.send(replyMsg(re, reply))
	}()
}

func (c *conn) runCommand(op Operator, typ string, data json.RawMessage) (reply any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.hub.opt.Log.Error("websocket command panicked", "command", typ, "panic", fmt.Sprint(p))
			reply, err = nil, fmt.Errorf("the station failed to carry out %q; see the station log", typ)
		}
	}()
	reply, err = c.hub.opt.Commands.Handle(c.ctx, op, typ, data)
	if err == nil {
		// Encode now, so that an unencodable reply is an error reply and
		// not a broken connection.
		b, merr := json.Marshal(reply)
		if merr != nil {
			c.hub.opt.Log.Error("websocket reply cannot be encoded", "command", typ, "err", merr)
			return nil, fmt.Errorf("the station could not encode its reply to %q; see the station log", typ)
		}
		reply = json.RawMessage(b)
	}
	return reply, err
}

// writer is the only goroutine that writes to the socket.
func (c *conn) writer() {
	defer c.wg.Done()
	opt := &c.hub.opt
	ticker := time.NewTicker(opt.PingInterval)
	defer ticker.Stop()
	var sub *events.Subscription
	var subReady <-chan struct{}
	defer func() {
		if sub != nil {
			sub.Close()
		}
	}()
	fail := func() {
		c.cancel()
		c.ws.Close() // unblocks the reader
	}
	for {
		var err error
		select {
		case <-c.ctx.Done():
			c.closeMu.Lock()
			code, text := c.closeCode, c.closeText
			c.closeMu.Unlock()
			c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
			// Give the peer a moment to answer the close, then stop reading.
			c.ws.SetReadDeadline(time.Now().Add(time.Second))
			return
		case m := <-c.out:
			err = c.writeJSON(m)
		case h := <-c.hello:
			if sub != nil {
				sub.Close()
				sub, subReady = nil, nil
			}
			sub, err = c.startEvents(h)
			if sub != nil {
				subReady = sub.Ready()
			}
		case <-subReady:
			evs, dropped := sub.Take()
			if dropped > 0 {
				var last uint64
				if len(evs) > 0 {
					last = evs[0].ID - 1
				}
				err = c.writeJSON(Outbound{Type: TypeResyncRequired, Data: HelloReply{LastEventID: last, Resync: true}})
			}
			for i := 0; err == nil && i < len(evs); i++ {
				err = c.writeEvent(evs[i])
			}
		case <-c.frames.ready:
			if f, ok := c.frames.take(); ok {
				err = c.writeFrame(f)
			}
		case <-ticker.C:
			if p, ok := opt.Sessions.(peeker); ok {
				if _, live := p.Peek(c.token); !live {
					c.shutdown(CloseSessionEnded, "session ended")
					continue
				}
			}
			err = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(opt.WriteTimeout))
		}
		if err != nil {
			if c.ctx.Err() == nil {
				opt.Log.Info("websocket closed: write failed", "operator", c.op.Name, "err", err)
			}
			fail()
			return
		}
	}
}

// startEvents answers a hello: replays what the page missed (or tells it
// to resync) and subscribes to what follows.
func (c *conn) startEvents(h helloReq) (*events.Subscription, error) {
	bus := c.hub.opt.Bus
	if bus == nil {
		return nil, c.writeJSON(replyMsg(h.re, HelloReply{}))
	}
	all, _ := bus.Since(0)
	var latest uint64
	if len(all) > 0 {
		latest = all[len(all)-1].ID
	}
	reply := HelloReply{LastEventID: latest}
	var replay []events.Event
	switch {
	case h.after == nil:
		// A fresh page: live events only.
	case h.epoch != c.hub.epoch || *h.after > latest:
		// The page saw another run of the station.
		reply.Resync = true
	default:
		evs, complete := bus.Since(*h.after)
		if !complete {
			reply.Resync = true
		} else {
			replay = evs
			if len(evs) > 0 {
				reply.LastEventID = evs[len(evs)-1].ID
			}
			reply.Replayed = len(evs)
		}
	}
	if err := c.writeJSON(replyMsg(h.re, reply)); err != nil {
		return nil, err
	}
	if reply.Resync {
		if err := c.writeJSON(Outbound{Type: TypeResyncRequired, Data: reply}); err != nil {
			return nil, err
		}
	}
	for _, ev := range replay {
		if err := c.writeEvent(ev); err != nil {
			return nil, err
		}
	}
	// Subscribe atomically after the last event sent: anything published
	// meanwhile is delivered by the subscription.
	return bus.Subscribe(reply.LastEventID, c.hub.opt.EventBuffer), nil
}

func (c *conn) writeJSON(m Outbound) error {
	m.V = Version
	b, err := json.Marshal(m)
	if err != nil {
		c.hub.opt.Log.Error("websocket message cannot be encoded", "type", m.Type, "err", err)
		return nil // skip it; the connection is fine
	}
	c.ws.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (c *conn) writeEvent(ev events.Event) error {
	t := ev.Time
	return c.writeJSON(Outbound{Type: string(ev.Kind), ID: ev.ID, Event: ev.Type, Time: &t, Data: ev.Data})
}

func (c *conn) writeFrame(f Frame) error {
	c.ws.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteTimeout))
	w, err := c.ws.NextWriter(websocket.BinaryMessage)
	if err != nil {
		return err
	}
	if _, err := w.Write(FrameHeader(f)); err != nil {
		return err
	}
	if _, err := w.Write(f.JPEG); err != nil {
		return err
	}
	return w.Close()
}

// mailbox holds at most one frame: a newer one replaces it.
type mailbox struct {
	mu       sync.Mutex
	frame    Frame
	has      bool
	replaced uint64
	ready    chan struct{}
}

// put never blocks.
func (m *mailbox) put(f Frame) {
	m.mu.Lock()
	if m.has {
		m.replaced++
	}
	m.frame, m.has = f, true
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

func (m *mailbox) take() (Frame, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.frame, m.has
	m.frame, m.has = Frame{}, false
	return f, ok
}

func (m *mailbox) clear() { m.take() }

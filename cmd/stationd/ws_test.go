package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/capturestation/station/internal/api"
)

// wsClient speaks the browser's protocol (docs/ui-protocol.md).
type wsClient struct {
	t      *testing.T
	conn   *websocket.Conn
	n      int
	frames int
}

type envelope struct {
	V       int             `json:"v"`
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Re      string          `json:"re,omitempty"`
	Code    string          `json:"code,omitempty"`
	Message string          `json:"message,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// call sends a command and waits for its reply, counting the preview
// frames that arrive meanwhile and skipping events.
func (c *wsClient) call(typ string, data any) json.RawMessage {
	c.t.Helper()
	c.n++
	id := fmt.Sprint(c.n)
	raw, _ := json.Marshal(data)
	if err := c.conn.WriteJSON(envelope{V: 1, Type: typ, ID: id, Data: raw}); err != nil {
		c.t.Fatal(err)
	}
	c.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		kind, msg, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("%s: %v", typ, err)
		}
		if kind == websocket.BinaryMessage {
			c.frames++
			continue
		}
		var e envelope
		if err := json.Unmarshal(msg, &e); err != nil {
			c.t.Fatal(err)
		}
		if e.Re != id {
			continue
		}
		if e.Type == "error" {
			c.t.Fatalf("%s: %s: %s", typ, e.Code, e.Message)
		}
		return e.Data
	}
}

// The operator's browser drives a whole enrollment over the websocket with
// the simulated devices, watching the camera preview.
func TestWebSocketEnrollment(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.HTTP.Listen = freePort(t)
	cfg.Simulate.Chip, cfg.Simulate.Camera, cfg.Simulate.Fingerprint = true, true, true
	cfg.Fingerprint.Poll = 100 * time.Millisecond
	cfg.Workflow.Face.SkipBackground = true
	ctx, cancel := context.WithCancel(context.Background())
	d, err := openDaemon(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.serve(ctx) }()
	defer func() {
		cancel()
		<-done
		d.close()
	}()
	client := api.NewClient(cfg.SocketPath())
	if err := client.AddOperator(ctx, api.NewOperator{Name: "amina", Role: "operator", Secret: "482913"}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, client, "scanners attached", func(st api.Status) bool { return len(st.Devices) >= 3 })

	base := "http://" + cfg.HTTP.Listen
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Post(base+"/api/v1/session", "application/json", bytes.NewReader([]byte(`{"name":"amina","secret":"482913"}`)))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	hdr := http.Header{"Origin": {base}}
	for _, ck := range jar.Cookies(u) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws", hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &wsClient{t: t, conn: conn}

	c.call("subscribe-preview", map[string]string{"device": "camera:sim"})
	var st struct {
		ID    string `json:"id"`
		Stage string `json:"stage"`
	}
	if err := json.Unmarshal(c.call("enrollment.start", nil), &st); err != nil || st.ID == "" {
		t.Fatalf("start: %+v %v", st, err)
	}
	id := map[string]any{"id": st.ID}
	with := func(k string, v any) map[string]any { return map[string]any{"id": st.ID, k: v} }
	c.call("enrollment.mrz", with("text", SimulatedMRZ))
	c.call("enrollment.chip", id)
	c.call("enrollment.face", id)
	for _, pos := range d.workflow.Policy().RequiredFingers() {
		c.call("enrollment.finger", with("position", pos))
	}
	if err := json.Unmarshal(c.call("enrollment.confirm", id), &st); err != nil || st.Stage != "sealed" {
		t.Fatalf("confirm: %+v %v", st, err)
	}
	if c.frames == 0 {
		t.Fatal("no preview frame reached the browser")
	}
	waitStatus(t, client, "delivered", func(st api.Status) bool { return st.Queue.Delivered == 1 })
}

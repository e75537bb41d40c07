package main

import (
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

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/enrollment/workflow"
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

// dialStation logs in over HTTP and opens the browser's websocket.
func dialStation(t *testing.T, base, name, secret string) *wsClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Post(base+"/api/v1/session", "application/json", strings.NewReader(fmt.Sprintf(`{"name":%q,"secret":%q}`, name, secret)))
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
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}
}

// The operator's browser drives a whole enrollment over the websocket with
// the simulated devices, watching the cameras' previews: the MRZ is read on
// the document camera.
func TestWebSocketEnrollment(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.HTTP.Listen = freePort(t)
	cfg.Simulate.Chip, cfg.Simulate.Camera, cfg.Simulate.Fingerprint, cfg.Simulate.DocumentCamera = true, true, true, true
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
	waitStatus(t, client, "cameras and scanners attached", func(st api.Status) bool { return len(st.Devices) >= 4 })

	c := dialStation(t, "http://"+cfg.HTTP.Listen, "amina", "482913")

	c.call("subscribe-preview", map[string]string{"device": "document-camera:sim"})
	var st struct {
		ID    string `json:"id"`
		Stage string `json:"stage"`
	}
	if err := json.Unmarshal(c.call("enrollment.start", nil), &st); err != nil || st.ID == "" {
		t.Fatalf("start: %+v %v", st, err)
	}
	id := map[string]any{"id": st.ID}
	with := func(k string, v any) map[string]any { return map[string]any{"id": st.ID, k: v} }
	var m struct {
		MRZ struct {
			Lines []string `json:"lines"`
			Valid bool     `json:"valid"`
		} `json:"mrz"`
	}
	if err := json.Unmarshal(c.call("enrollment.mrz-camera", id), &m); err != nil || !m.MRZ.Valid || strings.Join(m.MRZ.Lines, "\n") != SimulatedMRZ {
		t.Fatalf("MRZ from the document camera: %+v %v", m, err)
	}
	if c.frames == 0 {
		t.Fatal("no document camera frame reached the browser")
	}
	c.frames = 0
	c.call("subscribe-preview", map[string]string{"device": "camera:sim"})
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

// An enrollment survives the station being killed halfway: the sealed
// draft is resumed after the restart and finished.
func TestEnrollmentSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stationd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e := startSimStation(ctx, t)
	if code, _, errOut := e.ctl("482913\n", "operators", "add", "amina", "--role", "operator"); code != 0 {
		t.Fatalf("operators add: %s", errOut)
	}
	waitStatus(t, e.client(), "devices attached", func(st api.Status) bool { return len(st.Devices) >= 3 })
	c := dialStation(t, e.httpURL, "amina", "482913")
	var st struct {
		ID    string `json:"id"`
		Stage string `json:"stage"`
	}
	if err := json.Unmarshal(c.call("enrollment.start", nil), &st); err != nil || st.ID == "" {
		t.Fatalf("start: %+v %v", st, err)
	}
	with := func(k string, v any) map[string]any { return map[string]any{"id": st.ID, k: v} }
	id := map[string]any{"id": st.ID}
	c.call("enrollment.mrz", with("text", SimulatedMRZ))
	c.call("enrollment.chip", id)

	e.st.kill(t)
	e.st = startStation(ctx, t, e.bin, e.cfg)
	waitStatus(t, e.client(), "devices attached after the restart", func(st api.Status) bool { return len(st.Devices) >= 3 })

	c = dialStation(t, e.httpURL, "amina", "482913")
	if err := json.Unmarshal(c.call("enrollment.resume", id), &st); err != nil || st.Stage != "face" {
		t.Fatalf("resume after the kill: %+v %v (want the face step)", st, err)
	}
	c.call("enrollment.face", id)
	for _, pos := range workflowFingers(t) {
		c.call("enrollment.finger", with("position", pos))
	}
	if err := json.Unmarshal(c.call("enrollment.confirm", id), &st); err != nil || st.Stage != "sealed" {
		t.Fatalf("confirm: %+v %v", st, err)
	}
	waitStatus(t, e.client(), "delivered", func(st api.Status) bool { return st.Queue.Delivered == 1 })
}

// workflowFingers lists the fingers the default policy requires.
func workflowFingers(t *testing.T) []enrollment.Position {
	t.Helper()
	return workflow.DefaultPolicy().RequiredFingers()
}

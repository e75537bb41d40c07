package personapisim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

const (
	testClient = "station"
	testSecret = "sim-secret"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	clk   *clock
	token string
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if cfg.Clients == nil {
		cfg.Clients = []registrysim.Client{{ID: testClient, Secret: testSecret}}
	}
	if cfg.Now == nil {
		cfg.Now = clk.now
	}
	sim, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	h := &harness{t: t, sim: sim, srv: srv, clk: clk}
	h.token = h.clientToken()
	return h
}

// form posts a token request.
func (h *harness) form(v url.Values) (int, []byte) {
	h.t.Helper()
	return h.do(http.MethodPost, TokenPath, "", "application/x-www-form-urlencoded", []byte(v.Encode()), nil)
}

func (h *harness) clientToken() string {
	h.t.Helper()
	st, body := h.form(url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}})
	if st != http.StatusOK {
		h.t.Fatalf("token: %d %s", st, body)
	}
	var a tokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		h.t.Fatal(err)
	}
	return a.AccessToken
}

// do sends a request and returns the status and body.
func (h *harness) do(method, path, token, ctype string, body []byte, hdr map[string]string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (h *harness) postJSON(path, token, body string, hdr map[string]string) (int, []byte) {
	h.t.Helper()
	return h.do(http.MethodPost, path, token, "application/json", []byte(body), hdr)
}

// create posts a person and returns the answer.
func (h *harness) create(body, key string) (int, CreatedAnswer, []byte) {
	h.t.Helper()
	var hdr map[string]string
	if key != "" {
		hdr = map[string]string{IdempotenceKeyHeader: key}
	}
	st, b := h.postJSON(PersonPath, h.token, body, hdr)
	var a CreatedAnswer
	if st == http.StatusOK {
		if err := json.Unmarshal(b, &a); err != nil {
			h.t.Fatalf("creation answer %s: %v", b, err)
		}
	}
	return st, a, b
}

// errorBody decodes an error answer strictly.
func errorBody(t *testing.T, b []byte) ErrorBody {
	t.Helper()
	var e ErrorBody
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error answer %s: %v", b, err)
	}
	return e
}

// claims decodes a JWT's payload without verifying it.
func claims(t *testing.T, tok string) Claims {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c Claims
	if err := json.Unmarshal(p, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const validPerson = `{"secret":"Ypiey13mn3IKfkLk","identifiers":[{"identifier":"mail@example.com","date_from":"2000-01-01","verified":0,"identifier_type":"email"}]}`

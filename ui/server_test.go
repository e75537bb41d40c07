package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/session"
)

// backend is an in-memory station for the HTTP layer's tests.
type backend struct {
	mu      sync.Mutex
	items   map[string]api.QueueItem
	imports int
	actors  []string
}

func (b *backend) Status(context.Context) (api.Status, error) {
	return api.Status{StationID: "t1", Ready: true}, nil
}

func (b *backend) EnrollSimulated(_ context.Context, count int, actor string) ([]api.SimulatedEnrollment, error) {
	out := make([]api.SimulatedEnrollment, count)
	for i := range out {
		out[i] = api.SimulatedEnrollment{ID: fmt.Sprintf("sim-%d", i+1), Stage: "sealed"}
	}
	return out, nil
}

func (b *backend) ImportOSIAIdentity(_ context.Context, body []byte, personID, actor string) (api.EnrollResult, error) {
	if !json.Valid(body) {
		return api.EnrollResult{}, fmt.Errorf("%w: not JSON", api.ErrBadRequest)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.imports++
	b.actors = append(b.actors, actor)
	return api.EnrollResult{TransactionID: "tx", PersonID: personID, Created: true}, nil
}

func (b *backend) Queue(context.Context, string, string, int) (api.QueueList, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var l api.QueueList
	for _, it := range b.items {
		l.Items = append(l.Items, it)
	}
	return l, nil
}

func (b *backend) QueueItem(_ context.Context, id string) (api.QueueItem, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	it, ok := b.items[id]
	if !ok {
		return api.QueueItem{}, fmt.Errorf("item %s: %w", id, api.ErrNotFound)
	}
	return it, nil
}

func (b *backend) Retry(ctx context.Context, id, actor string) (api.QueueItem, error) {
	it, err := b.QueueItem(ctx, id)
	if err != nil {
		return it, err
	}
	if it.State != "failed" {
		return it, fmt.Errorf("item %s is %s: %w", id, it.State, api.ErrConflict)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	it.State = "pending"
	b.items[id] = it
	b.actors = append(b.actors, actor)
	return it, nil
}

func (b *backend) Purge(context.Context, string, string) error { return api.ErrRefused }

func (b *backend) StationKey(context.Context) (api.KeyInfo, error) {
	return api.KeyInfo{KeyID: "k1", Algorithm: "ES256"}, nil
}

func (b *backend) Ready(context.Context) (bool, []health.Check) {
	return false, []health.Check{{Component: "registry", Level: health.Warning, Message: "unreachable"}}
}

type memAccounts struct {
	mu sync.Mutex
	m  map[string]operators.Account
}

func (s *memAccounts) GetAccount(_ context.Context, n string) (operators.Account, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[n]
	return a, ok, nil
}

func (s *memAccounts) PutAccount(_ context.Context, a operators.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[a.Name] = a
	return nil
}

func (s *memAccounts) ListAccounts(context.Context) ([]operators.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []operators.Account
	for _, a := range s.m {
		out = append(out, a)
	}
	return out, nil
}

func newTestServer(t *testing.T) (*httptest.Server, *httptest.Server, *backend) {
	t.Helper()
	b := &backend{items: map[string]api.QueueItem{
		"q1": {ID: "q1", State: "failed"},
		"q2": {ID: "q2", State: "pending"},
	}}
	accs := operators.New(&memAccounts{m: map[string]operators.Account{}}, operators.Policy{})
	ctx := context.Background()
	for _, a := range []struct {
		n string
		r operators.Role
	}{{"amina", operators.Operator}, {"bruno", operators.Supervisor}} {
		if err := accs.Add(ctx, a.n, a.r, "482913"); err != nil {
			t.Fatal(err)
		}
	}
	s := New(Options{
		Backend: b, Accounts: accs, Sessions: session.NewManager(time.Minute, time.Hour),
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "station_up 1\n") }),
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	tcp := httptest.NewServer(s.Handler(false))
	local := httptest.NewServer(s.Handler(true))
	t.Cleanup(tcp.Close)
	t.Cleanup(local.Close)
	return tcp, local, b
}

func do(t *testing.T, c *http.Client, method, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTCPRequiresSession(t *testing.T) {
	tcp, _, _ := newTestServer(t)
	c := tcp.Client()
	open := map[string]int{"/healthz": 200, "/readyz": 503, "/metrics": 200, "/": 200, "/app.js": 200}
	for path, want := range open {
		if code, _ := do(t, c, "GET", tcp.URL+path, "", nil); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
	for _, path := range []string{"/api/v1/status", "/api/v1/queue", "/api/v1/keys/station", "/api/v1/operators"} {
		if code, _ := do(t, c, "GET", tcp.URL+path, "", nil); code != http.StatusUnauthorized {
			t.Errorf("GET %s without session = %d, want 401", path, code)
		}
	}
	if code, _ := do(t, c, "GET", tcp.URL+"/api/v1/status", "", map[string]string{"Cookie": cookieName + "=forged"}); code != 401 {
		t.Errorf("forged cookie accepted: %d", code)
	}
}

func login(t *testing.T, srv *httptest.Server, name string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	code, body := do(t, c, "POST", srv.URL+"/api/v1/session", `{"name":"`+name+`","secret":"482913"}`, nil)
	if code != 200 {
		t.Fatalf("login %s: %d %s", name, code, body)
	}
	var info api.SessionInfo
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	return c, info.CSRFToken
}

func TestSessionRolesAndCSRF(t *testing.T) {
	tcp, _, b := newTestServer(t)
	c, csrf := login(t, tcp, "amina")

	tests := []struct {
		name, method, path, body string
		csrf                     bool
		want                     int
	}{
		{"status", "GET", "/api/v1/status", "", false, 200},
		{"item", "GET", "/api/v1/queue/q1", "", false, 200},
		{"missing item", "GET", "/api/v1/queue/nope", "", false, 404},
		{"retry without csrf", "POST", "/api/v1/queue/q1/retry", "", false, 403},
		{"retry", "POST", "/api/v1/queue/q1/retry", "", true, 200},
		{"retry pending", "POST", "/api/v1/queue/q2/retry", "", true, 409},
		{"purge needs supervisor", "DELETE", "/api/v1/queue/q1", "", true, 403},
		{"operators need supervisor", "GET", "/api/v1/operators", "", false, 403},
		{"add operator needs technician", "POST", "/api/v1/operators", `{"name":"x1","role":"operator","secret":"123456"}`, true, 403},
		{"import", "POST", "/api/v1/enrollments?format=osia-identity", `{"identityType":"CIVIL"}`, true, 201},
		{"import bad format", "POST", "/api/v1/enrollments?format=csv", `{}`, true, 400},
		{"import bad body", "POST", "/api/v1/enrollments?format=osia-identity", `{`, true, 400},
		{"bad paging", "GET", "/api/v1/queue?limit=0", "", false, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.csrf {
				hdr["X-CSRF-Token"] = csrf
			}
			if code, body := do(t, c, tt.method, tcp.URL+tt.path, tt.body, hdr); code != tt.want {
				t.Errorf("%s %s = %d (%s), want %d", tt.method, tt.path, code, body, tt.want)
			}
		})
	}
	if len(b.actors) == 0 || b.actors[0] != "amina" {
		t.Errorf("actions not attributed to the operator: %v", b.actors)
	}

	sup, scsrf := login(t, tcp, "bruno")
	if code, _ := do(t, sup, "DELETE", tcp.URL+"/api/v1/queue/q1", "", map[string]string{"X-CSRF-Token": scsrf}); code != http.StatusInsufficientStorage {
		t.Errorf("supervisor purge: got %d, want the backend's refusal (507)", code)
	}
	if code, _ := do(t, c, "DELETE", tcp.URL+"/api/v1/session", "", nil); code != 204 {
		t.Errorf("logout = %d", code)
	}
	if code, _ := do(t, c, "GET", tcp.URL+"/api/v1/status", "", nil); code != 401 {
		t.Errorf("after logout = %d", code)
	}
}

func TestLoginFailuresAndLockout(t *testing.T) {
	tcp, _, _ := newTestServer(t)
	c := tcp.Client()
	for i := 0; i < 4; i++ {
		if code, _ := do(t, c, "POST", tcp.URL+"/api/v1/session", `{"name":"amina","secret":"000000"}`, nil); code != 401 {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	if code, _ := do(t, c, "POST", tcp.URL+"/api/v1/session", `{"name":"amina","secret":"000000"}`, nil); code != 429 {
		t.Fatalf("fifth failure: %d, want 429 locked", code)
	}
	if code, _ := do(t, c, "POST", tcp.URL+"/api/v1/session", `{"name":"amina","secret":"482913","extra":1}`, nil); code != 400 {
		t.Fatalf("unknown field: %d, want 400", code)
	}
}

func TestLocalSocketIsTechnician(t *testing.T) {
	_, local, _ := newTestServer(t)
	c := local.Client()
	if code, body := do(t, c, "POST", local.URL+"/api/v1/operators", `{"name":"chen","role":"technician","secret":"correct horse"}`, nil); code != 201 {
		t.Fatalf("add operator: %d %s", code, body)
	}
	if code, body := do(t, c, "POST", local.URL+"/api/v1/operators", `{"name":"chen","role":"technician","secret":"correct horse"}`, nil); code != 409 {
		t.Fatalf("duplicate operator: %d %s", code, body)
	}
	code, body := do(t, c, "GET", local.URL+"/api/v1/operators", "", nil)
	if code != 200 || strings.Contains(body, "argon2") {
		t.Fatalf("list operators: %d, hash leaked=%v", code, strings.Contains(body, "argon2"))
	}
}

func FuzzImportAndLoginBodies(f *testing.F) {
	f.Add([]byte(`{"name":"amina","secret":"482913"}`))
	f.Add([]byte(`{"identityType":"CIVIL","status":"CLAIMED"}`))
	f.Add([]byte("\xff\x00{"))
	s := New(Options{
		Backend: &backend{items: map[string]api.QueueItem{}}, Accounts: operators.New(&memAccounts{m: map[string]operators.Account{}}, operators.Policy{}),
		Sessions: session.NewManager(time.Minute, time.Hour), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	h := s.Handler(true)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/api/v1/session", "/api/v1/enrollments?format=osia-identity", "/api/v1/operators"} {
			req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("POST %s answered %d", path, rec.Code)
			}
		}
	})
}

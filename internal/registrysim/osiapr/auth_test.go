package osiapr

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

func TestSpecScopes(t *testing.T) {
	h := newHarness(t, Config{DisableAuth: true})
	got := SpecScopes(h.sim.Document())
	want := []string{"pr.gallery.read", "pr.identity.read", "pr.identity.write", "pr.person.read",
		"pr.person.write", "pr.reference.read", "pr.reference.write"}
	if !slices.Equal(got, want) {
		t.Errorf("scopes %v, want %v", got, want)
	}
}

func TestScopes(t *testing.T) {
	clock := &fixedClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, Config{Now: clock.now, TokenTTL: time.Minute, Clients: []registrysim.Client{
		{ID: testClient, Secret: testSecret},
		{ID: "reader", Secret: "reader-secret", Scopes: []string{"pr.person.read", "pr.gallery.read"}},
	}})
	if r := h.do(call{method: "POST", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	reader := h.fetchToken("reader", "reader-secret", "")
	personOnly := h.fetchToken(testClient, testSecret, "pr.person.read")
	fresh := h.fetchToken(testClient, testSecret, "")
	clock.t = clock.t.Add(30 * time.Second)
	cases := []struct {
		name   string
		token  string
		call   call
		status int
		wwwErr string
	}{
		{"reader reads person", reader, call{method: "GET", path: "/v1/persons/P1"}, 200, ""},
		{"reader cannot write person", reader, call{method: "PUT", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "DEAD"}}, 403, "insufficient_scope"},
		{"reader cannot read identities", reader, call{method: "GET", path: "/v1/persons/P1/identities"}, 403, "insufficient_scope"},
		{"reader cannot set reference", reader, call{method: "PUT", path: "/v1/persons/P1/identities/I1/reference"}, 403, "insufficient_scope"},
		{"narrowed token reads", personOnly, call{method: "GET", path: "/v1/persons/P1"}, 200, ""},
		{"narrowed token cannot read gallery", personOnly, call{method: "GET", path: "/v1/galleries"}, 403, "insufficient_scope"},
		{"full token writes", fresh, call{method: "POST", path: "/v1/persons/P1/identities/I1", body: identity("A", "B", "1990-01-01")}, 201, ""},
		{"no token", "", call{method: "GET", path: "/v1/persons/P1"}, 401, ""},
		{"garbage token", "not-a-token", call{method: "GET", path: "/v1/persons/P1"}, 401, "invalid_token"},
		{"forged signature", fresh[:strings.LastIndex(fresh, ".")+1] + "AAAA", call{method: "GET", path: "/v1/persons/P1"}, 401, "invalid_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.call.token = &c.token
			r := h.do(c.call)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without Bearer challenge")
			}
			if c.wwwErr != "" && !strings.Contains(r.header.Get("WWW-Authenticate"), c.wwwErr) {
				t.Errorf("WWW-Authenticate %q lacks %s", r.header.Get("WWW-Authenticate"), c.wwwErr)
			}
		})
	}
	// Tokens expire after the TTL; a new one works again.
	clock.t = clock.t.Add(time.Minute)
	r := h.do(call{method: "GET", path: "/v1/persons/P1", token: &fresh})
	if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "expired") {
		t.Errorf("expired token: %d %s", r.status, r.body)
	}
	again := h.fetchToken(testClient, testSecret, "")
	if r := h.do(call{method: "GET", path: "/v1/persons/P1", token: &again}); r.status != 200 {
		t.Errorf("renewed token: %d %s", r.status, r.body)
	}
}

func TestNewRequiresClientsOrDisableAuth(t *testing.T) {
	if _, err := New(context.Background(), Config{}); err == nil {
		t.Fatal("New without clients and without DisableAuth succeeded")
	}
}

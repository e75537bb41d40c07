package registrysim

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newIssuer(t *testing.T, c *clock) *TokenIssuer {
	t.Helper()
	ti, err := NewTokenIssuer(TokenConfig{
		Clients: []Client{
			{ID: "station", Secret: "s3cret:/&", Scopes: []string{"a.read", "a.write", "b.read"}},
			{ID: "other", Secret: "x", Scopes: []string{"b.read"}},
		},
		TTL: 10 * time.Minute,
		Now: c.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ti
}

func TestTokenEndpoint(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ti := newIssuer(t, c)
	basic := func(id, secret string) string {
		r, _ := http.NewRequest("POST", "/", nil)
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		return r.Header.Get("Authorization")
	}
	cases := []struct {
		name      string
		method    string
		form      string
		auth      string
		status    int
		errCode   string
		scope     string
		challenge bool
	}{
		{name: "basic", form: "grant_type=client_credentials", auth: basic("station", "s3cret:/&"), status: 200, scope: "a.read a.write b.read"},
		{name: "form credentials", form: "grant_type=client_credentials&client_id=station&client_secret=s3cret%3A%2F%26", status: 200, scope: "a.read a.write b.read"},
		{name: "narrowed scope", form: "grant_type=client_credentials&scope=b.read+a.read+a.read", auth: basic("station", "s3cret:/&"), status: 200, scope: "a.read b.read"},
		{name: "scope not granted", form: "grant_type=client_credentials&scope=a.write", auth: basic("other", "x"), status: 400, errCode: "invalid_scope"},
		{name: "wrong secret basic", form: "grant_type=client_credentials", auth: basic("station", "nope"), status: 401, errCode: "invalid_client", challenge: true},
		{name: "wrong secret form", form: "grant_type=client_credentials&client_id=station&client_secret=nope", status: 401, errCode: "invalid_client"},
		{name: "unknown client", form: "grant_type=client_credentials&client_id=ghost&client_secret=x", status: 401, errCode: "invalid_client"},
		{name: "no credentials", form: "grant_type=client_credentials", status: 401, errCode: "invalid_client"},
		{name: "both credential methods", form: "grant_type=client_credentials&client_id=station&client_secret=s3cret", auth: basic("station", "s3cret:/&"), status: 400, errCode: "invalid_request"},
		{name: "password grant", form: "grant_type=password&username=a&password=b", auth: basic("station", "s3cret:/&"), status: 400, errCode: "unsupported_grant_type"},
		{name: "missing grant", form: "client_id=station", auth: basic("station", "s3cret:/&"), status: 400, errCode: "invalid_request"},
		{name: "repeated parameter", form: "grant_type=client_credentials&grant_type=client_credentials", auth: basic("station", "s3cret:/&"), status: 400, errCode: "invalid_request"},
		{name: "GET", method: "GET", status: 405, errCode: "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.method
			if m == "" {
				m = "POST"
			}
			r := httptest.NewRequest(m, "/oauth/token", strings.NewReader(tc.form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			ti.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Error("token answers must not be cached")
			}
			if got := w.Header().Get("WWW-Authenticate") != ""; got != tc.challenge {
				t.Errorf("WWW-Authenticate present %v, want %v", got, tc.challenge)
			}
			if tc.status != 200 {
				var e TokenError
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error != tc.errCode {
					t.Errorf("error %q (%v), want %q", e.Error, err, tc.errCode)
				}
				return
			}
			var tr TokenResponse
			if err := json.Unmarshal(w.Body.Bytes(), &tr); err != nil {
				t.Fatal(err)
			}
			if tr.TokenType != "Bearer" || tr.ExpiresIn != 600 || tr.Scope != tc.scope || tr.AccessToken == "" {
				t.Errorf("token response %+v", tr)
			}
			claims, err := ti.Verify(tr.AccessToken)
			if err != nil || strings.Join(claims.Scopes, " ") != tc.scope || claims.Subject == "" {
				t.Errorf("claims %+v, %v", claims, err)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ti := newIssuer(t, c)
	tok, _, err := ti.Issue("station", []string{"a.read"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewTokenIssuer(TokenConfig{Clients: []Client{{ID: "station", Secret: "x"}}, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, _ := other.Issue("station", []string{"a.read"})
	cases := []struct {
		name     string
		header   string
		required []string
		advance  time.Duration
		want     error
		status   int
	}{
		{"ok", "Bearer " + tok, []string{"a.read"}, 0, nil, 200},
		{"lower-case scheme", "bearer " + tok, nil, 0, nil, 200},
		{"missing scope", "Bearer " + tok, []string{"a.write"}, 0, ErrInsufficientScope, 403},
		{"no header", "", nil, 0, ErrNoToken, 401},
		{"basic scheme", "Basic abc", nil, 0, ErrNoToken, 401},
		{"other issuer's key", "Bearer " + foreign, nil, 0, ErrInvalidToken, 401},
		{"tampered", "Bearer x" + tok, nil, 0, ErrInvalidToken, 401},
		{"no dot", "Bearer abc", nil, 0, ErrInvalidToken, 401},
		{"expired", "Bearer " + tok, nil, 10 * time.Minute, ErrTokenExpired, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			saved := c.t
			c.t = c.t.Add(tc.advance)
			defer func() { c.t = saved }()
			r := httptest.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			_, err := ti.Authorize(r, tc.required)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Authorize: %v, want %v", err, tc.want)
			}
			w := httptest.NewRecorder()
			ti.Require(tc.required...)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(200)
			})).ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Errorf("middleware answered %d, want %d", w.Code, tc.status)
			}
			if tc.status != 200 && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("no Bearer challenge")
			}
		})
	}
}

func TestNewTokenIssuerRejects(t *testing.T) {
	cases := []struct {
		name string
		cfg  TokenConfig
	}{
		{"empty secret", TokenConfig{Clients: []Client{{ID: "a"}}}},
		{"duplicate", TokenConfig{Clients: []Client{{ID: "a", Secret: "x"}, {ID: "a", Secret: "y"}}}},
		{"negative TTL", TokenConfig{TTL: -time.Second}},
	}
	for _, tc := range cases {
		if _, err := NewTokenIssuer(tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func FuzzTokenEndpoint(f *testing.F) {
	f.Add("grant_type=client_credentials&scope=a.read", "Basic c3RhdGlvbjpzM2NyZXQ=")
	f.Add("grant_type=client_credentials&client_id=station&client_secret=s3cret%3A%2F%26", "")
	f.Add("%zz", "Basic %%%")
	f.Add("grant_type=refresh_token", "Bearer x")
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ti, err := NewTokenIssuer(TokenConfig{Clients: []Client{{ID: "station", Secret: "s3cret:/&", Scopes: []string{"a.read"}}}, Now: c.now})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, form, auth string) {
		r := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		ti.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if w.Code == 200 {
			var tr TokenResponse
			if err := json.Unmarshal(w.Body.Bytes(), &tr); err != nil {
				t.Fatal(err)
			}
			if _, err := ti.Verify(tr.AccessToken); err != nil {
				t.Fatalf("issued token does not verify: %v", err)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ti, err := NewTokenIssuer(TokenConfig{Clients: []Client{{ID: "a", Secret: "b"}}, Now: c.now})
	if err != nil {
		f.Fatal(err)
	}
	tok, _, _ := ti.Issue("a", []string{"x"})
	f.Add(tok)
	f.Add("a.b")
	f.Add(".")
	f.Add("eyJ9.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		claims, err := ti.Verify(s)
		if err == nil && s != tok {
			t.Fatalf("forged token %q accepted: %+v", s, claims)
		}
	})
}

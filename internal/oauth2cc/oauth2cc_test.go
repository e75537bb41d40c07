package oauth2cc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tokenServer issues numbered tokens and counts requests.
type tokenServer struct {
	issued atomic.Int64
	answer func(w http.ResponseWriter, n int64)
}

func (ts *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != "station" || secret != "s3cret" || r.FormValue("grant_type") != "client_credentials" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad\nclient"}`)
		return
	}
	n := ts.issued.Add(1)
	if ts.answer != nil {
		ts.answer(w, n)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":300}`, n)
}

func TestTokenIsCachedAndRefreshed(t *testing.T) {
	ts := &tokenServer{}
	srv := httptest.NewServer(ts)
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src := New(Config{TokenURL: srv.URL, ClientID: "station", ClientSecret: "s3cret", Scopes: []string{"a", "b"}, Now: func() time.Time { return now }})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		tok, err := src.Token(ctx)
		if err != nil || tok != "tok-1" {
			t.Fatalf("token %q, %v", tok, err)
		}
	}
	now = now.Add(269 * time.Second) // 300 s lifetime minus a 30 s margin
	if tok, _ := src.Token(ctx); tok != "tok-1" {
		t.Fatalf("refreshed too early: %s", tok)
	}
	now = now.Add(2 * time.Second)
	if tok, _ := src.Token(ctx); tok != "tok-2" {
		t.Fatalf("not refreshed before expiry: %s", tok)
	}
}

func TestConcurrentCallersShareOneRequest(t *testing.T) {
	ts := &tokenServer{}
	srv := httptest.NewServer(ts)
	defer srv.Close()
	src := New(Config{TokenURL: srv.URL, ClientID: "station", ClientSecret: "s3cret"})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := src.Token(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := ts.issued.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		answer func(w http.ResponseWriter, n int64)
		status int
		want   string
	}{
		{"refused client", "wrong", nil, 401, "invalid_client (badclient)"},
		{"not json", "s3cret", func(w http.ResponseWriter, _ int64) { fmt.Fprint(w, "<html>") }, 200, "not a token response"},
		{"no token", "s3cret", func(w http.ResponseWriter, _ int64) { fmt.Fprint(w, `{"token_type":"Bearer"}`) }, 200, "no access_token"},
		{"mac token", "s3cret", func(w http.ResponseWriter, _ int64) { fmt.Fprint(w, `{"access_token":"x","token_type":"mac"}`) }, 200, "not Bearer"},
		{"token with a newline", "s3cret", func(w http.ResponseWriter, _ int64) { fmt.Fprint(w, `{"access_token":"a\nb"}`) }, 200, "b64token"},
		{"server error", "s3cret", func(w http.ResponseWriter, _ int64) { w.WriteHeader(503) }, 503, "HTTP 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&tokenServer{answer: tt.answer})
			defer srv.Close()
			_, err := New(Config{TokenURL: srv.URL, ClientID: "station", ClientSecret: tt.secret}).Token(context.Background())
			var oe *Error
			if !errors.As(err, &oe) || oe.Status != tt.status || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want status %d and %q", err, tt.status, tt.want)
			}
		})
	}
}

func TestTransportRetriesOnceOn401(t *testing.T) {
	ts := &tokenServer{}
	tokSrv := httptest.NewServer(ts)
	defer tokSrv.Close()
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body := make([]byte, 5)
		n, _ := r.Body.Read(body)
		switch r.Header.Get("Authorization") {
		case "Bearer tok-1": // revoked on the server side
			w.WriteHeader(http.StatusUnauthorized)
		case "Bearer tok-2":
			fmt.Fprintf(w, "ok %s", body[:n])
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer api.Close()
	src := New(Config{TokenURL: tokSrv.URL, ClientID: "station", ClientSecret: "s3cret"})
	c := &http.Client{Transport: &Transport{Source: src}}
	resp, err := c.Post(api.URL, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 16)
	n, _ := resp.Body.Read(buf)
	if resp.StatusCode != 200 || string(buf[:n]) != "ok hello" || calls.Load() != 2 {
		t.Fatalf("status %d body %q after %d calls", resp.StatusCode, buf[:n], calls.Load())
	}

	// A server that refuses every token gets exactly one retry.
	calls.Store(0)
	deny := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer deny.Close()
	resp, err = c.Get(deny.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || calls.Load() != 2 {
		t.Fatalf("status %d after %d calls, want 401 after 2", resp.StatusCode, calls.Load())
	}
}

func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"t","token_type":"Bearer","expires_in":300}`))
	f.Add(400, []byte(`{"error":"invalid_scope","error_description":"no"}`))
	f.Add(200, []byte(`{"access_token":"t","expires_in":-1}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		tok, ttl, err := parseTokenResponse(status, body)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if len(oe.Code) > 210 || len(oe.Description) > 210 || strings.ContainsAny(oe.Code+oe.Description, "\n\r") {
				t.Fatalf("server text not cleaned: %q %q", oe.Code, oe.Description)
			}
			return
		}
		if status != 200 || tok == "" || ttl <= 0 || ttl > 24*time.Hour {
			t.Fatalf("accepted status %d: token %q ttl %v", status, tok, ttl)
		}
	})
}

func TestNewTransportChecksTheTokenURL(t *testing.T) {
	for _, u := range []string{"", "nope", "/token", "ftp://x/t", "http://"} {
		if _, err := NewTransport(nil, time.Second, Config{TokenURL: u}); err == nil {
			t.Errorf("token URL %q accepted", u)
		}
	}
	tr, err := NewTransport(http.DefaultTransport, 3*time.Second, Config{TokenURL: "https://idp.example/token", ClientID: "station"})
	if err != nil || tr.Source == nil || tr.Base != http.DefaultTransport || tr.Source.cfg.HTTPClient.Timeout != 3*time.Second {
		t.Fatalf("transport %+v, %v", tr, err)
	}
}

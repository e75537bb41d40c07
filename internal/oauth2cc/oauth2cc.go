package oauth2cc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxTokenResponse bounds the token endpoint's answer.
const maxTokenResponse = 64 << 10

// Config describes the token endpoint and the client.
type Config struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// HTTPClient calls the token endpoint; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Error is a refusal or failure of the token endpoint.
type Error struct {
	// Status is the HTTP status of the token endpoint's answer, 0 if none came.
	Status int
	// Code and Description are the RFC 6749 error fields when present.
	Code, Description string
	Err               error
}

func (e *Error) Error() string {
	msg := "oauth2: token request"
	if e.Status != 0 {
		msg += fmt.Sprintf(" answered HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += " (" + e.Description + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Source hands out access tokens, fetching a new one when the cached token
// is within a tenth of its lifetime (at most a minute) of expiry. It is safe
// for concurrent use; concurrent callers share one token request.
type Source struct {
	cfg Config
	mu  sync.Mutex
	tok string
	// refreshAt is when the cached token should be replaced.
	refreshAt time.Time
}

// New returns a Source for cfg.
func New(cfg Config) *Source {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg}
}

// Token returns a valid access token.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != "" && s.cfg.Now().Before(s.refreshAt) {
		return s.tok, nil
	}
	tok, ttl, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	margin := min(ttl/10, time.Minute)
	s.tok, s.refreshAt = tok, s.cfg.Now().Add(ttl-margin)
	return tok, nil
}

// Invalidate drops tok from the cache if it is still the cached token.
func (s *Source) Invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == tok {
		s.tok = ""
	}
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	ErrorCode        string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (s *Source) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(s.cfg.Scopes) > 0 {
		form.Set("scope", strings.Join(s.cfg.Scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &Error{Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(s.cfg.ClientID), url.QueryEscape(s.cfg.ClientSecret))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", 0, &Error{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	if err != nil {
		return "", 0, &Error{Status: resp.StatusCode, Err: err}
	}
	if len(body) > maxTokenResponse {
		return "", 0, &Error{Status: resp.StatusCode, Err: errors.New("answer too large")}
	}
	return parseTokenResponse(resp.StatusCode, body)
}

// parseTokenResponse reads a token endpoint's answer (RFC 6749 sections 5.1
// and 5.2) and returns the access token and its lifetime.
func parseTokenResponse(status int, body []byte) (string, time.Duration, error) {
	var tr tokenResponse
	jerr := json.Unmarshal(body, &tr)
	if status != http.StatusOK {
		return "", 0, &Error{Status: status, Code: clean(tr.ErrorCode), Description: clean(tr.ErrorDescription)}
	}
	switch {
	case jerr != nil:
		return "", 0, &Error{Status: status, Err: fmt.Errorf("answer is not a token response: %w", jerr)}
	case tr.AccessToken == "":
		return "", 0, &Error{Status: status, Err: errors.New("answer holds no access_token")}
	case !ValidToken(tr.AccessToken):
		return "", 0, &Error{Status: status, Err: errors.New("access_token is not a valid bearer token (RFC 6750 b64token, at most 8 KiB)")}
	case tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer"):
		return "", 0, &Error{Status: status, Err: fmt.Errorf("token type %q is not Bearer", clean(tr.TokenType))}
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if tr.ExpiresIn <= 0 || tr.ExpiresIn > 86400 {
		ttl = 5 * time.Minute // no or implausible lifetime: refresh regularly
	}
	return tr.AccessToken, ttl, nil
}

// ValidToken reports whether s is an RFC 6750 bearer token (b64token) of
// sane length, fit to send in an Authorization header.
func ValidToken(s string) bool {
	if len(s) > 8<<10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		case c == '=' && i > 0:
		default:
			return false
		}
	}
	return true
}

// clean keeps a server-supplied string short and printable for error messages.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// NewTransport checks cfg.TokenURL and returns a Transport over base whose
// tokens are fetched over base too, each token request bounded by timeout
// (cfg.HTTPClient is replaced).
func NewTransport(base http.RoundTripper, timeout time.Duration, cfg Config) (*Transport, error) {
	u, err := url.Parse(cfg.TokenURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("token URL %q: want an absolute http or https URL", cfg.TokenURL)
	}
	cfg.HTTPClient = &http.Client{Transport: base, Timeout: timeout}
	return &Transport{Source: New(cfg), Base: base}, nil
}

// Transport adds a bearer token to each request and retries once with a new
// token when the server answers 401.
type Transport struct {
	Source *Source
	// Base sends the requests; http.DefaultTransport when nil.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	send := func(r *http.Request) (*http.Response, string, error) {
		tok, err := t.Source.Token(r.Context())
		if err != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, "", err
		}
		r2 := r.Clone(r.Context())
		r2.Header.Set("Authorization", "Bearer "+tok)
		resp, err := base.RoundTrip(r2)
		return resp, tok, err
	}
	resp, tok, err := send(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if req.Body != nil && req.GetBody == nil {
		return resp, nil // the body cannot be sent twice
	}
	t.Source.Invalidate(tok)
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		retry.Body = body
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	resp, _, err = send(retry)
	return resp, err
}

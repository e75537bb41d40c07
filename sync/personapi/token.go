package personapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/capturestation/station/internal/oauth2cc"
	"github.com/capturestation/station/sync/delivery"
)

// maxTokenAnswer bounds the token endpoint's answer.
const maxTokenAnswer = 64 << 10

// defaultTokenTTL is assumed when an answer gives no usable lifetime.
const defaultTokenTTL = 5 * time.Minute

// tokenSource fetches and caches the station's client token. The API's
// token request differs from RFC 6749 section 2.3.1 as package oauth2cc
// speaks it: the client ID and secret travel in the form, and expires_in
// is a string. It is safe for concurrent use; concurrent callers share one
// request.
type tokenSource struct {
	url, id, secret string
	scopes          []string
	client          *http.Client
	now             func() time.Time

	mu        sync.Mutex
	tok       string
	refreshAt time.Time
}

// token returns a client token, fetching one when none is cached or the
// cached one is within a tenth of its lifetime (at most a minute) of expiry.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != "" && s.now().Before(s.refreshAt) {
		return s.tok, nil
	}
	tok, ttl, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	s.tok, s.refreshAt = tok, s.now().Add(ttl-min(ttl/10, time.Minute))
	return tok, nil
}

// invalidate drops tok from the cache if it is still the cached token.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == tok {
		s.tok = ""
	}
}

func (s *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.id}, "client_secret": {s.secret}}
	if len(s.scopes) > 0 {
		form.Set("scope", strings.Join(s.scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, delivery.Fail(0, fmt.Errorf("client token: build request: %w", err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", 0, delivery.Retry(0, 0, fmt.Errorf("client token: registry.token_url unreachable: %w", delivery.WithoutURL(err)))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer+1))
	if err != nil {
		return "", 0, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("client token: reading the answer: %w", err))
	}
	ra := delivery.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())
	if len(body) > maxTokenAnswer {
		return "", 0, delivery.Retry(resp.StatusCode, ra, fmt.Errorf("client token: answer larger than %d bytes", maxTokenAnswer))
	}
	tok, ttl, err := parseToken(resp.StatusCode, body, s.now())
	if err != nil {
		msg := fmt.Errorf("client token from registry.token_url: %w", err)
		if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusBadRequest ||
			resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			// Credentials refused or a garbled answer: the station's
			// configuration, not the enrollment, is at fault.
			msg = fmt.Errorf("%w (check registry.client_id, registry.client_secret and registry.token_url)", msg)
		}
		return "", 0, delivery.Retry(resp.StatusCode, ra, msg)
	}
	return tok, ttl, nil
}

// tokenAnswer is the token endpoint's answer. expires_in is a string in
// the API document; a number is accepted too.
type tokenAnswer struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// parseToken reads the token endpoint's answer and returns the token and
// its lifetime.
func parseToken(status int, body []byte, now time.Time) (string, time.Duration, error) {
	if status != http.StatusOK {
		if e, ok := parseErrorBody(body); ok {
			return "", 0, fmt.Errorf("HTTP %d: %s", status, e.describe(nil))
		}
		return "", 0, fmt.Errorf("HTTP %d", status)
	}
	var a tokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return "", 0, errors.New("the answer is not a token object")
	}
	switch {
	case a.AccessToken == "":
		return "", 0, errors.New("the answer holds no access_token")
	case !oauth2cc.ValidToken(a.AccessToken):
		return "", 0, errors.New("access_token is not a usable bearer token")
	case a.TokenType != "" && !strings.EqualFold(a.TokenType, "bearer"):
		return "", 0, fmt.Errorf("token_type %q is not bearer", clean(a.TokenType))
	}
	ttl := lifetime(a.ExpiresIn)
	if ttl <= 0 {
		ttl = jwtLifetime(a.AccessToken, now)
	}
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	return a.AccessToken, ttl, nil
}

// lifetime reads expires_in (a string or a number of seconds); 0 when
// absent or unusable.
func lifetime(raw json.RawMessage) time.Duration {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > 10*366*86400 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// jwtLifetime reads the exp claim of an (unverified) JWT; 0 when there is
// none. It only schedules renewal: the registry checks the token.
func jwtLifetime(tok string, now time.Time) time.Duration {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return 0
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return 0
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Exp <= 0 {
		return 0
	}
	return time.Unix(c.Exp, 0).Sub(now)
}

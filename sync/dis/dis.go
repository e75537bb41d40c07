package dis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/capturestation/station/internal/tlsfiles"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/worker"
)

// Kind is the connector's name in receipts and configuration.
const Kind = "dis"

// APIVersion is the Digital Identity Service API version the connector follows.
const APIVersion = "1.52.0"

// Defaults of the configuration.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultSessionTimeout = 10 * time.Minute
	// MaxSessionTimeout is the longest session the connector asks for.
	MaxSessionTimeout = 24 * time.Hour
)

// Limits on what is read from the registry.
const (
	maxErrorBody = 8 << 10
	maxAnswer    = 4 << 20
)

// DocumentSources are the values the API accepts in CreateDocumentRequest.sources.
var DocumentSources = []string{"VIZ", "MRZ", "BARCODE", "DOCUMENT_PORTRAIT", "GLOBAL_OCR"}

// Config configures a Connector. Errors about it name the station
// configuration key to fix.
type Config struct {
	// BaseURL is the service's base URL (registry.url); /api/v1/... is appended.
	BaseURL string
	// APIToken is the station's DIS API token (registry.dis.api_token),
	// sent as "Authorization: Bearer" to open sessions.
	APIToken string
	// DirectToken sends the API token with every call instead of opening
	// sessions (registry.dis.direct_token).
	DirectToken bool
	// SessionTimeout is the timeout asked for each session, in whole
	// seconds (registry.dis.session_timeout); 0 means DefaultSessionTimeout.
	SessionTimeout time.Duration
	// CAFile is a PEM bundle of the service's CA (registry.ca_file);
	// CertFile and KeyFile are the station's client certificate for mutual
	// TLS (registry.cert_file, registry.key_file).
	CAFile, CertFile, KeyFile string
	// Timeout bounds one HTTP call (registry.timeout); 0 means DefaultTimeout.
	Timeout time.Duration
	// DocumentSources restricts which parts of the document the service
	// processes (registry.dis.document_sources); empty lets it process all.
	DocumentSources []string
	// TrustPlatform stores every onboarded customer in the Trust Platform
	// with the enrollment's person ID as external ID
	// (registry.dis.trust_platform).
	TrustPlatform bool
	// Transport overrides the HTTP transport (tests); TLS settings are then ignored.
	Transport http.RoundTripper
	// Now returns the current time (session renewal, receipts); nil means time.Now.
	Now func() time.Time
}

var _ worker.Connector = (*Connector)(nil)

// Connector delivers enrollments to a Digital Identity Service as customer
// onboardings. It is safe for concurrent use.
type Connector struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	now    func() time.Time

	sessMu  sync.Mutex
	sessTok string
	renewAt time.Time
}

// New validates cfg and returns a Connector.
func New(cfg Config) (*Connector, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("registry.url %q: want an absolute http or https URL, e.g. https://dis.example/identity", cfg.BaseURL)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("registry.url %q: remove the query or fragment", cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawPath = ""
	if strings.TrimSpace(cfg.APIToken) == "" {
		return nil, errors.New("registry.dis.api_token is empty: give the station's Digital Identity Service API token")
	}
	if strings.ContainsAny(cfg.APIToken, "\r\n") {
		return nil, errors.New("registry.dis.api_token contains a line break: remove it")
	}
	switch {
	case cfg.SessionTimeout == 0:
		cfg.SessionTimeout = DefaultSessionTimeout
	case cfg.SessionTimeout < time.Second || cfg.SessionTimeout > MaxSessionTimeout || cfg.SessionTimeout%time.Second != 0:
		return nil, fmt.Errorf("registry.dis.session_timeout %v: want whole seconds between 1s and %v", cfg.SessionTimeout, MaxSessionTimeout)
	}
	switch {
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("registry.timeout %v: must be positive", cfg.Timeout)
	}
	for _, s := range cfg.DocumentSources {
		if !slices.Contains(DocumentSources, s) {
			return nil, fmt.Errorf("registry.dis.document_sources: %q is not one of %s", s, strings.Join(DocumentSources, ", "))
		}
	}
	cfg.DocumentSources = slices.Clone(cfg.DocumentSources)
	rt, err := tlsfiles.TransportOr(cfg.Transport, cfg.CAFile, cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Connector{cfg: cfg, base: base, client: &http.Client{Transport: rt, Timeout: cfg.Timeout}, now: now}, nil
}

// Ping checks that the service answers (GET /api/v1/health reports UP)
// and, unless DirectToken is set, that it accepts the station's API token
// by opening a session when none is open.
func (c *Connector) Ping(ctx context.Context) error {
	a, err := c.send(ctx, http.MethodGet, "/api/v1/health", "", "", nil, nil)
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return a.failure("health check")
	}
	var h struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(a.body, &h); err != nil || h.Status == "" {
		return delivery.Retry(a.status, 0, errors.New("health check: the answer is not a health status; check registry.url"))
	}
	if h.Status != "UP" {
		return delivery.Retry(a.status, 0, fmt.Errorf("health check: the service reports %s", clean(h.Status, 20)))
	}
	if c.cfg.DirectToken {
		return nil
	}
	_, err = c.bearer(ctx)
	return err
}

// Close closes the open session, if any (DELETE /api/v1/sessions). The
// connector opens a new one when used again.
func (c *Connector) Close(ctx context.Context) error {
	c.sessMu.Lock()
	tok := c.sessTok
	c.sessTok = ""
	c.sessMu.Unlock()
	if tok == "" {
		return nil
	}
	a, err := c.send(ctx, http.MethodDelete, "/api/v1/sessions", c.cfg.APIToken, "", nil, http.Header{sessionHeader: {tok}})
	if err != nil {
		return err
	}
	if a.status != http.StatusNoContent && a.status != http.StatusOK {
		return a.failure("close session")
	}
	return nil
}

// sessionHeader names the session to close.
const sessionHeader = "x-inn-session-token"

// bearer returns the token to send: the API token in direct mode, else the
// open session's token, opening a session when none is open or the open
// one is about to time out.
func (c *Connector) bearer(ctx context.Context) (string, error) {
	if c.cfg.DirectToken {
		return c.cfg.APIToken, nil
	}
	c.sessMu.Lock()
	defer c.sessMu.Unlock()
	if c.sessTok != "" && c.now().Before(c.renewAt) {
		return c.sessTok, nil
	}
	secs := int(c.cfg.SessionTimeout / time.Second)
	started := c.now()
	a, err := c.send(ctx, http.MethodPost, "/api/v1/sessions", c.cfg.APIToken, "application/json", fmt.Appendf(nil, `{"timeout":%d}`, secs), nil)
	if err != nil {
		return "", fmt.Errorf("open a session: %w", err)
	}
	switch {
	case a.status == http.StatusOK:
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		return "", delivery.Retry(a.status, a.retryAfter, fmt.Errorf(
			"open a session: the service refused the station's API token (HTTP %d): check registry.dis.api_token; the enrollment is kept and retried", a.status))
	case a.status == http.StatusBadRequest:
		code, msg := parseError(a.body)
		return "", delivery.Retry(a.status, a.retryAfter, fmt.Errorf(
			"open a session: the service refused the request (%s: %s): check registry.dis.session_timeout", code, msg))
	default:
		return "", a.failure("open a session")
	}
	tok, err := parseSession(a.body)
	if err != nil {
		return "", delivery.Retry(a.status, 0, fmt.Errorf("open a session: %w", err))
	}
	margin := min(c.cfg.SessionTimeout/10, time.Minute)
	c.sessTok, c.renewAt = tok, started.Add(c.cfg.SessionTimeout-margin)
	return tok, nil
}

// dropSession forgets tok if it is still the open session, so that the
// next call opens a new one.
func (c *Connector) dropSession(tok string) {
	c.sessMu.Lock()
	if c.sessTok == tok {
		c.sessTok = ""
	}
	c.sessMu.Unlock()
}

// answer is a service response, body read.
type answer struct {
	status     int
	body       []byte
	retryAfter time.Duration
}

// call sends one authenticated request. A 401 answer to a session token
// is retried once with a new session; the caller gets the second answer.
func (c *Connector) call(ctx context.Context, method, path, ctype string, body []byte) (*answer, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.bearer(ctx)
		if err != nil {
			return nil, err
		}
		a, err := c.send(ctx, method, path, tok, ctype, body, nil)
		if err != nil {
			return nil, err
		}
		if a.status == http.StatusUnauthorized && attempt == 0 && !c.cfg.DirectToken {
			c.dropSession(tok)
			continue
		}
		return a, nil
	}
}

// send performs one HTTP request. Transport failures come back as
// retryable delivery errors; HTTP statuses are left to the caller.
func (c *Connector) send(ctx context.Context, method, path, token, ctype string, body []byte, hdr http.Header) (*answer, error) {
	u := *c.base
	u.Path += path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, delivery.Fail(0, fmt.Errorf("build request %s %s: %w", method, path, err))
	}
	for k, v := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = v
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, delivery.Retry(0, 0, fmt.Errorf("%s %s: %w", method, path, delivery.WithoutURL(err)))
	}
	defer resp.Body.Close()
	limit := int64(maxAnswer)
	if resp.StatusCode >= 300 {
		limit = maxErrorBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s %s: reading the answer: %w", method, path, err))
	}
	if int64(len(b)) > limit {
		if limit == maxErrorBody {
			b = b[:limit]
		} else {
			return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s %s: answer larger than %d bytes", method, path, limit))
		}
	}
	return &answer{status: resp.StatusCode, body: b, retryAfter: delivery.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())}, nil
}

// hints tell the operator what to do about an API error code.
var hints = map[string]string{
	"INVALID_IMAGE":            "the service cannot read the image; it takes JPEG or PNG: recapture or re-encode it",
	"INVALID_REQUEST_BODY":     "the service refused the request; report it with this message",
	"INVALID_ID":               "the service refused the customer ID; report it with this message",
	"DATA_DOWNLOADER_DISABLED": "the service does not download images by URL",
	"TOO_MANY_REQUESTS":        "the service is rate limiting the station",
}

// failure classifies an unexpected answer. Refused credentials (401, 403)
// and unknown resources (404: wrong base URL, or a customer deleted on the
// service side) are the station's or the service's problem, not the
// enrollment's, so they are retried.
func (a *answer) failure(op string) error {
	code, msg := parseError(a.body)
	err := fmt.Errorf("%s: %s", op, describe(code, msg))
	switch a.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return delivery.Retry(a.status, a.retryAfter, fmt.Errorf(
			"%w: the service refused the station's credentials; check registry.dis.api_token (the enrollment is kept and retried)", err))
	case http.StatusNotFound:
		return delivery.Retry(a.status, a.retryAfter, fmt.Errorf(
			"%w: check registry.url (it must end before /api/v1); a customer deleted on the service side is created again on the next attempt", err))
	case http.StatusConflict:
		return delivery.Conflicting(a.status, fmt.Errorf(
			"%w: the customer's state on the service does not allow this step (changed on the service side?); check the customer there", err))
	}
	if h := hints[code]; h != "" {
		err = fmt.Errorf("%w: %s", err, h)
	}
	switch delivery.ClassForStatus(a.status) {
	case delivery.Retryable:
		return delivery.Retry(a.status, a.retryAfter, err)
	case delivery.Conflict:
		return delivery.Conflicting(a.status, err)
	}
	return delivery.Fail(a.status, err)
}

func describe(code, msg string) string {
	switch {
	case code != "" && msg != "":
		return code + " (" + msg + ")"
	case code != "":
		return code
	case msg != "":
		return msg
	}
	return "no error details"
}

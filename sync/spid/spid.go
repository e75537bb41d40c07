package spid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/capturestation/station/internal/oauth2cc"
	"github.com/capturestation/station/internal/tlsfiles"
	"github.com/capturestation/station/sync/delivery"
)

// Kind is the connector's name in receipts and configuration.
const Kind = "spid"

// Defaults of the polling settings.
const (
	DefaultTimeout         = 30 * time.Second
	DefaultPollInterval    = time.Second
	DefaultMaxPollInterval = 5 * time.Second
	DefaultMaxPollWait     = 30 * time.Second
	// MaxPollWaitLimit bounds registry.spid.max_poll_wait so that a delivery
	// never holds a worker slot for long.
	MaxPollWaitLimit = 10 * time.Minute
)

// maxAnswer bounds any answer read from SPID (person and transaction data
// may carry biometrics).
const maxAnswer = 64 << 20

// Config configures a Connector. Errors about it name the station
// configuration key to fix.
type Config struct {
	// BaseURL is the SPID Server's base URL (registry.url), for example
	// https://spid.example:8082; the /gbs-spid-server/... paths are appended.
	BaseURL string
	// TokenURL is the OAuth 2.0 token endpoint that issues the bearer tokens
	// SPID accepts (registry.token_url); empty sends no token.
	TokenURL string
	// ClientID, ClientSecret and Scopes are the station's client
	// credentials (registry.client_id, registry.client_secret, registry.scopes).
	ClientID     string
	ClientSecret string
	Scopes       []string
	// CAFile is a PEM bundle of SPID's CA; CertFile and KeyFile are the
	// station's client certificate for mutual TLS (registry.ca_file,
	// registry.cert_file, registry.key_file).
	CAFile, CertFile, KeyFile string
	// Timeout bounds one HTTP call (registry.timeout, default 30 s).
	Timeout time.Duration
	// PollInterval is the first wait between two getEnrollResult calls
	// (registry.spid.poll_interval, default 1 s); it doubles up to
	// MaxPollInterval (registry.spid.max_poll_interval, default 5 s).
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// MaxPollWait bounds how long one delivery waits for a pending enroll
	// transaction (registry.spid.max_poll_wait, default 30 s); after it the
	// delivery is retried later and resumes polling the same TGUID.
	MaxPollWait time.Duration
	// Transport overrides the HTTP transport (tests); TLS settings are then ignored.
	Transport http.RoundTripper
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Connector delivers enrollments to a SPID Server 4.2.12 and enrolls and
// verifies the station's operators. It is safe for concurrent use.
type Connector struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	now    func() time.Time
}

// New validates cfg and returns a Connector.
func New(cfg Config) (*Connector, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("registry.url %q: want an absolute http or https URL such as https://spid.example:8082", cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawQuery, base.Fragment = "", ""
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("registry.timeout %v: must be positive", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	for _, d := range []struct {
		key string
		v   *time.Duration
		def time.Duration
	}{
		{"registry.spid.poll_interval", &cfg.PollInterval, DefaultPollInterval},
		{"registry.spid.max_poll_interval", &cfg.MaxPollInterval, DefaultMaxPollInterval},
		{"registry.spid.max_poll_wait", &cfg.MaxPollWait, DefaultMaxPollWait},
	} {
		if *d.v < 0 {
			return nil, fmt.Errorf("%s %v: must be positive (or unset for %v)", d.key, *d.v, d.def)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.MaxPollInterval < cfg.PollInterval {
		return nil, fmt.Errorf("registry.spid.max_poll_interval %v is below registry.spid.poll_interval %v", cfg.MaxPollInterval, cfg.PollInterval)
	}
	if cfg.MaxPollWait > MaxPollWaitLimit {
		return nil, fmt.Errorf("registry.spid.max_poll_wait %v: at most %v, so that a pending transaction does not hold a sync worker", cfg.MaxPollWait, MaxPollWaitLimit)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	rt, err := tlsfiles.TransportOr(cfg.Transport, cfg.CAFile, cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	if cfg.TokenURL != "" {
		if cfg.ClientID == "" {
			return nil, errors.New("registry.client_id is empty but registry.token_url is set: give the station's OAuth2 client ID")
		}
		if cfg.ClientSecret == "" {
			return nil, errors.New("registry.client_secret is empty but registry.token_url is set: give the station's OAuth2 client secret")
		}
		t, err := oauth2cc.NewTransport(rt, cfg.Timeout, oauth2cc.Config{
			TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes, Now: now})
		if err != nil {
			return nil, fmt.Errorf("registry.token_url: %w", err)
		}
		rt = t
	}
	return &Connector{cfg: cfg, base: base, client: &http.Client{Transport: rt, Timeout: cfg.Timeout}, now: now}, nil
}

// answer is a SPID response, body read.
type answer struct {
	op         string
	status     int
	body       []byte
	retryAfter time.Duration
}

// call sends one request. Transport failures come back as retryable
// delivery errors; HTTP statuses are left to the caller.
func (c *Connector) call(ctx context.Context, op, method, path string, body []byte) (*answer, error) {
	u := *c.base
	u.Path += path
	u.RawPath = ""
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, delivery.Fail(0, fmt.Errorf("%s: build request: %w", op, err))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var te *oauth2cc.Error
		if errors.As(err, &te) {
			return nil, delivery.Retry(te.Status, 0, fmt.Errorf("%s: station token refused or unavailable: %w (check registry.token_url, registry.client_id, registry.client_secret and registry.scopes)", op, te))
		}
		return nil, delivery.Retry(0, 0, fmt.Errorf("%s: SPID Server unreachable: %w", op, delivery.WithoutURL(err)))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s: reading the answer: %w", op, err))
	}
	if len(b) > maxAnswer {
		return nil, delivery.Fail(resp.StatusCode, fmt.Errorf("%s: answer larger than %d bytes", op, maxAnswer))
	}
	return &answer{op: op, status: resp.StatusCode, body: b,
		retryAfter: delivery.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())}, nil
}

// failure classifies an unexpected answer. Refused credentials (401 after
// one renewal, 403) are the station's problem, not the enrollment's, so they
// are retried with a message naming the configuration to check.
func (a *answer) failure() error {
	msg := ErrorMessage(a.body)
	err := fmt.Errorf("%s: SPID answered %d: %s", a.op, a.status, msg)
	switch a.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return delivery.Retry(a.status, a.retryAfter, fmt.Errorf("%w: the station's credentials were refused, not the enrollment (check registry.client_id, registry.client_secret and registry.scopes)", err))
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return delivery.Fail(a.status, fmt.Errorf("%w: correct the enrollment (or the station's mapping) and retry it from the failed list", err))
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType:
		return delivery.Fail(a.status, fmt.Errorf("%w: check registry.url points at a SPID Server 4.2.12", err))
	}
	switch delivery.ClassForStatus(a.status) {
	case delivery.Retryable:
		return delivery.Retry(a.status, a.retryAfter, err)
	case delivery.Conflict:
		return delivery.Conflicting(a.status, err)
	}
	return delivery.Fail(a.status, err)
}

// Ping checks that SPID answers getStatus with the station's credentials
// and that its GBDS back end is active.
func (c *Connector) Ping(ctx context.Context) error {
	a, err := c.call(ctx, "getStatus", http.MethodGet, pathStatus, nil)
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return a.failure()
	}
	st, err := ParseStatus(a.body)
	if err != nil {
		return delivery.Retry(a.status, 0, fmt.Errorf("getStatus: %w", err))
	}
	if strings.EqualFold(st.GbdsStatus, "INACTIVE") {
		return delivery.Retry(http.StatusServiceUnavailable, 0, errors.New("getStatus: SPID Server answers but its GBDS back end is INACTIVE; enrollments wait until it is active"))
	}
	return nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

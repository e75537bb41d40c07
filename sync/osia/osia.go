package osia

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/oauth2cc"
	"github.com/capturestation/station/internal/tlsfiles"
	"github.com/capturestation/station/sync/delivery"
)

// Kind is the connector's name in receipts and configuration.
const Kind = "osia"

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 8 << 10

// maxIdentityAnswer bounds an Identity read back from the registry.
const maxIdentityAnswer = MaxIdentityBytes

// Config configures a Connector. Errors about it name the station
// configuration key (registry.*) to fix.
type Config struct {
	// BaseURL is the registry's base URL; paths /v1/... are appended.
	BaseURL string
	// TokenURL is the OAuth 2.0 token endpoint; empty sends no token.
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// CAFile is a PEM bundle of the registry's CA; CertFile and KeyFile are
	// the station's client certificate for mutual TLS.
	CAFile, CertFile, KeyFile string
	// Timeout bounds one HTTP call.
	Timeout time.Duration
	// Galleries and IdentityType are used when an enrollment names none.
	Galleries    []string
	IdentityType string
	// SigningKey signs the integrity block of every identity.
	SigningKey *ecdsa.PrivateKey
	// StationID names the station in receipts.
	StationID string
	// Transport overrides the HTTP transport (tests); TLS settings are then ignored.
	Transport http.RoundTripper
}

// Connector delivers enrollments to an OSIA registry. It is safe for
// concurrent use.
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
		return nil, fmt.Errorf("registry.url %q: want an absolute http or https URL", cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	if cfg.SigningKey == nil {
		return nil, errors.New("osia: no station signing key")
	}
	if cfg.IdentityType == "" {
		return nil, errors.New("registry.identity_type is empty: set it to the registry's identity type, e.g. CIVIL")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	rt, err := tlsfiles.TransportOr(cfg.Transport, cfg.CAFile, cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	if cfg.TokenURL != "" {
		if cfg.ClientID == "" {
			return nil, errors.New("registry.client_id is empty but registry.token_url is set: give the station's OAuth2 client ID")
		}
		t, err := oauth2cc.NewTransport(rt, cfg.Timeout, oauth2cc.Config{
			TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes})
		if err != nil {
			return nil, fmt.Errorf("registry.token_url: %w", err)
		}
		rt = t
	}
	return &Connector{
		cfg:    cfg,
		base:   base,
		client: &http.Client{Transport: rt, Timeout: cfg.Timeout},
		now:    time.Now,
	}, nil
}

// Encode returns the Identity body the registry receives for e, signed.
func (c *Connector) Encode(e *enrollment.Enrollment) ([]byte, error) {
	body, _, err := c.encode(e)
	return body, err
}

func (c *Connector) encode(e *enrollment.Enrollment) ([]byte, string, error) {
	doc, err := buildIdentity(e, c.cfg)
	if err != nil {
		return nil, "", err
	}
	return sign(doc, c.cfg.SigningKey)
}

// Deliver sends e to the registry. It is idempotent: delivering the same
// enrollment again, after a lost answer or a crash, creates nothing new.
func (c *Connector) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	if err := e.Validate(); err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	body, hash, err := c.encode(e)
	if err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	pid, iid, tx := url.PathEscape(e.PersonID), url.PathEscape(e.IdentityID), e.TransactionID

	person := []byte(`{"status":"ACTIVE","physicalStatus":"ALIVE"}`)
	resp, err := c.call(ctx, http.MethodPost, "/v1/persons/"+pid, tx, person)
	if err != nil {
		return delivery.Receipt{}, err
	}
	if resp.status != http.StatusCreated && resp.status != http.StatusConflict {
		return delivery.Receipt{}, resp.failure("create person")
	}

	present := false
	idPath := "/v1/persons/" + pid + "/identities/" + iid
	resp, err = c.call(ctx, http.MethodPost, idPath, tx, body)
	if err != nil {
		return delivery.Receipt{}, err
	}
	switch resp.status {
	case http.StatusCreated, http.StatusOK:
	case http.StatusConflict:
		if err := c.sameIdentity(ctx, idPath, tx, hash); err != nil {
			return delivery.Receipt{}, err
		}
		present = true
	default:
		return delivery.Receipt{}, resp.failure("create identity")
	}

	resp, err = c.call(ctx, http.MethodPut, idPath+"/reference", tx, nil)
	if err != nil {
		return delivery.Receipt{}, err
	}
	if resp.status != http.StatusNoContent && resp.status != http.StatusOK {
		return delivery.Receipt{}, resp.failure("define reference")
	}
	return delivery.Receipt{
		Kind: Kind, PersonID: e.PersonID, IdentityID: e.IdentityID,
		DeliveredAt: c.now().UTC(), AlreadyPresent: present,
		Details: map[string]string{"integrityHash": hash},
	}, nil
}

// sameIdentity reads back an identity the registry says exists and checks
// that it is the one the station sent.
func (c *Connector) sameIdentity(ctx context.Context, path, tx, hash string) error {
	resp, err := c.call(ctx, http.MethodGet, path, tx, nil)
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		if resp.status == http.StatusNotFound {
			// Answered 409 then 404: the registry is changing under us; try later.
			return delivery.Retry(resp.status, 0, errors.New("identity reported as existing but not readable"))
		}
		return resp.failure("read existing identity")
	}
	got, err := storedHash(resp.body)
	if err != nil {
		return delivery.Conflicting(http.StatusConflict, fmt.Errorf("the registry holds an unreadable identity under this identityId: %w", err))
	}
	if got != hash {
		return delivery.Conflicting(http.StatusConflict, errors.New("the registry holds a different identity under this identityId"))
	}
	return nil
}

// Ping checks that the registry answers and accepts the station's credentials.
func (c *Connector) Ping(ctx context.Context) error {
	resp, err := c.call(ctx, http.MethodGet, "/v1/galleries", "station-ping", nil)
	if err != nil {
		return err
	}
	switch {
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		return resp.failure("ping")
	case resp.status >= 500:
		return resp.failure("ping")
	}
	return nil
}

// answer is a registry response, body read.
type answer struct {
	status     int
	body       []byte
	retryAfter time.Duration
}

// call sends one request. Transport failures come back as retryable
// delivery errors; HTTP statuses are left to the caller.
func (c *Connector) call(ctx context.Context, method, path, tx string, body []byte) (*answer, error) {
	u := *c.base
	u.Path += path
	u.RawPath = ""
	u.RawQuery = url.Values{"transactionId": {tx}}.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, delivery.Fail(0, fmt.Errorf("build request: %w", err))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var te *oauth2cc.Error
		if errors.As(err, &te) {
			return nil, delivery.Retry(0, 0, fmt.Errorf("registry token: %w", te))
		}
		return nil, delivery.Retry(0, 0, fmt.Errorf("%s %s: %w", method, path, delivery.WithoutURL(err)))
	}
	defer resp.Body.Close()
	limit := int64(maxErrorBody)
	if resp.StatusCode == http.StatusOK && method == http.MethodGet {
		limit = maxIdentityAnswer
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s %s: reading the answer: %w", method, path, err))
	}
	if int64(len(b)) > limit {
		if limit == maxErrorBody {
			b = b[:limit]
		} else {
			return nil, delivery.Fail(resp.StatusCode, fmt.Errorf("%s %s: answer larger than %d bytes", method, path, limit))
		}
	}
	return &answer{status: resp.StatusCode, body: b, retryAfter: delivery.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())}, nil
}

// failure classifies an unexpected answer. Credentials refused (401, 403)
// are a station problem, not the enrollment's, so they are retried.
func (a *answer) failure(op string) error {
	err := fmt.Errorf("%s: %s", op, registryMessage(a.body))
	switch a.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return delivery.Retry(a.status, a.retryAfter, fmt.Errorf("%w (check registry.client_id, client_secret and scopes)", err))
	}
	switch delivery.ClassForStatus(a.status) {
	case delivery.Retryable:
		return delivery.Retry(a.status, a.retryAfter, err)
	case delivery.Conflict:
		return delivery.Conflicting(a.status, err)
	}
	return delivery.Fail(a.status, err)
}

// registryMessage extracts the message of an OSIA Error answer, cleaned
// for logs; the registry answers about identifiers, not personal data.
func registryMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	msg := "no error message"
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		msg = e.Message
	}
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

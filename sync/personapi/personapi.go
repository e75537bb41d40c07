package personapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/tlsfiles"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/worker"
)

// Kind is the connector's name in receipts and configuration.
const Kind = "personapi"

// Paths of the API, relative to registry.url ({urls_base}).
const (
	tokenPath          = "/auth/token"
	personPath         = "/api/person"
	identifierTypePath = "/api/identifier-type"
	clientPersonsPath  = "/api/client/persons"
)

// IdempotenceKeyHeader is the header that makes POST /api/person
// idempotent; the connector sets it to the enrollment's transaction ID.
const IdempotenceKeyHeader = "Idempotence-Key"

// Answer size limits.
const (
	maxErrorAnswer = 64 << 10
	maxAnswer      = 4 << 20
)

// DefaultDocumentTypes maps the station's document types to the
// registry's identifier types unless registry.personapi.document_types
// says otherwise.
func DefaultDocumentTypes() map[enrollment.DocumentType]string {
	return map[enrollment.DocumentType]string{
		enrollment.DocPassport:         "passport",
		enrollment.DocIDCard:           "id_card",
		enrollment.DocBirthCertificate: "birth_certificate",
		enrollment.DocForm:             "form",
		enrollment.DocOther:            "other_document",
		enrollment.DocInvoice:          "invoice",
	}
}

// DefaultEnrollmentIdentifierType is the identifier type of the
// enrollment reference unless registry.personapi.enrollment_identifier_type
// names another.
const DefaultEnrollmentIdentifierType = "station_enrollment"

// Config configures a Connector. Errors about it name the station
// configuration key to fix.
type Config struct {
	// BaseURL is the registry's base URL (registry.url); /api/... and
	// /auth/token are appended.
	BaseURL string
	// TokenURL is the token endpoint (registry.token_url); empty means
	// BaseURL + /auth/token.
	TokenURL string
	// ClientID and ClientSecret are the station's client credentials
	// (registry.client_id, registry.client_secret); both are required.
	ClientID, ClientSecret string
	// Scopes (registry.scopes) are sent as the form's scope parameter when
	// set; the API document defines none for client tokens.
	Scopes []string
	// CAFile is a PEM bundle of the registry's CA; CertFile and KeyFile are
	// the station's client certificate for mutual TLS (registry.ca_file,
	// registry.cert_file, registry.key_file).
	CAFile, CertFile, KeyFile string
	// Timeout bounds one HTTP call (registry.timeout); 0 means 30 s.
	Timeout time.Duration
	// Transport overrides the HTTP transport (tests); the TLS settings are
	// then ignored.
	Transport http.RoundTripper
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// StationID names the station when an enrollment does not.
	StationID string

	// DocumentTypes maps document types to identifier types
	// (registry.personapi.document_types); nil means DefaultDocumentTypes.
	DocumentTypes map[enrollment.DocumentType]string
	// EnrollmentIdentifierType is the identifier type of the enrollment
	// reference, whose value is the transaction ID
	// (registry.personapi.enrollment_identifier_type); empty means
	// DefaultEnrollmentIdentifierType.
	EnrollmentIdentifierType string
	// NameLanguages are the languages of the person's name, three-letter
	// codes such as "eng" (registry.personapi.name_languages); optional.
	NameLanguages []string
	// PersonSecretKey, when set, derives each person's secret from the
	// transaction ID (registry.personapi.person_secret_file holds it);
	// empty sends no secret.
	PersonSecretKey []byte
	// DisableLookup skips the search for an earlier delivery before each
	// creation (registry.personapi.disable_lookup), for registries without
	// POST /api/client/persons; the Idempotence-Key alone then guards
	// against duplicates.
	DisableLookup bool
}

// Connector delivers enrollments to the person registry. It is safe for
// concurrent use.
type Connector struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	tokens *tokenSource
	now    func() time.Time
}

var _ worker.Connector = (*Connector)(nil)

var (
	identifierTypeRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	languageRe       = regexp.MustCompile(`^[a-z]{3}$`)
)

// New validates cfg and returns a Connector.
func New(cfg Config) (*Connector, error) {
	base, err := absURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("registry.url %q: want an absolute http or https URL", cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawQuery, base.Fragment = "", ""
	if cfg.TokenURL == "" {
		cfg.TokenURL = base.String() + tokenPath
	} else if _, err := absURL(cfg.TokenURL); err != nil {
		return nil, fmt.Errorf("registry.token_url %q: want an absolute http or https URL", cfg.TokenURL)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("registry.client_id is empty: give the station's client ID registered with the person registry")
	}
	if cfg.ClientSecret == "" {
		return nil, errors.New("registry.client_secret is empty: give the client secret registered with the person registry")
	}
	for _, s := range cfg.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return nil, fmt.Errorf("registry.scopes: %q is not a scope token", s)
		}
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("registry.timeout %v must be positive", cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = 30 * time.Second
	}
	if cfg.DocumentTypes == nil {
		cfg.DocumentTypes = DefaultDocumentTypes()
	}
	for dt, it := range cfg.DocumentTypes {
		if !identifierTypeRe.MatchString(it) {
			return nil, fmt.Errorf("registry.personapi.document_types: %s maps to %q, which is not an identifier type name", dt, it)
		}
	}
	if cfg.EnrollmentIdentifierType == "" {
		cfg.EnrollmentIdentifierType = DefaultEnrollmentIdentifierType
	}
	if !identifierTypeRe.MatchString(cfg.EnrollmentIdentifierType) {
		return nil, fmt.Errorf("registry.personapi.enrollment_identifier_type %q is not an identifier type name", cfg.EnrollmentIdentifierType)
	}
	for _, l := range cfg.NameLanguages {
		if !languageRe.MatchString(l) {
			return nil, fmt.Errorf("registry.personapi.name_languages: %q is not a three-letter lowercase language code such as eng", l)
		}
	}
	if n := len(cfg.PersonSecretKey); n > 0 && n < 16 {
		return nil, fmt.Errorf("registry.personapi.person_secret_file: the key has %d bytes; use at least 16 random bytes", n)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	rt, err := tlsfiles.TransportOr(cfg.Transport, cfg.CAFile, cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: rt, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Connector{
		cfg: cfg, base: base, client: client, now: now,
		tokens: &tokenSource{url: cfg.TokenURL, id: cfg.ClientID, secret: cfg.ClientSecret, scopes: cfg.Scopes, client: client, now: now},
	}, nil
}

func absURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an absolute http or https URL")
	}
	return u, nil
}

// Encode returns the body of POST /api/person for e.
func (c *Connector) Encode(e *enrollment.Enrollment) ([]byte, error) {
	body, _, err := c.encode(e)
	return body, err
}

func (c *Connector) encode(e *enrollment.Enrollment) ([]byte, *layout, error) {
	p, lay, err := buildPerson(e, &c.cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("personapi: %w", err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("personapi: encode the person: %w", err)
	}
	return body, lay, nil
}

// Deliver creates the enrollment's person in the registry. It is
// idempotent: the transaction ID is the Idempotence-Key of the creation and
// the value of the enrollment identifier, which is looked up first, so a
// retry after a lost answer or a crash creates nothing new.
func (c *Connector) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	if err := e.Validate(); err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	body, lay, err := c.encode(e)
	if err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	if !c.cfg.DisableLookup {
		pid, err := c.lookup(ctx, e.TransactionID)
		if err != nil {
			return delivery.Receipt{}, err
		}
		if pid != "" {
			return c.receipt(e, pid, lay, true), nil
		}
	}
	a, err := c.call(ctx, http.MethodPost, personPath, body, e.TransactionID)
	if err != nil {
		return delivery.Receipt{}, err
	}
	if a.status < 200 || a.status > 299 {
		return delivery.Receipt{}, a.failure("create person", lay)
	}
	pid, err := parseCreated(a.body)
	if err != nil {
		return delivery.Receipt{}, delivery.Retry(a.status, 0, fmt.Errorf("create person: %w; the delivery is retried and the registry's idempotency answers the same", err))
	}
	return c.receipt(e, pid, lay, false), nil
}

func (c *Connector) receipt(e *enrollment.Enrollment, pid string, lay *layout, present bool) delivery.Receipt {
	ids, files := lay.counts()
	return delivery.Receipt{
		Kind: Kind, PersonID: pid, IdentityID: e.IdentityID, DeliveredAt: c.now().UTC(), AlreadyPresent: present,
		Details: map[string]string{
			"registryPersonId": pid,
			"stationPersonId":  e.PersonID,
			"idempotenceKey":   e.TransactionID,
			"enrollmentRef":    c.cfg.EnrollmentIdentifierType + ":" + e.TransactionID,
			"identifiers":      strconv.Itoa(ids),
			"files":            strconv.Itoa(files),
		},
	}
}

// createdAnswer is the answer to POST /api/person. The person tokens are
// not kept: the station never acts as the person.
type createdAnswer struct {
	PersonID string `json:"person_id"`
}

// parseCreated reads the person ID from a creation answer.
func parseCreated(body []byte) (string, error) {
	var a createdAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return "", errors.New("the answer is not a JSON object")
	}
	if a.PersonID == "" {
		return "", errors.New("the answer holds no person_id")
	}
	if len(a.PersonID) > 128 || strings.ContainsFunc(a.PersonID, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", errors.New("person_id is not a plausible identifier")
	}
	return a.PersonID, nil
}

// clientPersons is the answer of POST /api/client/persons.
type clientPersons struct {
	Total int `json:"total"`
	Items []struct {
		ID          string `json:"id"`
		Identifiers []struct {
			Identifier     string `json:"identifier"`
			IdentifierType string `json:"identifier_type"`
		} `json:"identifiers"`
	} `json:"items"`
}

// lookup returns the registry ID of the person holding the enrollment
// identifier tx, or "" when there is none.
func (c *Connector) lookup(ctx context.Context, tx string) (string, error) {
	filter, _ := json.Marshal(map[string][]string{"identifiers": {tx}})
	a, err := c.call(ctx, http.MethodPost, clientPersonsPath, filter, "")
	if err != nil {
		return "", err
	}
	switch a.status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return "", delivery.Retry(a.status, a.retryAfter, fmt.Errorf("look up an earlier delivery: the registry answered HTTP %d to POST %s; check registry.url, or set registry.personapi.disable_lookup if this registry has no such endpoint", a.status, clientPersonsPath))
	default:
		return "", a.failure("look up an earlier delivery", nil)
	}
	pid, err := findEnrollment(a.body, c.cfg.EnrollmentIdentifierType, tx)
	if err != nil {
		return "", delivery.Retry(a.status, 0, fmt.Errorf("look up an earlier delivery: %w", err))
	}
	return pid, nil
}

// findEnrollment returns the ID of the person in a client persons answer
// that holds the enrollment identifier.
func findEnrollment(body []byte, typ, tx string) (string, error) {
	var list clientPersons
	if err := json.Unmarshal(body, &list); err != nil {
		return "", errors.New("the answer is not a person list")
	}
	for _, p := range list.Items {
		for _, id := range p.Identifiers {
			if id.IdentifierType == typ && id.Identifier == tx {
				if p.ID == "" || len(p.ID) > 128 {
					return "", errors.New("the person holding the enrollment reference has no usable id")
				}
				return p.ID, nil
			}
		}
	}
	return "", nil
}

// Ping checks that the registry answers, accepts the station's credentials
// and knows the identifier types the connector sends.
func (c *Connector) Ping(ctx context.Context) error {
	a, err := c.call(ctx, http.MethodGet, identifierTypePath, nil, "")
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return a.failure("ping", nil)
	}
	known, err := parseIdentifierTypes(a.body)
	if err != nil {
		return delivery.Retry(a.status, 0, fmt.Errorf("ping: identifier types: %w", err))
	}
	var missing []string
	for _, want := range c.neededTypes() {
		if !known[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return delivery.Fail(0, fmt.Errorf("ping: the registry's identifier-type dictionary has no current type %s: fix registry.personapi.document_types or registry.personapi.enrollment_identifier_type, or have the types added",
			strings.Join(missing, ", ")))
	}
	return nil
}

// neededTypes lists, sorted, the identifier types deliveries may use.
func (c *Connector) neededTypes() []string {
	out := []string{c.cfg.EnrollmentIdentifierType, typeEmail, typePhone}
	for _, t := range c.cfg.DocumentTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// parseIdentifierTypes reads the identifier-type dictionary into the set
// of types that are not outdated.
func parseIdentifierTypes(body []byte) (map[string]bool, error) {
	var list []struct {
		Type     string          `json:"type"`
		Outdated json.RawMessage `json:"outdated"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, errors.New("the answer is not a list of identifier types")
	}
	out := make(map[string]bool, len(list))
	for _, t := range list {
		if o := strings.Trim(string(bytes.TrimSpace(t.Outdated)), `"`); o != "" && o != "0" && o != "false" && o != "null" {
			continue
		}
		out[t.Type] = true
	}
	return out, nil
}

// answer is a registry response, body read.
type answer struct {
	status     int
	body       []byte
	retryAfter time.Duration
}

// call sends one request with the client token, renewing the token once
// when the registry answers 401. Transport and token failures come back as
// classified errors; HTTP statuses are left to the caller.
func (c *Connector) call(ctx context.Context, method, path string, body []byte, idemKey string) (*answer, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, err
		}
		a, err := c.send(ctx, method, path, body, idemKey, tok)
		if err != nil {
			return nil, err
		}
		if a.status == http.StatusUnauthorized && attempt == 0 {
			c.tokens.invalidate(tok)
			continue
		}
		return a, nil
	}
}

func (c *Connector) send(ctx context.Context, method, path string, body []byte, idemKey, tok string) (*answer, error) {
	u := *c.base
	u.Path += path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, delivery.Fail(0, fmt.Errorf("%s %s: build request: %w", method, path, err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set(IdempotenceKeyHeader, idemKey)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, delivery.Retry(0, 0, fmt.Errorf("%s %s: %w", method, path, delivery.WithoutURL(err)))
	}
	defer resp.Body.Close()
	limit := int64(maxErrorAnswer)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		limit = maxAnswer
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s %s: reading the answer: %w", method, path, err))
	}
	if int64(len(b)) > limit {
		if limit == maxAnswer {
			return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s %s: answer larger than %d bytes", method, path, limit))
		}
		b = b[:limit]
	}
	return &answer{status: resp.StatusCode, body: b, retryAfter: delivery.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())}, nil
}

// failure classifies an unexpected answer. lay names the station's items
// in validation messages (nil outside a creation).
func (a *answer) failure(op string, lay *layout) error {
	detail := "no error details"
	if e, ok := parseErrorBody(a.body); ok {
		detail = e.describe(lay)
	} else if len(bytes.TrimSpace(a.body)) > 0 {
		detail = fmt.Sprintf("an answer of %d bytes that is not the registry's error model", len(a.body))
	}
	err := fmt.Errorf("%s: %s", op, detail)
	switch a.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return delivery.Retry(a.status, a.retryAfter, fmt.Errorf("%w: the registry refused the station's credentials even with a new token; check registry.client_id and registry.client_secret (the enrollment is not at fault)", err))
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return delivery.Retry(a.status, a.retryAfter, fmt.Errorf("%w: the registry has no such endpoint; check registry.url", err))
	case http.StatusConflict:
		return delivery.Conflicting(a.status, fmt.Errorf("%w: the registry holds conflicting data; resolve it in the registry before retrying the enrollment", err))
	case http.StatusRequestEntityTooLarge:
		return delivery.Fail(a.status, fmt.Errorf("%w: the enrollment is larger than the registry accepts; recapture with smaller images", err))
	}
	switch delivery.ClassForStatus(a.status) {
	case delivery.Retryable:
		return delivery.Retry(a.status, a.retryAfter, err)
	case delivery.Conflict:
		return delivery.Conflicting(a.status, err)
	}
	if a.status >= 400 && a.status <= 499 {
		return delivery.Fail(a.status, fmt.Errorf("%w: correct the items named and retry the enrollment", err))
	}
	// 1xx and 3xx (redirects are not followed) are not answers this API gives.
	return delivery.Retry(a.status, a.retryAfter, fmt.Errorf("%s: unexpected HTTP %d; check registry.url", op, a.status))
}

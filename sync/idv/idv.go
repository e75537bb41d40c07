package idv

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/oauth2cc"
	"github.com/capturestation/station/internal/tlsfiles"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/worker"
)

// Kind is the connector's name in receipts and configuration.
const Kind = "idv"

// ClientIDHeader carries the station's client ID on every call.
const ClientIDHeader = "X-Client-Id"

// Paths of the operations, relative to Config.BaseURL. The API document
// names the operations without paths; these are the ones the simulator
// (internal/registrysim/idvsim) serves.
const (
	PathHealth              = "/health"
	PathSessionCreate       = "/idv/session/create"
	PathSessionList         = "/idv/session/list"
	PathSessionRead         = "/idv/session/read"
	PathSDKMetadataUpdate   = "/sdk/idv/metadata/update"
	PathSDKConsent          = "/sdk/idv/consent/add"
	PathSDKDocumentType     = "/sdk/idv/document/type/update"
	PathSDKDocumentFront    = "/sdk/idv/document/front/add"
	PathSDKDocumentBack     = "/sdk/idv/document/back/add"
	PathSDKLivenessGenerate = "/sdk/idv/liveness/session/generate"
	PathSDKLivenessProcess  = "/sdk/idv/liveness/session/process"
	PathSDKFinalize         = "/sdk/idv/finalize"
)

// Answer size limits.
const (
	maxErrorBody  = 8 << 10
	maxAnswerBody = 1 << 20
	// lookupTake is how many sessions a lookup by transaction ID reads.
	lookupTake = 20
)

// Config configures a Connector. Errors about it name the station
// configuration key to fix.
type Config struct {
	// BaseURL is the service's base URL (registry.url); the operation
	// paths are appended.
	BaseURL string
	// TokenURL is the OAuth 2.0 token endpoint (registry.token_url); empty
	// sends no bearer token.
	TokenURL string
	// ClientID (registry.client_id) is the station's client: it is sent as
	// X-Client-Id on every call and authenticates at the token endpoint
	// with ClientSecret (registry.client_secret).
	ClientID     string
	ClientSecret string
	// Scopes are requested with tokens (registry.scopes).
	Scopes []string
	// CAFile is a PEM bundle of the service's CA; CertFile and KeyFile are
	// the station's client certificate for mutual TLS (registry.ca_file,
	// registry.cert_file, registry.key_file).
	CAFile, CertFile, KeyFile string
	// Timeout bounds one HTTP call (registry.timeout, default 30 s).
	Timeout time.Duration
	// Latitude and Longitude are the station's location in decimal
	// degrees (registry.idv.latitude, registry.idv.longitude), sent with
	// every image. Both zero means unset, which is refused.
	Latitude, Longitude float64
	// Checks names the verification tests to request
	// (registry.idv.checks); empty means DefaultChecks.
	Checks []string
	// WebhookURL is given to every session for the service's notifications
	// (registry.idv.webhook_url); empty sends none.
	WebhookURL string
	// Target names the registry in receipts; empty leaves it to the worker.
	Target string
	// Transport overrides the HTTP transport (tests); TLS settings are then ignored.
	Transport http.RoundTripper
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Connector delivers enrollments as identity-verification sessions. It is
// safe for concurrent use.
type Connector struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	tokens *oauth2cc.Source
	checks map[string]bool
	lat    string
	lon    string
	now    func() time.Time
}

var _ worker.Connector = (*Connector)(nil)

// New validates cfg and returns a Connector.
func New(cfg Config) (*Connector, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("registry.url %q: want an absolute http or https URL", cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawPath, base.RawQuery, base.Fragment = "", "", ""
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("registry.client_id is empty: the identity-verification service needs the station's client ID (sent as X-Client-Id)")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("registry.timeout %v: must be positive, such as 30s", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Latitude == 0 && cfg.Longitude == 0 {
		return nil, errors.New("registry.idv.latitude and registry.idv.longitude are not set: the service requires the capture location with every image; give the station's position in decimal degrees")
	}
	if math.IsNaN(cfg.Latitude) || cfg.Latitude < -90 || cfg.Latitude > 90 {
		return nil, fmt.Errorf("registry.idv.latitude %v: must be between -90 and 90", cfg.Latitude)
	}
	if math.IsNaN(cfg.Longitude) || cfg.Longitude < -180 || cfg.Longitude > 180 {
		return nil, fmt.Errorf("registry.idv.longitude %v: must be between -180 and 180", cfg.Longitude)
	}
	checks, err := checkSet(cfg.Checks)
	if err != nil {
		return nil, err
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("registry.idv.webhook_url %q: want an absolute http or https URL, or leave it empty", cfg.WebhookURL)
		}
	}
	rt, err := tlsfiles.TransportOr(cfg.Transport, cfg.CAFile, cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	c := &Connector{
		cfg: cfg, base: base, checks: checks, now: cfg.Now,
		lat: strconv.FormatFloat(cfg.Latitude, 'f', -1, 64),
		lon: strconv.FormatFloat(cfg.Longitude, 'f', -1, 64),
	}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.TokenURL != "" {
		if cfg.ClientSecret == "" {
			return nil, errors.New("registry.client_secret is empty but registry.token_url is set: give the station's client secret")
		}
		t, err := oauth2cc.NewTransport(rt, cfg.Timeout, oauth2cc.Config{
			TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes})
		if err != nil {
			return nil, fmt.Errorf("registry.token_url: %w", err)
		}
		c.tokens, rt = t.Source, t
	}
	c.client = &http.Client{Transport: rt, Timeout: cfg.Timeout}
	return c, nil
}

// Deliver sends e as one identity-verification session and returns the
// verdict in the receipt. It is idempotent: it first looks the session up by
// the enrollment's transaction ID (session metadata) and resumes it at the
// step it reached, so a retry never creates a second session.
func (c *Connector) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	if err := e.Validate(); err != nil {
		return delivery.Receipt{}, delivery.Fail(0, err)
	}
	p, err := buildPlan(e, c.checks)
	if err != nil {
		return delivery.Receipt{}, delivery.Fail(0, fmt.Errorf("idv: %w", err))
	}
	ss, err := c.find(ctx, e.TransactionID, p.hash)
	if err != nil {
		return delivery.Receipt{}, err
	}
	resumed := ss != nil
	if ss == nil {
		id, err := c.create(ctx, p)
		if err != nil {
			return delivery.Receipt{}, err
		}
		ss = &SessionInfo{ID: id, Status: "in_progress"}
	}
	var verdict *Verdict
	if !done(ss.Status) {
		if verdict, err = c.steps(ctx, p, ss); err != nil {
			return delivery.Receipt{}, err
		}
	}
	final, err := c.read(ctx, ss.ID)
	if err != nil {
		return delivery.Receipt{}, err
	}
	details := map[string]string{
		"sessionId": final.ID,
		"status":    final.Status,
		"verified":  strconv.FormatBool(final.Verified),
		"score":     strconv.FormatFloat(final.Score, 'f', -1, 64),
		"checks":    checkList(p.settings),
	}
	if final.IdentityID != "" {
		details["registryIdentityId"] = final.IdentityID
	}
	switch {
	case verdict != nil:
		details["onSanctionList"] = strconv.FormatBool(verdict.OnSanctionList)
	case final.OFACStatus != "" && final.OFACStatus != "unknown":
		details["ofacStatus"] = final.OFACStatus
	}
	if p.face == nil {
		details["liveness"] = "not requested: the enrollment has no face image"
	}
	if resumed {
		details["resumed"] = "true"
	}
	return delivery.Receipt{
		Target: c.cfg.Target, Kind: Kind, PersonID: e.PersonID, IdentityID: e.IdentityID,
		DeliveredAt: c.now().UTC(), AlreadyPresent: resumed && verdict == nil, Details: details,
	}, nil
}

func done(status string) bool {
	return status == statusComplete || status == statusTemporarilyComplete
}

func checkList(settings map[string]bool) string {
	var on []string
	for _, n := range AllChecks {
		key := "perform_" + n + "_test"
		if n == CheckImageManipulation {
			key = "perform_image_manipulation_test"
		}
		if settings[key] {
			on = append(on, n)
		}
	}
	return strings.Join(on, ",")
}

// find looks up the session of a transaction. It returns nil when there is
// none to resume (none at all, or only expired ones), and a conflict when
// the only live sessions hold different content.
func (c *Connector) find(ctx context.Context, tx, hash string) (*SessionInfo, error) {
	body := map[string]any{
		"take": lookupTake, "skip": 0,
		"metadata": map[string]string{MetaTransactionID: tx},
	}
	a, err := c.postJSON(ctx, "look up the session", PathSessionList, body)
	if err != nil {
		return nil, err
	}
	list, err := ParseSessionList(a.body)
	if err != nil {
		return nil, delivery.Retry(a.status, 0, fmt.Errorf("look up the session: the service answered something unreadable: %w", err))
	}
	var match, other *SessionInfo
	for i := range list {
		s := &list[i]
		if s.Metadata[MetaTransactionID] != tx || s.Status == statusExpired {
			continue
		}
		if s.Metadata[MetaContentHash] != hash {
			other = s
			continue
		}
		if match == nil || (done(s.Status) && !done(match.Status)) {
			match = s
		}
	}
	switch {
	case match != nil:
		if match.Status == statusBlocked {
			return nil, delivery.Retry(0, 0, fmt.Errorf("session %s is temporarily blocked by the service; it will be retried", match.ID))
		}
		return match, nil
	case other != nil:
		return nil, delivery.Conflicting(http.StatusConflict, fmt.Errorf(
			"the service holds session %s for this transaction with different content (the enrollment changed after it was first sent); resolve it with the service's operator", other.ID))
	}
	return nil, nil
}

func (c *Connector) create(ctx context.Context, p *plan) (string, error) {
	body := map[string]any{
		"metadata":      p.metadata,
		"liveness_mode": "passive",
		"settings":      p.settings,
	}
	if c.cfg.WebhookURL != "" {
		body["webhook_url"] = c.cfg.WebhookURL
	}
	a, err := c.postJSON(ctx, "create the session", PathSessionCreate, body)
	if err != nil {
		return "", err
	}
	id, err := ParseCreated(a.body)
	if err != nil {
		// The session may exist; the retry finds it by its metadata.
		return "", delivery.Retry(a.status, 0, fmt.Errorf("create the session: %w", err))
	}
	return id, nil
}

// steps runs the session steps ss has not reached yet and finalizes it.
func (c *Connector) steps(ctx context.Context, p *plan, ss *SessionInfo) (*Verdict, error) {
	id := ss.ID
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		return fmt.Errorf("session %s: %w", id, err)
	}
	if !ss.Consented {
		if _, err := c.postJSON(ctx, "add identity consent", PathSDKConsent, map[string]any{"session_id": id, "consented": true}); err != nil {
			return nil, wrap(err)
		}
	}
	// The SDK metadata is replaced as a whole, so sending it again is harmless.
	if _, err := c.postJSON(ctx, "update the SDK metadata", PathSDKMetadataUpdate, map[string]any{"session_id": id, "sdk_metadata": p.sdkMetadata}); err != nil {
		return nil, wrap(err)
	}
	if !ss.FrontGiven || ss.DocumentType != p.docType {
		if _, err := c.postJSON(ctx, "set the document type", PathSDKDocumentType, map[string]any{"session_id": id, "document_type_e": p.docType}); err != nil {
			return nil, wrap(err)
		}
	}
	if !ss.FrontGiven {
		if err := c.upload(ctx, "add the document front image", PathSDKDocumentFront, id, "front", p.front); err != nil {
			return nil, wrap(err)
		}
	}
	if p.back != nil && !ss.BackGiven {
		if err := c.upload(ctx, "add the document back image", PathSDKDocumentBack, id, "back", p.back); err != nil {
			return nil, wrap(err)
		}
	}
	if p.face != nil && !ss.LivenessDetected {
		pos := map[string]any{"session_id": id, "latitude": c.cfg.Latitude, "longitude": c.cfg.Longitude}
		a, err := c.postJSON(ctx, "generate the liveness session", PathSDKLivenessGenerate, pos)
		if err != nil {
			return nil, wrap(err)
		}
		if _, err := ParseToken(a.body); err != nil {
			return nil, wrap(delivery.Retry(a.status, 0, fmt.Errorf("generate the liveness session: %w", err)))
		}
		pos["images"] = []string{base64.StdEncoding.EncodeToString(p.face.Data)}
		if _, err := c.postJSON(ctx, "process the liveness session", PathSDKLivenessProcess, pos); err != nil {
			return nil, wrap(err)
		}
	}
	a, err := c.postJSON(ctx, "finalize the session", PathSDKFinalize, map[string]any{"session_id": id})
	if err != nil {
		// A finalization whose answer was lost is refused the second time;
		// the session then reads as complete.
		if class, de := delivery.Classify(err); class == delivery.Permanent && de != nil && de.Status == http.StatusBadRequest {
			if again, rerr := c.read(ctx, id); rerr == nil && done(again.Status) {
				return nil, nil
			}
		}
		return nil, wrap(err)
	}
	v, err := ParseVerdict(a.body)
	if err != nil {
		return nil, wrap(delivery.Retry(a.status, 0, err))
	}
	return &v, nil
}

// read reads a session.
func (c *Connector) read(ctx context.Context, id string) (SessionInfo, error) {
	a, err := c.postJSON(ctx, "read the session", PathSessionRead, map[string]any{"session_id": id})
	if err != nil {
		return SessionInfo{}, err
	}
	info, err := ParseSession(a.body)
	if err != nil {
		return SessionInfo{}, delivery.Retry(a.status, 0, fmt.Errorf("read session %s: %w", id, err))
	}
	return info, nil
}

// upload sends a document image as multipart/form-data with the station's
// location.
func (c *Connector) upload(ctx context.Context, op, path, id, side string, img *enrollment.Image) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range [][2]string{{"session_id", id}, {"latitude", c.lat}, {"longitude", c.lon}} {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return delivery.Fail(0, fmt.Errorf("%s: build the form: %w", op, err))
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename=%q`, filename(side, img)))
	h.Set("Content-Type", img.MimeType())
	pw, err := mw.CreatePart(h)
	if err == nil {
		_, err = pw.Write(img.Data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return delivery.Fail(0, fmt.Errorf("%s: build the form: %w", op, err))
	}
	_, err = c.send(ctx, op, http.MethodPost, path, mw.FormDataContentType(), buf.Bytes())
	return err
}

// answer is a successful answer, body read.
type answer struct {
	status int
	body   []byte
}

func (c *Connector) postJSON(ctx context.Context, op, path string, v any) (*answer, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, delivery.Fail(0, fmt.Errorf("%s: encode the request: %w", op, err))
	}
	return c.send(ctx, op, http.MethodPost, path, "application/json", b)
}

// send sends one request and returns a 2xx answer; anything else comes
// back as a classified delivery error.
func (c *Connector) send(ctx context.Context, op, method, path, ctype string, body []byte) (*answer, error) {
	u := *c.base
	u.Path += path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, delivery.Fail(0, fmt.Errorf("%s: build the request: %w", op, err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(ClientIDHeader, c.cfg.ClientID)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var te *oauth2cc.Error
		if errors.As(err, &te) {
			return nil, delivery.Retry(0, 0, fmt.Errorf("%s: registry token: %w (check registry.token_url, registry.client_id, registry.client_secret and registry.scopes)", op, te))
		}
		return nil, delivery.Retry(0, 0, fmt.Errorf("%s: %w", op, delivery.WithoutURL(err)))
	}
	defer resp.Body.Close()
	limit := int64(maxErrorBody)
	if resp.StatusCode/100 == 2 {
		limit = maxAnswerBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s: reading the answer: %w", op, err))
	}
	if int64(len(b)) > limit {
		if resp.StatusCode/100 == 2 {
			return nil, delivery.Retry(resp.StatusCode, 0, fmt.Errorf("%s: answer larger than %d bytes", op, limit))
		}
		b = b[:limit]
	}
	if resp.StatusCode/100 == 2 {
		return &answer{status: resp.StatusCode, body: b}, nil
	}
	return nil, failure(op, resp.StatusCode, delivery.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()), b)
}

// failure classifies an error answer. Credentials refused (401, 403) are a
// station problem, not the enrollment's: they are retried, and the message
// says which settings to check. The service's 400 answers list what it
// refused; they are permanent.
func failure(op string, status int, retryAfter time.Duration, body []byte) error {
	err := fmt.Errorf("%s: the service answered: %s", op, ErrorMessage(body))
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return delivery.Retry(status, retryAfter, fmt.Errorf("%w (the station's credentials were refused after a token renewal: check registry.client_id, registry.client_secret and registry.scopes)", err))
	}
	switch delivery.ClassForStatus(status) {
	case delivery.Retryable:
		return delivery.Retry(status, retryAfter, err)
	case delivery.Conflict:
		return delivery.Conflicting(status, err)
	}
	return delivery.Fail(status, err)
}

// Ping checks that the service answers its health endpoint and, when a
// token endpoint is configured, that the station's credentials obtain a
// token (cached tokens are reused, so this is usually no extra call).
func (c *Connector) Ping(ctx context.Context) error {
	if _, err := c.send(ctx, "health check", http.MethodGet, PathHealth, "", nil); err != nil {
		return err
	}
	if c.tokens == nil {
		return nil
	}
	if _, err := c.tokens.Token(ctx); err != nil {
		return delivery.Retry(0, 0, fmt.Errorf("registry token: %w (check registry.token_url, registry.client_id, registry.client_secret and registry.scopes)", err))
	}
	return nil
}

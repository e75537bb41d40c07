package dis

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/sync/delivery"
)

func TestDeliverMapsTheEnrollment(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	cfg.DocumentSources = []string{"MRZ", "VIZ"}
	c := newConnector(t, cfg)
	e := passportEnrollment(t)

	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	cid := CustomerID(e)
	if cid != e.IdentityID {
		t.Fatalf("customer ID %s, want the identity ID %s (a UUIDv4)", cid, e.IdentityID)
	}
	if rc.Kind != Kind || rc.PersonID != e.PersonID || rc.IdentityID != e.IdentityID || rc.AlreadyPresent || rc.DeliveredAt.IsZero() {
		t.Fatalf("receipt %+v", rc)
	}
	want := map[string]string{
		"customerId":                 cid,
		"selfie.detectionConfidence": "0.93",
		"liveness.passive.score":     "0.87",
		"document.type":              "passport",
		"document.country":           "uto",
		"document.mrtd":              "TD3",
		"document.supportLevel":      "FULL_SUPPORT",
		"document.pageTypes":         "front",
		"document.chip":              "sent",
		"inspection.customer.selfieInspection.similarityWith.documentPortrait": "true",
		"inspection.customer.selfieInspection.similarityWith.chipPortrait":     "true",
		"inspection.customer.selfieInspection.similarityWith.livenessSelfies":  "true",
		"inspection.customer.selfieInspection.hasMask":                         "false",
		"inspection.customer.security.videoInjection.evaluated":                "false",
		"inspection.document.expired":                                          "true",
		"inspection.document.mrzInspection.valid":                              "true",
		"inspection.document.chipInspection.dataAuthentication":                "AUTHENTICATED",
		"inspection.document.pageTampering.front.looksLikeScreenshot":          "false",
		"inspection.document.visualZoneInspection.ocrConfidence.confidence":    "0.97",
		"customer.checked":               "surname,givenNames,dateOfBirth,nationality,documentNumber,dateOfExpiry",
		"customer.consistent":            "true",
		"trustPlatform.externalId":       "personId",
		"trustPlatform.onboardingStatus": "FINISHED",
	}
	for k, v := range want {
		if rc.Details[k] != v {
			t.Errorf("details[%q] = %q, want %q", k, rc.Details[k], v)
		}
	}
	for k, v := range rc.Details {
		for _, personal := range []string{"Estimate", "ageDifference", "ERIKSSON", "ANNA", "L898902C3", "1974"} {
			if strings.Contains(k, personal) || strings.Contains(strings.ToUpper(v), strings.ToUpper(personal)) {
				t.Errorf("receipt detail %s=%s carries %q", k, v, personal)
			}
		}
	}

	rec, ok := reg.sim.Customer(cid)
	if !ok {
		t.Fatalf("customer %s not stored; have %v", cid, reg.sim.CustomerIDs())
	}
	doc := e.Documents[0]
	chip := slices.Concat(doc.ChipDataGroups[1], doc.ChipDataGroups[2], doc.ChipSOD)
	checks := []struct {
		field string
		ok    bool
	}{
		{"selfie = face image", bytes.Equal(rec.Selfie, e.Face.Image.Data)},
		{"liveness created", rec.LivenessCreated},
		{"one passive liveness selfie linked to the selfie", len(rec.LivenessSelfies) == 1 &&
			rec.LivenessSelfies[0].Assertion == "NONE" && rec.LivenessSelfies[0].Origin == "/api/v1/customers/"+cid+"/selfie" && rec.LivenessSelfies[0].Data == nil},
		{"no liveness record", rec.LivenessRecords == 0},
		{"document advice countries", slices.Equal(rec.Document.Advice.Countries, []string{"uto"})},
		{"document advice types", slices.Equal(rec.Document.Advice.Types, []string{"passport"})},
		{"document advice MRZ type", slices.Equal(rec.Document.Advice.MachineReadableTravelDocuments, []string{"td3"})},
		{"document sources", slices.Equal(rec.Document.Sources, []string{"MRZ", "VIZ"})},
		{"one page, front, the data page", len(rec.Document.Pages) == 1 && rec.Document.Pages[0].PageType == "front" &&
			bytes.Equal(rec.Document.Pages[0].Data, doc.Pages[0].Data) && slices.Equal(rec.Document.Pages[0].AdvisedPageTypes, []string{"front"})},
		{"chip data = DG1 DG2 SOD", bytes.Equal(rec.Document.ChipData, chip)},
		{"stored in Trust Platform under the person ID", rec.Stored != nil && rec.Stored.ExternalID == e.PersonID && rec.Stored.OnboardingStatus == "FINISHED"},
		{"inspected once each", rec.Inspections == 1 && rec.DocumentInspections == 1},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("stored customer: %s does not hold", ch.field)
		}
	}
	if st := reg.sim.Stats(); st.SessionsCreated != 1 || st.APITokenCalls != 1 || st.SessionCalls < 10 {
		t.Errorf("sessions: %+v; want one session carrying every call", st)
	}
}

func TestDeliverIdentityCard(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	cfg.TrustPlatform = false
	c := newConnector(t, cfg)
	e := idCardEnrollment(t)
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := reg.sim.Customer(CustomerID(e))
	d := rec.Document
	if d == nil || len(d.Pages) != 2 || d.Pages[0].PageType != "front" || d.Pages[1].PageType != "back" ||
		!bytes.Equal(d.Pages[1].Data, e.Documents[1].Pages[1].Data) || d.ChipData != nil ||
		!slices.Equal(d.Advice.Countries, []string{"deu"}) || !slices.Equal(d.Advice.Types, []string{"identity-card"}) {
		t.Fatalf("document %+v", d)
	}
	if rec.Selfie != nil || rec.LivenessCreated || rec.Inspections != 0 || rec.DocumentInspections != 1 || rec.Stored != nil {
		t.Fatalf("customer %+v", rec)
	}
	if rc.Details["documentsNotSent"] != "1" || rc.Details["document.pageTypes"] != "front,back" {
		t.Fatalf("details %v", rc.Details)
	}
}

// dropper performs requests and, for the n-th one, loses the answer.
type dropper struct {
	base  http.RoundTripper
	n, at int
}

func (d *dropper) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(r)
	d.n++
	if err == nil && d.n == d.at {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer (test)")
	}
	return resp, err
}

// TestRetryAfterLostAnswerDoesNotDuplicate loses the answer of each call
// of a delivery in turn; the retry must leave exactly one customer with one
// of everything.
func TestRetryAfterLostAnswerDoesNotDuplicate(t *testing.T) {
	const calls = 13 // session, customer, 4 face steps, document, page, chip, 2 inspections, read, store
	for at := 1; at <= calls; at++ {
		reg := newRegistry(t)
		cfg := reg.config()
		cfg.Transport = &dropper{base: http.DefaultTransport, at: at}
		c := newConnector(t, cfg)
		e := passportEnrollment(t)
		_, err := c.Deliver(context.Background(), e)
		if class, de := delivery.Classify(err); err == nil || class != delivery.Retryable || de == nil || de.Status != 0 {
			t.Fatalf("call %d lost: err = %v, want retryable transport failure", at, err)
		}
		rc, err := c.Deliver(context.Background(), e)
		if err != nil {
			t.Fatalf("call %d lost, retry: %v", at, err)
		}
		if ids := reg.sim.CustomerIDs(); len(ids) != 1 || ids[0] != CustomerID(e) {
			t.Fatalf("call %d lost: customers %v", at, ids)
		}
		rec, _ := reg.sim.Customer(CustomerID(e))
		if len(rec.LivenessSelfies) != 1 || len(rec.Document.Pages) != 1 || rec.Stored == nil {
			t.Fatalf("call %d lost: customer %d liveness selfies, %d pages, stored %v", at, len(rec.LivenessSelfies), len(rec.Document.Pages), rec.Stored)
		}
		if wantPresent := at >= 2; rc.AlreadyPresent != wantPresent {
			t.Fatalf("call %d lost: alreadyPresent = %v", at, rc.AlreadyPresent)
		}
	}
}

func TestDroppedResponseByTheRegistry(t *testing.T) {
	reg := newRegistry(t)
	c := newConnector(t, reg.config())
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := reg.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}); err != nil {
		t.Fatal(err)
	}
	e := passportEnrollment(t)
	if _, err := c.Deliver(context.Background(), e); err == nil {
		t.Fatal("delivery succeeded without answers")
	}
	if err := reg.sim.SetFaults(registrysim.Faults{}); err != nil {
		t.Fatal(err)
	}
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if st := reg.sim.Stats(); !rc.AlreadyPresent || st.Customers != 1 || st.DuplicatesRejected != 1 || st.Faults.Dropped != 1 {
		t.Fatalf("receipt %+v, stats %+v", rc, st)
	}
}

func TestSessionRenewal(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	cfg.SessionTimeout = time.Minute
	c := newConnector(t, cfg)
	ctx := context.Background()
	deliver := func() {
		t.Helper()
		if _, err := c.Deliver(ctx, passportEnrollment(t)); err != nil {
			t.Fatal(err)
		}
	}
	deliver()
	reg.clock.Advance(30 * time.Second)
	deliver()
	if st := reg.sim.Stats(); st.SessionsCreated != 1 {
		t.Fatalf("%d sessions within the timeout, want 1", st.SessionsCreated)
	}
	// Renewed before the timeout: no call is refused.
	reg.clock.Advance(25 * time.Second)
	deliver()
	if st := reg.sim.Stats(); st.SessionsCreated != 2 || st.AuthRejected != 0 {
		t.Fatalf("after 55 s: %+v, want a second session and no 401", st)
	}
	// The service forgets its sessions: one 401, a new session, success.
	reg.sim.ExpireSessions()
	deliver()
	if st := reg.sim.Stats(); st.SessionsCreated != 3 || st.AuthRejected != 1 {
		t.Fatalf("after the service dropped sessions: %+v", st)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := reg.sim.Stats(); st.SessionsClosed != 1 || st.OpenSessions != 0 {
		t.Fatalf("after Close: %+v", st)
	}
}

func TestDirectToken(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	cfg.DirectToken = true
	c := newConnector(t, cfg)
	if _, err := c.Deliver(context.Background(), passportEnrollment(t)); err != nil {
		t.Fatal(err)
	}
	if st := reg.sim.Stats(); st.SessionsCreated != 0 || st.SessionCalls != 0 || st.APITokenCalls < 10 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDeliverClassifiesFailures(t *testing.T) {
	e := passportEnrollment(t)
	errBody := func(code, msg string) string { return `{"errorCode":"` + code + `","errorMessage":"` + msg + `"}` }
	tests := []struct {
		name       string
		setup      func(*registry)
		edit       func(*Config)
		class      delivery.Class
		status     int
		retryAfter time.Duration
		msg        string
	}{
		{name: "503 with Retry-After", setup: func(r *registry) { _ = r.sim.SetFaults(registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 7}) },
			class: delivery.Retryable, status: 503, retryAfter: 7 * time.Second, msg: "open a session"},
		{name: "500", setup: func(r *registry) {
			r.answerOn(http.MethodPut, "/document", 500, nil, errBody("UNEXPECTED_ERROR", "boom"))
		}, class: delivery.Retryable, status: 500, msg: "UNEXPECTED_ERROR"},
		{name: "429", setup: func(r *registry) {
			r.answerOn("", "/selfie", 429, map[string]string{"Retry-After": "3"}, errBody("TOO_MANY_REQUESTS", "slow down"))
		}, class: delivery.Retryable, status: 429, retryAfter: 3 * time.Second, msg: "rate limiting"},
		{name: "408", setup: func(r *registry) { r.answerOn("", "/liveness/evaluation", 408, nil, "") },
			class: delivery.Retryable, status: 408, msg: "evaluate liveness"},
		{name: "400 from the service", setup: func(r *registry) {
			r.answerOn("", "/document/pages", 400, nil, errBody("INVALID_REQUEST_BODY", "advice.classification.pageTypes is required"))
		}, class: delivery.Permanent, status: 400, msg: "pageTypes is required"},
		{name: "422", setup: func(r *registry) { r.answerOn(http.MethodPut, "/document", 422, nil, errBody("NOT_ENOUGH_DATA", "x")) },
			class: delivery.Permanent, status: 422, msg: "NOT_ENOUGH_DATA"},
		{name: "409 conflict", setup: func(r *registry) { r.answerOn("", "/document/chip/data", 409, nil, errBody("CONFLICT", "no document")) },
			class: delivery.Conflict, status: 409, msg: "CONFLICT"},
		{name: "404", setup: func(r *registry) { r.answerOn("", "/inspect", 404, nil, errBody("NOT_FOUND", "gone")) },
			class: delivery.Retryable, status: 404, msg: "registry.url"},
		{name: "401 after a new session", setup: func(r *registry) { r.answerOn("", "/liveness", 401, nil, "") },
			class: delivery.Retryable, status: 401, msg: "registry.dis.api_token"},
		{name: "403", setup: func(r *registry) { r.answerOn("", "/store", 403, nil, "") },
			class: delivery.Retryable, status: 403, msg: "registry.dis.api_token"},
		{name: "wrong API token", edit: func(c *Config) { c.APIToken = "wrong" },
			class: delivery.Retryable, status: 401, msg: "registry.dis.api_token"},
		{name: "dropped answers", setup: func(r *registry) { _ = r.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}) },
			class: delivery.Retryable, status: 0, msg: "open a session"},
		{name: "garbled answer", setup: func(r *registry) { r.answerOn("", "/document/inspect", 200, nil, "<html>") },
			class: delivery.Retryable, status: 200, msg: "inspect document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			if tt.setup != nil {
				tt.setup(reg)
			}
			cfg := reg.config()
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			_, err := newConnector(t, cfg).Deliver(context.Background(), e)
			checkFailure(t, err, tt.class, tt.status, tt.retryAfter, tt.msg)
		})
	}
}

// testingEnrollment keeps the table's function types short.
type testingEnrollment = enrollment.Enrollment

func checkFailure(t *testing.T, err error, class delivery.Class, status int, retryAfter time.Duration, msg string) {
	t.Helper()
	got, de := delivery.Classify(err)
	if err == nil || got != class || de == nil || de.Status != status || de.RetryAfter != retryAfter || !strings.Contains(err.Error(), msg) {
		t.Fatalf("err = %v (class %v, %+v), want %v HTTP %d retry-after %v mentioning %q", err, got, de, class, status, retryAfter, msg)
	}
	for _, personal := range []string{"ERIKSSON", "Eriksson", "L898902C3", "iVBOR"} {
		if strings.Contains(err.Error(), personal) {
			t.Fatalf("error carries personal data: %v", err)
		}
	}
}

func TestDeliverRefusedContent(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(e *testingEnrollment)
		class  delivery.Class
		status int
		msg    string
	}{
		{"face not JPEG or PNG", func(e *testingEnrollment) { e.Face.Image.Data = []byte("\x00\x00\x00\x0cjP  \r\n\x87\n") },
			delivery.Permanent, 400, "INVALID_IMAGE"},
		{"no face in the image", func(e *testingEnrollment) { e.Face.Image.Data = pngImage(t, 8, 8, 0) },
			delivery.Permanent, 200, "NO_FACE_DETECTED"},
		{"page without corners", func(e *testingEnrollment) { e.Documents[0].Pages[0].Data = pngImage(t, 8, 8, 0) },
			delivery.Permanent, 200, "NO_CARD_CORNERS_DETECTED"},
		{"unreadable chip data", func(e *testingEnrollment) { e.Documents[0].ChipDataGroups[3] = []byte{0x63, 0x05, 1} },
			delivery.Permanent, 200, "LDS_PARSE_ERROR"},
		{"nothing to onboard", func(e *testingEnrollment) { e.Face = nil; e.Documents = nil },
			delivery.Permanent, 0, "neither a face image nor a document"},
		{"invalid enrollment", func(e *testingEnrollment) { e.PersonID = "" },
			delivery.Permanent, 0, "personId is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			e := passportEnrollment(t)
			tt.edit(e)
			_, err := newConnector(t, reg.config()).Deliver(context.Background(), e)
			checkFailure(t, err, tt.class, tt.status, 0, tt.msg)
		})
	}
}

func TestDeliverUnreachableRegistry(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	reg.srv.Close()
	_, err := newConnector(t, cfg).Deliver(context.Background(), passportEnrollment(t))
	checkFailure(t, err, delivery.Retryable, 0, 0, "open a session")
}

func TestPing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*registry, *Config)
		msg   string // "" for success
	}{
		{"up", func(*registry, *Config) {}, ""},
		{"wrong token", func(_ *registry, c *Config) { c.APIToken = "wrong" }, "registry.dis.api_token"},
		{"down", func(r *registry, _ *Config) { r.answerOn("", "/health", 200, nil, `{"status":"DOWN"}`) }, "reports DOWN"},
		{"not a health answer", func(r *registry, _ *Config) { r.answerOn("", "/health", 200, nil, `[]`) }, "registry.url"},
		{"failing", func(r *registry, _ *Config) { _ = r.sim.SetFaults(registrysim.Faults{FailRate: 1, Status: 500}) }, "health check"},
		{"direct token skips the session", func(_ *registry, c *Config) { c.DirectToken = true; c.APIToken = "wrong" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			cfg := reg.config()
			tt.setup(reg, &cfg)
			err := newConnector(t, cfg).Ping(context.Background())
			switch {
			case tt.msg == "" && err != nil:
				t.Fatal(err)
			case tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)):
				t.Fatalf("err = %v, want it to mention %q", err, tt.msg)
			}
		})
	}
}

func TestNewNamesTheConfigKey(t *testing.T) {
	good := Config{BaseURL: "https://dis.example/identity", APIToken: "t"}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"relative url", func(c *Config) { c.BaseURL = "/api" }, "registry.url"},
		{"ftp url", func(c *Config) { c.BaseURL = "ftp://x" }, "registry.url"},
		{"query in url", func(c *Config) { c.BaseURL = "https://x/?a=b" }, "registry.url"},
		{"no token", func(c *Config) { c.APIToken = " " }, "registry.dis.api_token"},
		{"token with newline", func(c *Config) { c.APIToken = "a\nb" }, "registry.dis.api_token"},
		{"session timeout too short", func(c *Config) { c.SessionTimeout = time.Millisecond }, "registry.dis.session_timeout"},
		{"session timeout fraction", func(c *Config) { c.SessionTimeout = 1500 * time.Millisecond }, "registry.dis.session_timeout"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "registry.timeout"},
		{"bad source", func(c *Config) { c.DocumentSources = []string{"OCR"} }, "registry.dis.document_sources"},
		{"missing ca", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, "registry.ca_file"},
		{"cert without key", func(c *Config) { c.CertFile = "c.pem" }, "registry.key_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %q", err, tt.want)
			}
		})
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}

func TestCustomerID(t *testing.T) {
	e := passportEnrollment(t)
	if got := CustomerID(e); got != e.IdentityID {
		t.Fatalf("CustomerID = %s, want the UUIDv4 identity ID %s", got, e.IdentityID)
	}
	e.IdentityID = "identity-42"
	a, b := CustomerID(e), CustomerID(e)
	e.IdentityID = "identity-43"
	if a != b || a == CustomerID(e) || a[14] != '4' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Fatalf("derived IDs %s %s %s", a, b, CustomerID(e))
	}
}

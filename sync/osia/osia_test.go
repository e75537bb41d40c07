package osia

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/stationkey"
	"github.com/capturestation/station/internal/testdata/identities"
	"github.com/capturestation/station/sync/delivery"
)

type registry struct {
	sim *osiapr.Simulator
	srv *httptest.Server
}

func newRegistry(t *testing.T) *registry {
	t.Helper()
	sim, err := osiapr.New(context.Background(), osiapr.Config{
		Clients: []registrysim.Client{{ID: "station", Secret: "s3cret"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return &registry{sim: sim, srv: srv}
}

func (r *registry) config(t *testing.T) Config {
	t.Helper()
	key, err := stationkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		BaseURL: r.srv.URL, TokenURL: r.srv.URL + osiapr.TokenPath,
		ClientID: "station", ClientSecret: "s3cret",
		IdentityType: "CIVIL", Galleries: []string{"CIVIL"},
		SigningKey: key, StationID: "st-1", Timeout: 5 * time.Second,
	}
}

func newConnector(t *testing.T, cfg Config) *Connector {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sampleEnrollment(t *testing.T, n int) *enrollment.Enrollment {
	t.Helper()
	doc, err := identities.Identity(7, n, identities.Options{ImageBytes: 4 << 10, Fingers: 2})
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseIdentity(doc, ImportOptions{StationID: "st-1", OperatorID: "op-1"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDeliverIsIdempotentAndSigned(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config(t)
	c := newConnector(t, cfg)
	e := sampleEnrollment(t, 1)
	ctx := context.Background()

	rc, err := c.Deliver(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if rc.AlreadyPresent || rc.PersonID != e.PersonID || rc.IdentityID != e.IdentityID || rc.Kind != Kind {
		t.Fatalf("receipt %+v", rc)
	}
	// A retry after a lost answer finds the identical record.
	rc, err = c.Deliver(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if !rc.AlreadyPresent {
		t.Fatal("second delivery not reported as already present")
	}
	st := reg.sim.Stats()
	if st.Persons != 1 || st.Identities != 1 {
		t.Fatalf("registry holds %d persons, %d identities", st.Persons, st.Identities)
	}
	d := reg.sim.Dump()
	p := d.Persons[0]
	if p.PersonID != e.PersonID || p.Reference != e.IdentityID || p.Status != "ACTIVE" || p.PhysicalStatus != "ALIVE" {
		t.Fatalf("person %+v", p)
	}
	if err := VerifyIntegrity(p.Identities[0], &cfg.SigningKey.PublicKey); err != nil {
		t.Fatalf("stored identity: %v", err)
	}
	other, _ := stationkey.Generate()
	if err := VerifyIntegrity(p.Identities[0], &other.PublicKey); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("verified with another key: %v", err)
	}
	// The stored identity reads back into the same enrollment.
	back, err := ParseIdentity(p.Identities[0], ImportOptions{PersonID: e.PersonID, StationID: "st-1", OperatorID: "op-1"})
	if err != nil {
		t.Fatal(err)
	}
	back.TransactionID, back.IdentityID, back.CreatedAt, back.CompletedAt = e.TransactionID, e.IdentityID, e.CreatedAt, e.CompletedAt
	if !sameJSON(t, back, e) {
		t.Fatal("stored identity does not read back into the delivered enrollment")
	}
}

func TestDeliverReportsConflict(t *testing.T) {
	reg := newRegistry(t)
	c := newConnector(t, reg.config(t))
	e := sampleEnrollment(t, 2)
	if _, err := c.Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	e.Biographic.LastName = "CHANGED"
	_, err := c.Deliver(context.Background(), e)
	if class, _ := delivery.Classify(err); class != delivery.Conflict {
		t.Fatalf("err = %v, class %v, want conflict", err, class)
	}
}

func TestDeliverClassifiesFailures(t *testing.T) {
	tests := []struct {
		name       string
		faults     registrysim.Faults
		secret     string
		class      delivery.Class
		status     int
		retryAfter time.Duration
		msg        string
	}{
		{"unavailable", registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 7}, "s3cret", delivery.Retryable, 503, 7 * time.Second, "create person"},
		{"rate limited", registrysim.Faults{FailRate: 1, Status: 429}, "s3cret", delivery.Retryable, 429, 0, "create person"},
		{"unprocessable", registrysim.Faults{FailRate: 1, Status: 422}, "s3cret", delivery.Permanent, 422, 0, "create person"},
		{"bad secret", registrysim.Faults{}, "wrong", delivery.Retryable, 0, 0, "invalid_client"},
		{"dropped answer", registrysim.Faults{DropResponseRate: 1}, "s3cret", delivery.Retryable, 0, 0, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			cfg := reg.config(t)
			cfg.ClientSecret = tt.secret
			c := newConnector(t, cfg)
			_ = c.Ping(context.Background()) // fetch a token before the faults start
			if err := reg.sim.Faults().Set(tt.faults); err != nil {
				t.Fatal(err)
			}
			_, err := c.Deliver(context.Background(), sampleEnrollment(t, 3))
			class, de := delivery.Classify(err)
			if class != tt.class || de == nil || de.Status != tt.status || de.RetryAfter != tt.retryAfter || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v (class %v, %+v), want %v HTTP %d retry-after %v mentioning %q", err, class, de, tt.class, tt.status, tt.retryAfter, tt.msg)
			}
		})
	}
}

func TestDeliverUnreachableRegistry(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config(t)
	reg.srv.Close()
	_, err := newConnector(t, cfg).Deliver(context.Background(), sampleEnrollment(t, 4))
	if class, _ := delivery.Classify(err); class != delivery.Retryable || err == nil {
		t.Fatalf("err = %v, want retryable", err)
	}
	if strings.Contains(err.Error(), "transactionId") {
		t.Fatalf("error leaks the request URL: %v", err)
	}
}

func TestPing(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config(t)
	if err := newConnector(t, cfg).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.ClientSecret = "wrong"
	if err := newConnector(t, cfg).Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("ping with a wrong secret: %v", err)
	}
	if err := reg.sim.Faults().Set(registrysim.Faults{FailRate: 1, Status: 500}); err != nil {
		t.Fatal(err)
	}
	if err := newConnector(t, reg.config(t)).Ping(context.Background()); err == nil {
		t.Fatal("ping succeeded against a failing registry")
	}
}

func TestNewNamesTheConfigKey(t *testing.T) {
	key, _ := stationkey.Generate()
	good := Config{BaseURL: "https://registry.example", IdentityType: "CIVIL", SigningKey: key}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"relative url", func(c *Config) { c.BaseURL = "/v1" }, "registry.url"},
		{"ftp url", func(c *Config) { c.BaseURL = "ftp://x" }, "registry.url"},
		{"token url", func(c *Config) { c.TokenURL = "nope"; c.ClientID = "x" }, "registry.token_url"},
		{"no client id", func(c *Config) { c.TokenURL = "https://x/token" }, "registry.client_id"},
		{"missing ca", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, "registry.ca_file"},
		{"cert without key", func(c *Config) { c.CertFile = "c.pem" }, "registry.key_file"},
		{"no identity type", func(c *Config) { c.IdentityType = "" }, "registry.identity_type"},
		{"no key", func(c *Config) { c.SigningKey = nil }, "signing key"},
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

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(ja) != string(jb) {
		t.Logf("got  %.600s\nwant %.600s", ja, jb)
		return false
	}
	return true
}

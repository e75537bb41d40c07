package idv

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/idvsim"
	"github.com/capturestation/station/sync/delivery"
)

const (
	testClient = "station"
	testSecret = "s3cret"
	testLat    = 48.8566
	testLon    = 2.3522
)

// registry is a simulator behind a real HTTP server. hook, when set, sees
// every request before the simulator.
type registry struct {
	sim   *idvsim.Simulator
	srv   *httptest.Server
	clock *clock
	mu    sync.Mutex
	hook  func(r *http.Request) (after func())
}

type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func newRegistry(t *testing.T) *registry { return newRegistryTB(t) }

func newRegistryTB(t testing.TB) *registry {
	t.Helper()
	reg := &registry{clock: &clock{}}
	sim, err := idvsim.New(context.Background(), idvsim.Config{
		Clients:      []registrysim.Client{{ID: testClient, Secret: testSecret}},
		SanctionList: []string{"Embargo"},
		Now:          reg.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	reg.sim = sim
	reg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg.mu.Lock()
		hook := reg.hook
		reg.mu.Unlock()
		if hook != nil {
			if after := hook(r); after != nil {
				defer after()
			}
		}
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(reg.srv.Close)
	return reg
}

func (r *registry) setHook(h func(*http.Request) func()) {
	r.mu.Lock()
	r.hook = h
	r.mu.Unlock()
}

func (r *registry) config() Config {
	return Config{
		BaseURL: r.srv.URL, TokenURL: r.srv.URL + idvsim.TokenPath,
		ClientID: testClient, ClientSecret: testSecret,
		Timeout: 5 * time.Second, Latitude: testLat, Longitude: testLon,
		Target: "central",
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

// fakeImage returns n bytes that start like a JPEG or PNG image and differ
// with seed.
func fakeImage(format string, seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed*131 + i/251)
	}
	switch format {
	case "PNG":
		copy(b, "\x89PNG\r\n\x1a\n")
	default:
		copy(b, []byte{0xff, 0xd8, 0xff, 0xe0})
	}
	return b
}

func sampleEnrollment(n int) *enrollment.Enrollment {
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	return &enrollment.Enrollment{
		TransactionID: fmt.Sprintf("tx-%04d", n), PersonID: fmt.Sprintf("person-%04d", n), IdentityID: fmt.Sprintf("identity-%04d", n),
		StationID: "st-1", OperatorID: "op-7", CreatedAt: at, CompletedAt: at.Add(5 * time.Minute),
		Biographic: enrollment.Biographic{FirstName: "Ada", LastName: "Lovelace", DateOfBirth: "1985-11-30",
			Gender: "F", Nationality: "UTO", PlaceOfBirth: "London", Extra: map[string]string{"profession": "analyst"}},
		Documents: []enrollment.Document{{
			Type: enrollment.DocIDCard, Number: fmt.Sprintf("X%07d", n), IssuingState: "UTO", DateOfExpiry: "2031-01-01",
			MRZ:            "I<UTOX00000010<<<<<<<<<<<<<<<\n8511305F3101014UTO<<<<<<<<<<<4\nLOVELACE<<ADA<<<<<<<<<<<<<<<<",
			ChipDataGroups: map[int][]byte{1: []byte("dg1-bytes"), 2: fakeImage("JPEG", n+50, 600)},
			ChipSOD:        []byte("sod-bytes"), PassiveAuth: "VALID",
			Pages: []enrollment.Image{
				{Format: "JPEG", Data: fakeImage("JPEG", n, 2048), Width: 640, Height: 400, Page: 1, CapturedAt: at, Device: "scanner-1"},
				{Format: "PNG", Data: fakeImage("PNG", n+1000, 1536), Width: 640, Height: 400, Page: 2},
			},
		}},
		Face:     &enrollment.Face{Image: enrollment.Image{Format: "JPEG", Data: fakeImage("JPEG", n+2000, 1024), Width: 480, Height: 640, CapturedAt: at}, Quality: 81, QualityFormat: "ISO_29794_5"},
		Liveness: &enrollment.Liveness{Live: true, Score: 0.97, Method: "passive-texture"},
		Fingers: []enrollment.Finger{
			{Position: enrollment.RightIndex, Image: &enrollment.Image{Format: "WSQ", Data: []byte{0xff, 0xa0, 1, 2}}, Quality: 70, QualityFormat: "NFIQ2"},
			{Position: enrollment.LeftIndex, Missing: enrollment.Bandaged},
		},
		Contextual: &enrollment.Contextual{EnrollmentDate: "2026-03-04", Location: "Office 1"},
	}
}

func onlySession(t *testing.T, reg *registry) idvsim.Session {
	t.Helper()
	all := reg.sim.Sessions()
	if len(all) != 1 {
		t.Fatalf("the simulator holds %d sessions, want 1", len(all))
	}
	return all[0]
}

func TestDeliverMapsTheWholeEnrollment(t *testing.T) {
	reg := newRegistry(t)
	c := newConnector(t, reg.config())
	e := sampleEnrollment(1)
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	s := onlySession(t, reg)
	if rc.Kind != Kind || rc.Target != "central" || rc.PersonID != e.PersonID || rc.IdentityID != e.IdentityID || rc.AlreadyPresent || rc.DeliveredAt.IsZero() {
		t.Fatalf("receipt %+v", rc)
	}
	wantDetails := map[string]string{"sessionId": s.ID, "status": "complete", "verified": "true", "onSanctionList": "false",
		"registryIdentityId": s.IdentityID, "checks": "image_manipulation,ofac,age,liveness", "score": "100"}
	for k, v := range wantDetails {
		if rc.Details[k] != v {
			t.Errorf("receipt detail %s = %q, want %q", k, rc.Details[k], v)
		}
	}
	receiptJSON, _ := json.Marshal(rc)
	for _, personal := range []string{"Ada", "Lovelace", "1985", e.Documents[0].Number} {
		if bytes.Contains(receiptJSON, []byte(personal)) {
			t.Errorf("receipt carries personal data %q", personal)
		}
	}

	// Session metadata and settings.
	for k, v := range map[string]string{MetaTransactionID: e.TransactionID, MetaPersonID: e.PersonID, MetaIdentityID: e.IdentityID,
		MetaStationID: "st-1", MetaOperatorID: "op-7", MetaSource: SourceValue} {
		if s.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, s.Metadata[k], v)
		}
	}
	if len(s.Metadata[MetaContentHash]) != 64 {
		t.Errorf("metadata content hash %q", s.Metadata[MetaContentHash])
	}
	for k, v := range map[string]bool{"perform_image_manipulation_test": true, "perform_ofac_test": true, "perform_age_test": true,
		"perform_liveness_test": true, "perform_aamva_test": false, "perform_gender_test": false, "collect_ip_data": false, "collect_location_data": true} {
		if s.Settings[k] != v {
			t.Errorf("setting %s = %v, want %v", k, s.Settings[k], v)
		}
	}
	if s.ClientID != testClient || s.LivenessMode != "passive" || !s.Consented || s.DocumentType != DocTypeIdentificationCard || s.Status != "complete" || !s.Verified {
		t.Fatalf("session state: client %q mode %q consented %v type %q status %q verified %v", s.ClientID, s.LivenessMode, s.Consented, s.DocumentType, s.Status, s.Verified)
	}

	// Multipart images with the station's location.
	pages := e.Documents[0].Pages
	for _, tt := range []struct {
		name  string
		got   *idvsim.Capture
		want  enrollment.Image
		ctype string
	}{{"front", s.Front, pages[0], "image/jpeg"}, {"back", s.Back, pages[1], "image/png"}} {
		if tt.got == nil {
			t.Fatalf("%s image missing", tt.name)
		}
		if !bytes.Equal(tt.got.Image, tt.want.Data) || tt.got.ContentType != tt.ctype || tt.got.Latitude != "48.8566" || tt.got.Longitude != "2.3522" {
			t.Errorf("%s image: %d bytes %q at %s,%s", tt.name, len(tt.got.Image), tt.got.ContentType, tt.got.Latitude, tt.got.Longitude)
		}
	}
	// Liveness with the face image.
	if len(s.LivenessImages) != 1 || !bytes.Equal(s.LivenessImages[0], e.Face.Image.Data) || !s.LivenessDetected ||
		s.LivenessLatitude != testLat || s.LivenessLongitude != testLon {
		t.Errorf("liveness: %d images, detected %v at %v,%v", len(s.LivenessImages), s.LivenessDetected, s.LivenessLatitude, s.LivenessLongitude)
	}

	// SDK metadata carries the rest.
	var sdk struct {
		TransactionID string            `json:"transaction_id"`
		Station       map[string]any    `json:"station"`
		Holder        map[string]any    `json:"holder"`
		Face          map[string]any    `json:"face"`
		Liveness      map[string]any    `json:"liveness"`
		Fingers       []map[string]any  `json:"fingers"`
		Document      map[string]any    `json:"document"`
		Chip          map[string]string `json:"-"`
	}
	raw, _ := json.Marshal(s.SDKMetadata)
	if err := json.Unmarshal(raw, &sdk); err != nil {
		t.Fatal(err)
	}
	b := e.Biographic
	for k, v := range map[string]any{"first_name": b.FirstName, "last_name": b.LastName, "birth_date": b.DateOfBirth, "gender": b.Gender,
		"nationality": b.Nationality, "place_of_birth": b.PlaceOfBirth} {
		if sdk.Holder[k] != v {
			t.Errorf("holder %s = %v, want %v", k, sdk.Holder[k], v)
		}
	}
	if extra, _ := sdk.Holder["extra"].(map[string]any); extra["profession"] != "analyst" {
		t.Errorf("holder extra %v", sdk.Holder["extra"])
	}
	d := e.Documents[0]
	for k, v := range map[string]any{"number": d.Number, "issuing_country": d.IssuingState, "expires_at": d.DateOfExpiry, "mrz": d.MRZ,
		"passive_auth": d.PassiveAuth, "station_type": "ID_CARD", "type_e": DocTypeIdentificationCard} {
		if sdk.Document[k] != v {
			t.Errorf("document %s = %v, want %v", k, sdk.Document[k], v)
		}
	}
	chip, _ := sdk.Document["chip"].(map[string]any)
	dgs, _ := chip["data_groups"].(map[string]any)
	for n, want := range d.ChipDataGroups {
		got, _ := base64.StdEncoding.DecodeString(fmt.Sprint(dgs[fmt.Sprint(n)]))
		if !bytes.Equal(got, want) {
			t.Errorf("chip DG%d does not read back", n)
		}
	}
	if sod, _ := base64.StdEncoding.DecodeString(fmt.Sprint(chip["sod"])); !bytes.Equal(sod, d.ChipSOD) {
		t.Error("chip SOD does not read back")
	}
	if sdk.TransactionID != e.TransactionID || sdk.Station["station_id"] != "st-1" || sdk.Station["operator_id"] != "op-7" ||
		sdk.Station["enrollment_date"] != "2026-03-04" || sdk.Station["location"] != "Office 1" {
		t.Errorf("station metadata %v", sdk.Station)
	}
	if sdk.Face["quality"] != float64(81) || sdk.Face["format"] != "JPEG" || sdk.Liveness["live"] != true || sdk.Liveness["score"] != 0.97 {
		t.Errorf("face %v liveness %v", sdk.Face, sdk.Liveness)
	}
	if len(sdk.Fingers) != 2 || sdk.Fingers[0]["position"] != "RIGHT_INDEX" || sdk.Fingers[0]["captured"] != true || sdk.Fingers[1]["missing"] != "BANDAGED" {
		t.Errorf("fingers %v", sdk.Fingers)
	}
	if bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(e.Fingers[0].Image.Data))) {
		t.Error("finger image sent in the SDK metadata")
	}

	// A second delivery finds the complete session and creates nothing.
	rc, err = c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if !rc.AlreadyPresent || rc.Details["sessionId"] != s.ID || rc.Details["verified"] != "true" {
		t.Fatalf("second receipt %+v", rc)
	}
	if n := reg.sim.SessionCount(); n != 1 {
		t.Fatalf("%d sessions after a repeated delivery", n)
	}
}

func TestDeliverVariants(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*enrollment.Enrollment)
		check    func(*testing.T, idvsim.Session, delivery.Receipt)
		verified string
	}{
		{"passport has no back", func(e *enrollment.Enrollment) {
			e.Documents[0].Type = enrollment.DocPassport
		}, func(t *testing.T, s idvsim.Session, _ delivery.Receipt) {
			if s.DocumentType != DocTypePassport || s.Back != nil {
				t.Errorf("type %q, back sent: %v", s.DocumentType, s.Back != nil)
			}
		}, "true"},
		{"unnumbered pages keep their order", func(e *enrollment.Enrollment) {
			e.Documents[0].Pages[0].Page, e.Documents[0].Pages[1].Page = 0, 0
		}, func(t *testing.T, s idvsim.Session, _ delivery.Receipt) {
			if s.Front.ContentType != "image/jpeg" || s.Back.ContentType != "image/png" {
				t.Errorf("front %q back %q", s.Front.ContentType, s.Back.ContentType)
			}
		}, "true"},
		{"no face: no liveness", func(e *enrollment.Enrollment) {
			e.Face = nil
		}, func(t *testing.T, s idvsim.Session, rc delivery.Receipt) {
			if s.Settings["perform_liveness_test"] || s.LivenessTokens != 0 || rc.Details["liveness"] == "" {
				t.Errorf("liveness requested without a face: %+v", rc.Details)
			}
		}, "true"},
		{"sanctioned holder", func(e *enrollment.Enrollment) {
			e.Biographic.LastName = "Embargo"
		}, func(t *testing.T, s idvsim.Session, rc delivery.Receipt) {
			if rc.Details["onSanctionList"] != "true" {
				t.Errorf("details %+v", rc.Details)
			}
		}, "false"},
		{"minor", func(e *enrollment.Enrollment) {
			e.Biographic.DateOfBirth = time.Now().AddDate(-10, 0, 0).Format("2006-01-02")
		}, nil, "false"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			e := sampleEnrollment(100 + i)
			tt.edit(e)
			rc, err := newConnector(t, reg.config()).Deliver(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if rc.Details["verified"] != tt.verified {
				t.Errorf("verified = %q, want %q", rc.Details["verified"], tt.verified)
			}
			if tt.check != nil {
				tt.check(t, onlySession(t, reg), rc)
			}
		})
	}
}

func TestDeliverRefusesIncompleteEnrollments(t *testing.T) {
	tests := []struct {
		name string
		edit func(*enrollment.Enrollment)
		want string
	}{
		{"no document", func(e *enrollment.Enrollment) { e.Documents = nil }, "no document page image"},
		{"identity card without back", func(e *enrollment.Enrollment) { e.Documents[0].Pages = e.Documents[0].Pages[:1] }, "back page"},
		{"bad transaction id", func(e *enrollment.Enrollment) { e.TransactionID = "a b" }, "transactionId"},
	}
	reg := newRegistry(t)
	c := newConnector(t, reg.config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEnrollment(200)
			tt.edit(e)
			_, err := c.Deliver(context.Background(), e)
			if class, _ := delivery.Classify(err); class != delivery.Permanent || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (class %v), want permanent mentioning %q", err, class, tt.want)
			}
		})
	}
	if n := reg.sim.SessionCount(); n != 0 {
		t.Fatalf("%d sessions created for refused enrollments", n)
	}
}

// TestRetryAfterDroppedAnswer drops the answer of one call (its effect is
// committed) and checks that the retry completes the same session.
func TestRetryAfterDroppedAnswer(t *testing.T) {
	paths := []string{"every call", PathSessionList, PathSessionCreate, PathSDKConsent, PathSDKMetadataUpdate, PathSDKDocumentType,
		PathSDKDocumentFront, PathSDKDocumentBack, PathSDKLivenessGenerate, PathSDKLivenessProcess, PathSDKFinalize, PathSessionRead}
	for i, path := range paths {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			reg := newRegistry(t)
			c := newConnector(t, reg.config())
			if err := c.Ping(context.Background()); err != nil { // token first
				t.Fatal(err)
			}
			if path == "every call" {
				if err := reg.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}); err != nil {
					t.Fatal(err)
				}
			} else {
				var dropped atomic.Bool
				reg.setHook(func(r *http.Request) func() {
					if r.URL.Path != path || !dropped.CompareAndSwap(false, true) {
						return nil
					}
					if err := reg.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}); err != nil {
						t.Error(err)
					}
					return func() { _ = reg.sim.SetFaults(registrysim.Faults{}) }
				})
			}
			e := sampleEnrollment(300 + i)
			_, err := c.Deliver(context.Background(), e)
			if class, de := delivery.Classify(err); class != delivery.Retryable || de == nil || de.Status != 0 {
				t.Fatalf("first attempt: %v (class %v), want a retryable transport failure", err, class)
			}
			if reg.sim.Stats().Faults.Dropped != 1 {
				t.Fatalf("%d answers dropped, want 1", reg.sim.Stats().Faults.Dropped)
			}
			if err := reg.sim.SetFaults(registrysim.Faults{}); err != nil {
				t.Fatal(err)
			}
			rc, err := c.Deliver(context.Background(), e)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			s := onlySession(t, reg)
			if s.Status != "complete" || !s.Verified || rc.Details["sessionId"] != s.ID || rc.Details["verified"] != "true" {
				t.Fatalf("after the retry: session %s status %q verified %v, receipt %+v", s.ID, s.Status, s.Verified, rc.Details)
			}
			if !bytes.Equal(s.Front.Image, e.Documents[0].Pages[0].Data) || s.Back == nil || len(s.LivenessImages) != 1 {
				t.Fatal("the resumed session lacks images")
			}
		})
	}
}

// headerTransport rewrites one request header.
type headerTransport struct {
	name, value string
	base        http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.base.RoundTrip(r)
}

func TestDeliverClassifiesFailures(t *testing.T) {
	tests := []struct {
		name       string
		faults     registrysim.Faults
		edit       func(*Config)
		enroll     func(*enrollment.Enrollment)
		class      delivery.Class
		status     int
		retryAfter time.Duration
		msg        string
	}{
		{"unavailable", registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 7}, nil, nil, delivery.Retryable, 503, 7 * time.Second, "injected fault"},
		{"server error", registrysim.Faults{FailRate: 1, Status: 500}, nil, nil, delivery.Retryable, 500, 0, "look up the session"},
		{"rate limited", registrysim.Faults{FailRate: 1, Status: 429, RetryAfter: 2}, nil, nil, delivery.Retryable, 429, 2 * time.Second, "look up"},
		{"request timeout", registrysim.Faults{FailRate: 1, Status: 408}, nil, nil, delivery.Retryable, 408, 0, "look up"},
		{"bad request injected", registrysim.Faults{FailRate: 1, Status: 400}, nil, nil, delivery.Permanent, 400, 0, "injected fault"},
		{"unprocessable", registrysim.Faults{FailRate: 1, Status: 422}, nil, nil, delivery.Permanent, 422, 0, "look up"},
		{"conflict status", registrysim.Faults{FailRate: 1, Status: 409}, nil, nil, delivery.Conflict, 409, 0, "look up"},
		{"validation refused", registrysim.Faults{}, nil, func(e *enrollment.Enrollment) { e.StationID = strings.Repeat("s", 600) },
			delivery.Permanent, 400, 0, "create the session: the service answered: metadata keys must be 1 to 64 characters and values at most 512"},
		{"wrong secret", registrysim.Faults{}, func(c *Config) { c.ClientSecret = "wrong" }, nil, delivery.Retryable, 0, 0, "invalid_client"},
		{"no token", registrysim.Faults{}, func(c *Config) { c.TokenURL, c.ClientSecret = "", "" }, nil, delivery.Retryable, 401, 0, "registry.client_secret"},
		{"client id mismatch", registrysim.Faults{}, func(c *Config) {
			c.Transport = headerTransport{ClientIDHeader, "intruder", http.DefaultTransport}
		}, nil, delivery.Retryable, 403, 0, "X-Client-Id does not name the client"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			cfg := reg.config()
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			c := newConnector(t, cfg)
			_ = c.Ping(context.Background()) // fetch a token before the faults start
			if err := reg.sim.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			e := sampleEnrollment(400 + i)
			if tt.enroll != nil {
				tt.enroll(e)
			}
			_, err := c.Deliver(context.Background(), e)
			class, de := delivery.Classify(err)
			if class != tt.class || de == nil || de.Status != tt.status || de.RetryAfter != tt.retryAfter || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v (class %v, %+v), want %v HTTP %d retry-after %v mentioning %q", err, class, de, tt.class, tt.status, tt.retryAfter, tt.msg)
			}
			for _, personal := range []string{"Lovelace", e.Documents[0].Number} {
				if strings.Contains(err.Error(), personal) {
					t.Fatalf("error carries personal data: %v", err)
				}
			}
		})
	}
}

func TestDeliverReportsConflict(t *testing.T) {
	reg := newRegistry(t)
	c := newConnector(t, reg.config())
	e := sampleEnrollment(500)
	if _, err := c.Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	e.Biographic.LastName = "Changed"
	_, err := c.Deliver(context.Background(), e)
	if class, _ := delivery.Classify(err); class != delivery.Conflict || !strings.Contains(err.Error(), "different content") {
		t.Fatalf("err = %v, class %v, want conflict", err, class)
	}
	if n := reg.sim.SessionCount(); n != 1 {
		t.Fatalf("%d sessions", n)
	}
}

func TestDeliverRenewsAnExpiredToken(t *testing.T) {
	reg := newRegistry(t)
	c := newConnector(t, reg.config())
	if _, err := c.Deliver(context.Background(), sampleEnrollment(600)); err != nil {
		t.Fatal(err)
	}
	// The service's clock passes the token's lifetime; the connector still
	// holds the token, is refused once, renews it and goes on.
	reg.clock.advance(2 * time.Hour)
	if _, err := c.Deliver(context.Background(), sampleEnrollment(601)); err != nil {
		t.Fatalf("delivery with an expired token: %v", err)
	}
	if n := reg.sim.Stats().Requests.ByStatus["401"]; n != 1 {
		t.Fatalf("%d answers 401, want exactly 1 before the renewal", n)
	}
	if n := reg.sim.SessionCount(); n != 2 {
		t.Fatalf("%d sessions", n)
	}
}

func TestPing(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	c := newConnector(t, cfg)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad := cfg
	bad.ClientSecret = "wrong"
	if err := newConnector(t, bad).Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("ping with a wrong secret: %v", err)
	}
	if err := reg.sim.SetFaults(registrysim.Faults{FailRate: 1, Status: 500}); err != nil {
		t.Fatal(err)
	}
	err := c.Ping(context.Background()) // holds a token: the health check fails
	if class, de := delivery.Classify(err); err == nil || class != delivery.Retryable || de == nil || de.Status != 500 {
		t.Fatalf("ping against a failing service: %v", err)
	}
}

func TestDeliverUnreachableService(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config()
	reg.srv.Close()
	_, err := newConnector(t, cfg).Deliver(context.Background(), sampleEnrollment(700))
	if class, _ := delivery.Classify(err); class != delivery.Retryable || err == nil {
		t.Fatalf("err = %v, want retryable", err)
	}
	if strings.Contains(err.Error(), "127.0.0.1") && strings.Contains(err.Error(), "/idv/") {
		t.Fatalf("error leaks the request URL: %v", err)
	}
}

func TestNewNamesTheConfigKey(t *testing.T) {
	good := Config{BaseURL: "https://idv.example", ClientID: "station", Latitude: 1, Longitude: 2}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"relative url", func(c *Config) { c.BaseURL = "/v1" }, "registry.url"},
		{"ftp url", func(c *Config) { c.BaseURL = "ftp://x" }, "registry.url"},
		{"no client id", func(c *Config) { c.ClientID = "" }, "registry.client_id"},
		{"token url", func(c *Config) { c.TokenURL = "nope"; c.ClientSecret = "x" }, "registry.token_url"},
		{"no secret", func(c *Config) { c.TokenURL = "https://x/token" }, "registry.client_secret"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "registry.timeout"},
		{"no location", func(c *Config) { c.Latitude, c.Longitude = 0, 0 }, "registry.idv.latitude"},
		{"latitude range", func(c *Config) { c.Latitude = 91 }, "registry.idv.latitude"},
		{"longitude range", func(c *Config) { c.Longitude = -181 }, "registry.idv.longitude"},
		{"unknown check", func(c *Config) { c.Checks = []string{"ofac", "palmistry"} }, "registry.idv.checks"},
		{"webhook url", func(c *Config) { c.WebhookURL = "mailto:x" }, "registry.idv.webhook_url"},
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

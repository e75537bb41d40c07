package spid

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/spidsim"
	"github.com/capturestation/station/sync/delivery"
)

const (
	clientID     = "station"
	clientSecret = "s3cret"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type registry struct {
	sim   *spidsim.Simulator
	srv   *httptest.Server
	clock *clock
}

func newRegistry(t testing.TB, cfg spidsim.Config) *registry {
	t.Helper()
	clk := newClock()
	if len(cfg.Clients) == 0 && !cfg.DisableAuth {
		cfg.Clients = []registrysim.Client{{ID: clientID, Secret: clientSecret}}
	}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	sim, err := spidsim.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &registry{sim: sim, srv: srv, clock: clk}
}

func (r *registry) config() Config {
	return Config{
		BaseURL: r.srv.URL, TokenURL: r.srv.URL + spidsim.TokenPath,
		ClientID: clientID, ClientSecret: clientSecret,
		Timeout: 5 * time.Second, PollInterval: time.Millisecond, MaxPollInterval: 2 * time.Millisecond,
		MaxPollWait: 5 * time.Second, Now: r.clock.Now,
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

func img(format string, seed byte, n int) enrollment.Image {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return enrollment.Image{Format: format, Data: b, Width: 400, Height: 500, Resolution: 500}
}

// sampleEnrollment builds an enrollment using every part of the model;
// seed makes its biometrics unique.
func sampleEnrollment(seed byte) *enrollment.Enrollment {
	e := enrollment.New("st-1", "op-7", time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC))
	e.CompletedAt = e.CreatedAt.Add(5 * time.Minute)
	e.Biographic = enrollment.Biographic{FirstName: "Ana", LastName: "Silva", DateOfBirth: "1990-04-02", Gender: "F",
		Nationality: "BRA", PlaceOfBirth: "Recife", Extra: map[string]string{"motherName": "Maria"}}
	e.Contextual = &enrollment.Contextual{EnrollmentDate: "2026-02-01", Location: "Office 3", Extra: map[string]string{"queue": "A"}}
	e.IdentityType = "CIVIL"
	e.Galleries = []string{"CIVIL", "VOTERS"}
	e.Liveness = &enrollment.Liveness{Live: true, Score: 0.97, Method: "passive", Reasons: []string{"texture"}}
	e.Face = &enrollment.Face{Image: img("JPEG", seed, 64), Quality: 81, QualityFormat: "ISO_29794_5"}
	ri := img("WSQ", seed+1, 48)
	li := img("WSQ", seed+2, 48)
	e.Fingers = []enrollment.Finger{
		{Position: enrollment.RightIndex, Image: &ri, Quality: 60, QualityFormat: "NFIQ2"},
		{Position: enrollment.LeftIndex, Image: &li, Quality: 55},
		{Position: enrollment.RightThumb, Missing: enrollment.Amputated},
		{Position: enrollment.LeftThumb, Missing: enrollment.Damaged},
	}
	e.Documents = []enrollment.Document{{
		Type: enrollment.DocPassport, Number: "X1234567", IssuingState: "BRA", DateOfExpiry: "2030-01-01",
		MRZ: "P<BRASILVA<<ANA\nX1234567<0BRA9004021F3001012", PassiveAuth: "VALID",
		ChipDataGroups: map[int][]byte{1: []byte("dg1-bytes"), 2: []byte("dg2-bytes")}, ChipSOD: []byte("sod-bytes"),
		Pages: []enrollment.Image{img("JPEG", seed+3, 32), img("JPEG", seed+4, 32)},
	}}
	return e
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func wantClass(t *testing.T, err error, want delivery.Class) *delivery.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	got, de := delivery.Classify(err)
	if got != want {
		t.Fatalf("class %v, want %v (%v)", got, want, err)
	}
	return de
}

func TestDeliverMapsEveryField(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{})
	c := newConnector(t, reg.config())
	e := sampleEnrollment(1)
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	got, personGUID, tguid, ok := reg.sim.Enrolled(e.PersonID)
	if !ok {
		t.Fatal("simulator holds no person for the enrollment")
	}
	if rc.Kind != Kind || rc.PersonID != e.PersonID || rc.IdentityID != e.IdentityID || rc.AlreadyPresent || rc.DeliveredAt.IsZero() {
		t.Errorf("receipt %+v", rc)
	}
	for k, v := range map[string]string{"tguid": tguid, "personGuid": personGUID, "enrollStatus": "OK", "personEnrollStatus": "ENROLLED"} {
		if rc.Details[k] != v {
			t.Errorf("receipt detail %s = %q, want %q", k, rc.Details[k], v)
		}
	}
	if got.UserID != e.PersonID || got.OperatorID != e.OperatorID || got.Timestamp != e.CompletedAt.UnixMilli() {
		t.Errorf("userId/operatorId/timestamp = %q %q %d", got.UserID, got.OperatorID, got.Timestamp)
	}
	keys := map[string]string{}
	for _, k := range got.Keys {
		keys[k.ID] = k.Value
	}
	for k, v := range map[string]string{"transactionId": e.TransactionID, "personId": e.PersonID, "identityId": e.IdentityID} {
		if keys[k] != v {
			t.Errorf("key %s = %q, want %q", k, keys[k], v)
		}
	}
	bio := map[string]string{}
	for _, b := range got.Biographics {
		bio[b.ID] = b.Value
	}
	d := e.Documents[0]
	wantBio := map[string]string{
		"firstName": "Ana", "lastName": "Silva", "dateOfBirth": "1990-04-02", "gender": "F", "nationality": "BRA",
		"placeOfBirth": "Recife", "extra.motherName": "Maria", "stationId": "st-1", "identityType": "CIVIL",
		"galleries": "CIVIL,VOTERS", "enrollmentDate": "2026-02-01", "location": "Office 3", "contextual.queue": "A",
		"liveness.live": "true", "liveness.score": "0.97", "liveness.method": "passive", "liveness.reasons": "texture",
		"quality.20": "ISO_29794_5:81", "quality.2": "NFIQ2:60", "quality.7": "55",
		"document.0.type": "PASSPORT", "document.0.number": d.Number, "document.0.issuingState": "BRA",
		"document.0.dateOfExpiry": "2030-01-01", "document.0.mrz": d.MRZ, "document.0.passiveAuth": "VALID",
	}
	for k, v := range wantBio {
		if bio[k] != v {
			t.Errorf("biographic %s = %q, want %q", k, bio[k], v)
		}
	}
	if len(bio) != len(wantBio) {
		t.Errorf("%d biographics, want %d: %v", len(bio), len(wantBio), bio)
	}
	type sample struct {
		content   string
		w, h, dpi int
	}
	bios := map[int]sample{}
	for _, b := range got.Biometrics {
		bios[b.Index] = sample{b.Content, b.Width, b.Height, b.Resolution}
	}
	wantBios := map[int]enrollment.Image{FaceIndex: e.Face.Image, 2: *e.Fingers[0].Image, 7: *e.Fingers[1].Image}
	for idx, im := range wantBios {
		if s := bios[idx]; s.content != b64(im.Data) || s.w != im.Width || s.h != im.Height || s.dpi != im.Resolution {
			t.Errorf("biometric %d does not carry the captured image and its size", idx)
		}
	}
	if len(bios) != len(wantBios) {
		t.Errorf("%d biometrics, want %d", len(bios), len(wantBios))
	}
	missing := map[int]string{}
	for _, m := range got.MissingBiometrics {
		missing[m.Index] = m.Type + "/" + m.Reason
	}
	if missing[1] != "AMPUTATED/AMPUTATED" || missing[6] != "OTHER/DAMAGED" || len(missing) != 2 {
		t.Errorf("missing biometrics %v", missing)
	}
	aux := map[int]string{}
	for _, a := range got.Auxiliaries {
		aux[a.Index] = a.Content
	}
	wantAux := map[int][]byte{
		AuxPageBase: d.Pages[0].Data, AuxPageBase + 1: d.Pages[1].Data,
		AuxChipBase + 1: d.ChipDataGroups[1], AuxChipBase + 2: d.ChipDataGroups[2], AuxChipBase + AuxSODOffset: d.ChipSOD,
	}
	for idx, b := range wantAux {
		if aux[idx] != b64(b) {
			t.Errorf("auxiliary %d does not carry the document data", idx)
		}
	}
	if len(aux) != len(wantAux) {
		t.Errorf("%d auxiliaries, want %d", len(aux), len(wantAux))
	}

	// Delivering again finds the enrollment's own transaction: nothing new.
	rc2, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatalf("second Deliver: %v", err)
	}
	if !rc2.AlreadyPresent || rc2.Details["tguid"] != tguid {
		t.Errorf("second receipt %+v", rc2)
	}
	if st := reg.sim.Stats(); st.EnrollTransactions != 1 || st.Persons != 1 {
		t.Errorf("stats after two deliveries: %+v", st)
	}
}

func TestEncodeCarriesNoUnexpectedFields(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{})
	c := newConnector(t, reg.config())
	b, err := c.Encode(sampleEnrollment(1))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"data":{`)) {
		t.Errorf("body does not start with the data wrapper: %.40s", b)
	}
}

// dropOnce drops the answer of the first request matching method and path
// by switching the simulator's DropResponseRate to 1 for that request only.
type dropOnce struct {
	sim          *spidsim.Simulator
	method, path string
	mu           sync.Mutex
	done         bool
}

func (d *dropOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	hit := !d.done && r.Method == d.method && r.URL.Path == d.path
	if hit {
		d.done = true
		_ = d.sim.SetFaults(registrysim.Faults{DropResponseRate: 1})
	}
	d.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if hit {
		_ = d.sim.SetFaults(registrysim.Faults{})
	}
	return resp, err
}

func TestRetryAfterDroppedResponseDoesNotDuplicate(t *testing.T) {
	for _, path := range []string{"/gbs-spid-server/people", "/gbs-spid-server/people/transactions/"} {
		t.Run(path, func(t *testing.T) {
			reg := newRegistry(t, spidsim.Config{})
			cfg := reg.config()
			method := http.MethodPost
			if strings.HasSuffix(path, "/") {
				method = http.MethodGet
			}
			dt := &dropOnce{sim: reg.sim, method: method, path: path}
			if method == http.MethodGet {
				dt.path = "" // set below once the TGUID is known
			}
			cfg.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if method == http.MethodGet && strings.HasPrefix(r.URL.Path, path) {
					dt.mu.Lock()
					if dt.path == "" {
						dt.path = r.URL.Path
					}
					dt.mu.Unlock()
				}
				return dt.RoundTrip(r)
			})
			c := newConnector(t, cfg)
			e := sampleEnrollment(2)
			_, err := c.Deliver(context.Background(), e)
			wantClass(t, err, delivery.Retryable)
			rc, err := c.Deliver(context.Background(), e)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if !rc.AlreadyPresent {
				t.Errorf("retry receipt does not say alreadyPresent: %+v", rc)
			}
			if st := reg.sim.Stats(); st.EnrollTransactions != 1 || st.Persons != 1 || st.Faults.Dropped < 1 {
				t.Errorf("stats %+v: want one enroll transaction, one person, a dropped answer", st)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPendingTransactionIsResumedNotReenrolled(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{PendingPolls: 4})
	cfg := reg.config()
	cfg.PollInterval, cfg.MaxPollInterval, cfg.MaxPollWait = time.Millisecond, time.Millisecond, time.Millisecond
	c := newConnector(t, cfg)
	e := sampleEnrollment(3)
	var rc delivery.Receipt
	var err error
	attempts := 0
	for attempts = 1; attempts <= 10; attempts++ {
		rc, err = c.Deliver(context.Background(), e)
		if err == nil {
			break
		}
		if de := wantClass(t, err, delivery.Retryable); !strings.Contains(de.Error(), "resumes polling") {
			t.Fatalf("pending error does not say it resumes: %v", de)
		}
	}
	if err != nil {
		t.Fatalf("never completed: %v", err)
	}
	if attempts < 2 {
		t.Errorf("completed in %d attempt, want the bounded wait to end the first", attempts)
	}
	if !rc.AlreadyPresent {
		t.Error("resumed delivery not marked alreadyPresent")
	}
	if st := reg.sim.Stats(); st.EnrollTransactions != 1 {
		t.Errorf("%d enroll transactions, want 1", st.EnrollTransactions)
	}
}

func TestPollingHonoursContext(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{PendingPolls: 1 << 20})
	cfg := reg.config()
	cfg.PollInterval, cfg.MaxPollInterval, cfg.MaxPollWait = 20*time.Millisecond, 20*time.Millisecond, time.Minute
	c := newConnector(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	_, err := c.Deliver(ctx, sampleEnrollment(4))
	wantClass(t, err, delivery.Retryable)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error does not wrap the context's end: %v", err)
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		faults     registrysim.Faults
		setup      func(*registry, *Config, *enrollment.Enrollment)
		class      delivery.Class
		status     int
		retryAfter time.Duration
		msg        string
	}{
		{name: "500 with Retry-After", faults: registrysim.Faults{FailRate: 1, Status: 500, RetryAfter: 7},
			class: delivery.Retryable, status: 500, retryAfter: 7 * time.Second},
		{name: "503 with Retry-After", faults: registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 30},
			class: delivery.Retryable, status: 503, retryAfter: 30 * time.Second},
		{name: "429", faults: registrysim.Faults{FailRate: 1, Status: 429, RetryAfter: 2},
			class: delivery.Retryable, status: 429, retryAfter: 2 * time.Second},
		{name: "408", faults: registrysim.Faults{FailRate: 1, Status: 408}, class: delivery.Retryable, status: 408},
		{name: "network error", setup: func(r *registry, c *Config, _ *enrollment.Enrollment) {
			c.BaseURL = "http://127.0.0.1:1"
			c.TokenURL = ""
		}, class: delivery.Retryable, msg: "unreachable"},
		{name: "validation error", setup: func(_ *registry, _ *Config, e *enrollment.Enrollment) {
			e.Face.Image.Data = nil
		}, class: delivery.Permanent, status: 400, msg: "VALIDATION_ERROR: data.biometrics[0].content is required"},
		{name: "wrong client secret", setup: func(_ *registry, c *Config, _ *enrollment.Enrollment) {
			c.ClientSecret = "wrong"
		}, class: delivery.Retryable, msg: "registry.client_secret"},
		{name: "no token sent", setup: func(_ *registry, c *Config, _ *enrollment.Enrollment) {
			c.TokenURL = ""
		}, class: delivery.Retryable, status: 401, msg: "SECURITY_ERROR"},
		{name: "duplicate biometrics rejected", setup: func(r *registry, c *Config, e *enrollment.Enrollment) {
			other := sampleEnrollment(9)
			other.Fingers[0].Image = e.Fingers[0].Image
			if _, err := newConnectorNoT(*c).Deliver(context.Background(), other); err != nil {
				panic(err)
			}
		}, class: delivery.Conflict, msg: "ENROLL_REJECTED"},
		{name: "transaction ends in error", setup: func(r *registry, _ *Config, e *enrollment.Enrollment) {
			r.sim.ForceOutcome(e.PersonID, "ERROR", "extraction failed")
		}, class: delivery.Permanent, msg: "extraction failed"},
		{name: "another capture holds the person", setup: func(r *registry, c *Config, e *enrollment.Enrollment) {
			earlier := *e
			earlier.CompletedAt = e.CompletedAt.Add(-time.Hour)
			if _, err := newConnectorNoT(*c).Deliver(context.Background(), &earlier); err != nil {
				panic(err)
			}
		}, class: delivery.Conflict, msg: "another capture"},
		{name: "invalid enrollment", setup: func(_ *registry, _ *Config, e *enrollment.Enrollment) {
			e.PersonID = "has space"
		}, class: delivery.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t, spidsim.Config{})
			cfg := reg.config()
			e := sampleEnrollment(5)
			if tt.setup != nil {
				tt.setup(reg, &cfg, e)
			}
			c := newConnector(t, cfg)
			_ = c.Ping(context.Background()) // fetch the token before faults start
			if err := reg.sim.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			_, err := c.Deliver(context.Background(), e)
			de := wantClass(t, err, tt.class)
			if de == nil {
				t.Fatalf("unclassified error %v", err)
			}
			if tt.status != 0 && de.Status != tt.status {
				t.Errorf("status %d, want %d", de.Status, tt.status)
			}
			if de.RetryAfter != tt.retryAfter {
				t.Errorf("retry after %v, want %v", de.RetryAfter, tt.retryAfter)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			for _, personal := range []string{"Silva", "Recife", "X1234567"} {
				if strings.Contains(err.Error(), personal) {
					t.Errorf("error carries personal data %q: %v", personal, err)
				}
			}
		})
	}
}

func newConnectorNoT(cfg Config) *Connector {
	c, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return c
}

func TestFailedTransactionIsEnrolledAgainOnRetry(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{})
	c := newConnector(t, reg.config())
	e := sampleEnrollment(6)
	reg.sim.ForceOutcome(e.PersonID, "ERROR", "extraction failed")
	_, err := c.Deliver(context.Background(), e)
	wantClass(t, err, delivery.Permanent)
	rc, err := c.Deliver(context.Background(), e)
	if err != nil {
		t.Fatalf("retry after a failed transaction: %v", err)
	}
	if rc.AlreadyPresent {
		t.Error("a new enrollment is not alreadyPresent")
	}
	if st := reg.sim.Stats(); st.EnrollTransactions != 2 || st.Persons != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestTokenExpiryAndRenewal(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{TokenTTL: time.Hour})
	t.Run("renewed before expiry", func(t *testing.T) {
		c := newConnector(t, reg.config())
		if _, err := c.Deliver(context.Background(), sampleEnrollment(10)); err != nil {
			t.Fatal(err)
		}
		reg.clock.Add(2 * time.Hour) // both sides see the token expired
		if _, err := c.Deliver(context.Background(), sampleEnrollment(11)); err != nil {
			t.Fatalf("after expiry: %v", err)
		}
		if n := reg.sim.Stats().Requests.ByStatus["401"]; n != 0 {
			t.Errorf("%d answers 401: the token was not renewed before expiry", n)
		}
	})
	t.Run("renewed after 401", func(t *testing.T) {
		cfg := reg.config()
		frozen := reg.clock.Now()
		cfg.Now = func() time.Time { return frozen } // the station believes its token is fresh
		c := newConnector(t, cfg)
		if _, err := c.Deliver(context.Background(), sampleEnrollment(12)); err != nil {
			t.Fatal(err)
		}
		reg.clock.Add(2 * time.Hour) // the server now refuses it
		if _, err := c.Deliver(context.Background(), sampleEnrollment(13)); err != nil {
			t.Fatalf("after server-side expiry: %v", err)
		}
		if n := reg.sim.Stats().Requests.ByStatus["401"]; n != 1 {
			t.Errorf("%d answers 401, want exactly one before renewal", n)
		}
	})
}

func TestPing(t *testing.T) {
	tests := []struct {
		name   string
		faults registrysim.Faults
		system *spidsim.SystemStatus
		secret string
		class  delivery.Class
	}{
		{name: "ok"},
		{name: "gbds inactive", system: &spidsim.SystemStatus{GbdsStatus: "INACTIVE"}, class: delivery.Retryable},
		{name: "503", faults: registrysim.Faults{FailRate: 1, Status: 503}, class: delivery.Retryable},
		{name: "bad credentials", secret: "nope", class: delivery.Retryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t, spidsim.Config{})
			cfg := reg.config()
			if tt.secret != "" {
				cfg.ClientSecret = tt.secret
			}
			if tt.system != nil {
				reg.sim.SetSystemStatus(*tt.system)
			}
			if err := reg.sim.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			err := newConnector(t, cfg).Ping(context.Background())
			if tt.class == 0 {
				if err != nil {
					t.Fatalf("Ping: %v", err)
				}
				return
			}
			wantClass(t, err, tt.class)
		})
	}
}

func TestOperators(t *testing.T) {
	reg := newRegistry(t, spidsim.Config{})
	c := newConnector(t, reg.config())
	ctx := context.Background()
	e := sampleEnrollment(20)
	op := Operator{Document: "op-7", Face: e.Face, Fingers: e.Fingers}

	st, err := c.EnrollOperator(ctx, op)
	if err != nil {
		t.Fatalf("EnrollOperator: %v", err)
	}
	rec, ok := reg.sim.OperatorRecord("op-7")
	if !ok || !st.Enrolled() || st.TGUID == "" || st.TGUID != rec.TGUID || rec.Status != "VERIFIED" {
		t.Fatalf("operator status %+v, simulator %+v", st, rec)
	}
	if len(rec.Biometrics) != 3 || rec.Biometrics[0].Index != FaceIndex || rec.Biometrics[0].Content != b64(e.Face.Image.Data) {
		t.Errorf("operator biometrics not stored as captured")
	}
	// Enrolling again (the operator exists) re-submits the biometrics.
	if st, err := c.EnrollOperator(ctx, op); err != nil || !st.Enrolled() {
		t.Errorf("re-enroll: %+v %v", st, err)
	}

	v, err := c.VerifyOperator(ctx, Operator{Document: "op-7", Fingers: e.Fingers[:1]})
	if err != nil || !v.Matched || v.TGUID == "" || v.Status != "MATCH" {
		t.Errorf("verify with the operator's finger: %+v %v", v, err)
	}
	other := sampleEnrollment(40)
	v, err = c.VerifyOperator(ctx, Operator{Document: "op-7", Fingers: other.Fingers[:1]})
	if err != nil || v.Matched || v.Status != "NOT_MATCH" {
		t.Errorf("verify with another finger: %+v %v", v, err)
	}

	_, err = c.EnrollOperator(ctx, Operator{Document: "op-8", Fingers: e.Fingers[:1]})
	wantClass(t, err, delivery.Conflict)

	_, err = c.OperatorStatus(ctx, "nobody")
	wantClass(t, err, delivery.Permanent)
	_, err = c.VerifyOperator(ctx, Operator{Document: "nobody", Fingers: e.Fingers[:1]})
	wantClass(t, err, delivery.Permanent)
	_, err = c.EnrollOperator(ctx, Operator{Document: "a/b", Fingers: e.Fingers[:1]})
	wantClass(t, err, delivery.Permanent)
	_, err = c.EnrollOperator(ctx, Operator{Document: "op-9"})
	wantClass(t, err, delivery.Permanent)
}

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{BaseURL: "https://spid.example:8082", TokenURL: "https://spid.example/oauth/token", ClientID: "a", ClientSecret: "b"}
	tests := []struct {
		name string
		mod  func(*Config)
		key  string
	}{
		{"bad url", func(c *Config) { c.BaseURL = "spid.example" }, "registry.url"},
		{"no client id", func(c *Config) { c.ClientID = "" }, "registry.client_id"},
		{"no client secret", func(c *Config) { c.ClientSecret = "" }, "registry.client_secret"},
		{"bad token url", func(c *Config) { c.TokenURL = "/token" }, "registry.token_url"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "registry.timeout"},
		{"negative poll", func(c *Config) { c.PollInterval = -1 }, "registry.spid.poll_interval"},
		{"max below poll", func(c *Config) { c.PollInterval = 10 * time.Second; c.MaxPollInterval = time.Second }, "registry.spid.max_poll_interval"},
		{"wait too long", func(c *Config) { c.MaxPollWait = time.Hour }, "registry.spid.max_poll_wait"},
		{"half mTLS", func(c *Config) { c.CertFile = "x.pem" }, "registry.cert_file"},
		{"missing CA", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, "registry.ca_file"},
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %v does not name %s", err, tt.key)
			}
		})
	}
}

func TestBuildTransactionRefusesWhatSPIDCannotCarry(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*enrollment.Enrollment)
	}{
		{"unknown finger position", func(e *enrollment.Enrollment) { e.Fingers[0].Position = "LEFT_PINKY_TOE" }},
		{"too many pages", func(e *enrollment.Enrollment) {
			e.Documents[0].Pages = make([]enrollment.Image, 11)
		}},
		{"chip data group out of range", func(e *enrollment.Enrollment) { e.Documents[0].ChipDataGroups[99] = []byte("x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEnrollment(1)
			tt.mod(e)
			if _, err := BuildTransaction(e); err == nil {
				t.Error("accepted")
			}
		})
	}
}

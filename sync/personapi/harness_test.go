package personapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/personapisim"
)

const (
	testClient = "station"
	testSecret = "s3cret"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// registry is a simulator behind a real HTTP server, with its clock and a
// count of token requests.
type registry struct {
	sim        *personapisim.Simulator
	srv        *httptest.Server
	clk        *clock
	tokenCalls atomic.Int64
}

func newRegistry(t *testing.T, cfg personapisim.Config) *registry {
	t.Helper()
	r := &registry{clk: newClock()}
	if cfg.Clients == nil {
		cfg.Clients = []registrysim.Client{{ID: testClient, Secret: testSecret}}
	}
	cfg.Now = r.clk.now
	sim, err := personapisim.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.sim = sim
	h := sim.Handler()
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == personapisim.TokenPath {
			r.tokenCalls.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *registry) config() Config {
	return Config{BaseURL: r.srv.URL, ClientID: testClient, ClientSecret: testSecret, Timeout: 5 * time.Second, StationID: "st-1"}
}

func newConnector(t *testing.T, cfg Config) *Connector {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// faultOn is a transport that turns the simulator's faults on for the
// requests to one path and off again after them.
type faultOn struct {
	sim    *personapisim.Simulator
	path   string
	faults registrysim.Faults
	times  int // how many matching requests get the faults
	base   http.RoundTripper
}

func (f *faultOn) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == f.path && f.times > 0 {
		f.times--
		_ = f.sim.SetFaults(f.faults)
		defer func() { _ = f.sim.SetFaults(registrysim.Faults{}) }()
	}
	return f.base.RoundTrip(req)
}

var captured = time.Date(2026, 2, 27, 10, 15, 0, 0, time.UTC)

// fullEnrollment has every kind of data a station captures. n varies the
// identifiers and the document number.
func fullEnrollment(n string) *enrollment.Enrollment {
	img := func(format, tag string, page int) enrollment.Image {
		return enrollment.Image{Format: format, Data: []byte("image-" + tag), Width: 640, Height: 480, Resolution: 300,
			BitDepth: 24, CapturedAt: captured, Device: "cam-" + tag, Page: page}
	}
	finger := img("WSQ", "finger-"+n, 0)
	finger.Resolution, finger.BitDepth = 500, 8
	return &enrollment.Enrollment{
		TransactionID: "tx-" + n, PersonID: "person-" + n, IdentityID: "identity-" + n,
		StationID: "st-7", OperatorID: "op-3",
		CreatedAt:   time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC),
		CompletedAt: time.Date(2026, 2, 27, 10, 20, 0, 0, time.UTC),
		Biographic: enrollment.Biographic{FirstName: "AMINA", LastName: "ZZTEST", DateOfBirth: "1990-04-12", Gender: "F",
			Nationality: "UTO", PlaceOfBirth: "ZENITH",
			Extra: map[string]string{"email": "amina." + n + "@example.org", "phone": "06 12-34.56 (78)", "middleName": "B", "eyeColour": "brown"}},
		Documents: []enrollment.Document{
			{Type: enrollment.DocPassport, Number: "X" + strings.ToUpper(n) + "123", IssuingState: "UTO", DateOfExpiry: "2031-05-01",
				MRZ:            "P<UTOZZTEST<<AMINA<<<<<<<<<<<<<<<<<<<<<<<<<<\nX123<<<<<0UTO9004128F3105012<<<<<<<<<<<<<<02",
				ChipDataGroups: map[int][]byte{2: []byte("dg2-" + n), 1: []byte("dg1-" + n)}, ChipSOD: []byte("sod-" + n), PassiveAuth: "VALID",
				Pages: []enrollment.Image{img("PNG", "page2", 2), img("JPEG", "page3", 3)}},
			{Type: enrollment.DocIDCard, IssuingState: "UTO", Pages: []enrollment.Image{img("JPEG", "card", 0)}},
		},
		Face: &enrollment.Face{Image: img("JPEG", "face", 0), Quality: 87, QualityFormat: "ISO_29794_5"},
		Fingers: []enrollment.Finger{
			{Position: enrollment.RightThumb, Image: &finger, Quality: 61, QualityFormat: "NFIQ2", ImpressionType: "LIVE_SCAN_PLAIN"},
			{Position: enrollment.LeftIndex, Missing: enrollment.Bandaged},
		},
		Liveness:     &enrollment.Liveness{Live: true, Score: 0.97, Method: "passive", Reasons: []string{"texture"}},
		Galleries:    []string{"CIVIL"},
		IdentityType: "CIVIL",
		Contextual:   &enrollment.Contextual{EnrollmentDate: "2026-02-27", Location: "Office 4", Extra: map[string]string{"queue": "B"}},
	}
}

package dis

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/registrysim/dissim"
	"github.com/capturestation/station/internal/tlv"
)

const testToken = "station-api-token"

// specimenMRZ is the ICAO 9303 specimen passport MRZ (fictitious holder).
const specimenMRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"

// clock is a settable clock shared by connector and simulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// registry is a simulator behind a real HTTP server; front, when set,
// answers some requests itself instead of the simulator.
type registry struct {
	sim   *dissim.Simulator
	srv   *httptest.Server
	clock *clock
	mu    sync.Mutex
	front func(w http.ResponseWriter, r *http.Request) bool
}

func newRegistry(t testing.TB) *registry {
	t.Helper()
	reg := &registry{clock: newClock()}
	sim, err := dissim.New(context.Background(), dissim.Config{APITokens: []string{testToken}, Now: reg.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg.sim = sim
	reg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg.mu.Lock()
		f := reg.front
		reg.mu.Unlock()
		if f != nil && f(w, r) {
			return
		}
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(reg.srv.Close)
	return reg
}

// answerOn makes the registry answer requests whose path ends with suffix
// (and whose method is method, if not empty) with status, headers and body.
func (r *registry) answerOn(method, suffix string, status int, hdr map[string]string, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.front = func(w http.ResponseWriter, req *http.Request) bool {
		if !strings.HasSuffix(req.URL.Path, suffix) || (method != "" && req.Method != method) {
			return false
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		return true
	}
}

func (r *registry) config() Config {
	return Config{BaseURL: r.srv.URL, APIToken: testToken, Timeout: 5 * time.Second, Now: r.clock.Now, TrustPlatform: true}
}

func newConnector(t *testing.T, cfg Config) *Connector {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pngImage encodes a w×h PNG whose pixels depend on seed.
func pngImage(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y) ^ seed, seed, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// passportEnrollment is a complete enrollment: face, liveness verdict,
// a passport with its data page and chip (DG1, DG2, SOD), fingers and
// contextual data the service has no place for.
func passportEnrollment(t testing.TB) *enrollment.Enrollment {
	t.Helper()
	e := enrollment.New("st-1", "op-1", time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	e.Biographic = enrollment.Biographic{FirstName: "Anna Maria", LastName: "Eriksson", DateOfBirth: "1974-08-12", Gender: "F", Nationality: "UTO"}
	e.Face = &enrollment.Face{Image: enrollment.Image{Format: "PNG", Data: pngImage(t, 64, 80, 1), Width: 64, Height: 80}, Quality: 80}
	e.Liveness = &enrollment.Liveness{Live: true, Score: 0.9, Method: "passive"}
	e.Contextual = &enrollment.Contextual{EnrollmentDate: "2026-06-01", Location: "Office 1"}
	e.Fingers = []enrollment.Finger{{Position: enrollment.RightIndex, Missing: enrollment.Bandaged}}
	e.Documents = []enrollment.Document{{
		Type: enrollment.DocPassport, Number: "L898902C3", IssuingState: "UTO", DateOfExpiry: "2012-04-15",
		MRZ: specimenMRZ,
		ChipDataGroups: map[int][]byte{
			1: lds.BuildDG1(specimenMRZ),
			2: tlv.EncodeConstructed(0x75, tlv.Encode(0x02, []byte{1})),
		},
		ChipSOD:     tlv.EncodeConstructed(0x77, tlv.Encode(0x30, []byte{0})),
		PassiveAuth: "VALID",
		Pages:       []enrollment.Image{{Format: "PNG", Data: pngImage(t, 96, 64, 2), Page: 2}},
	}}
	return e
}

// idCardEnrollment has an identity card with two unnumbered pages, no chip
// and no face.
func idCardEnrollment(t testing.TB) *enrollment.Enrollment {
	t.Helper()
	e := enrollment.New("st-1", "op-2", time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	e.Documents = []enrollment.Document{
		{Type: enrollment.DocBirthCertificate, Pages: []enrollment.Image{{Format: "PNG", Data: pngImage(t, 40, 40, 9)}}},
		{Type: enrollment.DocIDCard, IssuingState: "D", Pages: []enrollment.Image{
			{Format: "PNG", Data: pngImage(t, 90, 60, 3)}, {Format: "PNG", Data: pngImage(t, 90, 60, 4)},
		}},
	}
	return e
}

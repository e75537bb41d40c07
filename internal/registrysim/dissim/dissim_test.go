package dissim

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/capture/emrtd/lds"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/tlv"
)

const (
	apiToken = "api-token"
	cid      = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b" // a UUIDv4
	mrzTD3   = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	clock *fakeClock
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	sim, err := New(context.Background(), Config{APITokens: []string{apiToken}, Now: clk.Now, MaxSessionTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: sim, srv: srv, clock: clk}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request with the API token unless token is given ("-" for none).
func (h *harness) do(method, path, ctype string, body any, token string) result {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch token {
	case "":
		req.Header.Set("Authorization", "Bearer "+apiToken)
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

const jsonType = "application/json"

// errorCode decodes an ErrorResponse strictly and returns its code.
func (r result) errorCode(t *testing.T) string {
	t.Helper()
	var e ErrorResponse
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.ErrorCode == "" || e.ErrorMessage == "" {
		t.Fatalf("answer %d %s is not an ErrorResponse: %v", r.status, r.body, err)
	}
	return e.ErrorCode
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEndpoints(t *testing.T) {
	h := newHarness(t)
	c := CustomersPath + "/" + cid
	face, small := pngOf(t, 64, 64), pngOf(t, 8, 8)
	chip := slicesConcat(lds.BuildDG1(mrzTD3), tlv.EncodeConstructed(0x75, tlv.Encode(2, []byte{1})), tlv.EncodeConstructed(0x77, tlv.Encode(0x30, nil)))
	img := func(b []byte) map[string]any { return map[string]any{"data": b} }
	steps := []struct {
		name         string
		method, path string
		ctype        string
		body         any
		status       int
		code         string // ErrorResponse code, or the errorCode member of a 200
	}{
		{"health needs no token", http.MethodGet, HealthPath, "", nil, 200, ""},
		{"info", http.MethodGet, InfoPath, "", nil, 200, ""},
		{"selfie before the customer", http.MethodPut, c + "/selfie", jsonType, map[string]any{"image": img(face)}, 404, codeNotFound},
		{"customer with a bad ID", http.MethodPost, CustomersPath + "/not-a-uuid", "", nil, 400, codeInvalidID},
		{"customer with a UUIDv1", http.MethodPost, CustomersPath + "/3f1c2b4a-5d6e-1f70-8a9b-0c1d2e3f4a5b", "", nil, 400, codeInvalidID},
		{"create customer", http.MethodPost, c, "", nil, 200, ""},
		{"create it again", http.MethodPost, c, "", nil, 422, codeAlreadyExists},
		{"unknown method", http.MethodPatch, c, "", nil, 405, codeInvalidMethod},
		{"selfie without image", http.MethodPut, c + "/selfie", jsonType, map[string]any{}, 400, codeInvalidBody},
		{"selfie with unknown member", http.MethodPut, c + "/selfie", jsonType, map[string]any{"image": img(face), "x": 1}, 400, codeInvalidBody},
		{"selfie by URL", http.MethodPut, c + "/selfie", jsonType, map[string]any{"image": map[string]string{"url": "http://x/y.png"}}, 400, codeDataDownloaderOff},
		{"selfie not an image", http.MethodPut, c + "/selfie", jsonType, map[string]any{"image": img([]byte("GIF89a"))}, 400, codeInvalidImage},
		{"selfie without a face", http.MethodPut, c + "/selfie", jsonType, map[string]any{"image": img(small)}, 200, "NO_FACE_DETECTED"},
		{"selfie as text", http.MethodPut, c + "/selfie", "text/plain", "x", 400, codeInvalidBody},
		{"selfie", http.MethodPut, c + "/selfie", jsonType, map[string]any{"image": img(face)}, 200, ""},
		{"selfie as octet-stream", http.MethodPut, c + "/selfie", "application/octet-stream", face, 200, ""},
		{"liveness selfie before liveness", http.MethodPost, c + "/liveness/selfies", jsonType, map[string]any{"assertion": "NONE", "image": img(face)}, 409, codeConflict},
		{"evaluation before liveness", http.MethodPost, c + "/liveness/evaluation", jsonType, map[string]string{"type": "PASSIVE_LIVENESS"}, 409, codeConflict},
		{"create liveness", http.MethodPut, c + "/liveness", "", nil, 200, ""},
		{"evaluation without selfies", http.MethodPost, c + "/liveness/evaluation", jsonType, map[string]string{"type": "PASSIVE_LIVENESS"}, 200, "NOT_ENOUGH_DATA"},
		{"evaluation of unknown type", http.MethodPost, c + "/liveness/evaluation", jsonType, map[string]string{"type": "BLINK"}, 400, codeInvalidBody},
		{"liveness selfie bad assertion", http.MethodPost, c + "/liveness/selfies", jsonType, map[string]any{"assertion": "WINK", "image": img(face)}, 400, codeInvalidBody},
		{"liveness selfie bad link", http.MethodPost, c + "/liveness/selfies", jsonType, map[string]any{"assertion": "NONE", "selfieOrigin": map[string]string{"link": "/elsewhere"}}, 400, codeInvalidBody},
		{"liveness selfie by link", http.MethodPost, c + "/liveness/selfies", jsonType, map[string]any{"assertion": "NONE", "selfieOrigin": map[string]string{"link": c + "/selfie"}}, 200, ""},
		{"liveness selfie smile", http.MethodPost, c + "/liveness/selfies", jsonType, map[string]any{"assertion": "SMILE", "image": img(face)}, 200, ""},
		{"evaluate passive", http.MethodPost, c + "/liveness/evaluation", jsonType, map[string]string{"type": "PASSIVE_LIVENESS"}, 200, ""},
		{"evaluate smile without neutral", http.MethodPost, c + "/liveness/evaluation", jsonType, map[string]string{"type": "SMILE_LIVENESS"}, 200, "NOT_ENOUGH_DATA"},
		{"liveness record empty", http.MethodPost, c + "/liveness/records", "application/octet-stream", []byte{}, 400, codeInvalidBody},
		{"liveness record", http.MethodPost, c + "/liveness/records", "application/octet-stream", []byte("record"), 200, ""},
		{"retrieve selfies", http.MethodPost, c + "/liveness/selfies/retrieve", jsonType, map[string]string{"type": "PASSIVE_LIVENESS"}, 200, ""},
		{"page before the document", http.MethodPut, c + "/document/pages", jsonType, map[string]any{"image": img(face)}, 409, codeConflict},
		{"document inspection before the document", http.MethodPost, c + "/document/inspect", "", nil, 409, codeConflict},
		{"document with a bad source", http.MethodPut, c + "/document", jsonType, map[string]any{"sources": []string{"OCR"}}, 400, codeInvalidBody},
		{"document with a bad country", http.MethodPut, c + "/document", jsonType, map[string]any{"advice": map[string]any{"classification": map[string]any{"countries": []string{"UT"}}}}, 400, codeInvalidBody},
		{"document", http.MethodPut, c + "/document", jsonType, map[string]any{"advice": map[string]any{"classification": map[string]any{"countries": []string{"uto"}, "types": []string{"passport"}, "machineReadableTravelDocuments": []string{"td3"}}}}, 200, ""},
		{"page with a bad page type", http.MethodPut, c + "/document/pages", jsonType, map[string]any{"image": img(face), "advice": map[string]any{"classification": map[string]any{"pageTypes": []string{"inside"}}}}, 400, codeInvalidBody},
		{"page advice without page types", http.MethodPut, c + "/document/pages", jsonType, map[string]any{"image": img(face), "advice": map[string]any{"classification": map[string]any{}}}, 400, codeInvalidBody},
		{"page without corners", http.MethodPut, c + "/document/pages", jsonType, map[string]any{"image": img(small)}, 200, "NO_CARD_CORNERS_DETECTED"},
		{"page", http.MethodPut, c + "/document/pages", jsonType, map[string]any{"image": img(face), "advice": map[string]any{"classification": map[string]any{"pageTypes": []string{"front"}}}}, 200, ""},
		{"chip data as JSON", http.MethodPut, c + "/document/chip/data", jsonType, "{}", 400, codeInvalidBody},
		{"chip data unreadable", http.MethodPut, c + "/document/chip/data", "application/octet-stream", []byte{0x61, 0x09, 1}, 200, "LDS_PARSE_ERROR"},
		{"chip data of unknown file", http.MethodPut, c + "/document/chip/data", "application/octet-stream", tlv.Encode(0x42, []byte{1}), 200, "LDS_PARSE_ERROR"},
		{"chip data", http.MethodPut, c + "/document/chip/data", "application/octet-stream", chip, 200, ""},
		{"read chip data", http.MethodGet, c + "/document/chip/data", "", nil, 200, ""},
		{"read page", http.MethodGet, c + "/document/pages/front", "", nil, 200, ""},
		{"read missing page", http.MethodGet, c + "/document/pages/back", "", nil, 404, codeNotFound},
		{"read bad page type", http.MethodGet, c + "/document/pages/side", "", nil, 400, codeInvalidParameter},
		{"read page bad width", http.MethodGet, c + "/document/pages/front?width=x", "", nil, 400, codeInvalidParameter},
		{"inspect", http.MethodPost, c + "/inspect", "", nil, 200, ""},
		{"inspect document", http.MethodPost, c + "/document/inspect", "", nil, 200, ""},
		{"get customer", http.MethodGet, c, "", nil, 200, ""},
		{"store with bad external ID", http.MethodPost, c + "/store", jsonType, map[string]string{"externalId": "a b", "onboardingStatus": "FINISHED"}, 400, codeInvalidBody},
		{"store with bad status", http.MethodPost, c + "/store", jsonType, map[string]string{"onboardingStatus": "DONE"}, 400, codeInvalidBody},
		{"store", http.MethodPost, c + "/store", jsonType, map[string]string{"externalId": "person-1", "onboardingStatus": "FINISHED"}, 204, ""},
		{"store again", http.MethodPost, c + "/store", jsonType, map[string]string{"externalId": "person-1", "onboardingStatus": "FINISHED"}, 204, ""},
		{"store under another ID", http.MethodPost, c + "/store", jsonType, map[string]string{"externalId": "person-2", "onboardingStatus": "FINISHED"}, 409, codeConflict},
		{"unknown path", http.MethodGet, APIPrefix + "/palms/x/template", "", nil, 404, codeNotFound},
		{"delete selfie", http.MethodDelete, c + "/selfie", "", nil, 204, ""},
		{"inspect without selfie", http.MethodPost, c + "/inspect", "", nil, 409, codeConflict},
	}
	for _, st := range steps {
		r := h.do(st.method, st.path, st.ctype, st.body, "")
		if r.status != st.status {
			t.Fatalf("%s: status %d (%s), want %d", st.name, r.status, r.body, st.status)
		}
		switch {
		case r.status >= 400:
			if got := r.errorCode(t); got != st.code {
				t.Fatalf("%s: errorCode %s, want %s", st.name, got, st.code)
			}
		case r.status == 200:
			var m map[string]any
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("%s: answer %s: %v", st.name, r.body, err)
			}
			if got, _ := m["errorCode"].(string); got != st.code {
				t.Fatalf("%s: errorCode member %q, want %q", st.name, got, st.code)
			}
		}
	}

	// What was read back.
	var cu struct {
		Customer struct {
			Surname  map[string]string `json:"surname"`
			Document struct {
				PageTypes []string                  `json:"pageTypes"`
				Mrz       map[string]map[string]any `json:"mrz"`
			} `json:"document"`
		} `json:"customer"`
	}
	if err := json.Unmarshal(h.do(http.MethodGet, c, "", nil, "").body, &cu); err != nil {
		t.Fatal(err)
	}
	if cu.Customer.Surname["chip"] != "ERIKSSON" || cu.Customer.Document.PageTypes[0] != "front" || cu.Customer.Document.Mrz["td3"]["dateOfBirth"] != "740812" {
		t.Fatalf("customer %+v", cu)
	}
	var di map[string]any
	if err := json.Unmarshal(h.do(http.MethodPost, c+"/document/inspect", "", nil, "").body, &di); err != nil {
		t.Fatal(err)
	}
	if di["expired"] != true || di["mrzInspection"].(map[string]any)["valid"] != true {
		t.Fatalf("document inspection %v", di)
	}
	rec, _ := h.sim.Customer(cid)
	if len(rec.LivenessSelfies) != 2 || rec.LivenessRecords != 1 || rec.Stored.ExternalID != "person-1" || rec.Document.Pages[0].PageType != "front" {
		t.Fatalf("record %+v", rec)
	}
	if st := h.sim.Stats(); st.Customers != 1 || st.DuplicatesRejected != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func slicesConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestAuthAndSessions(t *testing.T) {
	h := newHarness(t)
	unauthorized := func(name string, r result) {
		t.Helper()
		if r.status != 401 || len(r.body) != 0 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("%s: %d %q %v, want an empty 401", name, r.status, r.body, r.header)
		}
	}
	unauthorized("no token", h.do(http.MethodPost, CustomersPath, "", nil, "-"))
	unauthorized("wrong token", h.do(http.MethodPost, CustomersPath, "", nil, "nope"))
	unauthorized("session with wrong token", h.do(http.MethodPost, SessionsPath, jsonType, `{"timeout":60}`, "nope"))

	for _, body := range []string{`{}`, `{"timeout":0}`, `{"timeout":1.5}`, `{"timeout":7200}`, `{"timeout":60,"x":1}`} {
		if r := h.do(http.MethodPost, SessionsPath, jsonType, body, ""); r.status != 400 || r.errorCode(t) != codeInvalidBody {
			t.Fatalf("session %s: %d %s", body, r.status, r.body)
		}
	}
	r := h.do(http.MethodPost, SessionsPath, jsonType, `{"timeout":60}`, "")
	var s struct{ Token string }
	if err := json.Unmarshal(r.body, &s); err != nil || r.status != 200 || s.Token == "" {
		t.Fatalf("session: %d %s", r.status, r.body)
	}
	if r := h.do(http.MethodPost, CustomersPath, "", nil, s.Token); r.status != 200 {
		t.Fatalf("with session: %d %s", r.status, r.body)
	}
	h.clock.Advance(59 * time.Second)
	if r := h.do(http.MethodGet, CustomersPath+"/"+cid, "", nil, s.Token); r.status != 404 {
		t.Fatalf("before the timeout: %d", r.status)
	}
	h.clock.Advance(time.Second)
	unauthorized("expired session", h.do(http.MethodGet, CustomersPath+"/"+cid, "", nil, s.Token))

	r = h.do(http.MethodPost, SessionsPath, jsonType, `{"timeout":60}`, "")
	_ = json.Unmarshal(r.body, &s)
	if r := h.do(http.MethodDelete, SessionsPath, "", nil, ""); r.status != 400 {
		t.Fatalf("close without header: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodDelete, h.srv.URL+SessionsPath, nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set(SessionTokenHeader, s.Token)
	resp, err := h.srv.Client().Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("close: %v %v", resp, err)
	}
	resp.Body.Close()
	unauthorized("closed session", h.do(http.MethodPost, CustomersPath, "", nil, s.Token))
	if st := h.sim.Stats(); st.SessionsCreated != 2 || st.SessionsClosed != 1 || st.OpenSessions != 0 || st.AuthRejected != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultsAndLimits(t *testing.T) {
	h := newHarness(t)
	if err := h.sim.SetFaults(registrysim.Faults{FailRate: 1, Status: 429, RetryAfter: 5}); err != nil {
		t.Fatal(err)
	}
	r := h.do(http.MethodPost, CustomersPath, "", nil, "")
	if r.status != 429 || r.header.Get("Retry-After") != "5" {
		t.Fatalf("injected: %d %v", r.status, r.header)
	}
	if st := h.do(http.MethodGet, StatsPath, "", nil, "-"); st.status != 200 {
		t.Fatalf("stats endpoint is subject to faults: %d", st.status)
	}
	_ = h.sim.SetFaults(registrysim.Faults{DropResponseRate: 1})
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+CustomersPath+"/"+cid, nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	if _, err := h.srv.Client().Do(req); err == nil {
		t.Fatal("dropped answer arrived")
	}
	_ = h.sim.SetFaults(registrysim.Faults{})
	if _, ok := h.sim.Customer(cid); !ok {
		t.Fatal("the dropped request did not take effect")
	}
	if r := h.do(http.MethodPost, CustomersPath+"/"+cid, "", nil, ""); r.status != 422 {
		t.Fatalf("after the drop: %d", r.status)
	}
	big := make([]byte, MaxBodyBytes+1)
	if r := h.do(http.MethodPut, CustomersPath+"/"+cid+"/selfie", "application/octet-stream", big, ""); r.status != 413 || r.errorCode(t) != codeInvalidBody {
		t.Fatalf("oversized body: %d %s", r.status, r.body)
	}
	if r := h.do(http.MethodPost, ResetPath, "", nil, "-"); r.status != 204 || h.sim.Stats().Customers != 0 {
		t.Fatalf("reset: %d", r.status)
	}
	if _, err := New(context.Background(), Config{}); err == nil {
		t.Fatal("New accepted no tokens without DisableAuth")
	}
}

// FuzzParseChip feeds the chip data parser arbitrary bytes.
func FuzzParseChip(f *testing.F) {
	f.Add(lds.BuildDG1(mrzTD3))
	f.Add(slicesConcat(lds.BuildDG1(mrzTD3), tlv.EncodeConstructed(0x77, tlv.Encode(0x30, nil))))
	f.Add([]byte{0x61, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseChip(b)
		if err == nil && !bytes.Equal(c.raw, b) {
			t.Fatal("raw data changed")
		}
	})
}

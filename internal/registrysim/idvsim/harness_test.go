package idvsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

const (
	testClient = "station"
	testSecret = "sim-secret"
)

type harness struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	token string
	skew  atomic.Int64
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t}
	sim, err := New(context.Background(), Config{
		Clients:      []registrysim.Client{{ID: testClient, Secret: testSecret}, {ID: "other", Secret: "other-secret"}},
		SanctionList: []string{"embargo"},
		Now:          func() time.Time { return time.Now().Add(time.Duration(h.skew.Load())) },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.sim = sim
	h.srv = httptest.NewServer(sim.Handler())
	t.Cleanup(h.srv.Close)
	h.token = h.fetchToken(testClient, testSecret)
	return h
}

func (h *harness) fetchToken(id, secret string) string {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+TokenPath, strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr registrysim.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		h.t.Fatalf("token: %v %+v", err, tr)
	}
	return tr.AccessToken
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// message returns the error message as one string.
func (a answer) message() string {
	switch m := a.body["message"].(type) {
	case string:
		return m
	case []any:
		var parts []string
		for _, p := range m {
			parts = append(parts, p.(string))
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

type opts struct {
	token    string
	noToken  bool
	clientID string
	noClient bool
	ctype    string
}

func (h *harness) do(method, path string, body []byte, o opts) answer {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	tok := h.token
	if o.token != "" {
		tok = o.token
	}
	if !o.noToken {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	cid := testClient
	if o.clientID != "" {
		cid = o.clientID
	}
	if !o.noClient {
		req.Header.Set(ClientIDHeader, cid)
	}
	ct := "application/json"
	if o.ctype != "" {
		ct = o.ctype
	}
	req.Header.Set("Content-Type", ct)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		if a.body == nil || a.body["statusCode"] == nil && a.body["code"] == nil {
			h.t.Fatalf("%s %s: error answer %d is not an error body: %s", method, path, resp.StatusCode, raw)
		}
	}
	return a
}

func (h *harness) post(path string, v any, o opts) answer {
	h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(http.MethodPost, path, b, o)
}

// upload sends a multipart document image; fields with an empty value are
// left out.
func (h *harness) upload(path string, fields map[string]string, image []byte, o opts) answer {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if v != "" {
			_ = mw.WriteField(k, v)
		}
	}
	if image != nil {
		w, _ := mw.CreateFormFile("image", "front.jpg")
		_, _ = w.Write(image)
	}
	_ = mw.Close()
	o.ctype = mw.FormDataContentType()
	return h.do(http.MethodPost, path, buf.Bytes(), o)
}

func jpeg(seed byte, n int) []byte {
	b := bytes.Repeat([]byte{seed, seed + 1, seed + 2}, n/3+1)[:n]
	copy(b, []byte{0xff, 0xd8, 0xff, 0xe0})
	return b
}

// createSession creates a session and returns its ID.
func (h *harness) createSession(meta map[string]string) string {
	h.t.Helper()
	a := h.post(PathSessionCreate, map[string]any{"metadata": meta, "liveness_mode": "passive"}, opts{})
	if a.status != http.StatusOK {
		h.t.Fatalf("create: %d %s", a.status, a.raw)
	}
	return a.body["session_id"].(string)
}

// complete runs a session through every step with seed-specific images.
func (h *harness) complete(id, docType string, seed byte, holder map[string]any) answer {
	h.t.Helper()
	must := func(a answer) {
		h.t.Helper()
		if a.status != http.StatusOK {
			h.t.Fatalf("step: %d %s", a.status, a.raw)
		}
	}
	pos := map[string]string{"session_id": id, "latitude": "10.5", "longitude": "-20.25"}
	must(h.post(PathSDKConsent, map[string]any{"session_id": id, "consented": true}, opts{}))
	must(h.post(PathSDKMetadataUpdate, map[string]any{"session_id": id, "sdk_metadata": map[string]any{"holder": holder,
		"document": map[string]any{"number": "D123", "issuing_country": "UTO", "expires_at": "2030-01-01"}}}, opts{}))
	must(h.post(PathSDKDocumentType, map[string]any{"session_id": id, "document_type_e": docType}, opts{}))
	must(h.upload(PathSDKDocumentFront, pos, jpeg(seed, 1024), opts{}))
	if needsBack(docType) {
		must(h.upload(PathSDKDocumentBack, pos, jpeg(seed+100, 1024), opts{}))
	}
	lv := map[string]any{"session_id": id, "latitude": 10.5, "longitude": -20.25}
	must(h.post(PathSDKLivenessGenerate, lv, opts{}))
	lv["images"] = []string{"/9j/4AAQSkZJRgABAQ=="}
	must(h.post(PathSDKLivenessProcess, lv, opts{}))
	a := h.post(PathSDKFinalize, map[string]any{"session_id": id}, opts{})
	must(a)
	return a
}

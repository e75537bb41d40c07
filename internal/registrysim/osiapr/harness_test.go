package osiapr

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/capturestation/station/internal/osiaspec"
	"github.com/capturestation/station/internal/registrysim"
)

const (
	testClient = "station"
	testSecret = "sim-secret"
)

// harness runs a simulator behind a real HTTP server and checks every OSIA
// request it sends and every answer it gets against pr.yaml.
type harness struct {
	t      *testing.T
	sim    *Simulator
	srv    *httptest.Server
	router routers.Router
	token  string
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if len(cfg.Clients) == 0 && !cfg.DisableAuth {
		cfg.Clients = []registrysim.Client{{ID: testClient, Secret: testSecret}}
	}
	sim, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := sim.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	_, router, err := osiaspec.Router(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sim: sim, srv: srv, router: router}
	if !cfg.DisableAuth {
		h.token = h.fetchToken(testClient, testSecret, "")
	}
	return h
}

// fetchToken gets a token with the client-credentials grant.
func (h *harness) fetchToken(id, secret, scope string) string {
	h.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var tr registrysim.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != http.StatusOK {
		h.t.Fatalf("token request: status %d, decode error %v", resp.StatusCode, err)
	}
	return tr.AccessToken
}

// call is one OSIA request.
type call struct {
	method string
	path   string
	query  url.Values // transactionId is added unless noTx
	noTx   bool
	body   any // string: raw JSON; nil: none; otherwise marshalled
	accept string
	ctype  string
	token  *string // nil: the harness token; pointer to "": none
}

// result is the answer to a call and pr.yaml's verdict on the request.
type result struct {
	status int
	header http.Header
	body   []byte
	reqErr error // nil when pr.yaml accepts the request
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (h *harness) do(c call) result {
	h.t.Helper()
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	if !c.noTx && !q.Has("transactionId") {
		q.Set("transactionId", "tx-test")
	}
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	u := h.srv.URL + c.path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(c.method, u, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		ct := c.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	tok := h.token
	if c.token != nil {
		tok = *c.token
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	input, reqErr := h.validateRequest(req, body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read answer: %v", err)
	}
	res := result{status: resp.StatusCode, header: resp.Header, body: rb, reqErr: reqErr}
	if resp.StatusCode < 300 && reqErr != nil {
		h.t.Errorf("%s %s answered %d but pr.yaml rejects the request: %v", c.method, c.path, resp.StatusCode, reqErr)
	}
	if input != nil {
		err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input,
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Body:                   io.NopCloser(bytes.NewReader(rb)),
			Options:                &openapi3filter.Options{},
		})
		if err != nil {
			h.t.Errorf("%s %s: answer %d does not conform to pr.yaml: %v\n%s", c.method, c.path, resp.StatusCode, err, rb)
		}
	}
	return res
}

// validateRequest checks a request against pr.yaml. A PATCH body (a merge
// patch) is checked against Identity without its required list.
func (h *harness) validateRequest(req *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := h.router.FindRoute(req)
	if err != nil {
		return nil, err
	}
	vr := req.Clone(context.Background())
	vr.Body = io.NopCloser(bytes.NewReader(body))
	isPatch := route.Operation.OperationID == opPartialUpdateIdentity
	input := &openapi3filter.RequestValidationInput{
		Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			SkipSettingDefaults:     true,
			ExcludeRequestBody:      isPatch,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()},
			AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
					return registrysim.ErrNoToken
				}
				return nil
			},
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
		return input, err
	}
	if isPatch {
		var patch map[string]any
		if err := json.Unmarshal(body, &patch); err != nil {
			return input, err
		}
		partial := *h.sim.identitySchema()
		partial.Required = nil
		if err := partial.VisitJSON(pruneNulls(patch), openapi3.VisitAsRequest(), openapi3.EnableFormatValidation()); err != nil {
			return input, err
		}
	}
	return input, nil
}

// fixedClock is a settable clock for token expiry and record dates.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

func ptr[T any](v T) *T { return &v }

// identity returns a valid Identity request body.
func identity(first, last, dob string, galleries ...string) map[string]any {
	m := map[string]any{
		"identityType": "CIVIL_REGISTRATION",
		"status":       "CLAIMED",
		"biographicData": map[string]any{
			"firstName": first, "lastName": last, "dateOfBirth": dob, "gender": "F", "nationality": "FRA",
		},
		"contextualData": map[string]any{"enrollmentDate": "2024-05-02", "stationId": "sim-1"},
		"biometricData": []any{
			map[string]any{"biometricType": "FINGER", "biometricSubType": "RIGHT_INDEX", "image": "AAAA",
				"captureDate": "2024-05-02T10:00:00Z", "compression": "WSQ", "resolution": 500},
			map[string]any{"biometricType": "FINGER", "biometricSubType": "LEFT_THUMB",
				"missing": []any{map[string]any{"biometricSubType": "LEFT_THUMB", "presence": "AMPUTATED"}}},
		},
		"documentData": []any{map[string]any{"documentType": "PASSPORT",
			"parts": []any{map[string]any{"pages": []any{1}, "data": "UEFTUw==", "mimeType": "image/jpeg"}}}},
	}
	if len(galleries) > 0 {
		gs := make([]any, len(galleries))
		for i, g := range galleries {
			gs[i] = g
		}
		m["galleries"] = gs
	}
	return m
}

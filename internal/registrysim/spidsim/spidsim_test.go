package spidsim

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

	"github.com/capturestation/station/internal/registrysim"
)

type harness struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	token string
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if !cfg.DisableAuth && len(cfg.Clients) == 0 {
		cfg.Clients = []registrysim.Client{{ID: "station", Secret: "pw"}}
	}
	sim, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	h := &harness{t: t, sim: sim, srv: srv}
	if !cfg.DisableAuth {
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+TokenPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("station", "pw")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr registrysim.TokenResponse
		if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
			t.Fatalf("token: %v", err)
		}
		h.token = tr.AccessToken
	}
	return h
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(method, path, contentType, body string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}
}

func (h *harness) json(method, path string, v any) reply {
	h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(method, path, "application/json", string(b))
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d is not the expected JSON: %v: %s", r.status, err, r.body)
	}
}

// wantError checks an ErrorResponse.
func (r reply) wantError(t *testing.T, status int, typ, contains string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var er ErrorResponse
	r.decode(t, &er)
	if er.Type != typ || len(er.Errors) == 0 || er.Errors[0].Type != typ {
		t.Fatalf("error response %+v, want type %s", er, typ)
	}
	var all []string
	for _, e := range er.Errors {
		all = append(all, e.Message)
	}
	if !strings.Contains(strings.Join(all, "|"), contains) {
		t.Errorf("errors %q do not mention %q", all, contains)
	}
}

func userTx(user string, fingers ...string) map[string]any {
	var bios []map[string]any
	for i, f := range fingers {
		bios = append(bios, map[string]any{"index": i + 1, "content": f, "width": 10, "height": 10, "resolution": 500})
	}
	return map[string]any{"data": map[string]any{
		"userId": user, "operatorId": "op-1", "timestamp": 1700000000000, "biometrics": bios,
		"keys": []map[string]string{{"id": "transactionId", "value": "tx-" + user}},
	}}
}

func TestEnrollValidation(t *testing.T) {
	h := newHarness(t, Config{})
	tests := []struct {
		name, ct, body string
		status         int
		typ, msg       string
	}{
		{"wrong content type", "text/plain", `{}`, 415, ValidationError, "application/json"},
		{"not json", "application/json", `{`, 400, ValidationError, "not valid JSON"},
		{"wrong type", "application/json", `{"data":{"userId":5}}`, 400, ValidationError, "userId"},
		{"no data", "application/json", `{}`, 400, ValidationError, "data is required"},
		{"no user", "application/json", `{"data":{"operatorId":"o","timestamp":1,"biometrics":[{"index":1,"content":"QQ=="}]}}`, 400, ValidationError, "data.userId is required"},
		{"no operator", "application/json", `{"data":{"userId":"u","timestamp":1,"biometrics":[{"index":1,"content":"QQ=="}]}}`, 400, ValidationError, "data.operatorId is required"},
		{"no timestamp", "application/json", `{"data":{"userId":"u","operatorId":"o","biometrics":[{"index":1,"content":"QQ=="}]}}`, 400, ValidationError, "timestamp"},
		{"no biometrics", "application/json", `{"data":{"userId":"u","operatorId":"o","timestamp":1}}`, 400, ValidationError, "at least one biometric"},
		{"bad index", "application/json", `{"data":{"userId":"u","operatorId":"o","timestamp":1,"biometrics":[{"index":11,"content":"QQ=="}]}}`, 400, ValidationError, "index 11"},
		{"bad base64", "application/json", `{"data":{"userId":"u","operatorId":"o","timestamp":1,"biometrics":[{"index":1,"content":"!!"}]}}`, 400, ValidationError, "not base64"},
		{"twice the same index", "application/json", `{"data":{"userId":"u","operatorId":"o","timestamp":1,"biometrics":[{"index":1,"content":"QQ=="},{"index":1,"content":"Qg=="}]}}`, 400, ValidationError, "appears twice"},
		{"bad missing type", "application/json", `{"data":{"userId":"u","operatorId":"o","timestamp":1,"biometrics":[{"index":1,"content":"QQ=="}],"missingBiometrics":[{"index":2,"type":"LOST"}]}}`, 400, ValidationError, "AMPUTATED"},
		{"missing and present", "application/json", `{"data":{"userId":"u","operatorId":"o","timestamp":1,"biometrics":[{"index":1,"content":"QQ=="}],"missingBiometrics":[{"index":1,"type":"AMPUTATED"}]}}`, 400, ValidationError, "also has a biometric"},
		{"trailing data", "application/json", `{"data":{}} {}`, 400, ValidationError, "after the JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.do(http.MethodPost, Prefix+"/people", tt.ct, tt.body).wantError(t, tt.status, tt.typ, tt.msg)
		})
	}
	if n := h.sim.Stats().EnrollTransactions; n != 0 {
		t.Errorf("%d transactions created by invalid requests", n)
	}
}

func TestEnrollLifecycle(t *testing.T) {
	h := newHarness(t, Config{PendingPolls: 2})
	r := h.json(http.MethodPost, Prefix+"/people", userTx("u1", "QUFB"))
	var res ExternalResult
	r.decode(t, &res)
	if r.status != 200 || res.ID == "" || res.Status != StatusOK {
		t.Fatalf("enroll: %d %+v", r.status, res)
	}
	// A second enroll for the same userId while the first is alive: 409.
	h.json(http.MethodPost, Prefix+"/people", userTx("u1", "QkJC")).wantError(t, 409, ProcessingError, res.ID)

	var statuses []string
	for range 4 {
		var got ExternalResult
		h.do(http.MethodGet, Prefix+"/people/transactions/"+res.ID, "", "").decode(t, &got)
		statuses = append(statuses, got.Status)
	}
	if strings.Join(statuses, ",") != "ENQUEUED,ENQUEUED,OK,OK" {
		t.Errorf("statuses %v", statuses)
	}
	var td TransactionData
	h.do(http.MethodGet, Prefix+"/transaction/people/u1", "", "").decode(t, &td)
	if td.ID != res.ID || td.Type != TypeEnroll || td.Status != StatusOK || td.UserID != "u1" || td.OperatorID != "op-1" || td.Timestamp != 1700000000000 {
		t.Errorf("person transaction %+v", td)
	}
	var p Person
	for _, key := range []string{"u1", "tx-u1"} {
		h.do(http.MethodGet, Prefix+"/people/"+key, "", "").decode(t, &p)
		if p.PersonGUID == "" || p.TransactionGUID != res.ID || p.EnrollStatus != StatusEnrolled || len(p.Biometrics) != 1 {
			t.Errorf("getPerson %s: %+v", key, p)
		}
	}
	var tg TransactionGUID
	h.do(http.MethodGet, Prefix+"/transaction/"+res.ID, "", "").decode(t, &tg)
	if tg.ID != res.ID || tg.Type != TypeEnroll || len(tg.Transaction.Biometrics) != 1 || tg.Transaction.Biometrics[0].Index != 1 {
		t.Errorf("GetTransactionGuid %+v", tg)
	}
	h.do(http.MethodGet, Prefix+"/transaction/biometrics/"+res.ID, "", "").decode(t, &td)
	if td.ID != res.ID || len(td.Biometrics) != 1 {
		t.Errorf("GetTransactionData %+v", td)
	}

	// Another person with the same finger: ENROLL_REJECTED with an anomaly message.
	r = h.json(http.MethodPost, Prefix+"/people", userTx("u2", "QUFB"))
	r.decode(t, &res)
	var got ExternalResult
	for range 3 {
		h.do(http.MethodGet, Prefix+"/people/transactions/"+res.ID, "", "").decode(t, &got)
	}
	if got.Status != StatusEnrollRejected || !strings.Contains(got.Message, "duplicates person") {
		t.Errorf("duplicate: %+v", got)
	}
	if st := h.sim.Stats(); st.Persons != 1 || st.Rejected != 1 || st.EnrollTransactions != 2 {
		t.Errorf("stats %+v", st)
	}

	for _, path := range []string{"/people/transactions/nope", "/people/nobody", "/transaction/nope", "/transaction/people/nobody", "/transaction/biometrics/nope", "/verify/nope", "/no/such/thing"} {
		h.do(http.MethodGet, Prefix+path, "", "").wantError(t, 404, ProcessingError, "no ")
	}
}

func TestForcedErrorAllowsNewEnroll(t *testing.T) {
	h := newHarness(t, Config{PendingPolls: -1})
	h.sim.ForceOutcome("u1", StatusError, "extraction failed")
	var res ExternalResult
	h.json(http.MethodPost, Prefix+"/people", userTx("u1", "QUFB")).decode(t, &res)
	var got ExternalResult
	h.do(http.MethodGet, Prefix+"/people/transactions/"+res.ID, "", "").decode(t, &got)
	if got.Status != StatusError || got.Message != "extraction failed" {
		t.Fatalf("forced outcome %+v", got)
	}
	if r := h.json(http.MethodPost, Prefix+"/people", userTx("u1", "QUFB")); r.status != 200 {
		t.Errorf("enroll after an error: %d %s", r.status, r.body)
	}
}

func TestAuth(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.token
	for _, tt := range []struct{ name, token string }{{"none", ""}, {"forged", "abc.def"}} {
		t.Run(tt.name, func(t *testing.T) {
			h.token = tt.token
			r := h.do(http.MethodGet, Prefix+"/status", "", "")
			r.wantError(t, 401, SecurityError, "")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate")
			}
		})
	}
	h.token = tok
	if r := h.do(http.MethodGet, Prefix+"/status", "", ""); r.status != 200 {
		t.Errorf("with token: %d", r.status)
	}
	if _, err := New(context.Background(), Config{}); err == nil {
		t.Error("New accepted a config without clients or DisableAuth")
	}
}

func TestStatus(t *testing.T) {
	h := newHarness(t, Config{DisableAuth: true})
	var got struct {
		Data SystemStatus `json:"data"`
	}
	h.do(http.MethodGet, Prefix+"/status", "", "").decode(t, &got)
	if got.Data.GbdsStatus != "ACTIVE" || got.Data.PsbioStatus != "ACTIVE" {
		t.Errorf("status %+v", got)
	}
	h.sim.SetSystemStatus(SystemStatus{GbdsStatus: "INACTIVE"})
	h.do(http.MethodGet, Prefix+"/status", "", "").decode(t, &got)
	if got.Data.GbdsStatus != "INACTIVE" {
		t.Errorf("status after change %+v", got)
	}
}

func TestOperatorsAndVerify(t *testing.T) {
	h := newHarness(t, Config{PendingPolls: 1})
	ins := map[string]any{"data": map[string]string{"document": "op-1"}}
	if r := h.json(http.MethodPost, Prefix+"/operator", ins); r.status != 201 {
		t.Fatalf("insert: %d %s", r.status, r.body)
	}
	h.json(http.MethodPost, Prefix+"/operator", ins).wantError(t, 409, ProcessingError, "exists")
	h.json(http.MethodPost, Prefix+"/operator", map[string]any{"data": map[string]string{}}).wantError(t, 400, ValidationError, "data.document is required")
	enr := map[string]any{"data": map[string]any{"document": "op-1", "biometrics": []map[string]any{{"index": 2, "content": "QUFB"}}}}
	if r := h.json(http.MethodPut, Prefix+"/operator", enr); r.status != 201 {
		t.Fatalf("enrollOperator: %d %s", r.status, r.body)
	}
	h.json(http.MethodPut, Prefix+"/operator", map[string]any{"data": map[string]any{"document": "op-x", "biometrics": []map[string]any{{"index": 2, "content": "QUFB"}}}}).
		wantError(t, 404, ProcessingError, "insert it first")
	h.json(http.MethodPut, Prefix+"/operator", map[string]any{"data": map[string]any{"document": "op-1"}}).
		wantError(t, 400, ValidationError, "at least one biometric")
	var o Operator
	h.do(http.MethodGet, Prefix+"/operator/op-1", "", "").decode(t, &o)
	if o.Status != OperatorEnqueued || o.TGUID == "" {
		t.Errorf("first read %+v", o)
	}
	h.do(http.MethodGet, Prefix+"/operator/op-1", "", "").decode(t, &o)
	if o.Status != OperatorVerified {
		t.Errorf("second read %+v", o)
	}
	var list []Operator
	h.do(http.MethodGet, Prefix+"/operator/list", "", "").decode(t, &list)
	if len(list) != 1 || list[0].Document != "op-1" || list[0].Status != OperatorVerified {
		t.Errorf("list %+v", list)
	}

	verify := func(content string) ExternalResult {
		var res, got ExternalResult
		r := h.json(http.MethodPost, Prefix+"/verify", map[string]any{"data": map[string]any{
			"userId": "op-1", "timestamp": 1, "biometrics": []map[string]any{{"index": 2, "content": content}}}})
		r.decode(t, &res)
		for range 2 {
			h.do(http.MethodGet, Prefix+"/verify/"+res.ID, "", "").decode(t, &got)
		}
		return got
	}
	if got := verify("QUFB"); got.Status != StatusMatch {
		t.Errorf("same finger: %+v", got)
	}
	if got := verify("Q0ND"); got.Status != StatusNotMatch {
		t.Errorf("other finger: %+v", got)
	}
	h.json(http.MethodPost, Prefix+"/verify", map[string]any{"data": map[string]any{
		"userId": "ghost", "timestamp": 1, "biometrics": []map[string]any{{"index": 2, "content": "QUFB"}}}}).
		wantError(t, 404, ProcessingError, "no enrolled person")

	if r := h.do(http.MethodDelete, Prefix+"/operator/op-1", "", ""); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	h.do(http.MethodDelete, Prefix+"/operator/op-1", "", "").wantError(t, 404, ProcessingError, "no operator")
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Config{DisableAuth: true, Faults: registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 3}})
	r := h.do(http.MethodGet, Prefix+"/status", "", "")
	if r.status != 503 || r.header.Get("Retry-After") != "3" {
		t.Errorf("injected failure: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if err := h.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(userTx("u1", "QUFB"))
	resp, err := h.srv.Client().Post(h.srv.URL+Prefix+"/people", "application/json", bytes.NewReader(body))
	if err == nil {
		resp.Body.Close()
		t.Fatal("dropped response arrived")
	}
	if st := h.sim.Stats(); st.EnrollTransactions != 1 || st.Faults.Dropped != 1 {
		t.Errorf("the dropped enroll was not committed: %+v", st)
	}
	if err := h.sim.SetFaults(registrysim.Faults{FailRate: 2}); err == nil {
		t.Error("invalid faults accepted")
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t, Config{DisableAuth: true, MaxBodyBytes: 1 << 10})
	big := `{"data":{"userId":"` + strings.Repeat("a", 2<<10) + `"}}`
	h.do(http.MethodPost, Prefix+"/people", "application/json", big).wantError(t, 413, ValidationError, "exceeds")
}

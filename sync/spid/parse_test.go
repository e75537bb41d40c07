package spid

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/capturestation/station/internal/registrysim/spidsim"
)

// simAnswers collects real simulator answers: results, transaction data,
// persons, operators, status and error bodies.
func simAnswers(t testing.TB) [][]byte {
	reg := newRegistry(t, spidsim.Config{DisableAuth: true, PendingPolls: -1})
	c, err := New(Config{BaseURL: reg.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e := sampleEnrollment(1)
	if _, err := c.Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnrollOperator(context.Background(), Operator{Document: "op-1", Fingers: e.Fingers[:1]}); err != nil {
		t.Fatal(err)
	}
	_, _, tguid, _ := reg.sim.Enrolled(e.PersonID)
	var out [][]byte
	get := func(method, path, body string) {
		req, _ := http.NewRequest(method, reg.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, b)
	}
	get("GET", pathEnrollResult+tguid, "")
	get("GET", pathPersonTx+e.PersonID, "")
	get("GET", pathPeople+"/"+e.PersonID, "")
	get("GET", pathOperator+"/op-1", "")
	get("GET", pathStatus, "")
	get("GET", pathEnrollResult+"unknown", "")
	get("POST", pathPeople, `{"data":{"userId":""}}`)
	get("POST", pathPeople, `{`)
	return out
}

func FuzzParseAnswers(f *testing.F) {
	for _, b := range simAnswers(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"type":"VALIDATION_ERROR","errors":[{"type":"VALIDATION_ERROR","message":"` + strings.Repeat("é", 400) + `"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := ParseExternalResult(b); err == nil && (r.ID == "" || r.Status == "") {
			t.Errorf("accepted a result without id or status: %+v", r)
		}
		if r, err := ParseTransactionData(b); err == nil && r.ID == "" {
			t.Error("accepted transaction data without id")
		}
		if o, err := ParseOperator(b); err == nil && o.Document == "" {
			t.Error("accepted an operator without document")
		}
		_, _ = ParseStatus(b)
		if p, err := ParsePerson(b); err == nil && p.PersonGUID == "" {
			t.Error("accepted a person without GUID")
		}
		msg := ErrorMessage(b)
		if len(msg) > maxMessage+len("…") || strings.ContainsAny(msg, "\n\r\t\x00") {
			t.Errorf("error message not cleaned or bounded: %q", msg)
		}
		if utf8.ValidString(string(b)) && !utf8.ValidString(msg) {
			t.Errorf("valid input gave an invalid UTF-8 message %q", msg)
		}
		_ = EnrollOutcome(string(b))
		_, _ = VerifyOutcome(string(b))
	})
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"type":"VALIDATION_ERROR","errors":[{"type":"VALIDATION_ERROR","message":"data.userId is required"},{"message":"data.timestamp must be positive"}]}`,
			"VALIDATION_ERROR: data.userId is required; data.timestamp must be positive"},
		{`{"errors":[{"type":"SECURITY_ERROR","message":"token\nexpired"}]}`, "SECURITY_ERROR: token expired"},
		{`{"type":"INTERNAL_ERROR"}`, "INTERNAL_ERROR"},
		{`not json`, "no error message"},
		{`{}`, "no error message"},
	}
	for _, tt := range tests {
		if got := ErrorMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestOutcomes(t *testing.T) {
	for status, want := range map[string]Outcome{
		"OK": Enrolled, "ENQUEUED": Pending, "ENROLL_REJECTED": Rejected, "ERROR": Failed, "SOMETHING_NEW": Pending, " ok ": Enrolled,
	} {
		if got := EnrollOutcome(status); got != want {
			t.Errorf("%q: %v, want %v", status, got, want)
		}
	}
}

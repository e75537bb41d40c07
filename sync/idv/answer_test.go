package idv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// recorder keeps the bodies of every answer that passes through it.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
	base   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func TestErrorMessage(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"statusCode":400,"message":["session_id should not be empty","property x should not exist"],"error":"Bad Request"}`, "session_id should not be empty; property x should not exist"},
		{`{"statusCode":400,"message":"session ses_1 not found","error":"Bad Request"}`, "session ses_1 not found"},
		{`{"code":503,"message":"injected"}`, "injected"},
		{`{"error":"Unauthorized"}`, "Unauthorized"},
		{`{}`, "no error message"},
		{`not json`, "no error message"},
		{`{"message":"line\nbreak"}`, "line break"},
		{`{"message":[1,"only strings"]}`, "only strings"},
	}
	for _, tt := range tests {
		if got := ErrorMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.body, got, tt.want)
		}
	}
	if got := ErrorMessage([]byte(`{"message":"` + strings.Repeat("é", 400) + `"}`)); len(got) > 510 || !utf8.ValidString(got) {
		t.Errorf("long message not bounded to valid UTF-8: %d bytes", len(got))
	}
}

func TestParseAnswersRefuseBadSessionIDs(t *testing.T) {
	for _, body := range []string{`{}`, `{"session_id":""}`, `{"session_id":"a b"}`, `{"session_id":"` + strings.Repeat("x", 300) + `"}`, `[]`} {
		if _, err := ParseCreated([]byte(body)); err == nil {
			t.Errorf("ParseCreated accepted %s", body)
		}
		if _, err := ParseSession([]byte(body)); err == nil {
			t.Errorf("ParseSession accepted %s", body)
		}
	}
	if _, err := ParseSessionList([]byte(`{"sessions":[{"session_id":"ok","metadata":["not","object"]}]}`)); err == nil {
		t.Error("ParseSessionList accepted metadata that is not an object")
	}
	if _, err := ParseVerdict([]byte(`{"on_sanction_list":true}`)); err == nil {
		t.Error("ParseVerdict accepted an answer without verified")
	}
}

// FuzzParseAnswers feeds the answer parsers real simulator answers and
// mutations of them: they must never panic, and what they accept must be
// safe to send back and to show.
func FuzzParseAnswers(f *testing.F) {
	reg := newRegistryTB(f)
	tr := &http.Transport{}
	rec := &recorder{base: tr}
	cfg := reg.config()
	cfg.Transport = rec
	c, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	e := sampleEnrollment(900)
	if _, err := c.Deliver(context.Background(), e); err != nil {
		f.Fatal(err)
	}
	e.Biographic.LastName = "Other"
	_, _ = c.Deliver(context.Background(), e)
	e = sampleEnrollment(901)
	e.StationID = strings.Repeat("s", 600)
	_, _ = c.Deliver(context.Background(), e)
	tr.CloseIdleConnections()
	reg.srv.Close()
	for _, b := range rec.bodies {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if id, err := ParseCreated(body); err == nil && checkSessionID(id) != nil {
			t.Fatalf("accepted session ID %q", id)
		}
		if s, err := ParseSession(body); err == nil && checkSessionID(s.ID) != nil {
			t.Fatalf("accepted session ID %q", s.ID)
		}
		if list, err := ParseSessionList(body); err == nil {
			for _, s := range list {
				if checkSessionID(s.ID) != nil || strings.ContainsAny(s.Status, "\n\r\x00") {
					t.Fatalf("accepted session %+v", s)
				}
			}
		}
		_, _ = ParseVerdict(body)
		_, _ = ParseToken(body)
		msg := ErrorMessage(body)
		if strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f }) || len(msg) > 520 {
			t.Fatalf("unclean message %q", msg)
		}
	})
}

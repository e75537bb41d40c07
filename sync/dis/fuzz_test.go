package dis

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

// recorder keeps the bodies of every answer it passes on.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
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

// simulatorAnswers returns the answers of the simulator to a delivery, a
// Ping and a few refused requests.
func simulatorAnswers(t testing.TB) [][]byte {
	reg := newRegistry(t)
	rec := &recorder{}
	cfg := reg.config()
	cfg.Transport = rec
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = c.Ping(ctx)
	if _, err := c.Deliver(ctx, passportEnrollment(t)); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Deliver(ctx, passportEnrollment(t))
	e := passportEnrollment(t)
	e.Face.Image.Data = []byte("not an image")
	_, _ = c.Deliver(ctx, e)
	return rec.bodies
}

// FuzzParseAnswers feeds every parser of service answers arbitrary bodies:
// none may panic, and what reaches a receipt stays bounded, printable and
// free of withheld members.
func FuzzParseAnswers(f *testing.F) {
	for _, b := range simulatorAnswers(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"errorCode":"X\u0000","errorMessage":"` + strings.Repeat("é", 400) + `"}`))
	f.Add([]byte(`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":true}}}}}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		code, msg := parseError(body)
		for _, s := range []string{code, msg} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") || len(s) > 310 {
				t.Fatalf("unclean error text %q", s)
			}
		}
		if tok, err := parseSession(body); err == nil && (tok == "" || strings.ContainsAny(tok, "\r\n")) {
			t.Fatalf("unusable session token accepted: %q", tok)
		}
		if s, err := parseStep(body); err == nil {
			if w := s.warnings(); !utf8.ValidString(w) || len(w) > maxDetailValue+4 {
				t.Fatalf("warnings %q", w)
			}
		}
		if m, err := flattenInspection("inspection.x", body); err == nil {
			if len(m) > maxDetails {
				t.Fatalf("%d details", len(m))
			}
			for k, v := range m {
				if len(k) > maxDetailKey || len(v) > maxDetailValue+4 || !utf8.ValidString(k) || !utf8.ValidString(v) ||
					strings.ContainsAny(k+v, "\n\r\x00") || strings.Contains(k, "Estimate") || strings.Contains(k, "ageDifference") {
					t.Fatalf("detail %q=%q", k, v)
				}
			}
		}
		if cu, err := parseCustomer(body); err == nil {
			checked, differ := compareCustomer(cu, "A", "B", "2000-01-01", "UTO", "X1", "2030-01-01")
			if len(differ) > len(checked) {
				t.Fatalf("checked %v differ %v", checked, differ)
			}
		}
	})
}

package osiapr

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// FuzzHandler sends arbitrary requests to one simulator (which keeps the
// records created along the way): it must never panic nor answer 5xx.
func FuzzHandler(f *testing.F) {
	sim, err := New(context.Background(), Config{DisableAuth: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = sim.Close() })
	h := sim.Handler()
	person := `{"status":"ACTIVE","physicalStatus":"ALIVE"}`
	ident, _ := json.Marshal(identity("Ada", "Lovelace", "1985-11-30", "CIVIL"))
	seeds := []struct {
		m                 uint8
		path, query, body string
		ctype, accept     string
	}{
		{1, "/v1/persons/P1", "transactionId=t", person, "application/json", ""},
		{1, "/v1/persons/P1/identities/I1", "transactionId=t", string(ident), "application/json", ""},
		{1, "/v1/persons/P1/identities", "transactionId=t", string(ident), "application/json", ""},
		{3, "/v1/persons/P1/identities/I1", "transactionId=t", `{"biographicData":{"gender":null},"galleries":["G"]}`, "application/merge-patch+json", ""},
		{3, "/v1/persons/P1/identities/I1", "transactionId=t", `{"status":null}`, "application/json", ""},
		{1, "/v1/persons", "transactionId=t&group=true&limit=5", `[{"attributeName":"firstName","operator":"=","value":"Ada"}]`, "application/json", ""},
		{1, "/v1/persons", "transactionId=t", `[{"attributeName":"a.b.c","operator":">=","value":1.5}]`, "application/json", ""},
		{1, "/v1/persons", "transactionId=t&offset=-1", `[{"attributeName":"x","operator":"<","value":true}]`, "application/json", ""},
		{0, "/v1/galleries/ALL", "transactionId=t&offset=0&limit=1000", "", "", "text/csv"},
		{0, "/v1/galleries/CIVIL", "transactionId=t", "", "", "application/json;q=0, text/csv;q=abc"},
		{2, "/v1/persons/P1/identities/I1/status", "transactionId=t&status=VALID", "", "", ""},
		{2, "/v1/persons/P1/identities/I1/reference", "transactionId=t", "", "", ""},
		{1, "/v1/persons/P2/merge/P1", "transactionId=t", "", "", ""},
		{1, "/v1/persons/P2/move/P1/identities/I1", "transactionId=t", "", "", ""},
		{4, "/v1/persons/P1", "transactionId=t", "", "", ""},
		{1, "/v1/persons/%zz", "transactionId=t", person, "application/json", ""},
		{1, "/v1/persons/P3", "transactionId=t", `{"status":`, "application/json", ""},
		{1, "/v1/persons/P3", "", "\x00\xff", "application/json; charset=latin1", ""},
		{1, "/oauth/token", "", "grant_type=client_credentials", "application/x-www-form-urlencoded", ""},
		{2, "/_sim/faults", "", `{"failRate":0}`, "application/json", ""},
	}
	for _, s := range seeds {
		f.Add(s.m, s.path, s.query, []byte(s.body), s.ctype, s.accept)
	}
	f.Fuzz(func(t *testing.T, m uint8, path, query string, body []byte, ctype, accept string) {
		if len(path) > 0 && path[0] != '/' {
			path = "/" + path
		}
		if path == FaultsPath {
			return // turning faults on would make 5xx legitimate
		}
		req, err := http.NewRequest(fuzzMethods[int(m)%len(fuzzMethods)], "http://sim"+path+"?"+query, bytes.NewReader(body))
		if err != nil {
			return
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusNotImplemented {
			t.Fatalf("%s %s?%s: status %d: %s", req.Method, path, query, w.Code, w.Body)
		}
	})
}

func FuzzExpressions(f *testing.F) {
	f.Add([]byte(`[{"attributeName":"firstName","operator":"=","value":"Ada"}]`))
	f.Add([]byte(`[{"attributeName":"biographicData.dateOfBirth","operator":"<","value":"1990-12-31"}]`))
	f.Add([]byte(`[{"attributeName":"quality","operator":">=","value":40}]`))
	f.Add([]byte(`[{"attributeName":"x","operator":"!=","value":false},{}]`))
	f.Add([]byte(`null`))
	docs := []map[string]any{
		identity("Ada", "Lovelace", "1985-11-30", "CIVIL"),
		{"biographicData": "not an object", "status": 3.0, "a": map[string]any{"b": []any{1.0}}},
	}
	for i := range docs {
		b, _ := json.Marshal(docs[i])
		docs[i] = nil
		_ = json.Unmarshal(b, &docs[i])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		exprs, err := parseExpressions(body)
		if err != nil {
			return
		}
		for _, d := range docs {
			matchAll(d, exprs)
		}
	})
}

// FuzzMergePatch checks the RFC 7396 property that applying a patch twice
// gives the same result as applying it once.
func FuzzMergePatch(f *testing.F) {
	f.Add([]byte(`{"a":"b","c":{"d":"e","f":"g"}}`), []byte(`{"a":"z","c":{"f":null}}`))
	f.Add([]byte(`{"a":[1]}`), []byte(`{"a":{"b":null}}`))
	f.Add([]byte(`[]`), []byte(`null`))
	f.Fuzz(func(t *testing.T, target, patch []byte) {
		var tv, pv any
		if json.Unmarshal(target, &tv) != nil || json.Unmarshal(patch, &pv) != nil {
			return
		}
		once := mergePatch(tv, pv)
		twice := mergePatch(once, pv)
		a, err1 := json.Marshal(once)
		b, err2 := json.Marshal(twice)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Fatalf("not idempotent: %s vs %s", a, b)
		}
	})
}

package osiapr

import (
	"encoding/csv"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// populate creates persons P1..P3 with identities for the query tests:
// P1: I1 (Ada 1985, CIVIL), I2 (Ada 1992, CIVIL VOTERS; reference)
// P2: I1 (Bob 1971, VOTERS; reference)
// P3: I1 (Cy 2001, no gallery)
func populate(t *testing.T, h *harness) {
	t.Helper()
	steps := []struct {
		path string
		body any
	}{
		{"/v1/persons/P1", map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}},
		{"/v1/persons/P2", map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}},
		{"/v1/persons/P3", map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}},
		{"/v1/persons/P1/identities/I1", identity("Ada", "Lovelace", "1985-11-30", "CIVIL")},
		{"/v1/persons/P1/identities/I2", identity("Ada", "Lovelace", "1992-01-15", "CIVIL", "VOTERS")},
		{"/v1/persons/P2/identities/I1", identity("Bob", "Babbage", "1971-12-26", "VOTERS")},
		{"/v1/persons/P3/identities/I1", identity("Cy", "Young", "2001-06-01")},
	}
	for _, s := range steps {
		if r := h.do(call{method: "POST", path: s.path, body: s.body}); r.status != 201 {
			t.Fatalf("POST %s: %d %s", s.path, r.status, r.body)
		}
	}
	for _, p := range []string{"/v1/persons/P1/identities/I2/reference", "/v1/persons/P2/identities/I1/reference"} {
		if r := h.do(call{method: "PUT", path: p}); r.status != 204 {
			t.Fatalf("PUT %s: %d %s", p, r.status, r.body)
		}
	}
}

func hitsString(hs []hit) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, h.PersonID+"/"+h.IdentityID)
	}
	return strings.Join(parts, " ")
}

func TestFindPersons(t *testing.T) {
	h := newHarness(t, Config{})
	populate(t, h)
	expr := func(name, op string, v any) map[string]any {
		return map[string]any{"attributeName": name, "operator": op, "value": v}
	}
	cases := []struct {
		name   string
		query  url.Values
		body   any
		status int
		want   string
	}{
		{name: "no body: everything", status: 200, want: "P1/I1 P1/I2 P2/I1 P3/I1"},
		{name: "empty list", body: []any{}, status: 200, want: "P1/I1 P1/I2 P2/I1 P3/I1"},
		{name: "firstName equals", body: []any{expr("firstName", "=", "Ada")}, status: 200, want: "P1/I1 P1/I2"},
		{name: "firstName differs", body: []any{expr("firstName", "!=", "Ada")}, status: 200, want: "P2/I1 P3/I1"},
		{name: "the seed's example", body: []any{expr("firstName", "=", "Ada"), expr("dateOfBirth", "<", "1990-12-31")}, status: 200, want: "P1/I1"},
		{name: "date at or after", body: []any{expr("dateOfBirth", ">=", "1985-11-30")}, status: 200, want: "P1/I1 P1/I2 P3/I1"},
		{name: "date before", body: []any{expr("dateOfBirth", "<=", "1985-11-30")}, status: 200, want: "P1/I1 P2/I1"},
		{name: "contextual data", body: []any{expr("stationId", "=", "sim-1")}, status: 200, want: "P1/I1 P1/I2 P2/I1 P3/I1"},
		{name: "top-level attribute", body: []any{expr("identityType", "=", "CIVIL_REGISTRATION"), expr("lastName", ">", "M")}, status: 200, want: "P3/I1"},
		{name: "dotted path", body: []any{expr("biographicData.lastName", "=", "Babbage")}, status: 200, want: "P2/I1"},
		{name: "missing attribute never matches", body: []any{expr("height", "!=", "x")}, status: 200, want: ""},
		{name: "number against string", body: []any{expr("firstName", "=", 1.5)}, status: 200, want: ""},
		{name: "boolean ordering", body: []any{expr("firstName", "<", true)}, status: 200, want: ""},
		{name: "group", query: url.Values{"group": {"true"}}, body: []any{expr("lastName", "=", "Lovelace")}, status: 200, want: "P1/"},
		{name: "reference only", query: url.Values{"reference": {"true"}}, status: 200, want: "P1/I2 P2/I1"},
		{name: "gallery", query: url.Values{"gallery": {"VOTERS"}}, status: 200, want: "P1/I2 P2/I1"},
		{name: "offset and limit", query: url.Values{"offset": {"1"}, "limit": {"2"}}, status: 200, want: "P1/I2 P2/I1"},
		{name: "offset past the end", query: url.Values{"offset": {"10"}}, status: 200, want: ""},
		{name: "limit zero", query: url.Values{"limit": {"0"}}, status: 200, want: ""},
		{name: "bad operator", body: []any{expr("firstName", "~", "Ada")}, status: 400},
		{name: "missing value", body: []any{map[string]any{"attributeName": "firstName", "operator": "="}}, status: 400},
		{name: "object value", body: []any{expr("firstName", "=", map[string]any{"a": 1})}, status: 400},
		{name: "not an array", body: map[string]any{"attributeName": "firstName"}, status: 400},
		{name: "bad group", query: url.Values{"group": {"yes"}}, status: 400},
		{name: "negative limit", query: url.Values{"limit": {"-5"}}, status: 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(call{method: "POST", path: "/v1/persons", query: c.query, body: c.body})
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.status != 200 {
				return
			}
			var hs []hit
			r.decode(t, &hs)
			if got := hitsString(hs); got != c.want {
				t.Errorf("hits %q, want %q", got, c.want)
			}
		})
	}
}

func TestGalleryContent(t *testing.T) {
	h := newHarness(t, Config{})
	populate(t, h)
	cases := []struct {
		name    string
		gallery string
		query   url.Values
		accept  string
		status  int
		want    string
		csv     bool
	}{
		{name: "json", gallery: "CIVIL", status: 200, want: "P1/I1 P1/I2"},
		{name: "json explicitly", gallery: "VOTERS", accept: "application/json", status: 200, want: "P1/I2 P2/I1"},
		{name: "ALL", gallery: AllGalleries, status: 200, want: "P1/I1 P1/I2 P2/I1"},
		{name: "ALL paged", gallery: AllGalleries, query: url.Values{"offset": {"1"}, "limit": {"1"}}, status: 200, want: "P1/I2"},
		{name: "csv", gallery: "VOTERS", accept: "text/csv", status: 200, want: "P1/I2 P2/I1", csv: true},
		{name: "csv preferred", gallery: AllGalleries, accept: "application/json;q=0.5, text/csv", status: 200, want: "P1/I1 P1/I2 P2/I1", csv: true},
		{name: "json preferred", gallery: "CIVIL", accept: "text/csv;q=0.1, application/json", status: 200, want: "P1/I1 P1/I2"},
		{name: "unknown gallery", gallery: "NOPE", status: 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(call{method: "GET", path: "/v1/galleries/" + c.gallery, query: c.query, accept: c.accept})
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.status != 200 {
				return
			}
			var hs []hit
			if c.csv {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
					t.Fatalf("content type %q", ct)
				}
				rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
				if err != nil || len(rows) == 0 || !slices.Equal(rows[0], []string{"PersonId", "identityId"}) {
					t.Fatalf("CSV %q: %v", r.body, err)
				}
				for _, row := range rows[1:] {
					hs = append(hs, hit{PersonID: row[0], IdentityID: row[1]})
				}
			} else {
				r.decode(t, &hs)
			}
			if got := hitsString(hs); got != c.want {
				t.Errorf("content %q, want %q", got, c.want)
			}
		})
	}
}

func TestMergePatch(t *testing.T) {
	// The cases of RFC 7396 Appendix A.
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, c := range cases {
		t.Run(c.target+"+"+c.patch, func(t *testing.T) {
			got := mustJSON(t, mergePatch(mustParse(t, c.target), mustParse(t, c.patch)))
			if want := mustJSON(t, mustParse(t, c.want)); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

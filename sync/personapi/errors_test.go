package personapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/capturestation/station/internal/oauth2cc"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/personapisim"
)

// docExample is the error answer of the API document.
const docExample = `{
"title": "person validation failed",
"inner_errors": [
 {"title": "communications validation failed", "inner_errors": [
   {"incoming_index": "0", "messages": ["communication must contain only numbers"]},
   {"incoming_index": "1", "messages": ["communication must contain only numbers"]}]},
 {"title": "identifiers validation failed", "inner_errors": [
   {"incoming_index": "0", "messages": ["identifier must contain only numbers"]}]}]}`

func testLayout() *layout {
	return &layout{
		identifiers: []elementLabel{
			{label: "number of document 1 (PASSPORT)", files: []string{"page 2 of document 1", "chip data group 1 of document 1"}},
			{label: "phone number"},
		},
		communications: []string{"e-mail address", "phone number"},
		names:          []string{"name"},
	}
}

func TestDescribeErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		lay  *layout
		want string
	}{
		{"document example", docExample, testLayout(),
			"person validation failed: communications[0] (e-mail address): communication must contain only numbers; " +
				"communications[1] (phone number): communication must contain only numbers; " +
				"identifiers[0] (number of document 1 (PASSPORT)): identifier must contain only numbers"},
		{"document example without layout", docExample, nil,
			"person validation failed: communications[0]: communication must contain only numbers; " +
				"communications[1]: communication must contain only numbers; identifiers[0]: identifier must contain only numbers"},
		{"numeric index and nested files", `{"title":"person validation failed","inner_errors":[{"title":"identifiers validation failed",
			"inner_errors":[{"incoming_index":0,"messages":["bad"],"inner_errors":[{"title":"files validation failed",
			"inner_errors":[{"incoming_index":1,"messages":["data must be standard base64"]}]}]}]}]}`, testLayout(),
			"person validation failed: identifiers[0] (number of document 1 (PASSPORT)): bad; " +
				"identifiers[0] (number of document 1 (PASSPORT)) files[1] (chip data group 1 of document 1): data must be standard base64"},
		{"index beyond the layout", `{"title":"names validation failed","inner_errors":[{"incoming_index":"7","messages":["x"]}]}`, testLayout(),
			"names validation failed: names[7]: x"},
		{"top-level messages", `{"title":"person validation failed","messages":["secret must contain at least 8 characters"]}`, nil,
			"person validation failed: secret must contain at least 8 characters"},
		{"title only", `{"title":"forbidden"}`, nil, "forbidden"},
		{"oauth error", `{"error":"invalid_client","error_description":"bad secret"}`, nil, "invalid_client: bad secret"},
		{"code and message", `{"code":503,"message":"down for maintenance"}`, nil, "registry error: down for maintenance"},
		{"control characters", "{\"title\":\"a\\u0000b\",\"messages\":[\"line\\nbreak\"]}", nil, "a b: line break"},
		{"odd members", `{"title":"t","incoming_index":{"x":1},"messages":[1,"kept",null],"inner_errors":[5,"x",{"messages":["inner"]}]}`, nil, "t: kept; inner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := parseErrorBody([]byte(tt.body))
			if !ok {
				t.Fatalf("not parsed")
			}
			if got := e.describe(tt.lay); got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	for _, body := range []string{"", "null", "[]", `"x"`, "<html>bad gateway</html>", `{}`, `{"title":5}`} {
		if _, ok := parseErrorBody([]byte(body)); ok {
			t.Errorf("%q parsed as an error", body)
		}
	}
}

func TestDescribeBoundsTheMessage(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"title":"identifiers validation failed","inner_errors":[`)
	for i := range 40 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"incoming_index":"` + strings.Repeat("1", 1) + `","messages":["` + strings.Repeat("m", 500) + `"]}`)
	}
	b.WriteString("]}")
	e, _ := parseErrorBody([]byte(b.String()))
	msg := e.describe(nil)
	if !strings.HasSuffix(msg, "; and 28 more") || len(msg) > maxFindings*(maxMessage+40)+200 {
		t.Fatalf("message of %d bytes: %.200s…%s", len(msg), msg, msg[len(msg)-40:])
	}
	deep := strings.Repeat(`{"title":"x","inner_errors":[`, 50) + `{"messages":["deep"]}` + strings.Repeat("]}", 50)
	if e, ok := parseErrorBody([]byte(deep)); !ok || strings.Contains(e.describe(nil), "deep") {
		t.Fatal("nesting beyond the depth bound was followed")
	}
}

func TestParseToken(t *testing.T) {
	now := time.Unix(1652707596, 0)
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjaWQiOiJ0ZXN0X2NsaWVudF8xIiwiZXhwIjoxNjY4MjU5NTk2LCJuYmYiOjE2NTI3MDc1OTYsInR5cGUiOiJjbGllbnQifQ.bZaNVf7v-hchzDv7ULG__NS3DIfjbA8s-lfDqGMryco"
	tests := []struct {
		name   string
		status int
		body   string
		ttl    time.Duration
		err    string
	}{
		{"document answer", 200, `{"access_token":"` + jwt + `","token_type":"bearer","expires_in":"15552000"}`, 15552000 * time.Second, ""},
		{"numeric lifetime", 200, `{"access_token":"abc","token_type":"Bearer","expires_in":3600}`, time.Hour, ""},
		{"lifetime from the JWT", 200, `{"access_token":"` + jwt + `"}`, time.Unix(1668259596, 0).Sub(now), ""},
		{"no lifetime", 200, `{"access_token":"abc"}`, defaultTokenTTL, ""},
		{"junk lifetime", 200, `{"access_token":"abc","expires_in":"soon"}`, defaultTokenTTL, ""},
		{"no token", 200, `{"token_type":"bearer"}`, 0, "no access_token"},
		{"bad characters", 200, `{"access_token":"a b"}`, 0, "not a usable bearer token"},
		{"mac token", 200, `{"access_token":"abc","token_type":"mac"}`, 0, "not bearer"},
		{"not json", 200, `<html>`, 0, "not a token object"},
		{"refused", 401, `{"title":"invalid client","messages":["unknown client_id or wrong client_secret"]}`, 0, "HTTP 401: invalid client: unknown client_id"},
		{"refused without body", 500, ``, 0, "HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, ttl, err := parseToken(tt.status, []byte(tt.body), now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || tok == "" || ttl != tt.ttl {
				t.Fatalf("token %q ttl %v err %v, want ttl %v", tok, ttl, err, tt.ttl)
			}
		})
	}
}

// simAnswers collects real simulator answers: errors of every kind, a
// token, a creation, a person list and the dictionary.
func simAnswers(tb testing.TB) [][]byte {
	tb.Helper()
	sim, err := personapisim.New(context.Background(), personapisim.Config{
		Clients: []registrysim.Client{{ID: testClient, Secret: testSecret}}, UniqueIdentifierTypes: []string{"passport"}})
	if err != nil {
		tb.Fatal(err)
	}
	h := sim.Handler()
	send := func(method, path, token, ctype, body string) []byte {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Body.Bytes()
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}}.Encode()
	tokAnswer := send(http.MethodPost, personapisim.TokenPath, "", "application/x-www-form-urlencoded", form)
	tok, _, err := parseToken(200, tokAnswer, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	person := `{"identifiers":[{"identifier":"A1","identifier_type":"passport","files":[{"data":"RGF0YQ==","file_name":"a"}]},{"identifier":"tx-1","identifier_type":"station_enrollment"}]}`
	out := [][]byte{
		tokAnswer,
		send(http.MethodPost, personapisim.TokenPath, "", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=x&client_secret=y"),
		send(http.MethodPost, personapisim.PersonPath, tok, "application/json", person),
		send(http.MethodPost, personapisim.PersonPath, tok, "application/json", person),
		send(http.MethodPost, personapisim.PersonPath, tok, "application/json", `{"secret":"x","communications":[{"communication":"x","communication_type":"phone"}],`+
			`"identifiers":[{"identifier":"x","identifier_type":"nope","files":[{"data":"!"}]}],"names":[{}]}`),
		send(http.MethodPost, personapisim.PersonPath, "", "application/json", person),
		send(http.MethodPost, personapisim.ClientPersonsPath, tok, "application/json", `{"identifiers":["tx-1"]}`),
		send(http.MethodPost, personapisim.ClientPersonsPath, tok, "application/json", `{"identifiers":[]}`),
		send(http.MethodGet, personapisim.IdentifierTypePath, tok, "", ""),
		[]byte(docExample),
	}
	return out
}

func FuzzParseError(f *testing.F) {
	for _, b := range simAnswers(f) {
		f.Add(b)
	}
	lay := testLayout()
	f.Fuzz(func(t *testing.T, body []byte) {
		e, ok := parseErrorBody(body)
		if !ok {
			return
		}
		msg := e.describe(lay)
		if !utf8.ValidString(msg) && utf8.Valid(body) {
			t.Fatalf("invalid UTF-8 from valid input: %q", msg)
		}
		if strings.ContainsAny(msg, "\x00\n\r") {
			t.Fatalf("control characters in %q", msg)
		}
		if len(msg) > 64<<10 {
			t.Fatalf("message of %d bytes", len(msg))
		}
	})
}

func FuzzParseAnswers(f *testing.F) {
	for _, b := range simAnswers(f) {
		f.Add(b)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, body []byte) {
		if tok, ttl, err := parseToken(200, body, now); err == nil && (tok == "" || ttl == 0 || !oauth2cc.ValidToken(tok)) {
			t.Fatalf("accepted token %q ttl %v", tok, ttl)
		}
		if pid, err := parseCreated(body); err == nil && (pid == "" || len(pid) > 128) {
			t.Fatalf("accepted person_id %q", pid)
		}
		if pid, err := findEnrollment(body, "station_enrollment", "tx-1"); err == nil && len(pid) > 128 {
			t.Fatalf("accepted person id %q", pid)
		}
		_, _ = parseIdentifierTypes(body)
	})
}

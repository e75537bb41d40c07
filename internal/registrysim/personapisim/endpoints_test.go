package personapisim

import (
	"context"
	"crypto/md5" //nolint:gosec // the API defines the file hash as MD5
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

func TestTokenEndpoint(t *testing.T) {
	h := newHarness(t, Config{})
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		title  string
	}{
		{"client credentials", good, 200, ""},
		{"wrong secret", with("client_secret", "nope"), 401, "invalid client"},
		{"unknown client", with("client_id", "other"), 401, "invalid client"},
		{"no client id", with("client_id", ""), 400, "invalid request"},
		{"no grant", with("grant_type", ""), 400, "invalid request"},
		{"password grant", with("grant_type", "password"), 400, "unsupported grant type"},
		{"code grant", with("grant_type", "authorization_code"), 400, "unsupported grant type"},
		{"bad refresh token", func() url.Values { f := with("grant_type", "refresh_token"); f.Set("refresh_token", "x.y.z"); return f }(), 400, "invalid grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := h.form(tt.form)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, body)
			}
			if tt.status != 200 {
				if e := errorBody(t, body); e.Title != tt.title || len(e.Messages) == 0 {
					t.Fatalf("error %+v, want title %q with messages", e, tt.title)
				}
				return
			}
			var raw map[string]any
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			if raw["token_type"] != "bearer" || raw["expires_in"] != "15552000" {
				t.Fatalf("answer %s: want token_type bearer and expires_in the string 15552000", body)
			}
			c := claims(t, raw["access_token"].(string))
			if c.ClientID != testClient || c.Type != "client" || c.ExpiresAt-c.NotBefore != 15552000 {
				t.Fatalf("claims %+v", c)
			}
		})
	}
	t.Run("basic auth only", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+TokenPath, strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClient, testSecret)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d: the document sends credentials in the form", resp.StatusCode)
		}
	})
	t.Run("json body", func(t *testing.T) {
		if st, _ := h.do(http.MethodPost, TokenPath, "", "application/json", []byte(`{}`), nil); st != 400 {
			t.Fatalf("status %d", st)
		}
	})
	t.Run("GET", func(t *testing.T) {
		if st, _ := h.do(http.MethodGet, TokenPath, "", "", nil, nil); st != 405 {
			t.Fatalf("status %d", st)
		}
	})
}

// TestDocumentErrorExample sends the API document's invalid person and
// expects its error answer, member for member.
func TestDocumentErrorExample(t *testing.T) {
	h := newHarness(t, Config{})
	body := `{"secret":"password","communications":[
		{"communication":"not-phone","communication_type":"phone","verified":0},
		{"communication":"not-phone","communication_type":"phone","verified":0}],
		"identifiers":[{"identifier":"not-phone","identifier_type":"phone","date_from":"2000-01-01","date_to":"2020-01-01","verified":0}]}`
	st, _, b := h.create(body, "")
	if st != http.StatusBadRequest {
		t.Fatalf("status %d: %s", st, b)
	}
	want := `{"title":"person validation failed","inner_errors":[` +
		`{"title":"communications validation failed","inner_errors":[` +
		`{"incoming_index":"0","messages":["communication must contain only numbers"]},` +
		`{"incoming_index":"1","messages":["communication must contain only numbers"]}]},` +
		`{"title":"identifiers validation failed","inner_errors":[` +
		`{"incoming_index":"0","messages":["identifier must contain only numbers"]}]}]}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Fatalf("answer\n%s\nwant\n%s", got, want)
	}
	if h.sim.PersonCount() != 0 {
		t.Fatal("an invalid person was stored")
	}
}

func TestCreatePersonValidation(t *testing.T) {
	h := newHarness(t, Config{})
	ident := func(extra string) string {
		return `{"identifiers":[{"identifier":"A123","identifier_type":"passport"` + extra + `}]}`
	}
	tests := []struct {
		name string
		body string
		want ErrorBody
	}{
		{"not json", `{"secret":`, ErrorBody{Title: "person validation failed", Messages: []string{"request body is not valid JSON"}}},
		{"unknown member", `{"nickname":"x"}`, ErrorBody{Title: "person validation failed", Messages: []string{`request body unknown field "nickname"`}}},
		{"short secret", `{"secret":"abc"}`, ErrorBody{Title: "person validation failed", Messages: []string{"secret must contain at least 8 characters"}}},
		{"unknown type", `{"identifiers":[{"identifier":"x","identifier_type":"shoe_size"}]}`, nested("identifiers", "0", `identifier_type "shoe_size" is not in the identifier-type dictionary`)},
		{"bad date", ident(`,"date_from":"01/02/2000"`), nested("identifiers", "0", "date_from must be a date YYYY-MM-DD")},
		{"dates reversed", ident(`,"date_from":"2020-01-01","date_to":"2010-01-01"`), nested("identifiers", "0", "date_to must not be before date_from")},
		{"verified 3", ident(`,"verified":3`), nested("identifiers", "0", "verified must be 0 (in progress), 1 (approved) or 2 (canceled)")},
		{"verified string", ident(`,"verified":"1"`), nested("identifiers", "0", "verified must be an integer")},
		{"attributes array", ident(`,"attributes":[1]`), nested("identifiers", "0", "attributes must be a JSON object")},
		{"empty identifier", `{"identifiers":[{"identifier":"","identifier_type":"passport"}]}`, nested("identifiers", "0", "identifier is required")},
		{"repeated identifier", `{"identifiers":[{"identifier":"A1","identifier_type":"passport"},{"identifier":"A1","identifier_type":"passport"}]}`,
			nested("identifiers", "1", "identifier repeats the one at index 0")},
		{"name without names", `{"names":[{"name_type":"name"}]}`, nested("names", "0", "first_name or last_name is required")},
		{"name language", `{"names":[{"first_name":"A","name_type":"name","languages":["en"]}]}`, nested("names", "0", "languages must be three-letter lowercase codes such as eng")},
		{"bad email communication", `{"communications":[{"communication":"nope","communication_type":"email"}]}`, nested("communications", "0", "communication must be an e-mail address")},
		{"file not base64", ident(`,"files":[{"data":"***","file_name":"a.png"}]`), ErrorBody{Title: "person validation failed", InnerErrors: []ErrorBody{{
			Title: "identifiers validation failed", InnerErrors: []ErrorBody{{IncomingIndex: "0", InnerErrors: []ErrorBody{{
				Title: "files validation failed", InnerErrors: []ErrorBody{{IncomingIndex: "0", Messages: []string{"data must be standard base64"}}}}}}}}}}},
		{"file without name", ident(`,"files":[{"data":"RGF0YQ==","file_name":"ok.png"},{"data":"RGF0YQ=="}]`), ErrorBody{Title: "person validation failed", InnerErrors: []ErrorBody{{
			Title: "identifiers validation failed", InnerErrors: []ErrorBody{{IncomingIndex: "0", InnerErrors: []ErrorBody{{
				Title: "files validation failed", InnerErrors: []ErrorBody{{IncomingIndex: "1", Messages: []string{"file_name is required"}}}}}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, b := h.create(tt.body, "")
			if st != http.StatusBadRequest {
				t.Fatalf("status %d: %s", st, b)
			}
			if got := errorBody(t, b); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("error\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, tt.want))
			}
		})
	}
	if h.sim.PersonCount() != 0 {
		t.Fatal("an invalid person was stored")
	}
}

func nested(list, index, msg string) ErrorBody {
	return ErrorBody{Title: "person validation failed", InnerErrors: []ErrorBody{{
		Title: list + " validation failed", InnerErrors: []ErrorBody{{IncomingIndex: index, Messages: []string{msg}}}}}}
}

func TestValidationStatusIsConfigurable(t *testing.T) {
	h := newHarness(t, Config{ValidationStatus: http.StatusUnprocessableEntity})
	if st, _, b := h.create(`{"secret":"x"}`, ""); st != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %s", st, b)
	}
	if _, err := New(context.Background(), Config{Clients: []registrysim.Client{{ID: "a", Secret: "b"}}, ValidationStatus: 500}); err == nil {
		t.Fatal("a 5xx validation status was accepted")
	}
}

func TestCreateStoresPersonWithFiles(t *testing.T) {
	h := newHarness(t, Config{})
	body := `{"secret":"Ypiey13mn3IKfkLk",
		"communications":[{"communication":"01234567890","communication_type":"phone","verified":0,"attributes":{}}],
		"identifiers":[{"identifier":"A123","identifier_type":"passport","date_from":"2000-01-01","date_to":"2030-01-01","verified":0,
			"attributes":{"mrz": "P<UTO"},"files":[{"data":"RGF0YQ==","comment":"Comment","file_name":"filename.jpg","date_from":"2000-01-01","verified":0}]}],
		"names":[{"first_name":"John","last_name":"Kennedy","middle_name":"Fitzgerald","name_type":"name","date_from":"2000-01-01","languages":["eng"],"verified":0,
			"attributes":{"suffixes":["san"],"prefixes":["Mr","Dr"]}}]}`
	st, a, b := h.create(body, "")
	if st != http.StatusOK {
		t.Fatalf("status %d: %s", st, b)
	}
	if a.PersonID == "" || a.TokenType != "bearer" || a.ExpiresIn != "2592000" || a.AccessToken == "" || a.RefreshToken == "" {
		t.Fatalf("answer %+v", a)
	}
	if c := claims(t, a.AccessToken); c.Type != "person" || c.PersonID != a.PersonID || c.ClientID != testClient {
		t.Fatalf("person token claims %+v", c)
	}
	if c := claims(t, a.RefreshToken); c.Type != "refresh" || c.PersonID != a.PersonID {
		t.Fatalf("refresh token claims %+v", c)
	}
	// GET /api/person with the person token answers the stored person.
	st, b = h.do(http.MethodGet, PersonPath, a.AccessToken, "", nil, nil)
	if st != http.StatusOK {
		t.Fatalf("read: %d %s", st, b)
	}
	var p Person
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(tsFormat, p.TS); err != nil || p.ID != a.PersonID {
		t.Fatalf("person id %q ts %q", p.ID, p.TS)
	}
	if strings.Contains(string(b), "Ypiey13mn3IKfkLk") {
		t.Fatal("the secret is answered")
	}
	f := p.Identifiers[0].Files[0]
	sum := md5.Sum([]byte("Data")) //nolint:gosec // the API's file hash
	if f.Hash != hex.EncodeToString(sum[:]) || f.Data != "RGF0YQ==" || f.ID == "" || f.FileName != "filename.jpg" || f.Comment != "Comment" {
		t.Fatalf("file %+v", f)
	}
	if n := p.Names[0]; n.FirstName != "John" || n.MiddleName != "Fitzgerald" || !sameJSON(n.Attributes, `{"suffixes":["san"],"prefixes":["Mr","Dr"]}`) {
		t.Fatalf("name %+v", n)
	}
	if id := p.Identifiers[0]; id.ID == "" || id.DateTo != "2030-01-01" || !sameJSON(id.Attributes, `{"mrz":"P<UTO"}`) {
		t.Fatalf("identifier %+v", id)
	}
	if got, ok := h.sim.Person(a.PersonID); !ok || mustJSON(t, got) != mustJSON(t, p) {
		t.Fatalf("Person(%s) differs from GET /api/person", a.PersonID)
	}
	if st := h.sim.Stats(); st.Persons != 1 || st.Identifiers != 1 || st.Files != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIdempotenceKey(t *testing.T) {
	h := newHarness(t, Config{IdempotencyTTL: time.Hour})
	st, first, _ := h.create(validPerson, "tx-1")
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	st, again, _ := h.create(validPerson, "tx-1")
	if st != 200 || again != first {
		t.Fatalf("replay %d %+v, want the stored answer %+v", st, again, first)
	}
	if n := h.sim.PersonCount(); n != 1 {
		t.Fatalf("%d persons after a replay", n)
	}
	other := strings.Replace(validPerson, "mail@example.com", "other@example.com", 1)
	st, _, b := h.create(other, "tx-1")
	if st != http.StatusConflict || errorBody(t, b).Title != "idempotence key conflict" {
		t.Fatalf("same key, other body: %d %s", st, b)
	}
	// Without a key, identical requests add two persons, as the document says.
	h.create(validPerson, "")
	h.create(validPerson, "")
	if n := h.sim.PersonCount(); n != 3 {
		t.Fatalf("%d persons, want 3", n)
	}
	// Keys are forgotten after their lifetime.
	h.clk.advance(2 * time.Hour)
	h.token = h.clientToken()
	if st, a, _ := h.create(validPerson, "tx-1"); st != 200 || a.PersonID == first.PersonID {
		t.Fatalf("expired key: %d %s", st, a.PersonID)
	}
	// A failed request stores nothing: corrected, it goes through under the same key.
	if st, _, _ := h.create(`{"secret":"x"}`, "tx-2"); st != 400 {
		t.Fatalf("status %d", st)
	}
	if st, _, b := h.create(other, "tx-2"); st != 200 {
		t.Fatalf("corrected request: %d %s", st, b)
	}
	for _, bad := range []string{strings.Repeat("k", 256), "with space"} {
		if st, _, _ := h.create(validPerson, bad); st != 400 {
			t.Fatalf("key %q: status %d", bad, st)
		}
	}
	if s := h.sim.Stats(); s.Replays != 1 || s.KeyConflicts != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestUniqueIdentifierTypes(t *testing.T) {
	h := newHarness(t, Config{UniqueIdentifierTypes: []string{"passport"}})
	body := `{"identifiers":[{"identifier":"m@example.com","identifier_type":"email"},{"identifier":"A1","identifier_type":"passport"}]}`
	if st, _, b := h.create(body, "a"); st != 200 {
		t.Fatalf("status %d %s", st, b)
	}
	st, _, b := h.create(body, "b")
	if st != http.StatusConflict {
		t.Fatalf("status %d %s", st, b)
	}
	if got, want := errorBody(t, b), nested("identifiers", "1", "identifier is already held by another person"); !reflect.DeepEqual(got, want) {
		t.Fatalf("error %s", mustJSON(t, got))
	}
	if len(h.sim.FindByIdentifier("passport", "A1")) != 1 || h.sim.Stats().DuplicatesRejected != 1 {
		t.Fatal("duplicate stored or not counted")
	}
}

func TestAuthorization(t *testing.T) {
	h := newHarness(t, Config{ClientTokenTTL: time.Minute})
	_, a, _ := h.create(validPerson, "")
	expired := h.token
	h.clk.advance(2 * time.Minute)
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"create without token", http.MethodPost, PersonPath, "", 401},
		{"create with garbage", http.MethodPost, PersonPath, "abc", 401},
		{"create with expired token", http.MethodPost, PersonPath, expired, 401},
		{"create with person token", http.MethodPost, PersonPath, a.AccessToken, 403},
		{"read with client token", http.MethodGet, PersonPath, "fresh", 403},
		{"dictionary without token", http.MethodGet, IdentifierTypePath, "", 401},
		{"client persons with person token", http.MethodPost, ClientPersonsPath, a.AccessToken, 403},
		{"update with client token", http.MethodPut, PersonIdentifierPath, "fresh", 403},
	}
	fresh := h.clientToken()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token
			if tok == "fresh" {
				tok = fresh
			}
			st, b := h.do(tt.method, tt.path, tok, "application/json", []byte(validPerson), nil)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, b)
			}
			if e := errorBody(t, b); e.Title == "" || len(e.Messages) == 0 {
				t.Fatalf("error %+v", e)
			}
		})
	}
}

func TestPersonTokenLifecycle(t *testing.T) {
	h := newHarness(t, Config{})
	_, a, _ := h.create(validPerson, "")
	// Refresh the pair.
	st, b := h.form(url.Values{"grant_type": {"refresh_token"}, "client_id": {testClient}, "client_secret": {testSecret}, "refresh_token": {a.RefreshToken}})
	if st != 200 {
		t.Fatalf("refresh: %d %s", st, b)
	}
	var pair CreatedAnswer
	if err := json.Unmarshal(b, &pair); err != nil || pair.AccessToken == "" || pair.RefreshToken == "" || pair.PersonID != "" {
		t.Fatalf("refresh answer %s", b)
	}
	// Update an identifier and add a name.
	p, _ := h.sim.Person(a.PersonID)
	upd := mustJSON(t, map[string]any{"person_id": a.PersonID, "items": []map[string]any{{
		"id": p.Identifiers[0].ID, "identifier": "new@example.com", "identifier_type": "email", "date_from": "0001-01-01", "verified": 0}}})
	if st, b := h.do(http.MethodPut, PersonIdentifierPath, pair.AccessToken, "application/json", []byte(upd), nil); st != 200 || len(b) != 0 {
		t.Fatalf("update: %d %s", st, b)
	}
	name := `{"person_id":"` + a.PersonID + `","items":[{"first_name":"Ada","name_type":"alias"}]}`
	if st, b := h.do(http.MethodPut, PersonNamePath, pair.AccessToken, "application/json", []byte(name), nil); st != 200 {
		t.Fatalf("name: %d %s", st, b)
	}
	p, _ = h.sim.Person(a.PersonID)
	if len(p.Identifiers) != 1 || p.Identifiers[0].Identifier != "new@example.com" || len(p.Names) != 1 || p.Names[0].NameType != "alias" {
		t.Fatalf("after update %+v", p)
	}
	// Invalid updates: another person, unknown element, bad value.
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"person_id":"someone-else","items":[]}`, 403},
		{`{"person_id":"` + a.PersonID + `","items":[{"id":"nope","identifier":"x@example.com","identifier_type":"email"}]}`, 400},
		{`{"person_id":"` + a.PersonID + `","items":[{"identifier":"123-45","identifier_type":"phone"}]}`, 400},
	} {
		if st, b := h.do(http.MethodPut, PersonIdentifierPath, pair.AccessToken, "application/json", []byte(tt.body), nil); st != tt.status {
			t.Fatalf("%s: %d %s", tt.body, st, b)
		}
	}
	// Delete; the person's tokens then find nobody.
	if st, _ := h.do(http.MethodDelete, PersonPath, pair.AccessToken, "", nil, nil); st != 200 {
		t.Fatalf("delete: %d", st)
	}
	if st, _ := h.do(http.MethodGet, PersonPath, pair.AccessToken, "", nil, nil); st != 404 {
		t.Fatalf("read after delete: %d", st)
	}
	if h.sim.PersonCount() != 0 {
		t.Fatal("person not deleted")
	}
}

func TestClientPersonsAndDictionary(t *testing.T) {
	h := newHarness(t, Config{})
	_, a, _ := h.create(validPerson, "")
	h.create(`{"identifiers":[{"identifier":"x@example.com","identifier_type":"email"}]}`, "")
	st, b := h.postJSON(ClientPersonsPath, h.token, `{"identifiers":["mail@example.com"]}`, nil)
	if st != 200 {
		t.Fatalf("status %d %s", st, b)
	}
	var list ClientPersons
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || list.Limit != 20 || len(list.Items) != 1 || list.Items[0].ID != a.PersonID ||
		list.Items[0].Identifiers[0].Identifier != "mail@example.com" || list.Items[0].Identifiers[0].Files != nil {
		t.Fatalf("list %s", b)
	}
	for _, bad := range []string{`{}`, `{"identifiers":[]}`, `{"identifiers":["a"],"limit":0}`, `{"identifiers":["a"],"offset":-1}`, `{"identifiers":[1]}`, `{"identifiers":["a"],"x":1}`} {
		st, b := h.postJSON(ClientPersonsPath, h.token, bad, nil)
		if st != 400 || errorBody(t, b).Title != "filter validation failed" {
			t.Fatalf("%s: %d %s", bad, st, b)
		}
	}
	// Another client sees none of this client's persons.
	h2 := newHarness(t, Config{Clients: []registrysim.Client{{ID: testClient, Secret: testSecret}, {ID: "other", Secret: "pw"}}})
	h2.create(validPerson, "")
	st, tb := h2.form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"other"}, "client_secret": {"pw"}})
	var tok tokenAnswer
	if st != 200 || json.Unmarshal(tb, &tok) != nil {
		t.Fatalf("token %d", st)
	}
	if _, b := h2.postJSON(ClientPersonsPath, tok.AccessToken, `{"identifiers":["mail@example.com"]}`, nil); !strings.Contains(string(b), `"total":0`) {
		t.Fatalf("other client sees %s", b)
	}

	st, b = h.do(http.MethodGet, IdentifierTypePath, h.token, "", nil, nil)
	if st != 200 {
		t.Fatalf("dictionary %d", st)
	}
	var types []map[string]any
	if err := json.Unmarshal(b, &types); err != nil || len(types) != len(DefaultIdentifierTypes()) {
		t.Fatalf("dictionary %s", b)
	}
	if types[1]["type"] != "phone" || types[1]["regex"] != "^[0-9]+$" || types[1]["outdated"] != 0.0 {
		t.Fatalf("phone entry %v", types[1])
	}
	if _, ok := types[0]["attributes"].(map[string]any)["is_required"]; !ok {
		t.Fatalf("attributes %v", types[0]["attributes"])
	}
}

func TestRequestShapeErrors(t *testing.T) {
	h := newHarness(t, Config{})
	tests := []struct {
		name, method, path, ctype string
		status                    int
	}{
		{"text body", http.MethodPost, PersonPath, "text/plain", 415},
		{"PATCH person", http.MethodPatch, PersonPath, "application/json", 405},
		{"unknown path", http.MethodGet, "/api/nothing", "", 404},
		{"logs with a client token", http.MethodGet, LogPath, "", 403},
		{"stats POST", http.MethodPost, StatsPath, "", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := h.do(tt.method, tt.path, h.token, tt.ctype, []byte(validPerson), nil)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, b)
			}
			if e := errorBody(t, b); e.Title == "" {
				t.Fatalf("error %s", b)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		small := newHarness(t, Config{MaxBodyBytes: 1 << 10})
		big := `{"secret":"` + strings.Repeat("a", 2<<10) + `"}`
		req := httptest.NewRequest(http.MethodPost, PersonPath, strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+small.token)
		w := httptest.NewRecorder()
		small.sim.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", w.Code)
		}
	})
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.sim.SetFaults(registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 9}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+IdentifierTypePath, nil)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "9" {
		t.Fatalf("status %d retry-after %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// A dropped answer still commits the creation.
	if err := h.sim.SetFaults(registrysim.Faults{DropResponseRate: 1}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPost, h.srv.URL+PersonPath, strings.NewReader(validPerson))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token)
	if resp, err := h.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the answer was not dropped")
	}
	if h.sim.PersonCount() != 1 {
		t.Fatal("dropped creation not committed")
	}
	// Control endpoints are exempt from faults.
	st, b := h.do(http.MethodGet, StatsPath, "", "", nil, nil)
	if st != 200 || !strings.Contains(string(b), `"persons":1`) {
		t.Fatalf("stats %d %s", st, b)
	}
	if st, _ := h.do(http.MethodPost, ResetPath, "", "", nil, nil); st != 204 || h.sim.PersonCount() != 0 {
		t.Fatalf("reset %d", st)
	}
}

// sameJSON compares JSON texts by value.
func sameJSON(a json.RawMessage, b string) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

package personapisim

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/capturestation/station/internal/registrysim"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// FuzzHandler sends arbitrary requests, with a valid client or person
// token or none, to one simulator (which keeps what they create): it must
// never panic nor answer 5xx other than 501.
func FuzzHandler(f *testing.F) {
	sim, err := New(context.Background(), Config{Clients: []registrysim.Client{{ID: testClient, Secret: testSecret}},
		UniqueIdentifierTypes: []string{"passport"}, MaxBodyBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	h := sim.Handler()
	send := func(method, path, token, ctype, key string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://sim/", bytes.NewReader(body))
		req.URL.Path = path
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if key != "" {
			req.Header.Set(IdempotenceKeyHeader, key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}}.Encode()
	w := send(http.MethodPost, TokenPath, "", "application/x-www-form-urlencoded", "", []byte(form))
	client := strings.Split(strings.Split(w.Body.String(), `"access_token":"`)[1], `"`)[0]
	w = send(http.MethodPost, PersonPath, client, "application/json", "", []byte(validPerson))
	person := strings.Split(strings.Split(w.Body.String(), `"access_token":"`)[1], `"`)[0]

	seeds := []struct {
		m          uint8
		path, body string
		tok        uint8
		key        string
	}{
		{1, PersonPath, validPerson, 1, "k1"},
		{1, PersonPath, `{"secret":"password","communications":[{"communication":"not-phone","communication_type":"phone","verified":0}],"identifiers":[{"identifier":"not-phone","identifier_type":"phone","date_from":"2000-01-01","date_to":"2020-01-01","verified":0}]}`, 1, ""},
		{1, PersonPath, `{"identifiers":[{"identifier":"A1","identifier_type":"passport","files":[{"data":"RGF0YQ==","file_name":"a.png","verified":2}]}],"names":[{"first_name":"J","name_type":"name","languages":["eng"]}]}`, 1, "k2"},
		{0, PersonPath, "", 2, ""},
		{2, PersonIdentifierPath, `{"person_id":"x","items":[{"identifier":"1","identifier_type":"phone"}]}`, 2, ""},
		{2, PersonNamePath, `{"person_id":"x","items":[{"id":"y","first_name":"A","name_type":"alias"}]}`, 2, ""},
		{2, PersonCommunicationPath, `{"items":null}`, 2, ""},
		{1, ClientPersonsPath, `{"identifiers":["mail@example.com"],"limit":1,"offset":0,"start":0,"end":99999999999}`, 1, ""},
		{0, IdentifierTypePath, "", 1, ""},
		{4, PersonPath, "", 2, ""},
		{1, TokenPath, "grant_type=refresh_token&client_id=station&client_secret=sim-secret&refresh_token=a.b.c", 0, ""},
		{1, PersonPath, `{"identifiers":[{"identifier":"A1","identifier_type":"passport","attributes":{"a":[1,{"b":null}]}}]}`, 1, "k1"},
	}
	for _, s := range seeds {
		f.Add(s.m, s.path, []byte(s.body), s.tok, s.key)
	}
	f.Fuzz(func(t *testing.T, m uint8, path string, body []byte, tok uint8, key string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		if strings.HasPrefix(path, SimPrefix) {
			return // faults would make 5xx legitimate
		}
		token := []string{"", client, person}[int(tok)%3]
		ctype := "application/json"
		if path == TokenPath {
			ctype = "application/x-www-form-urlencoded"
		}
		if strings.ContainsAny(key, "\r\n\x00") {
			key = ""
		}
		w := send(fuzzMethods[int(m)%len(fuzzMethods)], path, token, ctype, key, body)
		if w.Code >= 500 && w.Code != http.StatusNotImplemented {
			t.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
	})
}

package osiapr

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// step is one request of a scenario and what must come back.
type step struct {
	name        string
	call        call
	status      int
	specInvalid bool                     // pr.yaml itself rejects the request
	check       func(*testing.T, result) // optional
	before      func(*call)              // optional, runs just before the call
}

func runSteps(t *testing.T, h *harness, steps []step) {
	t.Helper()
	for _, st := range steps {
		if st.before != nil {
			st.before(&st.call)
		}
		res := h.do(st.call)
		if res.status != st.status {
			t.Fatalf("%s: status %d, want %d; body %s", st.name, res.status, st.status, res.body)
		}
		if st.specInvalid && res.reqErr == nil {
			t.Errorf("%s: pr.yaml accepts a request the test says is invalid", st.name)
		}
		if res.status >= 400 && res.status != http.StatusMethodNotAllowed {
			var e struct {
				Code    *int32  `json:"code"`
				Message *string `json:"message"`
			}
			if err := json.Unmarshal(res.body, &e); err != nil || e.Code == nil || e.Message == nil || *e.Message == "" {
				t.Errorf("%s: error answer is not an Error body: %s", st.name, res.body)
			}
		}
		if st.check != nil {
			st.check(t, res)
		}
	}
}

func TestEndpoints(t *testing.T) {
	clock := &fixedClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, Config{Now: clock.now, TokenTTL: 24 * time.Hour})
	var generated string
	wantStatus := func(want string) func(*testing.T, result) {
		return func(t *testing.T, r result) {
			var m map[string]any
			r.decode(t, &m)
			if m["status"] != want {
				t.Errorf("status %v, want %s", m["status"], want)
			}
		}
	}
	steps := []step{
		// persons
		{name: "create person", call: call{method: "POST", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 201},
		{name: "create person again", call: call{method: "POST", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 409},
		{name: "create person without transactionId", call: call{method: "POST", path: "/v1/persons/P9", noTx: true, body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 400, specInvalid: true,
			check: func(t *testing.T, r result) {
				if !strings.Contains(string(r.body), "transactionId") {
					t.Errorf("error does not name transactionId: %s", r.body)
				}
			}},
		{name: "create person bad status", call: call{method: "POST", path: "/v1/persons/P9", body: map[string]any{"status": "SLEEPING", "physicalStatus": "ALIVE"}}, status: 400, specInvalid: true},
		{name: "create person missing physicalStatus", call: call{method: "POST", path: "/v1/persons/P9", body: map[string]any{"status": "ACTIVE"}}, status: 400, specInvalid: true},
		{name: "create person read-only personId", call: call{method: "POST", path: "/v1/persons/P9", body: map[string]any{"personId": "P9", "status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 400, specInvalid: true},
		{name: "create person unknown property", call: call{method: "POST", path: "/v1/persons/P9", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE", "x": 1}}, status: 400, specInvalid: true},
		{name: "create person malformed JSON", call: call{method: "POST", path: "/v1/persons/P9", body: `{"status":`}, status: 400, specInvalid: true},
		{name: "create person wrong content type", call: call{method: "POST", path: "/v1/persons/P9", body: `status=ACTIVE`, ctype: "text/plain"}, status: 400, specInvalid: true},
		{name: "create person id with space", call: call{method: "POST", path: "/v1/persons/P%209", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 400},
		{name: "create person 2", call: call{method: "POST", path: "/v1/persons/P2", body: map[string]any{"status": "INACTIVE", "physicalStatus": "DEAD"}}, status: 201},
		{name: "read person", call: call{method: "GET", path: "/v1/persons/P2"}, status: 200, check: func(t *testing.T, r result) {
			var p personBody
			r.decode(t, &p)
			if p != (personBody{PersonID: "P2", Status: "INACTIVE", PhysicalStatus: "DEAD"}) {
				t.Errorf("person %+v", p)
			}
		}},
		{name: "read unknown person", call: call{method: "GET", path: "/v1/persons/nobody"}, status: 404},
		{name: "update person", call: call{method: "PUT", path: "/v1/persons/P2", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 204},
		{name: "read updated person", call: call{method: "GET", path: "/v1/persons/P2"}, status: 200, check: wantStatus("ACTIVE")},
		{name: "update unknown person", call: call{method: "PUT", path: "/v1/persons/nobody", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}, status: 404},
		{name: "wrong method", call: call{method: "PATCH", path: "/v1/persons/P2", body: map[string]any{}}, status: 405},
		{name: "unknown path", call: call{method: "GET", path: "/v2/persons/P2"}, status: 404},
		// identities
		{name: "create identity with id", call: call{method: "POST", path: "/v1/persons/P1/identities/I1", body: identity("Ada", "Lovelace", "1985-11-30", "CIVIL")}, status: 201},
		{name: "create identity with id again", call: call{method: "POST", path: "/v1/persons/P1/identities/I1", body: identity("Ada", "Lovelace", "1985-11-30", "CIVIL")}, status: 409},
		{name: "create identity for unknown person", call: call{method: "POST", path: "/v1/persons/nobody/identities/I1", body: identity("Ada", "Lovelace", "1985-11-30")}, status: 404},
		{name: "create identity with read-only identityId", call: call{method: "POST", path: "/v1/persons/P1/identities/I7", body: func() map[string]any {
			m := identity("A", "B", "1990-01-01")
			m["identityId"] = "I7"
			return m
		}()}, status: 400, specInvalid: true},
		{name: "create identity missing identityType", call: call{method: "POST", path: "/v1/persons/P1/identities/I7", body: map[string]any{"status": "CLAIMED"}}, status: 400, specInvalid: true},
		{name: "create identity bad biometric subtype", call: call{method: "POST", path: "/v1/persons/P1/identities/I7", body: func() map[string]any {
			m := identity("A", "B", "1990-01-01")
			m["biometricData"] = []any{map[string]any{"biometricType": "FINGER", "biometricSubType": "RIGHT_TOE"}}
			return m
		}()}, status: 400, specInvalid: true},
		{name: "create identity bad date-time", call: call{method: "POST", path: "/v1/persons/P1/identities/I7", body: func() map[string]any {
			m := identity("A", "B", "1990-01-01")
			m["createdDate"] = "yesterday"
			return m
		}()}, status: 400, specInvalid: true},
		{name: "create identity empty galleries", call: call{method: "POST", path: "/v1/persons/P1/identities/I7", body: func() map[string]any {
			m := identity("A", "B", "1990-01-01")
			m["galleries"] = []any{}
			return m
		}()}, status: 400, specInvalid: true},
		{name: "create identity generated id", call: call{method: "POST", path: "/v1/persons/P1/identities", body: identity("Ada", "King", "1985-11-30")}, status: 200,
			check: func(t *testing.T, r result) {
				var m map[string]string
				r.decode(t, &m)
				if generated = m["identityId"]; generated == "" {
					t.Fatalf("no identityId in %s", r.body)
				}
			}},
		{name: "read identity", call: call{method: "GET", path: "/v1/persons/P1/identities/I1"}, status: 200, check: func(t *testing.T, r result) {
			var m map[string]any
			r.decode(t, &m)
			if m["identityId"] != "I1" || m["createdDate"] != "2025-03-01T12:00:00Z" || m["updatedDate"] != "2025-03-01T12:00:00Z" {
				t.Errorf("server fields wrong: %v %v %v", m["identityId"], m["createdDate"], m["updatedDate"])
			}
		}},
		{name: "read unknown identity", call: call{method: "GET", path: "/v1/persons/P1/identities/nope"}, status: 404},
		{name: "read identities", call: call{method: "GET", path: "/v1/persons/P1/identities"}, status: 200, check: func(t *testing.T, r result) {
			var list []map[string]any
			r.decode(t, &list)
			if len(list) != 2 || list[0]["identityId"] != "I1" || list[1]["identityId"] != generated {
				t.Errorf("identities %s", r.body)
			}
		}},
		{name: "read identities unknown person", call: call{method: "GET", path: "/v1/persons/nobody/identities"}, status: 404},
		{name: "update identity", before: func(*call) { clock.t = clock.t.Add(time.Hour) }, call: call{method: "PUT", path: "/v1/persons/P1/identities/I1", body: func() map[string]any {
			m := identity("Ada", "Byron", "1985-11-30", "CIVIL", "VOTERS")
			m["status"] = "VALID"
			return m
		}()}, status: 204},
		{name: "read updated identity", call: call{method: "GET", path: "/v1/persons/P1/identities/I1"}, status: 200, check: func(t *testing.T, r result) {
			var m map[string]any
			r.decode(t, &m)
			if m["status"] != "VALID" || m["createdDate"] != "2025-03-01T12:00:00Z" || m["updatedDate"] != "2025-03-01T13:00:00Z" {
				t.Errorf("after update: %v %v %v", m["status"], m["createdDate"], m["updatedDate"])
			}
		}},
		{name: "update unknown identity", call: call{method: "PUT", path: "/v1/persons/P1/identities/nope", body: identity("A", "B", "1990-01-01")}, status: 404},
		{name: "patch identity", call: call{method: "PATCH", path: "/v1/persons/P1/identities/I1", ctype: "application/merge-patch+json",
			body: map[string]any{"galleries": []any{"G1", "G2"}, "biographicData": map[string]any{"gender": nil, "nationality": "BEL"}}}, status: 204},
		{name: "read patched identity", call: call{method: "GET", path: "/v1/persons/P1/identities/I1"}, status: 200, check: func(t *testing.T, r result) {
			var m map[string]any
			r.decode(t, &m)
			bio := m["biographicData"].(map[string]any)
			if _, has := bio["gender"]; has || bio["nationality"] != "BEL" || bio["lastName"] != "Byron" {
				t.Errorf("biographicData after patch: %v", bio)
			}
			if !slices.Equal(galleriesOf(m), []string{"G1", "G2"}) || m["status"] != "VALID" {
				t.Errorf("after patch: galleries %v status %v", m["galleries"], m["status"])
			}
		}},
		{name: "patch removing required status", call: call{method: "PATCH", path: "/v1/persons/P1/identities/I1", body: map[string]any{"status": nil}}, status: 400},
		{name: "patch bad enum", call: call{method: "PATCH", path: "/v1/persons/P1/identities/I1", body: map[string]any{"status": "MAYBE"}}, status: 400, specInvalid: true},
		{name: "patch identityId", call: call{method: "PATCH", path: "/v1/persons/P1/identities/I1", body: map[string]any{"identityId": "X"}}, status: 400, specInvalid: true},
		{name: "patch not an object", call: call{method: "PATCH", path: "/v1/persons/P1/identities/I1", body: `[1]`}, status: 400, specInvalid: true},
		{name: "patch unknown identity", call: call{method: "PATCH", path: "/v1/persons/P1/identities/nope", body: map[string]any{"status": "VALID"}}, status: 404},
		{name: "set identity status", call: call{method: "PUT", path: "/v1/persons/P1/identities/I1/status", query: url.Values{"status": {"REVOKED"}}}, status: 204},
		{name: "read status", call: call{method: "GET", path: "/v1/persons/P1/identities/I1"}, status: 200, check: wantStatus("REVOKED")},
		{name: "set identity status missing", call: call{method: "PUT", path: "/v1/persons/P1/identities/I1/status"}, status: 400, specInvalid: true},
		{name: "set identity status bad value", call: call{method: "PUT", path: "/v1/persons/P1/identities/I1/status", query: url.Values{"status": {"LOST"}}}, status: 400},
		{name: "set identity status unknown", call: call{method: "PUT", path: "/v1/persons/P1/identities/nope/status", query: url.Values{"status": {"VALID"}}}, status: 404},
		// reference
		{name: "read reference unset", call: call{method: "GET", path: "/v1/persons/P1/reference"}, status: 404},
		{name: "define reference", call: call{method: "PUT", path: "/v1/persons/P1/identities/I1/reference"}, status: 204},
		{name: "define reference unknown identity", call: call{method: "PUT", path: "/v1/persons/P1/identities/nope/reference"}, status: 404},
		{name: "read reference", call: call{method: "GET", path: "/v1/persons/P1/reference"}, status: 200, check: func(t *testing.T, r result) {
			var m map[string]any
			r.decode(t, &m)
			if m["identityId"] != "I1" {
				t.Errorf("reference is %v", m["identityId"])
			}
		}},
		{name: "read reference unknown person", call: call{method: "GET", path: "/v1/persons/nobody/reference"}, status: 404},
		// move and merge
		{name: "create identity I1 on P2", call: call{method: "POST", path: "/v1/persons/P2/identities/I1", body: identity("Bob", "Babbage", "1971-12-26", "CIVIL")}, status: 201},
		{name: "move clash", call: call{method: "POST", path: "/v1/persons/P2/move/P1/identities/I1"}, status: 409},
		{name: "merge clash", call: call{method: "POST", path: "/v1/persons/P2/merge/P1"}, status: 409},
		{name: "move generated to P2", before: func(c *call) { c.path = "/v1/persons/P2/move/P1/identities/" + generated }, call: call{method: "POST"}, status: 204},
		{name: "move unknown identity", call: call{method: "POST", path: "/v1/persons/P2/move/P1/identities/nope"}, status: 404},
		{name: "move unknown person", call: call{method: "POST", path: "/v1/persons/nobody/move/P1/identities/I1"}, status: 404},
		{name: "delete identity I1 of P2", call: call{method: "DELETE", path: "/v1/persons/P2/identities/I1"}, status: 204},
		{name: "delete identity again", call: call{method: "DELETE", path: "/v1/persons/P2/identities/I1"}, status: 404},
		{name: "merge P1 into P2", call: call{method: "POST", path: "/v1/persons/P2/merge/P1"}, status: 204},
		{name: "merged source gone", call: call{method: "GET", path: "/v1/persons/P1"}, status: 404},
		{name: "merged identities", call: call{method: "GET", path: "/v1/persons/P2/identities"}, status: 200, check: func(t *testing.T, r result) {
			var list []map[string]any
			r.decode(t, &list)
			var ids []string
			for _, m := range list {
				ids = append(ids, m["identityId"].(string))
			}
			if !slices.Equal(ids, []string{generated, "I1"}) {
				t.Errorf("identities after merge %v", ids)
			}
		}},
		{name: "reference carried over", call: call{method: "GET", path: "/v1/persons/P2/reference"}, status: 200},
		{name: "merge into itself", call: call{method: "POST", path: "/v1/persons/P2/merge/P2"}, status: 400},
		{name: "merge unknown", call: call{method: "POST", path: "/v1/persons/P2/merge/nobody"}, status: 404},
		// galleries
		{name: "read galleries", call: call{method: "GET", path: "/v1/galleries"}, status: 200, check: func(t *testing.T, r result) {
			var gs []string
			r.decode(t, &gs)
			if !slices.Equal(gs, []string{"G1", "G2"}) {
				t.Errorf("galleries %v", gs)
			}
		}},
		{name: "read gallery", call: call{method: "GET", path: "/v1/galleries/G1"}, status: 200, check: func(t *testing.T, r result) {
			var hits []hit
			r.decode(t, &hits)
			if len(hits) != 1 || hits[0] != (hit{PersonID: "P2", IdentityID: "I1"}) {
				t.Errorf("gallery G1 %s", r.body)
			}
		}},
		{name: "read unknown gallery", call: call{method: "GET", path: "/v1/galleries/NOPE"}, status: 404},
		{name: "read gallery negative offset", call: call{method: "GET", path: "/v1/galleries/G1", query: url.Values{"offset": {"-1"}}}, status: 400},
		{name: "read gallery non-integer limit", call: call{method: "GET", path: "/v1/galleries/G1", query: url.Values{"limit": {"many"}}}, status: 400, specInvalid: true},
		// deletes
		{name: "delete person", call: call{method: "DELETE", path: "/v1/persons/P2"}, status: 204},
		{name: "deleted identities gone", call: call{method: "GET", path: "/v1/persons/P2/identities/I1"}, status: 404},
		{name: "delete unknown person", call: call{method: "DELETE", path: "/v1/persons/P2"}, status: 404},
	}
	runSteps(t, h, steps)
	if s := h.sim.Stats(); s.DuplicatesRejected != 2 || s.Persons != 0 || s.Identities != 0 {
		t.Errorf("stats %+v", s)
	}
}

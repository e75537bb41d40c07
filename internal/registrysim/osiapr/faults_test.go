package osiapr

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/capturestation/station/internal/registrysim"
)

// putFaults sets faults through the control endpoint, as a test process would.
func (h *harness) putFaults(f registrysim.Faults) {
	h.t.Helper()
	b, _ := json.Marshal(f)
	req, err := http.NewRequest(http.MethodPut, h.srv.URL+FaultsPath, bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("PUT faults: %d", resp.StatusCode)
	}
}

func (h *harness) simGet(path string, v any) {
	h.t.Helper()
	resp, err := h.srv.Client().Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
}

func TestInjectedStatusDoesNoWork(t *testing.T) {
	h := newHarness(t, Config{})
	h.putFaults(registrysim.Faults{FailRate: 1, Status: 503, RetryAfter: 7})
	r := h.do(call{method: "POST", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}})
	if r.status != 503 || r.header.Get("Retry-After") != "7" {
		t.Fatalf("got %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	h.putFaults(registrysim.Faults{})
	if r := h.do(call{method: "GET", path: "/v1/persons/P1"}); r.status != 404 {
		t.Errorf("failed request did work: read answered %d", r.status)
	}
	var st Stats
	h.simGet(StatsPath, &st)
	if st.Faults.Failed != 1 || st.Requests.ByStatus["503"] != 1 || st.Persons != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDroppedResponseCommits(t *testing.T) {
	h := newHarness(t, Config{})
	h.putFaults(registrysim.Faults{DropResponseRate: 1})
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/persons/P1?transactionId=t1",
		bytes.NewReader([]byte(`{"status":"ACTIVE","physicalStatus":"ALIVE"}`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token)
	if resp, err := h.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped response arrived: %d", resp.StatusCode)
	}
	h.putFaults(registrysim.Faults{})
	if r := h.do(call{method: "GET", path: "/v1/persons/P1"}); r.status != 200 {
		t.Fatalf("the dropped request was not committed: read answered %d", r.status)
	}
	// The client's retry is a duplicate, rejected with 409.
	if r := h.do(call{method: "POST", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}); r.status != 409 {
		t.Fatalf("retry answered %d", r.status)
	}
	var st Stats
	h.simGet(StatsPath, &st)
	if st.Faults.Dropped != 1 || st.Requests.NoAnswer != 1 || st.DuplicatesRejected != 1 || st.Persons != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFailRateIsSeeded(t *testing.T) {
	// Two simulators with the same seed fail the same requests.
	run := func() string {
		h := newHarness(t, Config{Faults: registrysim.Faults{FailRate: 0.5, Status: 500}, Seed: 42})
		var out []byte
		for i := range 40 {
			r := h.do(call{method: "GET", path: "/v1/persons/P" + strconv.Itoa(i)})
			out = append(out, map[int]byte{404: '.', 500: 'x'}[r.status])
		}
		return string(out)
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if n := bytes.Count([]byte(a), []byte("x")); n < 8 || n > 32 {
		t.Errorf("%d of 40 failed with rate 0.5: %s", n, a)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "registry.db")
	h := newHarness(t, Config{DataFile: file})
	populate(t, h)
	before := h.sim.Dump()
	h.srv.Close()
	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, Config{DataFile: file})
	after := h2.sim.Dump()
	if mustJSON(t, before) != mustJSON(t, after) {
		t.Fatalf("records differ after restart:\n%s\n%s", mustJSON(t, before), mustJSON(t, after))
	}
	if r := h2.do(call{method: "GET", path: "/v1/persons/P1/reference"}); r.status != 200 {
		t.Errorf("reference after restart: %d", r.status)
	}
	if r := h2.do(call{method: "POST", path: "/v1/persons/P1", body: map[string]any{"status": "ACTIVE", "physicalStatus": "ALIVE"}}); r.status != 409 {
		t.Errorf("duplicate after restart: %d", r.status)
	}
	// Reset clears the file too.
	resp, err := h2.srv.Client().Post(h2.srv.URL+ResetPath, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := h2.sim.Stats(); resp.StatusCode != 204 || st.Persons != 0 || st.Identities != 0 {
		t.Fatalf("reset: %d %+v", resp.StatusCode, st)
	}
}

func TestSimEndpoints(t *testing.T) {
	h := newHarness(t, Config{})
	populate(t, h)
	var d Dump
	h.simGet(DumpPath, &d)
	if len(d.Persons) != 3 || d.Persons[0].PersonID != "P1" || len(d.Persons[0].Identities) != 2 || d.Persons[0].Reference != "I2" {
		t.Errorf("dump %s", mustJSON(t, d))
	}
	var st Stats
	h.simGet(StatsPath, &st)
	if st.Persons != 3 || st.Identities != 4 || st.Requests.ByStatus["201"] != 7 || st.Requests.ByStatus["204"] != 2 {
		t.Errorf("stats %+v", st)
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"POST", StatsPath, 405}, {"GET", ResetPath, 405}, {"DELETE", DumpPath, 405}, {"POST", FaultsPath, 405},
	} {
		req, _ := http.NewRequest(c.method, h.srv.URL+c.path, nil)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
}

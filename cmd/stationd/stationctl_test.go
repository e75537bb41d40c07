package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/testdata/identities"
)

// stationctlEnv is a running stationd with its in-process registry
// simulator, driven through the stationctl binary.
type stationctlEnv struct {
	t        *testing.T
	bin      string
	cfg      string
	httpURL  string
	registry string
	st       *station // the running stationd
}

// client talks to the running station over its control socket.
func (e *stationctlEnv) client() *api.Client {
	return api.NewClient(filepath.Join(filepath.Dir(e.cfg), "data", "stationd.sock"))
}

// ctl runs stationctl and returns its exit code, stdout and stderr.
func (e *stationctlEnv) ctl(stdin string, args ...string) (int, string, string) {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(e.bin, "stationctl"), append([]string{"--config", e.cfg}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		e.t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// ctlJSON runs a read command with --json and decodes its answer.
func (e *stationctlEnv) ctlJSON(v any, args ...string) {
	e.t.Helper()
	code, out, errOut := e.ctl("", append(args, "--json")...)
	if code != 0 {
		e.t.Fatalf("stationctl %v: exit %d: %s", args, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		e.t.Fatalf("stationctl %v: %v in %q", args, err, out)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startSimStation(ctx context.Context, t *testing.T) *stationctlEnv {
	t.Helper()
	bin := binaries(t)
	dir := t.TempDir()
	httpAddr, regAddr := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`station:
  id: ctl-test
data:
  dir: %s
  min_free_mb: 1
http:
  listen: %s
registry:
  kind: osia
  url: http://%s
  token_url: http://%s/oauth/token
  client_id: station
  client_secret: sim-secret
  galleries: [CIVIL]
sync:
  base_backoff: 20ms
  max_backoff: 200ms
simulate:
  registry: true
  registry_listen: %s
  chip: true
  camera: true
  fingerprint: true
fingerprint:
  serial_ports: [%s]
  usb: false
workflow:
  face:
    skip_background: true
log:
  level: warn
`, filepath.Join(dir, "data"), httpAddr, regAddr, regAddr, regAddr, filepath.Join(dir, "no-tty*"))
	cfgPath := filepath.Join(dir, "station.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &stationctlEnv{t: t, bin: bin, cfg: cfgPath, httpURL: "http://" + httpAddr, registry: "http://" + regAddr}
	e.st = startStation(ctx, t, bin, cfgPath)
	t.Cleanup(func() { e.st.stop(t) }) // the station running at the end
	return e
}

func TestStationctlE2E(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := startSimStation(ctx, t)
	dir := t.TempDir()

	var st api.Status
	e.ctlJSON(&st, "status")
	if st.StationID != "ctl-test" || !st.Ready || !st.AcceptingEnrollments {
		t.Fatalf("status: %+v", st)
	}
	if code, out, _ := e.ctl("", "status"); code != 0 || !strings.Contains(out, "ctl-test") {
		t.Fatalf("status: exit %d, %q", code, out)
	}

	// Enroll from a file, twice: the second is recognised as the same enrollment.
	doc, err := identities.Identity(42, 1, identities.Options{ImageBytes: 4 << 10, Fingers: 2})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "identity.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	// Scripted enrollments go through the workflow with the simulated
	// chip, camera and scanners.
	var scripted []api.SimulatedEnrollment
	e.ctlJSON(&scripted, "enroll", "--simulated", "--count", "2")
	if len(scripted) != 2 || scripted[0].Stage != "sealed" || scripted[1].Stage != "sealed" || scripted[0].ID == scripted[1].ID {
		t.Fatalf("scripted enrollments: %+v", scripted)
	}

	var first, again api.EnrollResult
	e.ctlJSON(&first, "enroll", "--osia-identity", file)
	e.ctlJSON(&again, "enroll", "--osia-identity", file)
	if !first.Created || again.Created || again.TransactionID != first.TransactionID {
		t.Fatalf("enroll twice: %+v then %+v", first, again)
	}

	delivered := waitForState(ctx, t, e, first.TransactionID, "delivered")
	var shown api.QueueItem
	e.ctlJSON(&shown, "queue", "show", delivered.ID)
	if shown.TransactionID != first.TransactionID || shown.State != "delivered" || shown.DeliveredAt.IsZero() {
		t.Fatalf("queue show: %+v", shown)
	}
	if code, _, errOut := e.ctl("", "queue", "retry", delivered.ID); code != 1 || !strings.Contains(errOut, "only failed items") {
		t.Fatalf("retry of a delivered item: exit %d, %q", code, errOut)
	}

	// A registry that rejects the enrollment puts it on the failed list;
	// after the fix the operator retries it, or drops one for good.
	putFaults(ctx, t, e.registry, `{"failRate":1,"status":422}`)
	var failing [2]api.EnrollResult
	for i := range failing {
		doc, err := identities.Identity(uint64(100+i), i, identities.Options{ImageBytes: 2 << 10, Fingers: 1})
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("failing-%d.json", i))
		if err := os.WriteFile(f, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		e.ctlJSON(&failing[i], "enroll", "--osia-identity", f)
	}
	failed0 := waitForState(ctx, t, e, failing[0].TransactionID, "failed")
	failed1 := waitForState(ctx, t, e, failing[1].TransactionID, "failed")
	if failed0.ErrorClass != "permanent" || !strings.Contains(failed0.Error, "422") {
		t.Fatalf("failed item: %+v", failed0)
	}
	if code, out, _ := e.ctl("", "queue", "list", "--state", "failed"); code != 0 || !strings.Contains(out, failed0.ID) || !strings.Contains(out, "422") {
		t.Fatalf("queue list --state failed: exit %d\n%s", code, out)
	}
	putFaults(ctx, t, e.registry, `{}`)
	if code, _, errOut := e.ctl("", "queue", "retry", failed0.ID); code != 0 {
		t.Fatalf("retry: exit %d: %s", code, errOut)
	}
	waitForState(ctx, t, e, failing[0].TransactionID, "delivered")
	if code, _, errOut := e.ctl("", "queue", "purge", failed1.ID); code != 0 {
		t.Fatalf("purge: exit %d: %s", code, errOut)
	}
	if code, _, errOut := e.ctl("", "queue", "show", failed1.ID); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("show after purge: exit %d, %q", code, errOut)
	}
	var stats osiapr.Stats
	getJSON(ctx, t, e.registry+"/_sim/stats", &stats)
	// Two imported, two scripted.
	if stats.Persons != 4 || stats.Identities != 4 {
		t.Fatalf("registry: %d persons, %d identities; want 4 and 4", stats.Persons, stats.Identities)
	}

	// The station key: JWK and PEM of the same P-256 key.
	var key api.KeyInfo
	e.ctlJSON(&key, "keys", "show")
	var jwk struct{ Kty, Crv, Kid string }
	if err := json.Unmarshal(key.JWK, &jwk); err != nil || jwk.Kty != "EC" || jwk.Crv != "P-256" || jwk.Kid != key.KeyID {
		t.Fatalf("keys show JWK: %s (%v)", key.JWK, err)
	}
	blk, _ := pem.Decode([]byte(key.PEM))
	if blk == nil {
		t.Fatalf("keys show PEM: %q", key.PEM)
	}
	if _, err := x509.ParsePKIXPublicKey(blk.Bytes); err != nil {
		t.Fatal(err)
	}

	// Operators: the PIN comes from stdin, and is never listed.
	if code, _, errOut := e.ctl("correct horse battery\n", "operators", "add", "amina", "--role", "operator"); code != 0 {
		t.Fatalf("operators add: exit %d: %s", code, errOut)
	}
	var ops []api.Operator
	e.ctlJSON(&ops, "operators", "list")
	if len(ops) != 1 || ops[0].Name != "amina" || ops[0].Role != "operator" {
		t.Fatalf("operators list: %+v", ops)
	}
	checkTCPAPI(ctx, t, e.httpURL)

	// Bad input gets a clear message.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"biographicData": {"firstName": "A"}, "unknown": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := e.ctl("", "enroll", "--osia-identity", bad); code != 1 || !strings.Contains(errOut, "unknown") {
		t.Fatalf("enroll of a bad document: exit %d, %q", code, errOut)
	}
	if code, _, errOut := e.ctl("", "queue", "frobnicate"); code != 2 || !strings.Contains(errOut, "usage") {
		t.Fatalf("unknown command: exit %d, %q", code, errOut)
	}
}

func TestStationctlDaemonNotRunning(t *testing.T) {
	bin := binaries(t)
	cmd := exec.Command(filepath.Join(bin, "stationctl"), "status")
	cmd.Env = []string{"STATION_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "not running") {
		t.Fatalf("stationctl without a daemon: %v, %q", err, out)
	}
}

// checkTCPAPI checks that the browser API needs a session while the
// health and metrics endpoints do not.
func checkTCPAPI(ctx context.Context, t *testing.T, base string) {
	t.Helper()
	get := func(path string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		path     string
		status   int
		contains string
	}{
		{"/healthz", http.StatusOK, ""},
		{"/readyz", http.StatusOK, "store"},
		{"/metrics", http.StatusOK, "station_queue_items{state=\"delivered\"} 4"},
		{"/metrics", http.StatusOK, "station_sync_attempts_total"},
		{"/api/v1/status", http.StatusUnauthorized, ""},
		{"/api/v1/queue", http.StatusUnauthorized, ""},
		{"/api/v1/keys/station", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		code, body := get(tt.path)
		if code != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: %d, want %d containing %q:\n%.400s", tt.path, code, tt.status, tt.contains, body)
		}
	}
}

// waitForState polls the queue until the enrollment's item reaches state.
func waitForState(ctx context.Context, t *testing.T, e *stationctlEnv, transactionID, state string) api.QueueItem {
	t.Helper()
	for {
		var l api.QueueList
		e.ctlJSON(&l, "queue", "list", "--state", state, "--limit", "1000")
		for _, it := range l.Items {
			if it.TransactionID == transactionID {
				return it
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("enrollment %s never reached %s", transactionID, state)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func putFaults(ctx context.Context, t *testing.T, registry, body string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, registry+"/_sim/faults", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT /_sim/faults: %s", resp.Status)
	}
}

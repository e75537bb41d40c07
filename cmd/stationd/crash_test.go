package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/testdata/identities"
	"github.com/capturestation/station/sync/osia"
)

// TestCrashE2E runs stationd and the registry simulator as real processes:
// it queues 200 enrollments, kills stationd with SIGKILL at random moments
// during sync at least ten times while the simulator injects 5xx answers,
// latency and dropped responses, restarts it each time, and then checks that
// the registry holds exactly 200 persons and 200 identities whose content is
// what was enrolled.
func TestCrashE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the station binaries; skipped with -short")
	}
	const (
		enrollments = 200
		minKills    = 10
	)
	bin := binaries(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	sim := startSimulator(ctx, t, bin, dir,
		"--fail-rate", "0.15", "--status", "503", "--latency", "5ms-40ms", "--drop-response-rate", "0.1", "--seed", "7")
	cfgPath := filepath.Join(dir, "station.yaml")
	writeStationConfig(t, cfgPath, dir, sim)

	st := startStation(ctx, t, bin, cfgPath)
	client := api.NewClient(filepath.Join(dir, "data", "stationd.sock"))

	// Queue the enrollments (person IDs chosen here, so the check below can
	// find each one in the registry).
	sources := make(map[string][]byte, enrollments)
	for i := range enrollments {
		doc, err := identities.Identity(uint64(i+1), i, identities.Options{ImageBytes: 6 << 10, Fingers: 2})
		if err != nil {
			t.Fatal(err)
		}
		pid := uuid.NewString()
		res, err := client.EnrollOSIAIdentity(ctx, doc, pid)
		if err != nil {
			t.Fatalf("enroll %d: %v", i, err)
		}
		if !res.Created || res.PersonID != pid {
			t.Fatalf("enroll %d: %+v", i, res)
		}
		sources[pid] = doc
	}

	// Kill it at random moments while items are still undelivered.
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 11)) //nolint:gosec // test randomness
	kills := 0
	for kills < minKills {
		time.Sleep(time.Duration(100+rng.IntN(500)) * time.Millisecond)
		s, err := client.Status(ctx)
		if err != nil {
			t.Fatalf("status before kill %d: %v", kills+1, err)
		}
		if s.Queue.Pending+s.Queue.InFlight == 0 {
			t.Fatalf("sync finished after %d kills; slow the simulator down so that the test kills during sync", kills)
		}
		st.kill(t)
		kills++
		t.Logf("kill %d: %d pending, %d in flight, %d delivered", kills, s.Queue.Pending, s.Queue.InFlight, s.Queue.Delivered)
		st = startStation(ctx, t, bin, cfgPath)
	}

	// Let the last run finish the job without faults.
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, sim+"/_sim/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	for {
		s, err := client.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Queue.Failed != 0 {
			l, _ := client.Queue(ctx, "failed", "", 5)
			t.Fatalf("%d items failed: %+v", s.Queue.Failed, l.Items)
		}
		if s.Queue.Delivered == enrollments {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("not drained: %+v", s.Queue)
		}
		time.Sleep(200 * time.Millisecond)
	}
	key, err := client.StationKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.stop(t)

	var stats osiapr.Stats
	getJSON(ctx, t, sim+"/_sim/stats", &stats)
	t.Logf("registry: %d persons, %d identities; requests %v, faults %+v", stats.Persons, stats.Identities, stats.Requests.ByStatus, stats.Faults)
	if stats.Persons != enrollments || stats.Identities != enrollments {
		t.Fatalf("registry holds %d persons and %d identities, want %d of each", stats.Persons, stats.Identities, enrollments)
	}
	if stats.Faults.Failed == 0 || stats.Faults.Dropped == 0 {
		t.Fatalf("the simulator injected no failures or no dropped responses: %+v", stats.Faults)
	}
	var dump osiapr.Dump
	getJSON(ctx, t, sim+"/_sim/dump", &dump)
	for _, p := range dump.Persons {
		src, ok := sources[p.PersonID]
		if !ok {
			t.Fatalf("registry holds person %s that was never enrolled", p.PersonID)
		}
		delete(sources, p.PersonID)
		if len(p.Identities) != 1 {
			t.Fatalf("person %s has %d identities", p.PersonID, len(p.Identities))
		}
		checkDelivered(t, p, src, key)
	}
	if len(sources) != 0 {
		t.Fatalf("%d enrollments missing from the registry", len(sources))
	}
}

// checkDelivered compares what the registry holds with the enrolled document:
// every enrolled field must be there with its value (the station adds its own
// contextual data and the integrity block), and the integrity block must
// verify with the station's key.
func checkDelivered(t *testing.T, p osiapr.DumpPerson, src []byte, key api.KeyInfo) {
	t.Helper()
	var want, got map[string]any
	if err := json.Unmarshal(src, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(p.Identities[0], &got); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"biographicData", "biometricData", "documentData", "contextualData", "galleries", "identityType"} {
		if err := contains(got[field], want[field]); err != nil {
			t.Fatalf("person %s: %s differs from the enrollment: %v", p.PersonID, field, err)
		}
	}
	if p.Reference == "" {
		t.Fatalf("person %s has no reference identity", p.PersonID)
	}
	verifyIdentity(t, p.Identities[0], key)
}

// contains reports whether got holds everything in want: objects may have
// more members, lists must match element by element.
func contains(got, want any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("got %T, want an object", got)
		}
		for k, v := range w {
			if err := contains(g[k], v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("got %v, want %d elements", got, len(w))
		}
		for i := range w {
			if err := contains(g[i], w[i]); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("got %v, want %v", got, want)
	}
	return nil
}

func getJSON(ctx context.Context, t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// startSimulator runs `stationsim registry osia` and returns its base URL.
func startSimulator(ctx context.Context, t *testing.T, bin, dir string, faults ...string) string {
	t.Helper()
	args := append([]string{"registry", "osia", "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "registry.db"), "--log-level", "warn"}, faults...)
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "stationsim"), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testWriter{t: t, prefix: "stationsim: "}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return "http://" + strings.TrimSpace(addr)
		}
	}
	t.Fatalf("stationsim did not say where it listens: %v", sc.Err())
	return ""
}

func writeStationConfig(t *testing.T, path, dir, registry string) {
	t.Helper()
	cfg := fmt.Sprintf(`station:
  id: crash-test
data:
  dir: %s
  min_free_mb: 1
http:
  listen: 127.0.0.1:0
registry:
  kind: osia
  url: %s
  token_url: %s/oauth/token
  client_id: station
  client_secret: sim-secret
  galleries: [CIVIL]
  timeout: 2s
sync:
  concurrency: 2
  base_backoff: 20ms
  max_backoff: 300ms
  lease: 3s
log:
  level: warn
`, filepath.Join(dir, "data"), registry, registry)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// station is a running stationd process.
type station struct {
	cmd  *exec.Cmd
	done chan error
}

func startStation(ctx context.Context, t *testing.T, bin, cfgPath string) *station {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "stationd"), "--config", cfgPath)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STATION_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout = &testWriter{t: t, prefix: "stationd: "}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &station{cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
		s.done <- nil
	})
	sock := filepath.Join(filepath.Dir(cfgPath), "data", "stationd.sock")
	client := api.NewClient(sock)
	for {
		if _, err := client.Status(ctx); err == nil {
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("stationd exited during start: %v", err)
		case <-ctx.Done():
			t.Fatal("stationd did not start")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the process to end.
func (s *station) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done
	s.done <- nil
}

// stop sends SIGTERM and expects a clean exit; a process already ended
// (killed by its own cleanup) is left alone.
func (s *station) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); errors.Is(err, os.ErrProcessDone) {
		return
	} else if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.done <- nil
		if err != nil {
			t.Fatalf("stationd did not stop cleanly: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("stationd did not stop within 15 s of SIGTERM")
	}
}

// testWriter forwards a process's output to the test log.
type testWriter struct {
	t      *testing.T
	prefix string
}

func (w *testWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.t.Log(w.prefix + line)
	}
	return len(p), nil
}

// verifyIdentity checks the integrity block of a delivered identity with the
// public key the station publishes, read back from its PEM form.
func verifyIdentity(t *testing.T, identity []byte, key api.KeyInfo) {
	t.Helper()
	blk, _ := pem.Decode([]byte(key.PEM))
	if blk == nil {
		t.Fatalf("station key PEM %q holds no block", key.PEM)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("station key is %T, want ECDSA", pub)
	}
	if err := osia.VerifyIntegrity(identity, ec); err != nil {
		t.Fatalf("delivered identity: %v", err)
	}
}

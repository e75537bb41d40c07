package worker

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

// The crash test runs the store, outbox and worker in a child process (this
// test binary re-executed), kills it with SIGKILL at random moments while a
// file-backed registry injects failures and lost responses, and then checks
// that every enrollment the child reported as queued reached the registry
// and is recorded as delivered, and that the counts agree with the items.

const (
	crashDirEnv   = "STATION_CRASH_TEST_DIR"
	crashFinalEnv = "STATION_CRASH_TEST_FINAL"
)

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	dir := t.TempDir()
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7)) //nolint:gosec // test randomness
	const kills = 10
	for round := range kills + 1 {
		final := round == kills
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashFinalEnv+"="+strconv.FormatBool(final))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if final {
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("final run: %v\n%s", err, out.String())
				}
			case <-time.After(guard):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("final run did not drain the queue\n%s", out.String())
			}
			break
		}
		time.Sleep(time.Duration(30+rng.IntN(300)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}

	queued := readLines(t, filepath.Join(dir, "queued.log"))
	committed := map[string]int{}
	for _, id := range readLines(t, filepath.Join(dir, "registry.log")) {
		committed[id]++
	}
	if len(queued) == 0 {
		t.Fatal("the child queued nothing before being killed")
	}
	kek, err := os.ReadFile(filepath.Join(dir, "kek"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "station.db"), kek, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ob, err := outbox.New(db, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range queued {
		if committed[id] == 0 {
			t.Errorf("enrollment %s was queued but never reached the registry", id)
		}
		if _, found, err := ob.Receipt(ctx, "osia", id); err != nil || !found {
			t.Errorf("enrollment %s has no receipt: %v", id, err)
		}
	}
	st, err := ob.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var all []outbox.Item
	for after := ""; ; {
		page, err := ob.List(ctx, outbox.Filter{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	for _, it := range all {
		if it.State != outbox.Delivered {
			t.Errorf("item %s is %s after the final run", it.ID, it.State)
		}
		if committed[it.TransactionID] == 0 {
			t.Errorf("item %s is delivered but the registry never got it", it.ID)
		}
	}
	if st.Delivered != len(all) || st.Undelivered() != 0 || len(all) < len(queued) {
		t.Errorf("stats %+v for %d items, %d reported queued", st, len(all), len(queued))
	}
	dups := 0
	for _, n := range committed {
		dups += n - 1
	}
	t.Logf("%d kills, %d enrollments, %d registry writes repeated (absorbed by idempotent connectors)", kills, len(all), dups)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); len(line) == 36 { // a torn last line is ignored
			out = append(out, line)
		}
	}
	return out
}

// fileRegistry is a registry that appends what it commits to a file, with
// injected failures: 503 before committing, and lost responses after it.
type fileRegistry struct {
	mu     sync.Mutex
	f      *os.File
	faults bool
	rng    *mrand.Rand
}

func (r *fileRegistry) Deliver(ctx context.Context, e *enrollment.Enrollment) (delivery.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	roll := r.rng.IntN(10)
	time.Sleep(time.Duration(r.rng.IntN(3)) * time.Millisecond)
	if r.faults && roll < 2 {
		return delivery.Receipt{}, delivery.Retry(503, 0, errors.New("injected unavailable"))
	}
	if _, err := fmt.Fprintln(r.f, e.TransactionID); err != nil {
		return delivery.Receipt{}, err
	}
	if r.faults && roll < 3 {
		return delivery.Receipt{}, delivery.Retry(0, 0, errors.New("injected lost response"))
	}
	return delivery.Receipt{Kind: "identity", PersonID: e.PersonID}, ctx.Err()
}

func (r *fileRegistry) Ping(context.Context) error { return nil }

// TestCrashChild is the child process of TestCrashRecovery; it does nothing
// in a normal test run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestCrashRecovery")
	}
	final := os.Getenv(crashFinalEnv) == "true"
	kek, err := store.LoadKEK(filepath.Join(dir, "kek"), "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "station.db"), kek, store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ob, err := outbox.New(db, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	open := func(name string) *os.File {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	regLog, queuedLog := open("registry.log"), open("queued.log")
	seed := make([]byte, 8)
	_, _ = rand.Read(seed)
	reg := &fileRegistry{f: regLog, faults: !final, rng: mrand.New(mrand.NewPCG(uint64(seed[0])<<8|uint64(seed[1]), 1))} //nolint:gosec // test randomness
	w, err := New(ob, "osia", reg, Config{
		Concurrency: 4, LeaseFor: 300 * time.Millisecond, BaseBackoff: 2 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, PollInterval: 20 * time.Millisecond,
	}, WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- w.Serve(ctx) }()
	if !final {
		persons := []string{"P1", "P2", "P3"}
		for i := 0; ; i++ {
			e := enrollment.New("st", "op", time.Now())
			if i%2 == 0 {
				e.PersonID = persons[i%3]
			}
			if _, err := ob.Enqueue(ctx, e, []string{"osia"}); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(queuedLog, e.TransactionID)
			w.Kick()
			time.Sleep(2 * time.Millisecond)
		}
	}
	for {
		st, err := ob.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Undelivered() == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

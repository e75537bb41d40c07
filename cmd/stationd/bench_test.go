package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/stationkey"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/internal/testdata/identities"
	"github.com/capturestation/station/sync/outbox"
	"github.com/capturestation/station/sync/worker"
)

// BenchmarkStationStartup starts the stationd binary on a store holding an
// empty queue and on one holding 100 000 queued enrollments, and reports the
// time until the control socket answers and the resident memory a few
// seconds later. The registry is unreachable, so the queue stays full.
func BenchmarkStationStartup(b *testing.B) {
	if binDir == "" {
		b.Skip("needs the built binaries (not with -short)")
	}
	for _, queued := range []int{0, 100000} {
		b.Run(fmt.Sprintf("queued=%d", queued), func(b *testing.B) {
			dir := b.TempDir()
			kek := make([]byte, store.KeySize)
			if _, err := rand.Read(kek); err != nil {
				b.Fatal(err)
			}
			dataDir := filepath.Join(dir, "data")
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				b.Fatal(err)
			}
			if queued > 0 {
				fillQueue(b, filepath.Join(dataDir, "station.db"), kek, queued)
			}
			cfgPath := filepath.Join(dir, "station.yaml")
			cfg := fmt.Sprintf("station:\n  id: bench\ndata:\n  dir: %s\n  min_free_mb: 1\nhttp:\n  listen: 127.0.0.1:0\n"+
				"registry:\n  kind: osia\n  url: http://127.0.0.1:1\n  timeout: 1s\nsync:\n  base_backoff: 1m\nlog:\n  level: error\n", dataDir)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				b.Fatal(err)
			}
			var startup time.Duration
			var rss, peak int
			for range b.N {
				startup, rss, peak = runOnce(b, cfgPath, dataDir, kek, queued)
			}
			b.ReportMetric(float64(startup.Microseconds())/1000, "startup-ms")
			b.ReportMetric(float64(rss)/1024, "rss-MB")
			b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
		})
	}
}

func fillQueue(b *testing.B, path string, kek []byte, n int) {
	b.Helper()
	db, err := store.Open(path, kek, store.Options{NoFsync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ob, err := outbox.New(db, outbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := outbox.FillSynthetic(context.Background(), ob, n, []string{"osia"}); err != nil {
		b.Fatal(err)
	}
}

// runOnce starts stationd, waits for its socket, samples its memory after
// three seconds of work and stops it.
func runOnce(b *testing.B, cfgPath, dataDir string, kek []byte, queued int) (startup time.Duration, rssKB, peakKB int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.Command(filepath.Join(binDir, "stationd"), "--config", cfgPath)
	cmd.Env = []string{"STATION_KEK=" + base64.StdEncoding.EncodeToString(kek), "PATH=" + os.Getenv("PATH")}
	cmd.Stderr = os.Stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	client := api.NewClient(filepath.Join(dataDir, "stationd.sock"))
	for {
		st, err := client.Status(ctx)
		if err == nil {
			startup = time.Since(began)
			if st.Queue.Pending+st.Queue.InFlight != queued {
				b.Fatalf("queue after start: %+v, want %d queued", st.Queue, queued)
			}
			break
		}
		if ctx.Err() != nil {
			b.Fatalf("stationd did not answer: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	rssKB, peakKB = procMemory(b, cmd.Process.Pid)
	return startup, rssKB, peakKB
}

// procMemory reads VmRSS and VmHWM (kB) from /proc.
func procMemory(b *testing.B, pid int) (rss, peak int) {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc on this system: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(val), " kB"))
		switch name {
		case "VmRSS":
			rss = kb
		case "VmHWM":
			peak = kb
		}
	}
	return rss, peak
}

// BenchmarkDrain300KB delivers 200 enrollments of about 300 KB each from the
// encrypted outbox to the OSIA registry simulator over HTTP with OAuth2 and
// integrity signatures, and reports the drain rate (goal: 50 enrollments/s).
func BenchmarkDrain300KB(b *testing.B) {
	const n = 200
	ctx := context.Background()
	sim, err := osiapr.New(ctx, osiapr.Config{Clients: []registrysim.Client{{ID: "station", Secret: "bench-secret"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	key, err := stationkey.Generate()
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.Station.ID = "bench"
	cfg.Registry.URL, cfg.Registry.TokenURL = srv.URL, srv.URL+"/oauth/token"
	cfg.Registry.ClientID, cfg.Registry.ClientSecret = "station", "bench-secret"
	conn, err := newConnector(cfg, cfg.Registry, key)
	if err != nil {
		b.Fatal(err)
	}
	docs := make([][]byte, n)
	for i := range docs {
		if docs[i], err = identities.Identity(uint64(i+1), i, identities.Options{ImageBytes: 300 << 10, Fingers: 4}); err != nil {
			b.Fatal(err)
		}
	}
	var bytes int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		sim.Reset()
		kek := make([]byte, store.KeySize)
		if _, err := rand.Read(kek); err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(filepath.Join(b.TempDir(), "station.db"), kek, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ob, err := outbox.New(db, outbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i, doc := range docs {
			e, err := parseImport(doc, importIDs{
				TransactionID: uuid.NewString(), PersonID: uuid.NewString(), IdentityID: uuid.NewString(),
				StationID: "bench", OperatorID: "bench", Now: time.Now(),
			})
			if err != nil {
				b.Fatalf("document %d: %v", i, err)
			}
			if _, err := ob.Enqueue(ctx, e, []string{"osia"}); err != nil {
				b.Fatal(err)
			}
			bytes += len(doc)
		}
		w, err := worker.New(ob, "osia", conn, worker.Config{PollInterval: 10 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		b.StartTimer()
		go func() { done <- w.Serve(wctx) }()
		for {
			st, err := ob.Stats(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if st.Failed > 0 {
				b.Fatalf("deliveries failed: %+v", st)
			}
			if st.Delivered == n {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if got := sim.Stats(); got.Identities != n {
			b.Fatalf("registry holds %d identities, want %d", got.Identities, n)
		}
		db.Close()
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*b.N)/secs, "enrollments/s")
	b.ReportMetric(float64(bytes)/secs/1e6, "MB/s")
}

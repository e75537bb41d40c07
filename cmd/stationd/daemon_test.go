package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/testdata/identities"
)

// testConfig is a station in dir with an in-process registry simulator.
func testConfig(t *testing.T, dir string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Station.ID = "unit"
	cfg.Data.Dir = dir
	cfg.Data.MinFreeMB = 1
	cfg.HTTP.Listen = "127.0.0.1:0"
	reg := freePort(t)
	cfg.Registry.URL, cfg.Registry.TokenURL = "http://"+reg, "http://"+reg+"/oauth/token"
	cfg.Registry.ClientID, cfg.Registry.ClientSecret = "station", "unit-secret"
	cfg.Simulate.Registry, cfg.Simulate.RegistryListen = true, reg
	cfg.Sync.BaseBackoff, cfg.Sync.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	// Look at no real serial port or USB bus.
	cfg.Fingerprint.SerialPorts, cfg.Fingerprint.USB = []string{filepath.Join(dir, "tty*")}, false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startDaemon opens and serves a daemon until the test ends.
func startDaemon(t *testing.T, cfg config.Config) *api.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := openDaemon(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		d.close()
	})
	return api.NewClient(cfg.SocketPath())
}

func TestDaemonDeliversAndKeepsKey(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	ctx := t.Context()
	client := startDaemon(t, cfg)
	doc, err := identities.Identity(3, 0, identities.Options{ImageBytes: 2 << 10, Fingers: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.EnrollOSIAIdentity(ctx, doc, "")
	if err != nil || !res.Created {
		t.Fatalf("enroll: %+v, %v", res, err)
	}
	for {
		st, err := client.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The delivery is counted as the outbox records it; the last sync
		// follows when the worker reports it.
		if st.Queue.Delivered == 1 && !st.Registry.LastSync.IsZero() {
			if !st.Registry.Reachable {
				t.Fatalf("registry status after a delivery: %+v", st.Registry)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	key, err := client.StationKey(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Keys and operators survive a restart; a second daemon on the same
	// data directory is refused while the first runs.
	cfg2 := cfg
	cfg2.Simulate.Registry = false
	if _, err := openDaemon(ctx, cfg2, nil, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("second daemon on the same data: %v", err)
	}
	again, err := client.StationKey(ctx)
	if err != nil || again.KeyID != key.KeyID {
		t.Fatalf("station key changed: %v then %v (%v)", key.KeyID, again.KeyID, err)
	}
}

func TestDaemonRefusesEnrollmentsOnLowDisk(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Data.MinFreeMB = 1 << 30 // a petabyte: more than any test machine has free
	client := startDaemon(t, cfg)
	st, err := client.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.AcceptingEnrollments || !strings.Contains(st.Refusal, "data.min_free_mb") {
		t.Fatalf("status on low disk: accepting=%v refusal=%q", st.AcceptingEnrollments, st.Refusal)
	}
	doc, err := identities.Identity(4, 0, identities.Options{ImageBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.EnrollOSIAIdentity(t.Context(), doc, "")
	var se *api.StatusError
	if !errors.As(err, &se) || se.Status != 507 || !strings.Contains(err.Error(), "free") {
		t.Fatalf("enroll on low disk: %v", err)
	}
}

func TestDaemonRefusesOpenKEKFile(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	kek := filepath.Join(dir, "station.kek")
	if err := os.WriteFile(kek, make([]byte, 32), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kek, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openDaemon(t.Context(), cfg, nil, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "key-encryption key") {
		t.Fatalf("open with a world-readable KEK file: %v", err)
	}
}

// An enrollment fans out to every target, each with its own queue item.
func TestDaemonFansOutToEveryTarget(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	second, err := osiapr.New(t.Context(), osiapr.Config{DisableAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	srv := httptest.NewServer(second.Handler())
	defer srv.Close()
	cfg.Targets = []config.Registry{{Name: "archive", Kind: "osia", URL: srv.URL, Timeout: 5 * time.Second, IdentityType: "CIVIL"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	client := startDaemon(t, cfg)
	doc, err := identities.Identity(5, 0, identities.Options{ImageBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.EnrollOSIAIdentity(t.Context(), doc, ""); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, client, "delivered to both targets", func(st api.Status) bool { return st.Queue.Delivered == 2 })
	if len(st.Targets) != 2 || st.Targets[0].Name != "osia" || st.Targets[1].Name != "archive" || !st.Targets[1].Reachable {
		t.Fatalf("targets %+v", st.Targets)
	}
	items, err := client.Queue(t.Context(), "delivered", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, it := range items.Items {
		targets = append(targets, it.Target)
	}
	slices.Sort(targets)
	if strings.Join(targets, ",") != "archive,osia" {
		t.Fatalf("delivered items for %v", targets)
	}
}

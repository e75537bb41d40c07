package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/internal/api"
)

// A scripted enrollment goes through the workflow with the simulated
// document camera, chip, camera and scanners, and reaches the registry
// simulator.
func TestDaemonScriptedEnrollment(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Simulate.Chip, cfg.Simulate.Camera, cfg.Simulate.Fingerprint, cfg.Simulate.DocumentCamera = true, true, true, true
	cfg.Fingerprint.Poll = 100 * time.Millisecond
	cfg.Workflow.Face.SkipBackground = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := openDaemon(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.serve(ctx) }()
	defer func() {
		cancel()
		<-done
		d.close()
	}()
	client := api.NewClient(cfg.SocketPath())
	waitStatus(t, client, "scanners attached", func(st api.Status) bool { return len(st.Devices) >= 2 })
	st, err := d.enrollSimulated(ctx, "technician-1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Stage != workflow.StageSealed {
		t.Fatalf("status after confirm %+v", st)
	}
	waitStatus(t, client, "delivered", func(st api.Status) bool { return st.Queue.Delivered == 1 })
}

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/drivers/fingerprint/zfm"
	"github.com/capturestation/station/drivers/fingerprint/zfm/zfmsim"
	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/health"
)

// waitStatus polls the status until ok accepts it.
func waitStatus(t *testing.T, client *api.Client, what string, ok func(api.Status) bool) api.Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := client.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: status never got there; last: devices %+v health %+v", what, st.Devices, st.Health)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fingerprintHealth(st api.Status) (health.Check, bool) {
	i := slices.IndexFunc(st.Health, func(c health.Check) bool { return c.Component == componentFingerprint })
	if i < 0 {
		return health.Check{}, false
	}
	return st.Health[i], true
}

func TestDaemonFindsSimulatedScanners(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Simulate.Fingerprint = true
	cfg.Fingerprint.Poll = 100 * time.Millisecond
	client := startDaemon(t, cfg)
	st := waitStatus(t, client, "two simulated scanners", func(st api.Status) bool { return len(st.Devices) == 2 })
	var models []string
	for _, d := range st.Devices {
		models = append(models, d.Driver+" "+d.Model)
	}
	slices.Sort(models)
	if want := "uru4000 U.are.U 4000B/4500 (simulated)|zfm ZFM-compatible"; strings.Join(models, "|") != want {
		t.Fatalf("devices %q, want %q", models, want)
	}
	if c, ok := fingerprintHealth(st); !ok || c.Level != health.OK {
		t.Fatalf("fingerprint health %+v", c)
	}
}

// A module plugged in after start is found through the real driver's
// probe over a tty, and its departure is noticed.
func TestDaemonSeesSerialScannerComeAndGo(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Fingerprint.Poll = 100 * time.Millisecond
	sim, path, err := zfmsim.Start(t.Context(), zfmsim.Options{Model: zfm.ModelR503, Serial: "R5030042"})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cfg.Fingerprint.SerialPorts = []string{path}
	client := startDaemon(t, cfg)
	st := waitStatus(t, client, "module attached", func(st api.Status) bool { return len(st.Devices) == 1 })
	if d := st.Devices[0]; d.Kind != "fingerprint" || d.Path != path || d.Model != "R503" || d.Serial != "R5030042" {
		t.Fatalf("device %+v", d)
	}
	sim.Close()
	st = waitStatus(t, client, "module detached", func(st api.Status) bool { return len(st.Devices) == 0 })
	if c, ok := fingerprintHealth(st); !ok || c.Level != health.Warning || !strings.Contains(c.Message, "no fingerprint scanner") {
		t.Fatalf("fingerprint health after unplug: %+v", c)
	}
}

func TestDaemonReportsTheCamera(t *testing.T) {
	t.Run("simulated", func(t *testing.T) {
		cfg := testConfig(t, t.TempDir())
		cfg.Simulate.Camera = true
		cfg.Fingerprint.Poll = 100 * time.Millisecond
		client := startDaemon(t, cfg)
		st := waitStatus(t, client, "camera listed", func(st api.Status) bool {
			return slices.ContainsFunc(st.Devices, func(d api.Device) bool { return d.Kind == "camera" })
		})
		i := slices.IndexFunc(st.Devices, func(d api.Device) bool { return d.Kind == "camera" })
		if d := st.Devices[i]; d.Driver != "sim" || !strings.Contains(d.Model, "800x600") {
			t.Fatalf("camera %+v", d)
		}
	})
	t.Run("unplugged", func(t *testing.T) {
		dir := t.TempDir()
		video := filepath.Join(dir, "clip.avi")
		if err := os.WriteFile(video, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(t, dir)
		cfg.Camera.Device = video
		cfg.Fingerprint.Poll = 100 * time.Millisecond
		client := startDaemon(t, cfg)
		waitStatus(t, client, "camera listed", func(st api.Status) bool { return len(st.Devices) == 1 })
		if err := os.Remove(video); err != nil {
			t.Fatal(err)
		}
		st := waitStatus(t, client, "camera gone", func(st api.Status) bool { return len(st.Devices) == 0 })
		i := slices.IndexFunc(st.Health, func(c health.Check) bool { return c.Component == "devices/"+kindCamera })
		if i < 0 || st.Health[i].Level != health.Warning || !strings.Contains(st.Health[i].Message, "camera.device") {
			t.Fatalf("camera health %+v", st.Health)
		}
	})
}

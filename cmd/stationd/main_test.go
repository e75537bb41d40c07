package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binDir holds stationd, stationctl and stationsim built for the end-to-end
// tests ("" with -short, when they are skipped).
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if !testing.Short() {
		dir, err := os.MkdirTemp("", "station-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if err := buildBinaries(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		binDir = dir
	}
	return m.Run()
}

// binaries returns the directory of the built binaries.
func binaries(t *testing.T) string {
	t.Helper()
	if binDir == "" {
		t.Skip("end-to-end test skipped with -short")
	}
	return binDir
}

// buildBinaries builds stationd, stationctl and stationsim into dir.
func buildBinaries(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	cmd := exec.Command(goBin, "build", "-o", dir+string(filepath.Separator), "./cmd/stationd", "./cmd/stationctl", "./cmd/stationsim")
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, b)
	}
	return nil
}

func TestRunFlags(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("station:\n  id: t\ndata:\n  dir: "+dir+"\nregistry:\n  url: http://127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("station:\n  id: t\nregistry:\n  kind: carrier-pigeon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		environ []string
		out     string
		err     string
	}{
		{"version", []string{"--version"}, nil, "stationd", ""},
		{"check good", []string{"--config", good, "--check-config"}, nil, "configuration OK", ""},
		{"check bad", []string{"--config", bad, "--check-config"}, nil, "", "registry.kind"},
		{"bad override", []string{"--config", good, "--check-config"}, []string{"STATION_HTTP_LISTEN=nowhere"}, "", "http.listen"},
		{"missing file", []string{"--config", filepath.Join(dir, "none.yaml")}, nil, "", "none.yaml"},
		{"stray argument", []string{"extra"}, nil, "", "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			err := run(t.Context(), tt.args, tt.environ, &out, &errOut)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("run(%v) error = %v, want one containing %q", tt.args, err, tt.err)
				}
				return
			}
			if err != nil || !strings.Contains(out.String(), tt.out) {
				t.Fatalf("run(%v) = %v, output %q; want %q", tt.args, err, out.String(), tt.out)
			}
		})
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const valid = `
station:
  id: kiosk-7
data:
  dir: /tmp/station-test
registry:
  kind: osia
  url: http://127.0.0.1:8090
`

func TestParseAppliesFileThenEnvironment(t *testing.T) {
	cfg, err := Parse([]byte(valid), []string{
		"STATION_HTTP_LISTEN=127.0.0.1:9999",
		"STATION_REGISTRY_URL=https://registry.example:8443/pr",
		"STATION_SYNC_MAX_BACKOFF=10m",
		"STATION_REGISTRY_GALLERIES=A, B",
		"STATION_SIMULATE_REGISTRY=true",
		"STATION_FINGERPRINT_SERIAL_PORTS=/dev/ttyS*,/dev/ttyAMA0",
		"OTHER_VAR=ignored",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Station.ID != "kiosk-7" || cfg.Data.Dir != "/tmp/station-test" {
		t.Errorf("file values not applied: %+v", cfg.Station)
	}
	if cfg.HTTP.Listen != "127.0.0.1:9999" || cfg.Registry.URL != "https://registry.example:8443/pr" {
		t.Errorf("environment not applied: %q %q", cfg.HTTP.Listen, cfg.Registry.URL)
	}
	if cfg.Sync.MaxBackoff != 10*time.Minute || !cfg.Simulate.Registry {
		t.Errorf("typed environment values not applied: %v %v", cfg.Sync.MaxBackoff, cfg.Simulate.Registry)
	}
	if strings.Join(cfg.Fingerprint.SerialPorts, "|") != "/dev/ttyS*|/dev/ttyAMA0" || cfg.Fingerprint.SerialBaud != 57600 {
		t.Errorf("fingerprint = %+v", cfg.Fingerprint)
	}
	if strings.Join(cfg.Registry.Galleries, "|") != "A|B" {
		t.Errorf("galleries = %q", cfg.Registry.Galleries)
	}
	if cfg.Data.KEKFile != "/tmp/station-test/station.kek" {
		t.Errorf("kek file default = %q", cfg.Data.KEKFile)
	}
	if cfg.Sync.Concurrency != Default().Sync.Concurrency {
		t.Errorf("default not kept: %d", cfg.Sync.Concurrency)
	}
}

func TestParseErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     []string
		wantKey string
	}{
		{"unknown key", valid + "\nregistry_typo: 1\n", nil, "registry_typo"},
		{"bad kind", valid, []string{"STATION_REGISTRY_KIND=soap"}, "registry.kind"},
		{"bad url", valid, []string{"STATION_REGISTRY_URL=ftp://x"}, "registry.url"},
		{"bad listen", valid, []string{"STATION_HTTP_LISTEN=8080"}, "http.listen"},
		{"bad duration env", valid, []string{"STATION_SYNC_LEASE=soon"}, "STATION_SYNC_LEASE"},
		{"bad int env", valid, []string{"STATION_SYNC_CONCURRENCY=many"}, "STATION_SYNC_CONCURRENCY"},
		{"concurrency range", valid, []string{"STATION_SYNC_CONCURRENCY=0"}, "sync.concurrency"},
		{"token without client", valid, []string{"STATION_REGISTRY_TOKEN_URL=http://127.0.0.1:1/t"}, "registry.client_id"},
		{"half mtls", valid, []string{"STATION_REGISTRY_CERT_FILE=/c.pem"}, "registry.cert_file"},
		{"bad station id", valid, []string{"STATION_STATION_ID=a b"}, "station.id"},
		{"bad log level", valid, []string{"STATION_LOG_LEVEL=loud"}, "log.level"},
		{"type mismatch", "sync:\n  concurrency: [1]\n", nil, "line 2"},
		{"no registry url", "station:\n  id: x\n", nil, "STATION_REGISTRY_URL"},
		{"odd baud", valid, []string{"STATION_FINGERPRINT_SERIAL_BAUD=50000"}, "fingerprint.serial_baud"},
		{"fast poll", valid, []string{"STATION_FINGERPRINT_POLL=1ms"}, "fingerprint.poll"},
		{"bad port glob", valid, []string{"STATION_FINGERPRINT_SERIAL_PORTS=/dev/tty[USB"}, "fingerprint.serial_ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("error %q does not name %q", err, tt.wantKey)
			}
		})
	}
}

func TestShippedConfigsAreValid(t *testing.T) {
	for _, name := range []string{"sim.yaml", "station.yaml"} {
		path := filepath.Join("..", "..", "configs", name)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		env := []string{"STATION_DATA_DIR=" + t.TempDir()}
		cfg, err := Load(path, env)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// A partial workflow section keeps the default policy's other keys.
		if !cfg.Workflow.RequireChip || cfg.Workflow.MinFaceScore != 60 {
			t.Errorf("%s: workflow policy %+v lost its defaults", name, cfg.Workflow)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil); err == nil {
		t.Fatal("missing file accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid), "STATION_SYNC_LEASE=5s")
	f.Add([]byte("sync: {concurrency: 3}"), "STATION_REGISTRY_GALLERIES=a,,b")
	f.Add([]byte("a: &x [*x]"), "")
	f.Fuzz(func(t *testing.T, data []byte, env string) {
		cfg, err := Parse(data, []string{env})
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that Validate rejects: %v", verr)
			}
		}
	})
}

func TestRegistrySecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		reg     Registry
		want    string
		wantErr string
	}{
		{"inline", Registry{ClientSecret: "s3cret"}, "s3cret", ""},
		{"file", Registry{ClientSecretFile: write("ok", " from-file \nignored\n", 0o600)}, "from-file", ""},
		{"group readable file", Registry{ClientSecretFile: write("group", "g\n", 0o640)}, "g", ""},
		{"world readable file", Registry{ClientSecretFile: write("world", "w\n", 0o644)}, "", "chmod 0600"},
		{"empty file", Registry{ClientSecretFile: write("empty", "\n", 0o600)}, "", "is empty"},
		{"missing file", Registry{ClientSecretFile: filepath.Join(dir, "none")}, "", "registry.client_secret_file"},
		{"huge file", Registry{ClientSecretFile: write("huge", strings.Repeat("x", maxSecretFile+1), 0o600)}, "", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.reg.Secret()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Secret() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Secret() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	cfg, err := Parse([]byte(valid+`
targets:
  - name: second
    url: http://127.0.0.1:9000
  - kind: osia
    url: http://127.0.0.1:9001
    name: third
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	all := cfg.AllTargets()
	if len(all) != 3 || all[0].Name != "osia" || all[1].Name != "second" || all[1].Kind != "osia" ||
		all[1].Timeout != Default().Registry.Timeout || all[2].Name != "third" {
		t.Fatalf("targets %+v", all)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"duplicate name", "targets:\n  - url: http://127.0.0.1:9000\n", "targets[0].name: \"osia\" is used"},
		{"no url", "targets:\n  - name: b\n", "targets[0].url"},
		{"bad kind", "targets:\n  - name: b\n    kind: soap\n    url: http://x:1\n", "targets[0].kind"},
		{"token without client", "targets:\n  - name: b\n    url: http://x:1\n    token_url: http://x:1/t\n", "targets[0].client_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(valid+tc.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

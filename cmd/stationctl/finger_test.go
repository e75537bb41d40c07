package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/finger/fir"
	"github.com/capturestation/station/internal/pgm"
	"github.com/capturestation/station/internal/testdata/fingerprints"
	"github.com/capturestation/station/internal/wsq"
)

func stationctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"--socket", "/nonexistent.sock"}, args...), nil, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

// The simulated scanners run the real drivers: the serial module through
// a pseudo-terminal, the USB reader through its transport seam.
func TestDiagFingerThroughSimulators(t *testing.T) {
	for _, tc := range []struct {
		device, driver string
		w, h           int
		out            string
	}{
		{"sim:zfm", "zfm", 256, 288, "print.wsq"},
		{"sim:uru4000", "uru4000", 384, 290, "print.fir"},
	} {
		t.Run(tc.device, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tc.out)
			code, stdout, stderr := stationctl(t, "diag", "finger", "--device", tc.device, "--out", out, "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var res struct {
				Device struct {
					Driver        string
					Width, Height int
				}
				Stages  []struct{ Stage string }
				Quality struct {
					Score, Minutiae int
				}
			}
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout)
			}
			var stages []string
			for _, s := range res.Stages {
				stages = append(stages, s.Stage)
			}
			if got := strings.Join(stages, ", "); got != "waiting for finger, finger detected, image ready, remove finger" {
				t.Errorf("stages: %s", got)
			}
			if res.Device.Driver != tc.driver || res.Device.Width != tc.w || res.Device.Height != tc.h {
				t.Errorf("device %+v", res.Device)
			}
			if res.Quality.Score <= 0 || res.Quality.Minutiae < 10 {
				t.Errorf("quality of a clean generated print: %+v", res.Quality)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("print saved with mode %v, want 0600", st.Mode().Perm())
			}
			img, ppi, err := readPrint(out, 0)
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h || ppi != 500 {
				t.Errorf("saved print %v at %d ppi", img.Bounds(), ppi)
			}
		})
	}
}

func TestDiagFingerErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no device", []string{"diag", "finger"}, 2, "needs --device"},
		{"unknown device", []string{"diag", "finger", "--device", "camera:0"}, 2, "unknown device"},
		{"bad baud", []string{"diag", "finger", "--device", "zfm:/dev/ttyUSB0@1234"}, 2, "multiple of 9600"},
		{"missing tty", []string{"diag", "finger", "--device", "zfm:/nonexistent/ttyUSB9"}, 1, "check the device path"},
		{"bad output type", []string{"diag", "finger", "--device", "sim:uru4000", "--out", filepath.Join(t.TempDir(), "p.bmp")}, 1, "unknown file type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := stationctl(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
		})
	}
}

func TestWSQAndQualityCommands(t *testing.T) {
	dir := t.TempDir()
	p, err := fingerprints.Generate(fingerprints.Params{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pgm.Encode(&buf, p.Image); err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "print.pgm")
	if err := os.WriteFile(raw, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	packed, back := filepath.Join(dir, "print.wsq"), filepath.Join(dir, "back.png")

	code, stdout, stderr := stationctl(t, "wsq", "encode", raw, packed, "--json")
	if code != 0 {
		t.Fatalf("encode: exit %d: %s", code, stderr)
	}
	var enc struct{ InBytes, OutBytes int64 }
	if err := json.Unmarshal([]byte(stdout), &enc); err != nil {
		t.Fatal(err)
	}
	if ratio := float64(enc.InBytes) / float64(enc.OutBytes); ratio < 8 || ratio > 20 {
		t.Errorf("compression %d → %d bytes (%.1f:1), expected about 12:1 at 0.75", enc.InBytes, enc.OutBytes, ratio)
	}
	f, err := os.Open(packed)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := wsq.DecodeConfig(f)
	f.Close()
	if err != nil || cfg.Width != 416 || cfg.Height != 560 || cfg.PPI != 500 {
		t.Fatalf("WSQ header %+v, %v", cfg, err)
	}
	if code, _, stderr := stationctl(t, "wsq", "decode", packed, back); code != 0 {
		t.Fatalf("decode: exit %d: %s", code, stderr)
	}

	code, stdout, stderr = stationctl(t, "quality", "finger", raw, back, "--json")
	if code != 0 {
		t.Fatalf("quality: exit %d: %s", code, stderr)
	}
	var reps []fingerReport
	if err := json.Unmarshal([]byte(stdout), &reps); err != nil || len(reps) != 2 {
		t.Fatalf("quality output: %v\n%s", err, stdout)
	}
	if d := reps[0].Score - reps[1].Score; d < -10 || d > 10 || reps[0].Score < 20 {
		t.Errorf("scores %d (original) and %d (after WSQ) should be close and fair", reps[0].Score, reps[1].Score)
	}
	if len(reps[0].Features) != len(reps[1].Features) || len(reps[0].Features) < 60 {
		t.Errorf("%d features listed", len(reps[0].Features))
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"encode needs .wsq", []string{"wsq", "encode", raw, filepath.Join(dir, "x.png")}, 2, "writes a .wsq"},
		{"decode needs .wsq", []string{"wsq", "decode", raw, filepath.Join(dir, "x.png")}, 2, "reads a .wsq"},
		{"no op", []string{"wsq"}, 2, "encode or decode"},
		{"corrupt wsq", []string{"wsq", "decode", writeFile(t, dir, "bad.wsq", []byte{0xFF, 0xA0, 0xFF}), filepath.Join(dir, "x.pgm")}, 1, "bad.wsq"},
		{"missing file", []string{"quality", "finger", filepath.Join(dir, "none.pgm")}, 1, "no such file"},
		{"unknown type", []string{"quality", "finger", writeFile(t, dir, "notes.txt", []byte("x"))}, 1, "unknown file type"},
		{"blank print", []string{"quality", "finger", writeFile(t, dir, "blank.pgm", append([]byte("P5 300 300 255\n"), bytes.Repeat([]byte{200}, 300*300)...))}, 1, "empty"},
		{"not a record", []string{"quality", "finger", writeFile(t, dir, "x.fir", []byte("FIR\x00020\x00"))}, 1, "finger image record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := stationctl(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
		})
	}
}

func TestFingerRecordCarriesWSQAndScore(t *testing.T) {
	p, err := fingerprints.Generate(fingerprints.Params{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := fingerRecord(p.Image, 500, 0.75, 57)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := fir.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	im := rec.Images[0]
	if rec.Version != fir.V2011 || im.Compression != fir.WSQ || im.Width != 416 || im.Height != 560 ||
		len(im.Quality) != 1 || im.Quality[0] != (fir.Quality{Score: 57}) || im.Captured.IsZero() {
		t.Fatalf("record image %+v", im)
	}
	if _, err := wsq.Decode(bytes.NewReader(im.Data)); err != nil {
		t.Fatalf("record's WSQ: %v", err)
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

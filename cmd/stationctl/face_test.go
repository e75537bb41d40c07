package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/capturestation/station/internal/testdata/faces"
)

func TestQualityFaceAndTokenCrop(t *testing.T) {
	dir := t.TempDir()
	img, err := faces.Astronaut()
	if err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(dir, "portrait.png")
	f, err := os.Create(photo)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	token := filepath.Join(dir, "token.jpg")
	code, stdout, stderr := stationctl(t, "quality", "face", photo, "--token-out", token, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Report struct {
			Faces    int
			Measures []struct {
				Name string
				Pass bool
			}
		}
		TokenBytes int
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Report.Faces != 1 || len(res.Report.Measures) < 15 {
		t.Fatalf("report %+v", res.Report)
	}
	st, err := os.Stat(token)
	if err != nil || st.Size() > 20000 || st.Size() < 5000 || int(st.Size()) != res.TokenBytes || st.Mode().Perm() != 0o600 {
		t.Fatalf("token crop %v (%v), reported %d bytes", st, err, res.TokenBytes)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no image", []string{"quality", "face"}, 2},
		{"not an image", []string{"quality", "face", "face_test.go"}, 1},
		{"two images, one token", []string{"quality", "face", photo, photo, "--token-out", token}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := stationctl(t, tc.args...); code != tc.code {
				t.Fatalf("exit %d, want %d", code, tc.code)
			}
		})
	}
}

// The simulated camera plays a subject arriving, moving and blinking; the
// pump, the judge and auto-capture run as on a real camera.
func TestDiagCameraSimulated(t *testing.T) {
	code, stdout, stderr := stationctl(t, "diag", "camera", "--device", "sim", "--frames", "60", "--fps", "10", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Frames, Passed   int
		AutoCaptureFrame *int
		Camera           struct{ Frames uint64 }
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Frames != 60 || res.Passed == 0 || res.Passed == 60 || res.AutoCaptureFrame == nil || res.Camera.Frames < 60 {
		t.Fatalf("result %s", stdout)
	}
	if code, _, _ := stationctl(t, "diag", "camera"); code != 2 {
		t.Fatalf("diag camera without a device: exit %d", code)
	}
}

// writeFrames renders a generated sequence into a folder of PNG frames.
func writeFrames(t *testing.T, label faces.Label, seed uint64) string {
	t.Helper()
	g, err := faces.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	seq, err := g.Sequence(faces.Spec{Label: label, Seed: seed, Frames: 16})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range seq.Len() {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("frame-%03d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, seq.Frame(i)); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

func TestLivenessCommand(t *testing.T) {
	for _, tc := range []struct {
		label faces.Label
		live  bool
	}{
		{faces.BonaFide, true},
		{faces.PrintAttack, false},
	} {
		t.Run(tc.label.String(), func(t *testing.T) {
			dir := writeFrames(t, tc.label, 500)
			code, stdout, stderr := stationctl(t, "liveness", dir, "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var res struct {
				Verdict struct {
					Live   bool
					Frames int
				}
			}
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatal(err)
			}
			if res.Verdict.Live != tc.live || res.Verdict.Frames != 16 {
				t.Fatalf("verdict %s", stdout)
			}
		})
	}
	for _, args := range [][]string{
		{"liveness"},
		{"liveness", t.TempDir(), "--challenge", "dance"},
	} {
		if code, _, _ := stationctl(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := stationctl(t, "liveness", t.TempDir()); code != 1 {
		t.Errorf("empty folder: exit %d, want 1", code)
	}
}

// Generated presentations played by the simulated camera reach the
// liveness check through the frame pump.
func TestDiagCameraLiveness(t *testing.T) {
	for _, tc := range []struct {
		scene string
		live  bool
	}{
		{"sim:bona-fide", true},
		{"sim:screen-replay", false},
	} {
		t.Run(tc.scene, func(t *testing.T) {
			code, stdout, stderr := stationctl(t, "diag", "camera", "--device", tc.scene, "--frames", "20", "--fps", "30", "--liveness", "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var res struct{ Liveness *struct{ Live bool } }
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Liveness == nil || res.Liveness.Live != tc.live {
				t.Fatalf("liveness %s (%v)", stdout, err)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capturestation/station/internal/testdata/mrzpages"
)

func TestDiagMRZ(t *testing.T) {
	const td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"valid text", []string{"diag", "mrz", "--text", td3}, 0, []string{"TD3", "valid        true", "ERIKSSON, ANNA MARIA", "1974-08-12"}},
		{"json", []string{"diag", "mrz", "--json", "--text", td3}, 0, []string{`"documentNumber": "L898902C3"`, `"valid": true`, `"milliseconds"`}},
		{"bad check digit", []string{"diag", "mrz", "--text", strings.Replace(td3, "C36", "C37", 1)}, 1, []string{"valid        false", "documentNumber (line 2, column 10): check digit"}},
		{"repaired", []string{"diag", "mrz", "--repair", "--text", strings.Replace(td3, "7408122F", "74O8122F", 1)}, 0, []string{"repaired", "O → 0"}},
		{"not an MRZ", []string{"diag", "mrz", "--text", "hello"}, 1, []string{"1 lines"}},
		{"missing image", []string{"diag", "mrz", "/nonexistent/page.jpg"}, 1, []string{"no such file"}},
		{"not an image", []string{"diag", "mrz", "diag_test.go"}, 1, []string{"not a readable JPEG or PNG"}},
		{"no text", []string{"diag", "mrz"}, 2, []string{"needs IMAGE"}},
		{"camera", []string{"diag", "mrz", "--json", "--camera", "sim", "--width", "1280", "--height", "960"}, 0,
			[]string{`"valid": true`, `"documentNumber": "L898902C3"`, `"mrz_read": 1`}},
		{"camera without frames", []string{"diag", "mrz", "--camera", "/nonexistent/video.mp4", "--seconds", "1"}, 1, []string{"no frame in 1s"}},
		{"camera and image", []string{"diag", "mrz", "page.jpg", "--camera", "sim"}, 2, []string{"one of them"}},
		{"camera, no time", []string{"diag", "mrz", "--camera", "sim", "--seconds", "0"}, 2, []string{"--seconds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"--socket", "/nonexistent.sock"}, tt.args...), nil, nil, &out, &errOut)
			all := out.String() + errOut.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			if strings.Contains(strings.Join(tt.args, " "), "--json") {
				var v map[string]any
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Fatalf("not JSON: %v", err)
				}
			}
		})
	}
}

func TestDiagMRZImage(t *testing.T) {
	g, err := mrzpages.New()
	if err != nil {
		t.Skip(err)
	}
	s, err := g.Sample(3, 1, mrzpages.Clean)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "page.png")
	if err := os.WriteFile(path, s.Image, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--socket", "/nonexistent.sock", "diag", "mrz", "--json", path}, nil, nil, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	var reps []struct {
		Valid bool
		Lines []string
	}
	if err := json.Unmarshal(out.Bytes(), &reps); err != nil || len(reps) != 1 || !reps[0].Valid ||
		strings.Join(reps[0].Lines, "|") != strings.Join(s.Lines, "|") {
		t.Fatalf("%s (%v)", out.String(), err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
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
		{"image", []string{"diag", "mrz", "page.jpg"}, 1, []string{"not available yet"}},
		{"no text", []string{"diag", "mrz"}, 2, []string{"needs --text"}},
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

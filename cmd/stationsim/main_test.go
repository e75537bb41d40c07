package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", nil, "missing simulator kind"},
		{"unknown kind", []string{"camera"}, "available kinds: chip, finger, registry"},
		{"kind without name", []string{"registry"}, "available: dis, idv, osia, personapi, spid"},
		{"unknown registry", []string{"registry", "soap"}, `unknown registry simulator "soap"`},
		{"unknown flag", []string{"registry", "osia", "--colour"}, "flag provided but not defined"},
		{"extra argument", []string{"registry", "osia", "now"}, "unexpected arguments"},
		{"fail rate out of range", []string{"registry", "osia", "--fail-rate", "1.5"}, "failRate"},
		{"bad latency", []string{"registry", "osia", "--latency", "soon"}, "--latency"},
		{"bad status", []string{"registry", "osia", "--status", "200"}, "status 200"},
		{"cert without key", []string{"registry", "osia", "--tls-cert", "c.pem"}, "--tls-cert and --tls-key"},
		{"client CA without TLS", []string{"registry", "osia", "--client-ca", "ca.pem"}, "--client-ca needs"},
		{"empty secret", []string{"registry", "osia", "--client-secret", ""}, "must not be empty"},
		{"bad log level", []string{"registry", "osia", "--log-level", "loud"}, "--log-level"},
		{"bad listen address", []string{"registry", "osia", "--listen", "127.0.0.1:notaport"}, "listen on"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, io.Discard, &errOut); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(errOut.String(), "registry osia") {
		t.Errorf("--help: %v, %q", err, errOut.String())
	}
}

// waitAddr reads the "listening on" line.
func waitAddr(t *testing.T, r io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return addr
		}
	}
	t.Fatalf("no listening line: %v", sc.Err())
	return ""
}

type simClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *simClient) token(id, secret string) (string, int, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	return tr.AccessToken, resp.StatusCode, resp.Header
}

func (c *simClient) do(method, path, token, body string) int {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (c *simClient) stats() (persons, identities int) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + "/_sim/stats")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Persons, Identities int }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		c.t.Fatal(err)
	}
	return s.Persons, s.Identities
}

const person = `{"status":"ACTIVE","physicalStatus":"ALIVE"}`

func TestRunInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"registry", "osia", "--listen", "127.0.0.1:0", "--client-id", "c", "--client-secret", "s"}, pw, io.Discard)
		pw.Close()
	}()
	c := &simClient{t: t, base: "http://" + waitAddr(t, pr), http: &http.Client{Timeout: 10 * time.Second}}
	tok, status, _ := c.token("c", "s")
	if status != 200 {
		t.Fatalf("token: %d", status)
	}
	if got := c.do("POST", "/v1/persons/P1?transactionId=t", tok, person); got != 201 {
		t.Fatalf("create person: %d", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}

// TestCommand builds stationsim and runs it as a process, as the crash tests
// and technicians do.
func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "stationsim")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "registry.db")

	start := func(args ...string) (*simClient, *exec.Cmd) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"registry", "osia", "--listen", "127.0.0.1:0"}, args...)...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		})
		return &simClient{t: t, base: "http://" + waitAddr(t, stdout), http: &http.Client{Timeout: 10 * time.Second}}, cmd
	}
	stop := func(cmd *exec.Cmd) {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	}

	// A persistent registry keeps its records across a restart.
	c, cmd := start("--data", data)
	tok, status, _ := c.token("station", "sim-secret")
	if status != 200 {
		t.Fatalf("token: %d", status)
	}
	for i := range 3 {
		if got := c.do("POST", fmt.Sprintf("/v1/persons/P%d?transactionId=t", i), tok, person); got != 201 {
			t.Fatalf("create person: %d", got)
		}
		id := `{"identityType":"CIVIL","status":"CLAIMED","biographicData":{"firstName":"A"}}`
		if got := c.do("POST", fmt.Sprintf("/v1/persons/P%d/identities/I1?transactionId=t", i), tok, id); got != 201 {
			t.Fatalf("create identity: %d", got)
		}
	}
	stop(cmd)
	c, cmd = start("--data", data)
	if p, i := c.stats(); p != 3 || i != 3 {
		t.Errorf("after restart: %d persons, %d identities", p, i)
	}
	if _, status, _ := c.token("station", "wrong"); status != 401 {
		t.Errorf("wrong secret: %d", status)
	}
	// Tokens of the previous process are signed with another key.
	if got := c.do("GET", "/v1/persons/P1?transactionId=t", tok, ""); got != 401 {
		t.Errorf("old token: %d", got)
	}
	stop(cmd)

	// --status without --fail-rate fails every request.
	c, cmd = start("--status", "503", "--retry-after", "2")
	if _, status, h := c.token("station", "sim-secret"); status != 503 || h.Get("Retry-After") != "2" {
		t.Errorf("token under --status 503: %d, Retry-After %q", status, h.Get("Retry-After"))
	}
	if got := c.do("GET", "/v1/persons/P1?"+url.Values{"transactionId": {"t"}}.Encode(), "x", ""); got != 503 {
		t.Errorf("request under --status 503: %d", got)
	}
	stop(cmd)
	if _, err := os.Stat(data); err != nil {
		t.Errorf("data file: %v", err)
	}
}

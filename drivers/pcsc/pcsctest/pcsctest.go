// Package pcsctest starts a private pcscd for tests, with vpcd virtual
// reader slots that test cards connect to (package vpcd), so PC/SC code is
// tested through the real pcsc-lite daemon and client library.
//
// pcscd 1.9 always binds /run/pcscd/pcscd.comm, so the daemon runs in a
// private mount namespace (unshare -m) where a temporary directory is
// mounted on /run/pcscd; clients find it through PCSCLITE_CSOCK_NAME. This
// needs root (as CI has), pcscd and vsmartcard-vpcd; without them the tests
// that use it are skipped with the reason.
package pcsctest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// vpcdDriver is the vpcd IFD handler installed by vsmartcard-vpcd.
const vpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

// Daemon is a running private pcscd.
type Daemon struct {
	// Socket is the daemon's socket; PCSCLITE_CSOCK_NAME is set to it.
	Socket string
	// Slots are the vpcd slots: the reader name and the TCP address a
	// virtual card connects to.
	Slots []Slot
	log   *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the daemon's output goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Slot is one vpcd reader slot.
type Slot struct {
	Reader string
	Addr   string
}

// Start runs a private pcscd with one vpcd reader (two slots) and stops it
// when the test ends. It sets PCSCLITE_CSOCK_NAME for the test process.
// Tests of one process must not run two daemons at once (no t.Parallel).
func Start(t testing.TB, name string) *Daemon {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("pcsctest: needs root for a private mount namespace (CI runs as root)")
	}
	for _, p := range []string{vpcdDriver} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("pcsctest: %s missing (make deps installs vsmartcard-vpcd)", p)
		}
	}
	pcscd, err := exec.LookPath("pcscd")
	if err != nil {
		t.Skip("pcsctest: pcscd missing (make deps installs it)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("pcsctest: unshare missing")
	}
	port := freePortPair(t)
	// libpcsclite reads PCSCLITE_CSOCK_NAME once per process, so every
	// daemon of a test process lives at the same path, one at a time.
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("pcsctest-%d", os.Getpid()))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run, conf := filepath.Join(dir, "run"), filepath.Join(dir, "reader.conf.d")
	for _, d := range []string{run, conf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("FRIENDLYNAME \"%s\"\nDEVICENAME /dev/null:%d\nLIBPATH %s\nCHANNELID %d\n", name, port, vpcdDriver, port)
	if err := os.WriteFile(filepath.Join(conf, "vpcd"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "mkdir -p /run/pcscd && mount --bind \"$1\" /run/pcscd && exec \"$2\" --foreground --config \"$3\" --info"
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", run, pcscd, conf)
	d := &Daemon{Socket: filepath.Join(run, "pcscd.comm"), log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = d.log, d.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("pcsctest: start pcscd: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("pcscd log:\n%s", d.log.String())
		}
	})
	for i := 0; i < 2; i++ {
		d.Slots = append(d.Slots, Slot{Reader: fmt.Sprintf("%s 00 %02d", name, i), Addr: "127.0.0.1:" + strconv.Itoa(port+i)})
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(d.Socket); err == nil && strings.Contains(d.log.String(), "daemon ready") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pcsctest: pcscd did not come up:\n%s", d.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Setenv("PCSCLITE_CSOCK_NAME", d.Socket)
	return d
}

// Log returns what pcscd printed so far.
func (d *Daemon) Log() string { return d.log.String() }

// freePortPair finds two consecutive free TCP ports on loopback.
func freePortPair(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+1))
		l.Close()
		if err == nil {
			l2.Close()
			return port
		}
	}
	t.Fatal("pcsctest: no two consecutive free ports")
	return 0
}

package uru4000

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden traffic files")

// recorder is a Transport that logs every transfer of the one it wraps.
type recorder struct {
	Transport
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *recorder) Control(ctx context.Context, rType, request uint8, val, idx uint16, data []byte) (int, error) {
	if rType == RequestTypeOut {
		out := fmt.Sprintf("%x", data)
		n, err := r.Transport.Control(ctx, rType, request, val, idx, data)
		r.add("ctrl out %02x reg=%#04x %s -> %d %v", request, val, out, n, err)
		return n, err
	}
	n, err := r.Transport.Control(ctx, rType, request, val, idx, data)
	r.add("ctrl in  %02x reg=%#04x len=%d -> %x %v", request, val, len(data), data[:n], err)
	return n, err
}

func (r *recorder) ReadInterrupt(ctx context.Context, buf []byte) (int, error) {
	n, err := r.Transport.ReadInterrupt(ctx, buf)
	r.add("irq  %d bytes %x %v", n, buf[:min(n, 2)], err)
	return n, err
}

func (r *recorder) ReadBulk(ctx context.Context, buf []byte) (int, error) {
	n, err := r.Transport.ReadBulk(ctx, buf)
	r.add("bulk %d bytes sha256:%x %v", n, sha256.Sum256(buf[:n]), err)
	return n, err
}

// TestTrafficGolden pins the exact transfer sequence of open, two captures
// and close on each kind of device, so protocol changes show up in review.
// Run with -update to rewrite the files.
func TestTrafficGolden(t *testing.T) {
	tests := []struct {
		name string
		cfg  SimConfig
	}{
		{"4000b", SimConfig{Model: ModelURU4000B()}},
		{"4000-plain", SimConfig{Model: ModelURU4000()}},
		{"msv2-auth-scrambling", SimConfig{Model: ModelMSv2(), Scrambles: true, PowerUpDelay: 1}},
		{"4000b-confused-power", SimConfig{Model: ModelURU4000B(), HWStat: 0x84, RebootPolls: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.AutoFinger = true
			tc.cfg.Seed = 42
			sim := NewSimulator(tc.cfg)
			if err := sim.SetImage(testPrint(42)); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{Transport: sim}
			s, err := Open(testCtx(t), rec, tc.cfg.Model, "sim/1", fastOptions())
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := s.Capture(testCtx(t), nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(rec.log, "\n") + "\n"
			path := filepath.Join("testdata", tc.name+".golden")
			if *updateGolden {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("traffic differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}

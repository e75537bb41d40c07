package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/store"
)

// diskGuard watches the free space of the data directory. Below the
// threshold the station refuses new enrollments, so that a capture never
// fails half-way for lack of space.
type diskGuard struct {
	dir     string
	minFree uint64
	health  *health.Registry

	mu      sync.Mutex
	refusal string
}

func newDiskGuard(dir string, minFree uint64, h *health.Registry) *diskGuard {
	return &diskGuard{dir: dir, minFree: minFree, health: h}
}

// check measures the free space now and updates the health check.
func (g *diskGuard) check() error {
	free, err := store.FreeBytes(g.dir)
	if err != nil {
		g.set(health.Critical, "cannot measure free space: "+err.Error(), "free space unknown")
		return fmt.Errorf("data.dir %s: %w", g.dir, err)
	}
	if free < g.minFree {
		msg := fmt.Sprintf("only %d MB free under %s, below data.min_free_mb (%d MB): new enrollments are refused until space is freed",
			free>>20, g.dir, g.minFree>>20)
		g.set(health.Critical, msg, msg)
		return nil
	}
	g.set(health.OK, fmt.Sprintf("%d MB free", free>>20), "")
	return nil
}

func (g *diskGuard) set(l health.Level, msg, refusal string) {
	g.mu.Lock()
	g.refusal = refusal
	g.mu.Unlock()
	g.health.Set(componentDisk, l, msg)
}

// refused returns why new enrollments are refused, or "" when they are accepted.
// It measures again so that freed space is seen at once.
func (g *diskGuard) refused() string {
	_ = g.check()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refusal
}

// serve re-checks every interval until ctx ends.
func (g *diskGuard) serve(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			_ = g.check()
		}
	}
}

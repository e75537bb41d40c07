package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func quietGroup() *Group {
	g := NewGroup(slog.New(slog.NewTextHandler(io.Discard, nil)))
	g.minBackoff, g.maxBackoff = time.Millisecond, 4*time.Millisecond
	return g
}

func TestRestartableServiceIsRestarted(t *testing.T) {
	g := quietGroup()
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	g.Add("flaky", Func(func(ctx context.Context) error {
		if runs.Add(1) == 3 {
			cancel()
			<-ctx.Done()
			return nil
		}
		return errors.New("boom")
	}), true)
	if err := g.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	if runs.Load() != 3 {
		t.Errorf("ran %d times, want 3", runs.Load())
	}
}

func TestFailureStopsGroup(t *testing.T) {
	g := quietGroup()
	stopped := make(chan struct{})
	g.Add("long", Func(func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return ctx.Err()
	}), false)
	g.Add("fatal", Func(func(context.Context) error { return errors.New("cannot open store") }), false)
	err := g.Run(context.Background())
	if err == nil || err.Error() != "fatal: cannot open store" {
		t.Fatalf("Run = %v", err)
	}
	select {
	case <-stopped:
	default:
		t.Fatal("the other service was not stopped before Run returned")
	}
}

func TestCancelIsCleanExit(t *testing.T) {
	g := quietGroup()
	ctx, cancel := context.WithCancel(context.Background())
	g.Add("a", Func(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }), false)
	cancel()
	if err := g.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

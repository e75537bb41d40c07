// Package service runs the station's long-lived parts under one context:
// each is a Service whose Serve returns when its context is cancelled. A
// Group starts them together; a service marked restartable is restarted with
// exponential backoff when it fails, any other failure stops the whole group.
// A cancelled context is a clean exit.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"
)

// Service is a long-running part of the station.
type Service interface {
	// Serve runs until ctx is cancelled (returning nil or ctx's error) or it fails.
	Serve(ctx context.Context) error
}

// Func adapts a function to Service.
type Func func(ctx context.Context) error

// Serve calls f.
func (f Func) Serve(ctx context.Context) error { return f(ctx) }

type member struct {
	name    string
	svc     Service
	restart bool
}

// Group is a set of services run together. Add every service before Run.
type Group struct {
	log        *slog.Logger
	members    []member
	minBackoff time.Duration
	maxBackoff time.Duration
}

// NewGroup returns an empty group that logs restarts to log.
func NewGroup(log *slog.Logger) *Group {
	return &Group{log: log, minBackoff: 500 * time.Millisecond, maxBackoff: 30 * time.Second}
}

// Add registers a service. A restartable service that fails is started
// again after a backoff; a service that is not stops the group when it fails.
func (g *Group) Add(name string, s Service, restartable bool) {
	g.members = append(g.members, member{name: name, svc: s, restart: restartable})
}

// Run starts every service and waits until ctx is cancelled (returning nil)
// or a non-restartable service fails (returning its error after the others
// have stopped).
func (g *Group) Run(ctx context.Context) error {
	eg, ctx := errgroup.WithContext(ctx)
	for _, m := range g.members {
		eg.Go(func() error { return g.runOne(ctx, m) })
	}
	err := eg.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func (g *Group) runOne(ctx context.Context, m member) error {
	backoff := g.minBackoff
	for {
		started := time.Now()
		err := m.svc.Serve(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = errors.New("stopped unexpectedly")
		}
		if !m.restart {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if time.Since(started) > 4*g.maxBackoff {
			backoff = g.minBackoff // it ran well for a while: start over
		}
		g.log.Warn("service failed; restarting", "service", m.name, "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, g.maxBackoff)
	}
}

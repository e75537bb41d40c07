package worker

import (
	"context"
	"fmt"
	"time"
)

// Health component names of a target.
func registryComponent(target string) string { return "registry/" + target }
func syncComponent(target string) string     { return "sync/" + target }

// monitor pings the registry on an interval and after failures, and checks
// for stuck items, until ctx is cancelled.
func (w *Worker) monitor(ctx context.Context) {
	if w.health == nil {
		return
	}
	ticker := time.NewTicker(w.cfg.PingInterval)
	defer ticker.Stop()
	for {
		w.ping(ctx)
		w.checkStuck(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-w.pingNow:
		}
	}
}

func (w *Worker) ping(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, min(10*time.Second, w.cfg.PingInterval))
	err := w.conn.Ping(pctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		w.setReachable(false, fmt.Sprintf("registry %s unreachable: %v; enrollments stay queued and are sent when it answers", w.target, err))
		return
	}
	w.setReachable(true, "reachable")
	if w.heldUntil().After(w.now()) {
		w.release(true)
		signal(w.kick)
	}
}

func (w *Worker) setReachable(ok bool, msg string) {
	if w.health != nil {
		w.health.Set(registryComponent(w.target), ok, msg)
	}
}

// checkStuck reports the oldest undelivered item when it is older than StuckAfter.
func (w *Worker) checkStuck(ctx context.Context) {
	st, err := w.ob.TargetStats(ctx, w.target)
	if err != nil {
		if ctx.Err() == nil {
			w.health.Set(syncComponent(w.target), false, fmt.Sprintf("cannot read the queue: %v", err))
		}
		return
	}
	age := w.now().Sub(st.OldestUndelivered)
	if st.OldestUndelivered.IsZero() || age <= w.cfg.StuckAfter {
		w.health.Set(syncComponent(w.target), true, fmt.Sprintf("%d undelivered, %d failed", st.Undelivered(), st.Failed))
		return
	}
	reason := "waiting"
	if it, err := w.ob.Get(ctx, st.OldestUndeliveredID); err == nil {
		reason = it.State.String()
		if it.LastErrorClass != "" {
			reason += fmt.Sprintf(" after %d attempts, last error (%s): %s", it.Attempts, it.LastErrorClass, it.LastError)
		}
	}
	w.health.Set(syncComponent(w.target), false, fmt.Sprintf("item %s undelivered for %s (%s); %d undelivered, %d failed: check the registry or the failed list",
		st.OldestUndeliveredID, age.Round(time.Minute), reason, st.Undelivered(), st.Failed))
}

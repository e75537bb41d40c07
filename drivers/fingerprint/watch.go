package fingerprint

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Finder lists the scanners of one family that are present now.
type Finder interface {
	Find(ctx context.Context) ([]Info, error)
}

// DeviceEvent reports a scanner arriving or leaving.
type DeviceEvent struct {
	Attached bool
	Info     Info
}

// Find lists the scanners all finders see, sorted by ID. A finder that
// fails does not hide the others: their devices are returned together with
// the first error.
func Find(ctx context.Context, finders ...Finder) ([]Info, error) {
	var (
		all      []Info
		firstErr error
	)
	for _, f := range finders {
		infos, err := f.Find(ctx)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("finding fingerprint scanners: %w", err)
		}
		all = append(all, infos...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID() < all[j].ID() })
	return all, firstErr
}

// Watch polls the finders every interval and calls fn for every scanner
// that appears or disappears, starting with those present at the first
// poll. A finder that fails keeps its previous view, so a passing failure
// does not report its devices detached, and does not hide what the other
// finders see. Watch returns when ctx ends.
func Watch(ctx context.Context, interval time.Duration, fn func(DeviceEvent), finders ...Finder) error {
	if interval <= 0 {
		return fmt.Errorf("fingerprint watch: interval must be positive, got %v", interval)
	}
	known := map[string]Info{}
	views := make([][]Info, len(finders))
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for i, f := range finders {
			if infos, err := f.Find(ctx); err == nil {
				views[i] = infos
			}
		}
		now := map[string]Info{}
		for _, v := range views {
			for _, in := range v {
				now[in.ID()] = in
			}
		}
		for _, in := range sortedInfos(now) {
			if _, ok := known[in.ID()]; !ok {
				fn(DeviceEvent{Attached: true, Info: in})
			}
		}
		for _, in := range sortedInfos(known) {
			if _, ok := now[in.ID()]; !ok {
				fn(DeviceEvent{Attached: false, Info: in})
			}
		}
		known = now
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func sortedInfos(m map[string]Info) []Info {
	out := make([]Info, 0, len(m))
	for _, in := range m {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}

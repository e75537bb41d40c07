package outbox

import (
	"context"
	"fmt"
	"time"
)

// ServePurge runs PurgeExpired now and then every interval (default 1 h)
// until ctx is cancelled, when it returns nil. It returns an error when a
// purge fails, so that a service group can log it and restart it.
func (ob *Outbox) ServePurge(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = time.Hour
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		if _, err := ob.PurgeExpired(ctx, ob.now()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("retention purge: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

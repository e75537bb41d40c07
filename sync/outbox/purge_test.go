package outbox

import (
	"context"
	"testing"
	"time"

	"github.com/capturestation/station/sync/delivery"
)

func TestServePurge(t *testing.T) {
	env := newEnv(t, Options{Retention: time.Hour})
	e := withImages(t, person(t, ""), 128)
	mustEnqueue(t, env.ob, e)
	l := mustLease(t, env.ob, "osia", env.clock.Now(), 1)[0]
	if err := env.ob.Ack(ctx, l, delivery.Receipt{}); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(2 * time.Hour)
	sctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- env.ob.ServePurge(sctx, time.Hour) }()
	// The first purge runs at start; wait for its effect, bounded by a guard.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got, _, err := env.ob.Enrollment(ctx, e.TransactionID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Face.Image.Data == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ServePurge did not purge the expired enrollment")
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("ServePurge = %v after cancel, want nil", err)
	}
}

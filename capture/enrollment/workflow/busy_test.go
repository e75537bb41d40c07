package workflow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/capturestation/station/capture/enrollment/workflow"
)

// blockingFace holds a face attempt until released.
type blockingFace struct {
	started, release chan struct{}
}

func (b *blockingFace) CaptureFace(ctx context.Context, _ workflow.FaceRequest, _ func(workflow.FaceFrame)) (*workflow.FaceResult, error) {
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r := goodFace()
	return &r, nil
}

// A second command while a capture runs is refused, not queued; a cancelled
// capture leaves the draft as it was.
func TestBusyAndCancelledCapture(t *testing.T) {
	ctx := context.Background()
	doc := vchipDocument(t)
	bf := &blockingFace{started: make(chan struct{}), release: make(chan struct{})}
	st := newStation(t, testPolicy(), stationDevices{chip: chipReader(t, doc, doc), face: bf})
	svc := st.svc
	id := must[workflow.Status](t)(svc.Start(ctx, "op1")).ID
	must[workflow.MRZResult](t)(svc.ScanMRZ(ctx, id, "op1", specimen))
	must[workflow.ChipOutcome](t)(svc.ReadChip(ctx, id, "op1", ""))
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() {
		_, err := svc.CaptureFace(cctx, id, "op1")
		done <- err
	}()
	<-bf.started
	if _, err := svc.ScanMRZ(ctx, id, "op1", specimen); !errors.Is(err, workflow.ErrBusy) {
		t.Fatalf("command during a capture: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled capture: %v", err)
	}
	s := must[workflow.Status](t)(svc.Status(ctx, id))
	if s.Stage != workflow.StageFace || s.Face.Attempts != 0 {
		t.Fatalf("after a cancelled capture: %+v", s)
	}
}

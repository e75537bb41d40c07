package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/capturestation/station/capture/enrollment/workflow"
)

// simulatedDevices reports whether the chip, camera and fingerprint
// scanners are all simulated.
func (d *daemon) simulatedDevices() bool {
	s := d.cfg.Simulate
	return s.Chip && s.Camera && s.Fingerprint
}

// errNotSimulated refuses a scripted enrollment on a station whose devices
// are not all simulated.
var errNotSimulated = fmt.Errorf("scripted enrollments need the simulated chip, camera and fingerprint scanners (simulate.chip, simulate.camera, simulate.fingerprint)")

// enrollSimulated drives one complete enrollment through the workflow with
// the simulated devices, exactly as the operator's UI does: MRZ (which
// fills the form; read on the simulated document camera when there is one,
// else typed), chip, face, every required finger, review, confirm.
// It returns the sealed enrollment's status. The caller checks that the
// devices are simulated (simulatedDevices).
func (d *daemon) enrollSimulated(ctx context.Context, operator string) (workflow.Status, error) {
	w := d.workflow
	st, err := w.Start(ctx, operator)
	if err != nil {
		return st, err
	}
	id := st.ID
	fail := func(step string, err error) (workflow.Status, error) {
		_ = w.Cancel(context.WithoutCancel(ctx), id, operator, "scripted enrollment failed at "+step)
		return workflow.Status{ID: id}, fmt.Errorf("scripted enrollment %s, %s: %w", id, step, err)
	}
	if d.cfg.Simulate.DocumentCamera {
		m, err := w.ScanDocument(ctx, id, operator)
		if err == nil && !m.MRZ.Valid {
			err = errors.New("the document camera's reading has wrong check digits")
		}
		if err != nil {
			return fail("MRZ", err)
		}
	} else if _, err := w.ScanMRZ(ctx, id, operator, SimulatedMRZ); err != nil {
		return fail("MRZ", err)
	}
	policy := w.Policy()
	if policy.RequireChip {
		if _, err := w.ReadChip(ctx, id, operator, ""); err != nil {
			return fail("chip", err)
		}
	}
	if policy.RequireFace {
		if _, err := w.CaptureFace(ctx, id, operator); err != nil {
			return fail("face", err)
		}
	}
	for _, pos := range policy.RequiredFingers() {
		if _, err := w.CaptureFinger(ctx, id, operator, pos); err != nil {
			return fail(string(pos), err)
		}
	}
	st, err = w.Confirm(ctx, id, operator)
	if err != nil {
		return fail("confirm", err)
	}
	return st, nil
}

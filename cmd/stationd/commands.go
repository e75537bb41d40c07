package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/ui/ws"
)

// workflowCommands carries out the wizard's commands (docs/ui-protocol.md)
// on the enrollment workflow, as the operator of the browser's session.
type workflowCommands struct{ w *workflow.Service }

var _ ws.Commands = workflowCommands{}

// commandData is the union of the commands' data members.
type commandData struct {
	ID         string                `json:"id"`
	Text       string                `json:"text"`
	CAN        string                `json:"can"`
	Position   enrollment.Position   `json:"position"`
	Reason     string                `json:"reason"`
	Target     string                `json:"target"`
	Biographic enrollment.Biographic `json:"biographic"`
	Approval   *workflow.Approval    `json:"approval"`
	What       string                `json:"what"`
}

// Handle implements ws.Commands.
func (c workflowCommands) Handle(ctx context.Context, op ws.Operator, typ string, raw json.RawMessage) (any, error) {
	if !strings.HasPrefix(typ, "enrollment.") {
		return nil, fmt.Errorf("%w: %s", ws.ErrUnknownCommand, typ)
	}
	if !op.Allows(operators.Operator) {
		return nil, fmt.Errorf("%w: enrollments need an operator account", ws.ErrForbidden)
	}
	var d commandData
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ws.ErrBadRequest, typ, err)
		}
	}
	if typ != "enrollment.start" && typ != "enrollment.drafts" && d.ID == "" {
		return nil, fmt.Errorf("%w: %s needs the enrollment id", ws.ErrBadRequest, typ)
	}
	reply, err := c.run(ctx, op.Name, typ, d)
	return reply, classify(err)
}

func (c workflowCommands) run(ctx context.Context, actor, typ string, d commandData) (any, error) {
	w := c.w
	switch typ {
	case "enrollment.start":
		return w.Start(ctx, actor)
	case "enrollment.drafts":
		return w.Drafts(ctx)
	case "enrollment.image":
		return c.image(ctx, d.ID, d.What)
	case "enrollment.resume":
		return w.Resume(ctx, d.ID, actor)
	case "enrollment.status":
		return w.Status(ctx, d.ID)
	case "enrollment.review":
		return w.Review(ctx, d.ID)
	case "enrollment.biographic":
		return w.SetBiographic(ctx, d.ID, actor, d.Biographic)
	case "enrollment.mrz":
		return w.ScanMRZ(ctx, d.ID, actor, d.Text)
	case "enrollment.mrz-camera":
		return w.ScanDocument(ctx, d.ID, actor)
	case "enrollment.chip":
		return w.ReadChip(ctx, d.ID, actor, d.CAN)
	case "enrollment.accept-chip-failure":
		return w.AcceptChipFailure(ctx, d.ID, actor, d.Reason, d.Approval)
	case "enrollment.face":
		return w.CaptureFace(ctx, d.ID, actor)
	case "enrollment.accept-liveness-failure":
		return w.AcceptLivenessFailure(ctx, d.ID, actor, d.Reason, d.Approval)
	case "enrollment.accept-low-quality":
		return w.AcceptLowQuality(ctx, d.ID, actor, d.Target, d.Reason, d.Approval)
	case "enrollment.finger":
		return w.CaptureFinger(ctx, d.ID, actor, d.Position)
	case "enrollment.finger-missing":
		return w.MarkMissing(ctx, d.ID, actor, d.Position, enrollment.MissingReason(strings.ToUpper(d.Reason)), d.Approval)
	case "enrollment.confirm":
		return w.Confirm(ctx, d.ID, actor)
	case "enrollment.cancel":
		if err := w.Cancel(ctx, d.ID, actor, d.Reason); err != nil {
			return nil, err
		}
		return struct {
			ID        string `json:"id"`
			Cancelled bool   `json:"cancelled"`
		}{d.ID, true}, nil
	}
	return nil, fmt.Errorf("%w: %s", ws.ErrUnknownCommand, typ)
}

// classify maps workflow errors to the protocol's error codes: what the
// operator can fix is a bad request, a missing device is unavailable.
func classify(err error) error {
	switch {
	case err == nil, errors.Is(err, ws.ErrUnknownCommand):
		return err
	case errors.Is(err, workflow.ErrNoDevice):
		return fmt.Errorf("%w: %w", ws.ErrUnavailable, err)
	case errors.Is(err, workflow.ErrNotSupervisor), errors.Is(err, workflow.ErrApprovalRefused):
		return fmt.Errorf("%w: %w", ws.ErrForbidden, err)
	case workflow.IsRefusal(err), errors.Is(err, workflow.ErrNotFound):
		return fmt.Errorf("%w: %w", ws.ErrBadRequest, err)
	}
	return err
}

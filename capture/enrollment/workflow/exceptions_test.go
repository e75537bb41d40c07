package workflow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/testdata/faces"
)

// toFingers takes an enrollment through the MRZ, a genuine chip and a good
// face (fake camera) to the fingers step.
func toFingers(t *testing.T, st *station) string {
	t.Helper()
	ctx := context.Background()
	id := must[workflow.Status](t)(st.svc.Start(ctx, "op1")).ID
	must[workflow.MRZResult](t)(st.svc.ScanMRZ(ctx, id, "op1", specimen))
	must[workflow.ChipOutcome](t)(st.svc.ReadChip(ctx, id, "op1", ""))
	f := must[workflow.FaceOutcome](t)(st.svc.CaptureFace(ctx, id, "op1"))
	if f.Status.Stage != workflow.StageFingers {
		t.Fatalf("stage %s after the face: %v", f.Status.Stage, f.Status.Missing)
	}
	return id
}

func basicStation(t *testing.T, p workflow.Policy) (*station, *simScanner) {
	doc := vchipDocument(t)
	sc := newSimScanner(t, goodPrint(t))
	return newStation(t, p, stationDevices{chip: chipReader(t, doc, doc), face: &fakeFace{results: []workflow.FaceResult{goodFace()}}, fingers: sc}), sc
}

// A missing finger needs a supervisor: no approval, an operator, the
// operator's own account, a wrong PIN are refused; lockout after repeated
// failures; then another supervisor approves.
func TestMissingFingerNeedsASupervisor(t *testing.T) {
	ctx := context.Background()
	st, _ := basicStation(t, testPolicy())
	id := toFingers(t, st)
	svc := st.svc
	must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex))
	mark := func(a *workflow.Approval) error {
		_, err := svc.MarkMissing(ctx, id, "op1", enrollment.LeftIndex, enrollment.Amputated, a)
		return err
	}
	for _, tc := range []struct {
		name     string
		approval *workflow.Approval
		want     []error
	}{
		{"no approval", nil, []error{workflow.ErrApprovalRequired}},
		{"an operator", &workflow.Approval{Supervisor: "op2", Secret: operatorPIN}, []error{workflow.ErrApprovalRefused, workflow.ErrNotSupervisor}},
		{"self-approval", &workflow.Approval{Supervisor: "op1", Secret: operatorPIN}, []error{workflow.ErrApprovalRefused}},
		{"unknown supervisor", &workflow.Approval{Supervisor: "nobody", Secret: supervisorPIN}, []error{workflow.ErrApprovalRefused, operators.ErrBadCredentials}},
		{"wrong PIN 1", &workflow.Approval{Supervisor: "sup1", Secret: "000000"}, []error{workflow.ErrApprovalRefused, operators.ErrBadCredentials}},
		{"wrong PIN 2", &workflow.Approval{Supervisor: "sup1", Secret: "000000"}, []error{workflow.ErrApprovalRefused, operators.ErrBadCredentials}},
		{"wrong PIN 3 locks", &workflow.Approval{Supervisor: "sup1", Secret: "000000"}, []error{workflow.ErrApprovalRefused, operators.ErrLocked}},
		{"locked even with the right PIN", &workflow.Approval{Supervisor: "sup1", Secret: supervisorPIN}, []error{workflow.ErrApprovalRefused, operators.ErrLocked}},
	} {
		err := mark(tc.approval)
		for _, w := range tc.want {
			if !errors.Is(err, w) {
				t.Errorf("%s: %v, want %v", tc.name, err, w)
			}
		}
	}
	if _, err := svc.MarkMissing(ctx, id, "op1", enrollment.LeftIndex, "LOST", &workflow.Approval{Supervisor: "sup2", Secret: supervisorPIN}); !errors.Is(err, workflow.ErrInvalidInput) {
		t.Errorf("unknown reason: %v", err)
	}
	if err := mark(&workflow.Approval{Supervisor: "sup2", Secret: supervisorPIN}); err != nil {
		t.Fatal(err)
	}
	s := must[workflow.Status](t)(svc.Review(ctx, id))
	if s.Stage != workflow.StageReview || len(s.Exceptions) != 1 || s.Exceptions[0].Supervisor != "sup2" || s.Exceptions[0].Operator != "op1" {
		t.Fatalf("review %+v", s)
	}
	must[workflow.Status](t)(svc.Confirm(ctx, id, "op1"))
	e, _, _ := st.outbox.Enrollment(ctx, id)
	var left *enrollment.Finger
	for i := range e.Fingers {
		if e.Fingers[i].Position == enrollment.LeftIndex {
			left = &e.Fingers[i]
		}
	}
	if left == nil || left.Missing != enrollment.Amputated || left.Image != nil {
		t.Fatalf("left index %+v", left)
	}
	if err := st.log.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	// The refusals are in the audit trail.
	refused := 0
	for _, en := range must[[]auditEntry](t)(st.log.List(ctx, 0, 1000)) {
		if en.Action == "enrollment.approval.refused" {
			refused++
		}
	}
	if refused != 7 {
		t.Errorf("%d refused approvals audited, want 7", refused)
	}
}

// A print below the minimum is retried; after the policy's retries the
// operator accepts the best capture with a supervisor.
func TestLowQualityFingerAcceptedBySupervisor(t *testing.T) {
	ctx := context.Background()
	st, sc := basicStation(t, testPolicy())
	id := toFingers(t, st)
	svc := st.svc
	bad := print(t, 7, 0.95)
	sc.next(bad)
	o := must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex))
	if o.Outcome != workflow.OutcomeLowQuality || o.AttemptsLeft != 1 {
		t.Fatalf("degraded print: %+v", o)
	}
	sup := &workflow.Approval{Supervisor: "sup1", Secret: supervisorPIN}
	if _, err := svc.AcceptLowQuality(ctx, id, "op1", string(enrollment.RightIndex), "worn ridges", sup); !errors.Is(err, workflow.ErrRetriesLeft) {
		t.Fatalf("accept before the retries: %v", err)
	}
	sc.next(bad)
	o = must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex))
	if o.Outcome != workflow.OutcomeLowQuality || o.AttemptsLeft != 0 || o.Status.Fingers[0].State != workflow.FingerLowQuality {
		t.Fatalf("second attempt: %+v", o)
	}
	if _, err := svc.AcceptLowQuality(ctx, id, "op1", string(enrollment.RightIndex), "worn ridges", nil); !errors.Is(err, workflow.ErrApprovalRequired) {
		t.Fatalf("accept without a supervisor: %v", err)
	}
	s := must[workflow.Status](t)(svc.AcceptLowQuality(ctx, id, "op1", string(enrollment.RightIndex), "worn ridges", sup))
	if s.Fingers[0].State != workflow.FingerAccepted {
		t.Fatalf("after acceptance: %+v", s.Fingers[0])
	}
	must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", enrollment.LeftIndex))
	must[workflow.Status](t)(svc.Confirm(ctx, id, "op1"))
	e, _, _ := st.outbox.Enrollment(ctx, id)
	if e.Fingers[0].Quality >= 40 || e.Fingers[0].Image == nil {
		t.Fatalf("accepted finger %+v", e.Fingers[0])
	}
}

// A document whose SOD was signed under another CSCA fails passive
// authentication; the document step then needs a chip exception.
func TestChipPassiveAuthenticationFailed(t *testing.T) {
	ctx := context.Background()
	doc, other := vchipDocument(t), vchipDocument(t)
	sc := newSimScanner(t, goodPrint(t))
	p := testPolicy()
	st := newStation(t, p, stationDevices{chip: chipReader(t, doc, other), face: &fakeFace{results: []workflow.FaceResult{goodFace()}}, fingers: sc})
	svc := st.svc
	id := must[workflow.Status](t)(svc.Start(ctx, "op1")).ID
	must[workflow.MRZResult](t)(svc.ScanMRZ(ctx, id, "op1", specimen))
	c := must[workflow.ChipOutcome](t)(svc.ReadChip(ctx, id, "op1", ""))
	if c.Genuine || c.Passive != "failed" || len(c.Problems) == 0 || c.Status.Stage != workflow.StageDocument {
		t.Fatalf("forged chip: %+v", c)
	}
	if _, err := svc.CaptureFace(ctx, id, "op1"); !errors.Is(err, workflow.ErrOutOfOrder) {
		t.Fatalf("face with the document step open: %v", err)
	}
	if _, err := svc.AcceptChipFailure(ctx, id, "op1", "", nil); !errors.Is(err, workflow.ErrInvalidInput) {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := svc.AcceptChipFailure(ctx, id, "op1", "CSCA not in the trust list", nil); !errors.Is(err, workflow.ErrApprovalRequired) {
		t.Fatalf("no supervisor: %v", err)
	}
	s := must[workflow.Status](t)(svc.AcceptChipFailure(ctx, id, "op1", "CSCA not in the trust list", &workflow.Approval{Supervisor: "sup1", Secret: supervisorPIN}))
	if s.Stage != workflow.StageFace || !s.Document.Exception {
		t.Fatalf("after the exception: %+v", s)
	}
	must[workflow.FaceOutcome](t)(svc.CaptureFace(ctx, id, "op1"))
	for _, pos := range p.RequiredFingers() {
		must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", pos))
	}
	must[workflow.Status](t)(svc.Confirm(ctx, id, "op1"))
	e, _, _ := st.outbox.Enrollment(ctx, id)
	if e.Documents[0].PassiveAuth != "failed" {
		t.Fatalf("passive auth %q", e.Documents[0].PassiveAuth)
	}
}

// A chip that cannot be opened (wrong key: the MRZ of another document)
// is retried, then excepted.
func TestChipUnreadable(t *testing.T) {
	ctx := context.Background()
	doc := vchipDocument(t)
	other, err := vchipOther()
	if err != nil {
		t.Fatal(err)
	}
	st := newStation(t, testPolicy(), stationDevices{chip: chipReader(t, other, other), face: &fakeFace{results: []workflow.FaceResult{goodFace()}}})
	_ = doc
	svc := st.svc
	id := must[workflow.Status](t)(svc.Start(ctx, "op1")).ID
	must[workflow.MRZResult](t)(svc.ScanMRZ(ctx, id, "op1", specimen))
	sup := &workflow.Approval{Supervisor: "sup1", Secret: supervisorPIN}
	for i := range 2 {
		c := must[workflow.ChipOutcome](t)(svc.ReadChip(ctx, id, "op1", ""))
		if c.Genuine || len(c.Problems) == 0 || c.Status.Document.ChipRead {
			t.Fatalf("read %d: %+v", i, c)
		}
		_, err := svc.AcceptChipFailure(ctx, id, "op1", "chip dead", sup)
		if i == 0 && !errors.Is(err, workflow.ErrRetriesLeft) || i == 1 && err != nil {
			t.Fatalf("accept after %d reads: %v", i+1, err)
		}
	}
}

// A print attack fails liveness; after the retries a supervisor may accept
// the face with a liveness exception.
func TestLivenessFailedOnPrintAttack(t *testing.T) {
	ctx := context.Background()
	doc := vchipDocument(t)
	p := facePolicy()
	p.Fingers = []enrollment.Position{enrollment.RightIndex}
	p.Retries = 2
	st := newStation(t, p, stationDevices{chip: chipReader(t, doc, doc), face: padCamera(t, faces.PrintAttack), fingers: newSimScanner(t, goodPrint(t))})
	svc := st.svc
	id := must[workflow.Status](t)(svc.Start(ctx, "op1")).ID
	must[workflow.MRZResult](t)(svc.ScanMRZ(ctx, id, "op1", specimen))
	must[workflow.ChipOutcome](t)(svc.ReadChip(ctx, id, "op1", ""))
	sup := &workflow.Approval{Supervisor: "sup1", Secret: supervisorPIN}
	for i := range 2 {
		f := must[workflow.FaceOutcome](t)(svc.CaptureFace(ctx, id, "op1"))
		if f.Outcome != workflow.OutcomeLivenessFailed || f.Live == nil || *f.Live || len(f.Reasons) == 0 || f.Status.Stage != workflow.StageFace {
			t.Fatalf("attempt %d: %+v", i+1, f)
		}
		if i == 0 {
			if _, err := svc.AcceptLivenessFailure(ctx, id, "op1", "subject cannot face the camera", sup); !errors.Is(err, workflow.ErrRetriesLeft) {
				t.Fatalf("accept after one attempt: %v", err)
			}
			if _, err := svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex); !errors.Is(err, workflow.ErrOutOfOrder) {
				t.Fatalf("finger while the face step is open: %v", err)
			}
		}
	}
	s := must[workflow.Status](t)(svc.AcceptLivenessFailure(ctx, id, "op1", "subject cannot face the camera", sup))
	if s.Stage != workflow.StageFingers || s.Face.Exception != string(workflow.ExceptionLiveness) {
		t.Fatalf("after the exception: %+v", s)
	}
	must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex))
	must[workflow.Status](t)(svc.Confirm(ctx, id, "op1"))
	e, _, _ := st.outbox.Enrollment(ctx, id)
	if e.Face == nil || e.Liveness == nil || e.Liveness.Live {
		t.Fatalf("face %v liveness %+v", e.Face != nil, e.Liveness)
	}
}

// A policy without supervision lets the operator accept alone.
func TestExceptionWithoutSupervisor(t *testing.T) {
	ctx := context.Background()
	p := testPolicy()
	p.Supervisor.MissingFinger = false
	st, _ := basicStation(t, p)
	id := toFingers(t, st)
	if _, err := st.svc.MarkMissing(ctx, id, "op1", enrollment.RightIndex, enrollment.Bandaged, nil); err != nil {
		t.Fatal(err)
	}
	s := must[workflow.Status](t)(st.svc.Status(ctx, id))
	if s.Exceptions[0].Supervisor != "" || s.Fingers[0].State != workflow.FingerMissing {
		t.Fatalf("%+v", s)
	}
}

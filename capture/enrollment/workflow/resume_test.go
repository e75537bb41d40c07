package workflow_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/enrollment/workflow"
	"gopkg.in/yaml.v3"
)

// Kill the daemon mid-enrollment: the draft is on disk, sealed; a new
// service over the reopened file lists it, resumes it at the step it
// stopped and finishes it.
func TestCrashAndResume(t *testing.T) {
	ctx := context.Background()
	st, _ := basicStation(t, testPolicy())
	id := toFingers(t, st)
	must[workflow.FingerOutcome](t)(st.svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex))
	draft := must[*workflow.Draft](t)(st.svc.Draft(ctx, id))
	faceImage := draft.Enrollment.Face.Image.Data
	wsqImage := draft.Enrollment.Fingers[0].Image.Data
	st.crash()

	// No personal data in clear in the file the crash left.
	file, err := os.ReadFile(st.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"ERIKSSON", "L898902C3", "P<UTOERIKSSON"} {
		if bytes.Contains(file, []byte(s)) {
			t.Errorf("%q is in the database file in clear", s)
		}
	}
	for name, img := range map[string][]byte{"face": faceImage, "finger": wsqImage} {
		for _, src := range [][]byte{img, []byte(base64.StdEncoding.EncodeToString(img))} {
			for i := 0; i+64 <= len(src); i += 64 {
				if bytes.Contains(file, src[i:i+64]) {
					t.Fatalf("a 64-byte run of the %s image is in the database file in clear", name)
				}
			}
		}
	}

	st.open() // the restarted daemon
	ds := must[[]workflow.DraftInfo](t)(st.svc.Drafts(ctx))
	if len(ds) != 1 || ds[0].ID != id || ds[0].Stage != workflow.StageFingers || ds[0].Operator != "op1" {
		t.Fatalf("drafts after restart: %+v", ds)
	}
	s := must[workflow.Status](t)(st.svc.Resume(ctx, id, "op1"))
	if s.Stage != workflow.StageFingers || s.Fingers[0].State != workflow.FingerCaptured || s.Fingers[1].State != workflow.FingerPending {
		t.Fatalf("resumed: %+v", s)
	}
	must[workflow.FingerOutcome](t)(st.svc.CaptureFinger(ctx, id, "op1", enrollment.LeftIndex))
	must[workflow.Status](t)(st.svc.Confirm(ctx, id, "op1"))
	e, found, err := st.outbox.Enrollment(ctx, id)
	if err != nil || !found || e.Biographic.LastName != "ERIKSSON" || len(e.Fingers) != 2 || !bytes.Equal(e.Face.Image.Data, faceImage) {
		t.Fatalf("outbox after resume: found %v err %v", found, err)
	}
	if err := st.log.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, en := range must[[]auditEntry](t)(st.log.List(ctx, 0, 1000)) {
		actions[en.Action] = true
	}
	if !actions["enrollment.resume"] || !actions["enrollment.seal"] {
		t.Errorf("audit actions %v", actions)
	}
}

// A crash after the outbox took the enrollment but before the draft was
// removed: confirming again queues nothing twice and removes the draft.
func TestConfirmIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st, _ := basicStation(t, testPolicy())
	id := toFingers(t, st)
	for _, pos := range []enrollment.Position{enrollment.RightIndex, enrollment.LeftIndex} {
		must[workflow.FingerOutcome](t)(st.svc.CaptureFinger(ctx, id, "op1", pos))
	}
	d := must[*workflow.Draft](t)(st.svc.Draft(ctx, id))
	if _, err := st.outbox.Enqueue(ctx, &d.Enrollment, []string{"osia"}); err != nil {
		t.Fatal(err)
	}
	must[workflow.Status](t)(st.svc.Confirm(ctx, id, "op1"))
	stats := must[outboxStats](t)(st.outbox.Stats(ctx))
	if stats.Pending != 1 {
		t.Fatalf("queued %d times", stats.Pending)
	}
}

func TestCancelDeletesTheDraftAndAuditsIt(t *testing.T) {
	ctx := context.Background()
	st, _ := basicStation(t, testPolicy())
	id := toFingers(t, st)
	if err := st.svc.Cancel(ctx, id, "op1", "applicant left"); err != nil {
		t.Fatal(err)
	}
	if ds := must[[]workflow.DraftInfo](t)(st.svc.Drafts(ctx)); len(ds) != 0 {
		t.Fatalf("drafts %+v", ds)
	}
	if _, err := st.svc.Resume(ctx, id, "op1"); !errors.Is(err, workflow.ErrNotFound) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("resume a cancelled enrollment: %v", err)
	}
	entries := must[[]auditEntry](t)(st.log.List(ctx, 0, 1000))
	last := entries[len(entries)-1]
	if last.Action != "enrollment.cancel" || last.Subject != id || last.Actor != "op1" || last.Detail["from"] != "fingers" {
		t.Fatalf("last audit entry %+v", last)
	}
	if err := st.log.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := st.outbox.Enrollment(ctx, id); found {
		t.Fatal("a cancelled enrollment reached the outbox")
	}
}

// Commands are refused until their step is reached, with a message saying
// what comes first.
func TestOutOfOrderCommands(t *testing.T) {
	ctx := context.Background()
	st, _ := basicStation(t, testPolicy())
	svc := st.svc
	id := must[workflow.Status](t)(svc.Start(ctx, "op1")).ID
	sup := &workflow.Approval{Supervisor: "sup1", Secret: supervisorPIN}
	for _, tc := range []struct {
		name string
		run  func() error
		want error
		msg  string
	}{
		{"chip before the biographic data", func() error { _, err := svc.ReadChip(ctx, id, "op1", ""); return err }, workflow.ErrOutOfOrder, "the document step comes after the biographic step"},
		{"face", func() error { _, err := svc.CaptureFace(ctx, id, "op1"); return err }, workflow.ErrOutOfOrder, "the face step comes after the biographic step"},
		{"finger", func() error { _, err := svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex); return err }, workflow.ErrOutOfOrder, "fingers step"},
		{"missing finger", func() error {
			_, err := svc.MarkMissing(ctx, id, "op1", enrollment.RightIndex, enrollment.Bandaged, sup)
			return err
		}, workflow.ErrOutOfOrder, ""},
		{"unknown position", func() error { _, err := svc.CaptureFinger(ctx, id, "op1", "LEFT_TOE"); return err }, workflow.ErrInvalidInput, ""},
		{"confirm", func() error { _, err := svc.Confirm(ctx, id, "op1"); return err }, workflow.ErrIncomplete, "biographic: first_name is empty"},
		{"bad date", func() error {
			_, err := svc.SetBiographic(ctx, id, "op1", enrollment.Biographic{DateOfBirth: "12/08/1974"})
			return err
		}, workflow.ErrInvalidInput, "YYYY-MM-DD"},
		{"not an MRZ", func() error { _, err := svc.ScanMRZ(ctx, id, "op1", "hello"); return err }, workflow.ErrInvalidInput, ""},
		{"unknown enrollment", func() error { _, err := svc.Resume(ctx, "nope", "op1"); return err }, workflow.ErrNotFound, ""},
	} {
		err := tc.run()
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v with %q", tc.name, err, tc.want, tc.msg)
		}
	}
	// The form typed by hand completes the biographic step; the document is next.
	s := must[workflow.Status](t)(svc.SetBiographic(ctx, id, "op1", enrollment.Biographic{FirstName: "ANNA", LastName: "ERIKSSON", DateOfBirth: "1974-08-12", Gender: "F"}))
	if s.Stage != workflow.StageDocument {
		t.Fatalf("stage %s", s.Stage)
	}
	if _, err := svc.ReadChip(ctx, id, "op1", ""); !errors.Is(err, workflow.ErrOutOfOrder) || !strings.Contains(err.Error(), "scan the MRZ") {
		t.Errorf("chip without an MRZ: %v", err)
	}
}

// Slap mode asks for the three 4-4-2 slaps. The simulated scanner is a
// single-finger reader, so its prints stand in for the slap images.
func TestSlaps442(t *testing.T) {
	ctx := context.Background()
	p := testPolicy()
	p.FingerMode, p.Fingers = workflow.FingerSlaps442, nil
	st, _ := basicStation(t, p)
	id := toFingers(t, st)
	if _, err := st.svc.CaptureFinger(ctx, id, "op1", enrollment.RightIndex); !errors.Is(err, workflow.ErrInvalidInput) {
		t.Fatalf("single finger in slap mode: %v", err)
	}
	for _, pos := range workflow.Slaps442 {
		must[workflow.FingerOutcome](t)(st.svc.CaptureFinger(ctx, id, "op1", pos))
	}
	s := must[workflow.Status](t)(st.svc.Confirm(ctx, id, "op1"))
	if s.Stage != workflow.StageSealed {
		t.Fatalf("stage %s", s.Stage)
	}
}

func TestPolicy(t *testing.T) {
	if err := workflow.DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		yaml string
		want string
	}{
		{"finger_mode: rolled", "finger_mode \"rolled\""},
		{"fingers: [RIGHT_TOE]", "RIGHT_TOE"},
		{"finger_mode: slaps_442\nfingers: [RIGHT_INDEX]", "leave it empty"},
		{"require_document: false", "require_chip needs require_document"},
		{"min_face_score: 101", "min_face_score 101"},
		{"biographic_required: [shoe_size]", "shoe_size"},
		{"face: {liveness_frames: 1}", "face.liveness_frames"},
		{"retries: -1", "retries -1"},
	} {
		p := workflow.DefaultPolicy()
		if err := yaml.Unmarshal([]byte(tc.yaml), &p); err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
	// A deployment overlays only what it changes.
	p := workflow.DefaultPolicy()
	if err := yaml.Unmarshal([]byte("finger_mode: slaps_442\nsupervisor: {missing_finger: false}\nretries: 1"), &p); err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil || len(p.RequiredFingers()) != 3 || p.Supervisor.MissingFinger || !p.Supervisor.LowQuality || p.Retries != 1 || p.MinFaceScore != 60 {
		t.Fatalf("overlay: %+v %v", p, err)
	}
}

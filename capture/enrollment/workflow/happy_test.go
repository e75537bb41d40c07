package workflow_test

import (
	"context"
	"errors"
	"image"
	"slices"
	"testing"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/enrollment/workflow/devices"
	"github.com/capturestation/station/capture/face"
	"github.com/capturestation/station/capture/face/liveness"
	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/testdata/faces"
)

// padCamera is a simulated camera playing a generated presentation
// (internal/testdata/faces), read frame by frame.
func padCamera(t testing.TB, label faces.Label) *devices.Face {
	t.Helper()
	g, err := faces.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	size := image.Pt(800, 600)
	seq, err := g.Sequence(faces.Spec{Label: label, Width: size.X, Height: size.Y, Frames: 24, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	scene := camera.ImageScene(seq.Len(), size, func(i int) image.Image { return seq.Frame(i) })
	dev := camerasim.NewDevice(scene, camera.SceneOptions{Loop: true})
	d, err := face.NewDetector("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	a, err := liveness.New(liveness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &devices.Face{Frames: devices.Sequential(dev.Opener()), Detector: d, Liveness: a, Device: "camerasim"}
}

func facePolicy() workflow.Policy {
	p := workflow.DefaultPolicy()
	p.Face.SkipBackground = true // the portrait's background is busy
	p.Face.AutoCaptureFrames = 3
	p.Face.LivenessFrames = 12
	p.Face.MaxFrames = 40
	return p
}

// The whole visit: biographic data from the MRZ, the chip of a PACE
// passport with passive authentication passed, the face from the simulated
// camera (auto-capture, live), all ten fingers from the U.are.U simulator,
// review, confirm: the outbox holds the complete enrollment and the audit
// chain verifies.
func TestHappyPath(t *testing.T) {
	ctx := context.Background()
	doc := vchipDocument(t)
	scanner := newSimScanner(t, goodPrint(t))
	st := newStation(t, facePolicy(), stationDevices{chip: chipReader(t, doc, doc), face: padCamera(t, faces.BonaFide), fingers: scanner})
	sub := st.bus.Subscribe(0, 100000)
	defer sub.Close()
	svc := st.svc

	s := must[workflow.Status](t)(svc.Start(ctx, "op1"))
	id := s.ID
	if s.Stage != workflow.StageBiographic {
		t.Fatalf("stage %s", s.Stage)
	}
	if _, err := svc.CaptureFace(ctx, id, "op1"); !errors.Is(err, workflow.ErrOutOfOrder) {
		t.Fatalf("face before the document: %v", err)
	}
	m := must[workflow.MRZResult](t)(svc.ScanMRZ(ctx, id, "op1", specimen))
	if m.Status.Stage != workflow.StageDocument || len(m.Filled) != 5 {
		t.Fatalf("after the MRZ: stage %s, filled %v", m.Status.Stage, m.Filled)
	}
	c := must[workflow.ChipOutcome](t)(svc.ReadChip(ctx, id, "op1", ""))
	if !c.Genuine || c.Passive != "passed" || !c.HasPortrait || c.Status.Stage != workflow.StageFace {
		t.Fatalf("chip: %+v", c)
	}
	f := must[workflow.FaceOutcome](t)(svc.CaptureFace(ctx, id, "op1"))
	if f.Outcome != workflow.OutcomeAccepted || f.Live == nil || !*f.Live || f.Status.Stage != workflow.StageFingers {
		t.Fatalf("face: %+v", f)
	}
	for _, pos := range workflow.TenFingers {
		o := must[workflow.FingerOutcome](t)(svc.CaptureFinger(ctx, id, "op1", pos))
		if o.Outcome != workflow.OutcomeAccepted {
			t.Fatalf("%s: %+v", pos, o)
		}
	}
	r := must[workflow.Status](t)(svc.Review(ctx, id))
	if r.Stage != workflow.StageReview || len(r.Missing) != 0 || len(r.Fingers) != 10 {
		t.Fatalf("review: %+v", r)
	}
	must[workflow.Status](t)(svc.Confirm(ctx, id, "op1"))

	e, found, err := st.outbox.Enrollment(ctx, id)
	if err != nil || !found {
		t.Fatalf("outbox: found %v, %v", found, err)
	}
	b := e.Biographic
	if b.LastName != "ERIKSSON" || b.FirstName != "ANNA MARIA" || b.DateOfBirth != "1974-08-12" || b.Gender != "F" || b.Nationality != "UTO" {
		t.Errorf("biographic %+v", b)
	}
	if len(e.Documents) != 1 {
		t.Fatalf("documents %d", len(e.Documents))
	}
	dd := e.Documents[0]
	if dd.Type != enrollment.DocPassport || dd.Number != "L898902C3" || dd.IssuingState != "UTO" || dd.DateOfExpiry != "2012-04-15" ||
		dd.MRZ == "" || len(dd.ChipDataGroups[1]) == 0 || len(dd.ChipDataGroups[2]) == 0 || len(dd.ChipSOD) == 0 || dd.PassiveAuth != "passed" {
		t.Errorf("document %+v", dd)
	}
	if e.Face == nil || e.Face.Image.Format != "JPEG" || len(e.Face.Image.Data) < 1000 || e.Face.Quality < 60 || e.Face.Image.Width != face.RegistryTokenWidth {
		t.Errorf("face %+v", e.Face)
	}
	if e.Liveness == nil || !e.Liveness.Live {
		t.Errorf("liveness %+v", e.Liveness)
	}
	if len(e.Fingers) != 10 {
		t.Fatalf("fingers %d", len(e.Fingers))
	}
	for _, fg := range e.Fingers {
		if fg.Image == nil || fg.Image.Format != "WSQ" || fg.Image.Resolution != 500 || fg.Quality < 40 || fg.Missing != "" {
			t.Errorf("finger %s: %+v", fg.Position, fg)
		}
	}
	if e.StationID != "station-1" || e.OperatorID != "op1" || e.CompletedAt.IsZero() || e.Contextual == nil || e.Contextual.EnrollmentDate == "" {
		t.Errorf("context: %+v", e)
	}
	if err := st.log.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if ds := must[[]workflow.DraftInfo](t)(svc.Drafts(ctx)); len(ds) != 0 {
		t.Errorf("drafts left: %+v", ds)
	}
	if _, err := svc.CaptureFinger(ctx, id, "op1", enrollment.RightThumb); !errors.Is(err, workflow.ErrSealed) {
		t.Errorf("command after sealing: %v, want ErrSealed", err)
	}
	// The UI could follow it all on the bus.
	evs, _ := sub.Take()
	var types []string
	for _, ev := range evs {
		if !slices.Contains(types, ev.Type) {
			types = append(types, ev.Type)
		}
		if ev.Kind != events.KindEnrollment && ev.Kind != events.KindCapture {
			t.Errorf("event kind %s", ev.Kind)
		}
	}
	for _, want := range []string{workflow.EventStarted, workflow.EventStage, workflow.EventChipStep, workflow.EventChipResult,
		workflow.EventFaceFrame, workflow.EventFaceResult, workflow.EventFingerStage, workflow.EventFingerResult, workflow.EventSealed} {
		if !slices.Contains(types, want) {
			t.Errorf("no %s event (got %v)", want, types)
		}
	}
	// The audit trail tells the story without personal data.
	entries := must[[]audit.Entry](t)(st.log.List(ctx, 0, 1000))
	if len(entries) < 15 || entries[0].Action != "enrollment.start" || entries[len(entries)-1].Action != "enrollment.seal" {
		t.Errorf("audit: %d entries", len(entries))
	}
	for _, en := range entries {
		for k, v := range en.Detail {
			if v == "ERIKSSON" || v == "L898902C3" {
				t.Errorf("audit entry %d detail %s holds personal data", en.Seq, k)
			}
		}
	}
}

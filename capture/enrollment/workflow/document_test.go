package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/enrollment/workflow/devices"
	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/capture/mrz/ocr"
	"github.com/capturestation/station/drivers/camera"
	"github.com/capturestation/station/drivers/camera/camerasim"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/testdata/faces"
	"github.com/capturestation/station/internal/testdata/mrzpages"
)

// documentCamera films the data page of the document whose MRZ is text
// being put under a simulated document camera, read frame by frame.
func documentCamera(t testing.TB, text string) *devices.Document {
	t.Helper()
	g, err := mrzpages.New()
	if err != nil {
		t.Fatal(err)
	}
	page, err := g.DataPage(1, mrz.SplitLines(text))
	if err != nil {
		t.Fatal(err)
	}
	// At 5 frames a second the scene is short: 5 frames of empty desk,
	// 5 of the page sliding in, 20 held.
	scene, err := camerasim.NewDocumentScene(page, image.Pt(1280, 960), 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { scene.Close() })
	return ocrCamera(t, scene)
}

func ocrCamera(t testing.TB, scene camera.Scene) *devices.Document {
	t.Helper()
	r, err := ocr.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	dev := camerasim.NewDevice(scene, camera.SceneOptions{Loop: true})
	return &devices.Document{Frames: devices.Sequential(dev.Opener()), Reader: r, Device: "doccam", MaxFrames: 40,
		Clock: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
}

// The MRZ read on the document camera fills the form and opens the chip,
// exactly as typed text does; the events tell the operator what each
// frame showed without carrying the MRZ.
func TestScanDocument(t *testing.T) {
	ctx := context.Background()
	doc := vchipDocument(t)
	st := newStation(t, testPolicy(), stationDevices{document: documentCamera(t, specimen), chip: chipReader(t, doc, doc)})
	sub := st.bus.Subscribe(0, 100000)
	defer sub.Close()
	id := must[workflow.Status](t)(st.svc.Start(ctx, "op1")).ID

	m := must[workflow.MRZResult](t)(st.svc.ScanDocument(ctx, id, "op1"))
	if strings.Join(m.MRZ.Lines, "\n") != specimen || !m.MRZ.Valid || len(m.Filled) != 5 || m.Status.Stage != workflow.StageDocument {
		t.Fatalf("scan: lines %q valid %v filled %v stage %s", m.MRZ.Lines, m.MRZ.Valid, m.Filled, m.Status.Stage)
	}
	c := must[workflow.ChipOutcome](t)(st.svc.ReadChip(ctx, id, "op1", ""))
	if c.Passive != "passed" || c.Status.Stage != workflow.StageFace {
		t.Fatalf("chip with the camera's MRZ: %+v", c)
	}

	var frames, noMRZ, read int
	var result *workflow.CaptureEvent
	evs, _ := sub.Take()
	for _, e := range evs {
		if e.Kind != events.KindCapture {
			continue
		}
		raw, _ := json.Marshal(e.Data)
		if strings.Contains(string(raw), "ERIKSSON") || strings.Contains(string(raw), "L898902C3") {
			t.Errorf("event %s carries personal data: %s", e.Type, raw)
		}
		ce, ok := e.Data.(workflow.CaptureEvent)
		if !ok || ce.Step != "document" {
			continue
		}
		switch e.Type {
		case workflow.EventDocumentFrame:
			frames++
			switch ce.Advice {
			case workflow.AdviceNoMRZ:
				noMRZ++
			case workflow.AdviceRead:
				read++
			}
		case workflow.EventDocumentResult:
			result = &ce
		}
	}
	// The desk is empty for five frames; the page is read soon after it
	// settles, on the second frame that agrees.
	if noMRZ < 5 || read != 1 || frames >= 40 {
		t.Errorf("frames %d, of which %d without an MRZ and %d read", frames, noMRZ, read)
	}
	if result == nil || !result.Pass || result.Outcome != workflow.AdviceRead || result.Score < 50 {
		t.Errorf("result event %+v", result)
	}
	var detail map[string]string
	for _, e := range must[[]auditEntry](t)(st.log.List(ctx, 0, 1000)) {
		if e.Action == "enrollment.mrz" {
			detail = e.Detail
		}
	}
	if detail["source"] != "camera" || detail["valid"] != "true" || detail["frames"] == "" {
		t.Errorf("audit detail %v", detail)
	}
}

func TestScanDocumentFailures(t *testing.T) {
	ctx := context.Background()
	face, err := camerasim.Presentation(faces.BonaFide, image.Pt(640, 480))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		reader workflow.DocumentReader
		want   error
	}{
		{"no document camera", nil, workflow.ErrNoDevice},
		{"a face, no document", ocrCamera(t, face), ocr.ErrNotFound},
		{"camera unplugged", &devices.Document{Frames: devices.Sequential(unplugged(t)), Reader: must[*ocr.Reader](t)(ocr.NewReader())}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStation(t, testPolicy(), stationDevices{document: tc.reader})
			id := must[workflow.Status](t)(st.svc.Start(ctx, "op1")).ID
			_, err := st.svc.ScanDocument(ctx, id, "op1")
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			s := must[workflow.Status](t)(st.svc.Status(ctx, id))
			if s.Document.MRZScanned || s.Stage != workflow.StageBiographic {
				t.Errorf("a failed reading changed the draft: %+v", s)
			}
		})
	}
}

// unplugged is a camera that is not there.
func unplugged(t testing.TB) camera.Opener {
	dev := camerasim.NewDevice(camera.ImageScene(1, image.Pt(64, 64), func(int) image.Image { return image.NewGray(image.Rect(0, 0, 64, 64)) }), camera.SceneOptions{})
	dev.Unplug()
	return dev.Opener()
}

// fakeDocument returns a fixed reading.
type fakeDocument struct{ lines []string }

func (f fakeDocument) ReadDocument(_ context.Context, progress func(workflow.DocumentFrame)) (*workflow.DocumentScan, error) {
	progress(workflow.DocumentFrame{Frame: 1, Found: true, Confidence: 0.4, Advice: workflow.AdviceUnreadable})
	return &workflow.DocumentScan{Lines: f.lines, Confidence: 0.4, Frames: 1}, nil
}

// A reading whose check digits fail is kept, as a typed one is, but does
// not complete the document step; a reading that is no MRZ at all is
// refused.
func TestScanDocumentInvalid(t *testing.T) {
	ctx := context.Background()
	bad := strings.Split(strings.Replace(specimen, "L898902C36", "L898902C37", 1), "\n")
	st := newStation(t, testPolicy(), stationDevices{document: fakeDocument{bad}})
	id := must[workflow.Status](t)(st.svc.Start(ctx, "op1")).ID
	m := must[workflow.MRZResult](t)(st.svc.ScanDocument(ctx, id, "op1"))
	if m.MRZ.Valid || !m.Status.Document.MRZScanned || m.Status.Document.MRZValid || m.Status.Stage != workflow.StageDocument || stepComplete(m.Status, workflow.StageDocument) {
		t.Fatalf("invalid reading: valid %v, status %+v", m.MRZ.Valid, m.Status)
	}

	st = newStation(t, testPolicy(), stationDevices{document: fakeDocument{[]string{"NOT<AN<MRZ"}}})
	id = must[workflow.Status](t)(st.svc.Start(ctx, "op1")).ID
	if _, err := st.svc.ScanDocument(ctx, id, "op1"); !errors.Is(err, workflow.ErrInvalidInput) {
		t.Fatalf("garbage reading: %v", err)
	}
}

func stepComplete(s workflow.Status, step workflow.Stage) bool {
	for _, x := range s.Steps {
		if x.Step == step {
			return x.Complete
		}
	}
	return false
}

package workflow

import (
	"context"
	"fmt"
	"math"

	"github.com/capturestation/station/capture/mrz"
	"github.com/capturestation/station/internal/events"
)

// Advice of document frames (DocumentFrame.Advice), keys the UI translates.
const (
	// AdviceNoMRZ: no MRZ in the picture; place the data page under the camera.
	AdviceNoMRZ = "no_mrz"
	// AdviceUnreadable: an MRZ was seen but its check digits fail; hold the
	// page still, flat and out of glare.
	AdviceUnreadable = "mrz_unreadable"
	// AdviceConfirming: a valid reading waits for another frame to agree.
	AdviceConfirming = "mrz_confirming"
	// AdviceRead: the MRZ was read.
	AdviceRead = "mrz_read"
)

// DocumentFrame is the judgement of one camera frame of the document's
// data page, for the operator's feedback. It never holds the MRZ.
type DocumentFrame struct {
	Frame int
	// Found: an MRZ was located; Valid: its check digits hold.
	Found, Valid bool
	// Confidence is the mean character confidence of the reading (0–1).
	Confidence float64
	// Advice is one of the Advice constants.
	Advice string
}

// DocumentScan is what a DocumentReader read on the camera.
type DocumentScan struct {
	// Lines are the MRZ lines as read.
	Lines []string
	// Confidence is the mean character confidence (0–1).
	Confidence float64
	// Frames is the number of frames judged.
	Frames int
	// Device names the camera.
	Device string
}

// DocumentReader reads the MRZ of the document's data page on a camera:
// it judges frames until a reading can be trusted, reporting each frame.
// When no frame gave a valid MRZ it returns the best reading seen (whose
// check digits fail), or an error when no MRZ was seen at all. The devices
// package implements it with OpenCV and capture/mrz/ocr.
type DocumentReader interface {
	ReadDocument(ctx context.Context, progress func(DocumentFrame)) (*DocumentScan, error)
}

// ScanDocument reads the MRZ of the document on the document camera and
// records it as ScanMRZ does: the document, the form fields it fills, and
// the chip key. A reading whose check digits fail is kept but does not
// complete the document step, so the operator can try again or type it.
func (s *Service) ScanDocument(ctx context.Context, id, actor string) (MRZResult, error) {
	if s.document == nil {
		return MRZResult{}, fmt.Errorf("scan document: %w: no document camera configured; type or scan the MRZ instead", ErrNoDevice)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return MRZResult{}, err
	}
	defer unlock()
	d, err := s.load(ctx, id)
	if err != nil {
		return MRZResult{}, err
	}
	if err := s.reach(d, StageBiographic); err != nil {
		return MRZResult{}, err
	}
	progress := func(f DocumentFrame) {
		s.pub.Publish(events.KindCapture, EventDocumentFrame, CaptureEvent{ID: id, Step: "document", Frame: f.Frame,
			Pass: f.Valid, Score: percent(f.Confidence), Advice: f.Advice})
	}
	scan, err := s.document.ReadDocument(ctx, progress)
	if err != nil {
		s.pub.Publish(events.KindCapture, EventDocumentResult, CaptureEvent{ID: id, Step: "document", Outcome: AdviceNoMRZ})
		return MRZResult{}, fmt.Errorf("scan document: %w", err)
	}
	m, perr := mrz.ParseLines(scan.Lines, mrz.Options{Repair: true, Now: s.now()})
	if m == nil {
		s.pub.Publish(events.KindCapture, EventDocumentResult, CaptureEvent{ID: id, Step: "document", Outcome: AdviceUnreadable})
		return MRZResult{}, fmt.Errorf("scan document: %w: the camera's reading is no MRZ: %w", ErrInvalidInput, perr)
	}
	var res MRZResult
	detail := recordMRZ(d, m, &res)
	detail["source"] = "camera"
	detail["frames"] = fmt.Sprint(scan.Frames)
	detail["confidence"] = fmt.Sprint(percent(scan.Confidence))
	if err := s.commit(ctx, d, actor, "enrollment.mrz", detail); err != nil {
		return MRZResult{}, err
	}
	outcome := AdviceRead
	if !m.Valid {
		outcome = AdviceUnreadable
	}
	s.pub.Publish(events.KindCapture, EventDocumentResult, CaptureEvent{ID: id, Step: "document", Pass: m.Valid,
		Score: percent(scan.Confidence), Outcome: outcome})
	res.Status = s.status(d)
	return res, nil
}

// percent turns a 0–1 confidence into a whole percentage.
func percent(c float64) int { return int(math.Round(100 * max(0, min(1, c)))) }

package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/capturestation/station/capture/enrollment"
)

// FillSynthetic queues n small synthetic enrollments (biographic data and
// one missing finger, no images) for the targets, many per transaction. It
// exists to measure start-up time, memory and throughput with a large queue
// (benchmarks, load tests); the records are obviously synthetic
// ("SYNTHETIC" names, station "synthetic").
func FillSynthetic(ctx context.Context, ob *Outbox, n int, targets []string) error {
	const batch = 2000
	created := time.Now().UTC()
	es := make([]*enrollment.Enrollment, 0, batch)
	for done := 0; done < n; {
		es = es[:0]
		for i := 0; i < batch && done+i < n; i++ {
			es = append(es, SyntheticEnrollment(done+i, created))
		}
		if _, err := ob.EnqueueBatch(ctx, es, targets); err != nil {
			return fmt.Errorf("fill queue at %d of %d: %w", done, n, err)
		}
		done += len(es)
	}
	return nil
}

// SyntheticEnrollment returns a small, obviously synthetic enrollment with
// fresh identifiers; i only varies the biographic fields.
func SyntheticEnrollment(i int, created time.Time) *enrollment.Enrollment {
	e := enrollment.New("synthetic", "synthetic", created)
	e.CompletedAt = created
	e.Biographic = enrollment.Biographic{
		FirstName: fmt.Sprintf("SYNTHETIC%d", i), LastName: "SYNTHETIC",
		DateOfBirth: fmt.Sprintf("19%02d-01-01", i%100), Gender: "X", Nationality: "UTO",
	}
	e.Fingers = []enrollment.Finger{{Position: enrollment.LeftLittle, Missing: enrollment.Amputated}}
	return e
}

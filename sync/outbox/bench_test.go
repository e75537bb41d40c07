package outbox

import (
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
)

func BenchmarkEnqueue(b *testing.B) {
	sizes := []struct {
		name  string
		image int // bytes per image; three images and a chip group per enrollment
	}{
		{"small", 0},
		{"300KB", 75 << 10},
	}
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			env := newEnv(b, Options{})
			template := person(b, "")
			if sz.image > 0 {
				template = withImages(b, template, sz.image)
			}
			es := make([]*enrollment.Enrollment, b.N)
			for i := range es {
				e := *template
				fresh := enrollment.New("st", "op", template.CreatedAt)
				e.TransactionID, e.PersonID, e.IdentityID = fresh.TransactionID, fresh.PersonID, fresh.IdentityID
				es[i] = &e
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := env.ob.Enqueue(ctx, es[i], []string{"osia"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrollments/s")
		})
	}
}

func BenchmarkLeaseAck(b *testing.B) {
	env := newEnv(b, Options{})
	if err := FillSynthetic(ctx, env.ob, b.N, []string{"osia"}); err != nil {
		b.Fatal(err)
	}
	now := env.clock.Now()
	b.ResetTimer()
	for done := 0; done < b.N; {
		ls, err := env.ob.Lease(ctx, "osia", now, 16, time.Minute)
		if err != nil || len(ls) == 0 {
			b.Fatalf("Lease = %d, %v", len(ls), err)
		}
		for _, l := range ls {
			if err := env.ob.Ack(ctx, l, delivery.Receipt{}); err != nil {
				b.Fatal(err)
			}
		}
		done += len(ls)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func BenchmarkFillSynthetic(b *testing.B) {
	env := newEnv(b, Options{})
	b.ResetTimer()
	if err := FillSynthetic(ctx, env.ob, b.N, []string{"osia"}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrollments/s")
}

// BenchmarkStatsLargeQueue shows Stats does not depend on the queue length.
func BenchmarkStatsLargeQueue(b *testing.B) {
	env := newEnv(b, Options{})
	if err := FillSynthetic(ctx, env.ob, 20000, []string{"osia"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := env.ob.Stats(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenLargeQueue measures opening the store and the outbox and
// reading the stats with 100 000 queued items: the daemon's start-up path.
func BenchmarkOpenLargeQueue(b *testing.B) {
	env := newEnv(b, Options{})
	if err := FillSynthetic(ctx, env.ob, 100000, []string{"osia"}); err != nil {
		b.Fatal(err)
	}
	if err := env.db.Close(); err != nil {
		b.Fatal(err)
	}
	env.db = nil
	b.ResetTimer()
	for range b.N {
		db, err := store.Open(env.path, env.kek, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ob, err := New(db, env.opts)
		if err != nil {
			b.Fatal(err)
		}
		st, err := ob.Stats(ctx)
		if err != nil || st.Pending != 100000 {
			b.Fatalf("stats %+v, %v", st, err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

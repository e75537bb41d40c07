package outbox

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/capturestation/station/sync/delivery"
)

// modelItem is the reference model's view of one item.
type modelItem struct {
	seq                    uint64
	target, person         string
	state                  State
	gen                    uint64
	nextAttempt, leasedTil time.Time
	enqueued               time.Time
}

type model struct {
	items map[uint64]*modelItem
	txs   int
}

func (m *model) dueAt(it *modelItem) time.Time {
	if it.state == InFlight {
		return it.leasedTil
	}
	return it.nextAttempt
}

// lease returns the IDs the outbox must lease, in order, and applies the lease.
func (m *model) lease(target string, now time.Time, max int, leaseFor time.Duration) []uint64 {
	var due []*modelItem
	for _, it := range m.items {
		if it.target == target && (it.state == Pending || it.state == InFlight) && !m.dueAt(it).After(now) {
			due = append(due, it)
		}
	}
	slices.SortFunc(due, func(a, b *modelItem) int {
		if c := m.dueAt(a).Compare(m.dueAt(b)); c != 0 {
			return c
		}
		return cmpSeq(a.seq, b.seq)
	})
	var picked []uint64
	for _, it := range due {
		if len(picked) == max {
			break
		}
		blocked := false
		for _, o := range m.items {
			if o.target == target && o.person == it.person && o.seq < it.seq && o.state.undelivered() {
				blocked = true
			}
		}
		if !blocked {
			picked = append(picked, it.seq)
		}
	}
	slices.Sort(picked)
	for _, seq := range picked {
		it := m.items[seq]
		it.state, it.gen, it.leasedTil = InFlight, it.gen+1, now.Add(leaseFor)
	}
	return picked
}

func (m *model) stats(target string) Stats {
	var s Stats
	var oldest *modelItem
	for _, it := range m.items {
		if target != "" && it.target != target {
			continue
		}
		switch it.state {
		case Pending:
			s.Pending++
		case InFlight:
			s.InFlight++
		case Failed:
			s.Failed++
		case Delivered:
			s.Delivered++
		}
		if it.state.undelivered() && (oldest == nil || it.seq < oldest.seq) {
			oldest = it
		}
	}
	if oldest != nil {
		s.OldestUndelivered, s.OldestUndeliveredID = oldest.enqueued, itemID(oldest.seq)
	}
	return s
}

func TestOutboxAgainstModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			env := newEnv(t, Options{Retention: time.Minute})
			m := &model{items: map[uint64]*modelItem{}}
			targets := []string{"a", "b"}
			persons := []string{"P1", "P2", "P3", "P4"}
			type held struct {
				l   Lease
				seq uint64
			}
			var leases []held
			var nextSeq uint64 = 1
			const leaseFor = 30 * time.Second
			for step := range 300 {
				now := env.clock.Now()
				switch op := rng.IntN(100); {
				case op < 25: // enqueue
					e := person(t, persons[rng.IntN(len(persons))])
					ts := targets[:1+rng.IntN(2)]
					if rng.IntN(2) == 0 {
						ts = []string{targets[1]}
					}
					mustEnqueue(t, env.ob, e, ts...)
					for _, tg := range ts {
						m.items[nextSeq] = &modelItem{seq: nextSeq, target: tg, person: e.PersonID, state: Pending, nextAttempt: now, enqueued: now}
						nextSeq++
					}
				case op < 50: // lease
					tg, max := targets[rng.IntN(2)], 1+rng.IntN(3)
					want := m.lease(tg, now, max, leaseFor)
					ls, err := env.ob.Lease(ctx, tg, now, max, leaseFor)
					if err != nil {
						t.Fatal(err)
					}
					var got []uint64
					for _, l := range ls {
						seq, _ := strconv.ParseUint(l.Item.ID, 10, 64)
						got = append(got, seq)
						leases = append(leases, held{l, seq})
					}
					if !slices.Equal(got, want) {
						t.Fatalf("step %d: Lease(%s, %d) = %v, model says %v", step, tg, max, got, want)
					}
				case op < 75 && len(leases) > 0: // outcome of a held (possibly stale) lease
					i := rng.IntN(len(leases))
					h := leases[i]
					leases = slices.Delete(leases, i, i+1)
					it := m.items[h.seq]
					valid := it != nil && it.state == InFlight && it.gen == h.l.gen
					var err error
					switch rng.IntN(3) {
					case 0:
						err = env.ob.Ack(ctx, h.l, delivery.Receipt{})
						if valid {
							it.state = Delivered
						}
					case 1:
						next := now.Add(time.Duration(rng.IntN(4)) * time.Second)
						err = env.ob.Retry(ctx, h.l, errors.New("later"), next)
						if valid {
							it.state, it.nextAttempt = Pending, next
						}
					default:
						err = env.ob.Fail(ctx, h.l, errors.New("no"))
						if valid {
							it.state = Failed
						}
					}
					if valid && err != nil || !valid && !errors.Is(err, ErrStaleLease) {
						t.Fatalf("step %d: outcome of lease of %d (valid=%v): %v", step, h.seq, valid, err)
					}
				case op < 85: // operator action on a failed item
					var failed []uint64
					for seq, it := range m.items {
						if it.state == Failed {
							failed = append(failed, seq)
						}
					}
					if len(failed) == 0 {
						continue
					}
					slices.Sort(failed)
					seq := failed[rng.IntN(len(failed))]
					if rng.IntN(2) == 0 {
						if err := env.ob.RetryFailed(ctx, itemID(seq)); err != nil {
							t.Fatal(err)
						}
						m.items[seq].state, m.items[seq].nextAttempt = Pending, now
					} else {
						if err := env.ob.Drop(ctx, itemID(seq), "op"); err != nil {
							t.Fatal(err)
						}
						delete(m.items, seq)
					}
				case op < 97:
					env.clock.Advance(time.Duration(rng.IntN(40)) * time.Second)
				default:
					env.reopen()
				}
				for _, tg := range []string{"", "a", "b"} {
					var got Stats
					var err error
					if tg == "" {
						got, err = env.ob.Stats(ctx)
					} else {
						got, err = env.ob.TargetStats(ctx, tg)
					}
					if err != nil {
						t.Fatal(err)
					}
					if want := m.stats(tg); got != want {
						t.Fatalf("step %d: stats(%q) = %+v, model %+v", step, tg, got, want)
					}
				}
			}
			// The state lists agree with the counts.
			st, _ := env.ob.Stats(ctx)
			for s, want := range map[State]int{Pending: st.Pending, InFlight: st.InFlight, Failed: st.Failed, Delivered: st.Delivered} {
				items, err := env.ob.List(ctx, Filter{State: s, Limit: 1000})
				if err != nil || len(items) != want {
					t.Errorf("List(%s) has %d items, %v; stats say %d", s, len(items), err, want)
				}
			}
		})
	}
}

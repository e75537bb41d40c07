package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/internal/store"
)

func openLog(t *testing.T) (*Log, *store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "station.db")
	kek := make([]byte, store.KeySize)
	if _, err := rand.Read(kek); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, kek, store.Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l, db, path
}

func fill(t *testing.T, l *Log, n int) []Entry {
	t.Helper()
	var out []Entry
	for i := range n {
		e, err := l.Append(context.Background(), Entry{Actor: "op1", Action: "enrollment.step", Subject: "tx-1",
			Detail: map[string]string{"step": fmt.Sprint(i), "state": "face"}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestAppendChainsAndLists(t *testing.T) {
	l, _, _ := openLog(t)
	ctx := context.Background()
	if err := l.Verify(ctx); err != nil {
		t.Fatalf("empty log: %v", err)
	}
	es := fill(t, l, 5)
	for i, e := range es {
		if e.Seq != uint64(i+1) || e.Hash != e.ComputeHash() || len(e.Hash) != 64 {
			t.Fatalf("entry %d: %+v", i, e)
		}
		if i == 0 && e.Prev != zeroHash || i > 0 && e.Prev != es[i-1].Hash {
			t.Fatalf("entry %d is not linked: %+v", i, e)
		}
	}
	if err := l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := l.List(ctx, 2, 2)
	if err != nil || len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 4 || got[0].Hash != es[2].Hash {
		t.Fatalf("List(2, 2) = %+v, %v", got, err)
	}
	seq, hash, err := l.Head(ctx)
	if err != nil || seq != 5 || hash != es[4].Hash {
		t.Fatalf("Head = %d %s %v", seq, hash, err)
	}
}

func TestAppendRefuses(t *testing.T) {
	l, _, _ := openLog(t)
	for name, e := range map[string]Entry{
		"no action":    {Actor: "op"},
		"long subject": {Action: "x", Subject: strings.Repeat("a", MaxField+1)},
		"free text":    {Action: "x", Detail: map[string]string{"note": strings.Repeat("a", MaxDetailValue+1)}},
		"empty key":    {Action: "x", Detail: map[string]string{"": "v"}},
	} {
		if _, err := l.Append(context.Background(), e); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// rawChain runs fn on the chain bucket in a write transaction.
func rawChain(t *testing.T, db *store.DB, fn func(tx *store.Tx, put func(seq uint64, e Entry), get func(seq uint64) Entry)) {
	t.Helper()
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		b, err := chain(tx)
		if err != nil {
			return err
		}
		put := func(seq uint64, e Entry) {
			if err := putSealed(tx, b, seqKey(seq), SealID(seq), &e); err != nil {
				t.Fatal(err)
			}
		}
		get := func(seq uint64) Entry {
			e, err := open(tx, seqKey(seq), b.Get(seqKey(seq)))
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		fn(tx, put, get)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB)
		wantSeq uint64
		reason  string
	}{
		{"flipped byte", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(tx *store.Tx, _ func(uint64, Entry), _ func(uint64) Entry) {
				b, _ := chain(tx)
				v := bytes.Clone(b.Get(seqKey(3)))
				v[len(v)/2] ^= 1
				b.Put(seqKey(3), v)
			})
		}, 3, "does not open"},
		{"changed and re-sealed", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(_ *store.Tx, put func(uint64, Entry), get func(uint64) Entry) {
				e := get(3)
				e.Actor = "someone-else"
				put(3, e)
			})
		}, 3, "does not match its hash"},
		{"changed, re-hashed and re-sealed", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(_ *store.Tx, put func(uint64, Entry), get func(uint64) Entry) {
				e := get(3)
				e.Detail["state"] = "review"
				e.Hash = e.ComputeHash()
				put(3, e)
			})
		}, 4, "link to the previous entry is broken"},
		{"deleted", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(tx *store.Tx, _ func(uint64, Entry), _ func(uint64) Entry) {
				b, _ := chain(tx)
				b.Delete(seqKey(2))
			})
		}, 2, "missing"},
		{"deleted and renumbered", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(tx *store.Tx, put func(uint64, Entry), get func(uint64) Entry) {
				b, _ := chain(tx)
				for s := uint64(2); s < 5; s++ {
					e := get(s + 1)
					e.Seq = s
					e.Hash = e.ComputeHash()
					put(s, e)
				}
				b.Delete(seqKey(5))
			})
		}, 2, "link to the previous entry is broken"},
		{"swapped sealed values", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(tx *store.Tx, _ func(uint64, Entry), _ func(uint64) Entry) {
				b, _ := chain(tx)
				v2, v4 := bytes.Clone(b.Get(seqKey(2))), bytes.Clone(b.Get(seqKey(4)))
				b.Put(seqKey(2), v4)
				b.Put(seqKey(4), v2)
			})
		}, 2, "does not open"},
		{"reordered and re-sealed", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(_ *store.Tx, put func(uint64, Entry), get func(uint64) Entry) {
				e2, e4 := get(2), get(4)
				put(2, e4)
				put(4, e2)
			})
		}, 2, "holds entry 4"},
		{"last entry removed", func(t *testing.T, db *store.DB) {
			rawChain(t, db, func(tx *store.Tx, _ func(uint64, Entry), _ func(uint64) Entry) {
				b, _ := chain(tx)
				b.Delete(seqKey(5))
			})
		}, 5, "head says 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, db, _ := openLog(t)
			fill(t, l, 5)
			tc.tamper(t, db)
			err := l.Verify(context.Background())
			var ve *VerifyError
			if !errors.Is(err, ErrTampered) || !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want ErrTampered", err)
			}
			if ve.Seq != tc.wantSeq || !strings.Contains(ve.Reason, tc.reason) {
				t.Fatalf("Verify = %v, want entry %d: %q", err, tc.wantSeq, tc.reason)
			}
		})
	}
}

func TestConcurrentAppendsKeepTheChain(t *testing.T) {
	l, _, _ := openLog(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := l.Append(context.Background(), Entry{Actor: fmt.Sprintf("op%d", w), Action: "x", Detail: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := l.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	all, err := l.List(context.Background(), 0, 1000)
	if err != nil || len(all) != workers*each {
		t.Fatalf("List = %d entries, %v", len(all), err)
	}
}

// Earlier versions of the outbox wrote their own records at the top level
// of the audit bucket; in a database that still holds them they neither
// break the chain nor show in it.
func TestCoexistsWithOutboxRecords(t *testing.T) {
	l, db, _ := openLog(t)
	fill(t, l, 2)
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.PutSealed(store.Audit, "0000000000000001", map[string]string{"action": "outbox.drop"})
	})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, l, 1)
	if err := l.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSurvivesReopenAndIsSealed(t *testing.T) {
	l, db, path := openLog(t)
	e, err := l.Append(context.Background(), Entry{Time: time.Date(2025, 1, 2, 3, 4, 5, 6789, time.UTC), Actor: "supervisor-zz",
		Action: "enrollment.exception.approved", Subject: "tx-secret-subject"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"supervisor-zz", "tx-secret-subject", e.Hash} {
		if bytes.Contains(file, []byte(s)) {
			t.Errorf("%q is in the database file in clear", s)
		}
	}
	// The stored entry decodes to the same hash after a JSON round trip.
	b, _ := json.Marshal(e)
	var back Entry
	if err := json.Unmarshal(b, &back); err != nil || back.ComputeHash() != e.Hash {
		t.Fatalf("round trip changes the hash: %v", err)
	}
}

package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
)

var ctx = context.Background()

func TestEnqueueIdempotent(t *testing.T) {
	env := newEnv(t, Options{})
	e := person(t, "")
	for i, want := range []bool{true, false, false} {
		created, err := env.ob.Enqueue(ctx, e, []string{"osia", "backup"})
		if err != nil || created != want {
			t.Fatalf("Enqueue #%d = %v, %v; want %v", i, created, err, want)
		}
		if i == 1 {
			env.reopen()
		}
	}
	st, err := env.ob.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 2 || st.Undelivered() != 2 {
		t.Errorf("Stats = %+v, want 2 pending", st)
	}
	got, found, err := env.ob.Enrollment(ctx, e.TransactionID)
	if err != nil || !found || got.Biographic.FirstName != "Test" || got.PersonID != e.PersonID {
		t.Errorf("Enrollment = %+v, %v, %v", got, found, err)
	}
}

func TestEnqueueRejects(t *testing.T) {
	env := newEnv(t, Options{})
	bad := person(t, "")
	bad.PersonID = "has space"
	tests := []struct {
		name    string
		e       *enrollment.Enrollment
		targets []string
		want    error
	}{
		{"nil enrollment", nil, []string{"osia"}, enrollment.ErrInvalid},
		{"invalid enrollment", bad, []string{"osia"}, enrollment.ErrInvalid},
		{"no targets", person(t, ""), nil, ErrInvalidTarget},
		{"empty target", person(t, ""), []string{""}, ErrInvalidTarget},
		{"target with separator", person(t, ""), []string{"a/b"}, ErrInvalidTarget},
		{"repeated target", person(t, ""), []string{"osia", "osia"}, ErrInvalidTarget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := env.ob.Enqueue(ctx, tc.e, tc.targets); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if st, _ := env.ob.Stats(ctx); st.Undelivered() != 0 {
		t.Errorf("rejected enqueues left items: %+v", st)
	}
}

func TestLeaseInEnqueueOrder(t *testing.T) {
	env := newEnv(t, Options{})
	var want []string
	for range 5 {
		e := person(t, "")
		mustEnqueue(t, env.ob, e, "osia", "backup")
		want = append(want, e.TransactionID)
	}
	now := env.clock.Now()
	if ls := mustLease(t, env.ob, "osia", now.Add(-time.Second), 10); len(ls) != 0 {
		t.Errorf("leased %d items before they were due", len(ls))
	}
	first := mustLease(t, env.ob, "osia", now, 3)
	rest := mustLease(t, env.ob, "osia", now, 10)
	if got := append(txIDs(first), txIDs(rest)...); !slices.Equal(got, want) {
		t.Errorf("lease order %v, want %v", got, want)
	}
	for _, l := range append(first, rest...) {
		if l.Enrollment == nil || l.Enrollment.TransactionID != l.Item.TransactionID || l.Item.State != InFlight || l.Item.Attempts != 1 {
			t.Errorf("lease %+v", l.Item)
		}
	}
	if got := txIDs(mustLease(t, env.ob, "backup", now, 10)); !slices.Equal(got, want) {
		t.Errorf("backup target lease order %v, want %v", got, want)
	}
	st, _ := env.ob.TargetStats(ctx, "osia")
	if st.InFlight != 5 || st.Pending != 0 {
		t.Errorf("osia stats %+v", st)
	}
}

func TestPerPersonOrder(t *testing.T) {
	env := newEnv(t, Options{})
	p1, p1b, p2 := person(t, "P1"), person(t, "P1"), person(t, "P2")
	for _, e := range []*enrollment.Enrollment{p1, p1b, p2} {
		mustEnqueue(t, env.ob, e)
	}
	now := env.clock.Now()
	ls := mustLease(t, env.ob, "osia", now, 10)
	if got := txIDs(ls); !slices.Equal(got, []string{p1.TransactionID, p2.TransactionID}) {
		t.Fatalf("leased %v, want P1's first and P2's", got)
	}
	if err := env.ob.Ack(ctx, ls[1], delivery.Receipt{}); err != nil {
		t.Fatal(err)
	}
	// Retry P1's first: it comes back before P1's second.
	if err := env.ob.Retry(ctx, ls[0], errors.New("timeout"), now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := txIDs(mustLease(t, env.ob, "osia", now.Add(time.Second), 10)); !slices.Equal(got, []string{p1.TransactionID}) {
		t.Fatalf("after retry leased %v, want only P1's first", got)
	}
	// Fail it: P1's second stays blocked behind the failed item.
	again, _ := env.ob.List(ctx, Filter{State: InFlight, Target: "osia"})
	l1 := leaseOf(t, env, again[0].ID)
	if err := env.ob.Fail(ctx, l1, delivery.Fail(400, errors.New("bad request"))); err != nil {
		t.Fatal(err)
	}
	if ls := mustLease(t, env.ob, "osia", now.Add(time.Hour), 10); len(ls) != 0 {
		t.Fatalf("leased %v while P1's first is failed", txIDs(ls))
	}
	// Drop the failed one: the second is released.
	if err := env.ob.Drop(ctx, l1.Item.ID, "supervisor-1"); err != nil {
		t.Fatal(err)
	}
	if got := txIDs(mustLease(t, env.ob, "osia", now.Add(time.Hour), 10)); !slices.Equal(got, []string{p1b.TransactionID}) {
		t.Fatalf("after drop leased %v, want P1's second", got)
	}
}

// leaseOf finds the current lease of an in-flight item by letting its lease
// expire and leasing it again.
func leaseOf(t *testing.T, env *env, id string) Lease {
	t.Helper()
	it, err := env.ob.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range mustLease(t, env.ob, it.Target, it.LeasedUntil, 100) {
		if l.Item.ID == id {
			return l
		}
	}
	t.Fatalf("item %s not leasable", id)
	return Lease{}
}

func TestLeaseExpiryAndStaleLease(t *testing.T) {
	env := newEnv(t, Options{})
	mustEnqueue(t, env.ob, person(t, ""))
	now := env.clock.Now()
	first := mustLease(t, env.ob, "osia", now, 1)
	if len(first) != 1 {
		t.Fatal("nothing leased")
	}
	if ls := mustLease(t, env.ob, "osia", now.Add(59*time.Second), 1); len(ls) != 0 {
		t.Fatal("re-leased before the lease expired")
	}
	second := mustLease(t, env.ob, "osia", now.Add(time.Minute), 1)
	if len(second) != 1 || second[0].Item.ID != first[0].Item.ID || second[0].Item.Attempts != 2 {
		t.Fatalf("after expiry leased %+v", second)
	}
	stale := []struct {
		name string
		op   func(Lease) error
	}{
		{"ack", func(l Lease) error { return env.ob.Ack(ctx, l, delivery.Receipt{}) }},
		{"retry", func(l Lease) error { return env.ob.Retry(ctx, l, errors.New("x"), now) }},
		{"fail", func(l Lease) error { return env.ob.Fail(ctx, l, errors.New("x")) }},
	}
	for _, tc := range stale {
		if err := tc.op(first[0]); !errors.Is(err, ErrStaleLease) {
			t.Errorf("stale %s: err = %v, want ErrStaleLease", tc.name, err)
		}
	}
	if err := env.ob.Ack(ctx, second[0], delivery.Receipt{Kind: "identity", PersonID: second[0].Item.PersonID}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range stale {
		if err := tc.op(second[0]); !errors.Is(err, ErrStaleLease) {
			t.Errorf("%s after ack: err = %v, want ErrStaleLease", tc.name, err)
		}
	}
	it, _ := env.ob.Get(ctx, first[0].Item.ID)
	if it.State != Delivered || it.DeliveredAt.IsZero() {
		t.Errorf("item after ack: %+v", it)
	}
	r, found, err := env.ob.Receipt(ctx, "osia", it.TransactionID)
	if err != nil || !found || r.Target != "osia" || r.Kind != "identity" {
		t.Errorf("receipt %+v, %v, %v", r, found, err)
	}
	if ls := mustLease(t, env.ob, "osia", now.Add(time.Hour), 1); len(ls) != 0 {
		t.Error("delivered item leased again")
	}
}

func TestRetryFailAndOperatorActions(t *testing.T) {
	env := newEnv(t, Options{})
	mustEnqueue(t, env.ob, person(t, ""))
	now := env.clock.Now()
	l := mustLease(t, env.ob, "osia", now, 1)[0]
	cause := delivery.Retry(503, 0, errors.New("service unavailable"))
	if err := env.ob.Retry(ctx, l, cause, now.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	it, _ := env.ob.Get(ctx, l.Item.ID)
	if it.State != Pending || it.Attempts != 1 || it.LastErrorClass != "retryable" ||
		!strings.Contains(it.LastError, "HTTP 503") || !it.NextAttempt.Equal(now.Add(10*time.Second)) {
		t.Errorf("after retry: %+v", it)
	}
	if ls := mustLease(t, env.ob, "osia", now.Add(9*time.Second), 1); len(ls) != 0 {
		t.Error("leased before the next attempt time")
	}
	if err := env.ob.RetryFailed(ctx, it.ID); !errors.Is(err, ErrNotFailed) {
		t.Errorf("RetryFailed of a pending item: %v", err)
	}
	if err := env.ob.Drop(ctx, it.ID, "op"); !errors.Is(err, ErrNotFailed) {
		t.Errorf("Drop of a pending item: %v", err)
	}
	l = mustLease(t, env.ob, "osia", now.Add(10*time.Second), 1)[0]
	if err := env.ob.Fail(ctx, l, delivery.Conflicting(409, errors.New("different record"))); err != nil {
		t.Fatal(err)
	}
	failed, err := env.ob.List(ctx, Filter{State: Failed})
	if err != nil || len(failed) != 1 || failed[0].LastErrorClass != "conflict" || failed[0].Attempts != 2 {
		t.Fatalf("failed list %+v, %v", failed, err)
	}
	if err := env.ob.RetryFailed(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	it, _ = env.ob.Get(ctx, it.ID)
	if it.State != Pending || it.Attempts != 0 || !it.NextAttempt.Equal(now) {
		t.Errorf("after RetryFailed: %+v", it)
	}
	l = mustLease(t, env.ob, "osia", now, 1)[0]
	if err := env.ob.Fail(ctx, l, errors.New("bad")); err != nil {
		t.Fatal(err)
	}
	if err := env.ob.Drop(ctx, it.ID, "supervisor-7"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ob.Get(ctx, it.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after drop: %v", err)
	}
	log, err := audit.New(env.db, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := log.List(ctx, 0, 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit log: %d entries, %v", len(entries), err)
	}
	if e := entries[0]; e.Actor != "supervisor-7" || e.Action != "outbox.drop" || e.Subject != it.TransactionID ||
		e.Detail["item"] != it.ID || e.Detail["target"] != it.Target || e.Detail["attempts"] != "1" {
		t.Errorf("audit entry %+v", e)
	}
	if err := log.Verify(ctx); err != nil {
		t.Errorf("the drop broke the audit chain: %v", err)
	}
	st, _ := env.ob.Stats(ctx)
	if st != (Stats{}) {
		t.Errorf("stats after drop %+v, want empty", st)
	}
	for _, id := range []string{"", "0", "x", "99"} {
		if _, err := env.ob.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): %v", id, err)
		}
	}
}

func TestCrashSafetyLeaseSurvivesRestart(t *testing.T) {
	env := newEnv(t, Options{})
	e := withImages(t, person(t, ""), 1024)
	mustEnqueue(t, env.ob, e)
	now := env.clock.Now()
	l := mustLease(t, env.ob, "osia", now, 1)[0]
	env.reopen() // the daemon died during delivery
	if ls := mustLease(t, env.ob, "osia", now.Add(30*time.Second), 1); len(ls) != 0 {
		t.Fatal("leased again before the lease expired")
	}
	ls := mustLease(t, env.ob, "osia", l.Item.LeasedUntil, 1)
	if len(ls) != 1 || ls[0].Item.ID != l.Item.ID || ls[0].Item.Attempts != 2 {
		t.Fatalf("after restart leased %+v", ls)
	}
	if !bytes.Equal(ls[0].Enrollment.Face.Image.Data, e.Face.Image.Data) {
		t.Error("enrollment changed across restart")
	}
	if err := env.ob.Ack(ctx, l, delivery.Receipt{}); !errors.Is(err, ErrStaleLease) {
		t.Errorf("ack of the pre-crash lease: %v", err)
	}
	if err := env.ob.Ack(ctx, ls[0], delivery.Receipt{}); err != nil {
		t.Fatal(err)
	}
}

func TestPurge(t *testing.T) {
	tests := []struct {
		name      string
		retention time.Duration
	}{
		{"after retention", time.Hour},
		{"at delivery", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, Options{Retention: tc.retention})
			e := withImages(t, person(t, ""), 256)
			mustEnqueue(t, env.ob, e, "a", "b")
			now := env.clock.Now()
			intact := func(want bool) {
				t.Helper()
				got, _, err := env.ob.Enrollment(ctx, e.TransactionID)
				if err != nil {
					t.Fatal(err)
				}
				has := got.Face.Image.Data != nil && got.Fingers[0].Image.Data != nil &&
					got.Documents[0].ChipDataGroups != nil && got.Documents[0].ChipSOD != nil && got.Documents[0].Pages[0].Data != nil
				none := got.Face.Image.Data == nil && got.Fingers[0].Image.Data == nil &&
					got.Documents[0].ChipDataGroups == nil && got.Documents[0].ChipSOD == nil && got.Documents[0].Pages[0].Data == nil
				if want && !has || !want && !none {
					t.Fatalf("biometric data present=%v, want %v", has, want)
				}
				if got.Biographic.FirstName != "Test" || got.Face.Image.Format != "JPEG" {
					t.Errorf("purge removed more than the biometric payload: %+v", got.Biographic)
				}
			}
			la := mustLease(t, env.ob, "a", now, 1)[0]
			if err := env.ob.Ack(ctx, la, delivery.Receipt{}); err != nil {
				t.Fatal(err)
			}
			if n, err := env.ob.PurgeExpired(ctx, now.Add(48*time.Hour)); err != nil || n != 0 {
				t.Fatalf("purged %d, %v with target b undelivered", n, err)
			}
			intact(true)
			lb := mustLease(t, env.ob, "b", now, 1)[0]
			if err := env.ob.Ack(ctx, lb, delivery.Receipt{}); err != nil {
				t.Fatal(err)
			}
			if tc.retention == 0 {
				intact(false)
				return
			}
			intact(true)
			if n, err := env.ob.PurgeExpired(ctx, now.Add(tc.retention-time.Second)); err != nil || n != 0 {
				t.Fatalf("purged %d, %v before retention passed", n, err)
			}
			if n, err := env.ob.PurgeExpired(ctx, now.Add(tc.retention)); err != nil || n != 1 {
				t.Fatalf("purged %d, %v; want 1", n, err)
			}
			intact(false)
			if n, _ := env.ob.PurgeExpired(ctx, now.Add(2*tc.retention)); n != 0 {
				t.Errorf("purged %d again", n)
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	env := newEnv(t, Options{})
	for range 7 {
		mustEnqueue(t, env.ob, person(t, ""), "a", "b")
	}
	var all []string
	for after := ""; ; {
		page, err := env.ob.List(ctx, Filter{Target: "b", After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, it := range page {
			if it.Target != "b" {
				t.Errorf("item of target %s listed", it.Target)
			}
			all = append(all, it.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(all) != 7 || !slices.IsSortedFunc(all, func(a, b string) int { return len(a)*1000 - len(b)*1000 + strings.Compare(a, b) }) {
		t.Errorf("paged IDs %v", all)
	}
	if _, err := env.ob.List(ctx, Filter{After: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestStateNames(t *testing.T) {
	for s := Pending; s <= Delivered; s++ {
		got, err := ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseState("lost"); err == nil {
		t.Error("ParseState accepted an unknown name")
	}
	if got := State(9).String(); got != "state(9)" {
		t.Errorf("State(9) = %q", got)
	}
}

func TestNextDue(t *testing.T) {
	env := newEnv(t, Options{})
	if _, ok, err := env.ob.NextDue(ctx, "osia"); ok || err != nil {
		t.Fatalf("NextDue on empty queue = %v, %v", ok, err)
	}
	mustEnqueue(t, env.ob, person(t, ""))
	now := env.clock.Now()
	due, ok, err := env.ob.NextDue(ctx, "osia")
	if !ok || err != nil || !due.Equal(now) {
		t.Fatalf("NextDue = %v, %v, %v; want %v", due, ok, err, now)
	}
	mustLease(t, env.ob, "osia", now, 1)
	if due, _, _ := env.ob.NextDue(ctx, "osia"); !due.Equal(now.Add(time.Minute)) {
		t.Errorf("NextDue of a leased item = %v, want its lease expiry", due)
	}
	_ = fmt.Sprint()
}

func TestUnreadableEnrollmentGoesToFailedList(t *testing.T) {
	env := newEnv(t, Options{})
	bad, good := person(t, ""), person(t, "")
	mustEnqueue(t, env.ob, bad)
	mustEnqueue(t, env.ob, good)
	// Move another record's sealed bytes under the first ID: it no longer authenticates.
	err := env.db.Update(ctx, func(tx *store.Tx) error {
		b := tx.Bucket(store.Enrollments)
		return b.Put([]byte(bad.TransactionID), bytes.Clone(b.Get([]byte(good.TransactionID))))
	})
	if err != nil {
		t.Fatal(err)
	}
	ls := mustLease(t, env.ob, "osia", env.clock.Now(), 10)
	if got := txIDs(ls); !slices.Equal(got, []string{good.TransactionID}) {
		t.Fatalf("leased %v, want only the readable one", got)
	}
	failed, _ := env.ob.List(ctx, Filter{State: Failed})
	if len(failed) != 1 || failed[0].TransactionID != bad.TransactionID || failed[0].LastErrorClass != "permanent" ||
		!strings.Contains(failed[0].LastError, ErrUnreadable.Error()) {
		t.Errorf("failed list %+v", failed)
	}
}

// EnqueueTx commits with the caller's transaction, or not at all, and
// refuses a transaction on a store that holds no outbox.
func TestEnqueueTx(t *testing.T) {
	env := newEnv(t, Options{})
	e := person(t, "")
	boom := errors.New("the caller's other write failed")
	err := env.db.Update(ctx, func(tx *store.Tx) error {
		if created, err := env.ob.EnqueueTx(tx, e, []string{"osia"}); err != nil || !created {
			t.Fatalf("EnqueueTx = %v, %v", created, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	if _, found, err := env.ob.Enrollment(ctx, e.TransactionID); err != nil || found {
		t.Fatalf("rolled back, yet queued: %v, %v", found, err)
	}
	err = env.db.Update(ctx, func(tx *store.Tx) error {
		_, err := env.ob.EnqueueTx(tx, e, []string{"osia"})
		return err
	})
	if st, _ := env.ob.Stats(ctx); err != nil || st.Pending != 1 {
		t.Fatalf("committed: %v, stats %+v", err, st)
	}

	kek := make([]byte, store.KeySize)
	other, err := store.Open(filepath.Join(t.TempDir(), "other.db"), kek, store.Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = other.Update(ctx, func(tx *store.Tx) error {
		_, err := env.ob.EnqueueTx(tx, person(t, ""), []string{"osia"})
		return err
	})
	if !errors.Is(err, store.ErrNoBucket) {
		t.Fatalf("a store without the outbox: %v", err)
	}
}

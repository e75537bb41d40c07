package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
)

// Errors callers branch on.
var (
	// ErrNotFound is returned for an unknown item ID.
	ErrNotFound = errors.New("no such queue item")
	// ErrStaleLease is returned when an outcome is reported for a lease that
	// is no longer current: the item was leased again after this lease
	// expired, or its outcome was already recorded. The caller must drop it.
	ErrStaleLease = errors.New("lease is no longer current")
	// ErrNotFailed is returned by RetryFailed and Drop for an item that is not failed.
	ErrNotFailed = errors.New("queue item is not failed")
	// ErrUnreadable is the cause recorded on an item whose stored enrollment
	// cannot be read (missing, or failing authentication); Lease moves such
	// items to the failed list.
	ErrUnreadable = errors.New("stored enrollment cannot be read")
	// ErrInvalidTarget is returned for an empty, malformed or repeated target name.
	ErrInvalidTarget = errors.New("invalid target")
)

// Options configure an Outbox.
type Options struct {
	// Retention is how long an enrollment's biometric data is kept after
	// every target confirmed it; 0 erases it at the last confirmation.
	Retention time.Duration
	// Clock returns the current time; nil means time.Now. Enqueue, Ack and
	// operator actions use it; Lease and PurgeExpired take their time as an argument.
	Clock func() time.Time
}

// Outbox is the delivery queue over a store. It is safe for concurrent use.
type Outbox struct {
	db        *store.DB
	audit     *audit.Log // where operator actions (Drop) are recorded
	retention time.Duration
	now       func() time.Time
}

// New returns the outbox kept in db, creating its index buckets if needed.
// It does not read the queue.
func New(db *store.DB, opts Options) (*Outbox, error) {
	if opts.Retention < 0 {
		return nil, fmt.Errorf("outbox retention %s is negative: use 0 to erase biometric data at delivery", opts.Retention)
	}
	ob := &Outbox{db: db, retention: opts.Retention, now: opts.Clock}
	if ob.now == nil {
		ob.now = time.Now
	}
	var err error
	if ob.audit, err = audit.New(db, audit.Options{Clock: ob.now}); err != nil {
		return nil, err
	}
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		root := tx.Bucket(store.Outbox)
		if root == nil {
			return fmt.Errorf("%w: %s", store.ErrNoBucket, store.Outbox)
		}
		for _, name := range nestedBuckets {
			if _, err := root.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create outbox bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	return ob, nil
}

// qtx is one transaction's view of the outbox buckets.
type qtx struct {
	*store.Tx
	items, txs, due, person, state, open, purge, counts *bolt.Bucket
}

func wrap(tx *store.Tx) *qtx {
	root := tx.Bucket(store.Outbox)
	return &qtx{Tx: tx,
		items: root.Bucket(bItems), txs: root.Bucket(bTxs), due: root.Bucket(bDue),
		person: root.Bucket(bPerson), state: root.Bucket(bState), open: root.Bucket(bOpen),
		purge: root.Bucket(bPurge), counts: root.Bucket(bCounts),
	}
}

func (ob *Outbox) view(ctx context.Context, fn func(q *qtx) error) error {
	return ob.db.View(ctx, func(tx *store.Tx) error { return fn(wrap(tx)) })
}

func (ob *Outbox) update(ctx context.Context, fn func(q *qtx) error) error {
	return ob.db.Update(ctx, func(tx *store.Tx) error { return fn(wrap(tx)) })
}

// load reads and unseals the record of seq.
func (q *qtx) load(seq uint64) (*record, error) {
	v := q.items.Get(seqKey(seq))
	if v == nil {
		return nil, fmt.Errorf("%w: %d", ErrNotFound, seq)
	}
	id := itemID(seq)
	plain, err := q.Unseal(itemsSealBucket, id, v)
	if err != nil {
		return nil, fmt.Errorf("queue item %s: %w", id, err)
	}
	r := &record{seq: seq}
	if err := json.Unmarshal(plain, r); err != nil {
		return nil, fmt.Errorf("queue item %s: decode: %w", id, err)
	}
	return r, nil
}

func (q *qtx) save(r *record) error {
	plain, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode queue item: %w", err)
	}
	sealed, err := q.Seal(itemsSealBucket, r.Item.ID, plain)
	if err != nil {
		return fmt.Errorf("seal queue item %s: %w", r.Item.ID, err)
	}
	return q.items.Put(seqKey(r.seq), sealed)
}

// index adds (add=true) or removes the index entries of r in its current state.
func (q *qtx) index(r *record, add bool) error {
	it := &r.Item
	type entry struct {
		b *bolt.Bucket
		k []byte
	}
	entries := []entry{{q.state, stateKey(it.State, r.seq)}}
	if t, ok := it.dueAt(); ok {
		entries = append(entries, entry{q.due, dueKey(it.Target, t, r.seq)})
	}
	if it.State.undelivered() {
		entries = append(entries, entry{q.person, personKey(it.Target, it.PersonID, r.seq)},
			entry{q.open, openKey(it.Target, r.seq)})
	}
	for _, e := range entries {
		var err error
		if add {
			err = e.b.Put(e.k, nil)
		} else {
			err = e.b.Delete(e.k)
		}
		if err != nil {
			return fmt.Errorf("outbox index: %w", err)
		}
	}
	return nil
}

// count adds delta to the counts of state for the target and the total.
func (q *qtx) count(target string, s State, delta int64) error {
	for _, key := range []string{totalKey, target} {
		c := readCounts(q.counts, key)
		c[s] += delta
		if err := writeCounts(q.counts, key, c); err != nil {
			return fmt.Errorf("outbox counts: %w", err)
		}
	}
	return nil
}

// transition applies change to r and keeps record, indexes and counts in step.
func (q *qtx) transition(r *record, change func(it *Item)) error {
	old := r.Item.State
	if err := q.index(r, false); err != nil {
		return err
	}
	change(&r.Item)
	if err := q.index(r, true); err != nil {
		return err
	}
	if r.Item.State != old {
		if err := q.count(r.Item.Target, old, -1); err != nil {
			return err
		}
		if err := q.count(r.Item.Target, r.Item.State, 1); err != nil {
			return err
		}
	}
	return q.save(r)
}

// Enqueue validates e and queues it for each target, in one transaction. It
// is idempotent by transaction ID: when e.TransactionID is already queued
// nothing changes and created is false.
func (ob *Outbox) Enqueue(ctx context.Context, e *enrollment.Enrollment, targets []string) (created bool, err error) {
	err = ob.db.Update(ctx, func(tx *store.Tx) error {
		created, err = ob.EnqueueTx(tx, e, targets)
		return err
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// EnqueueTx queues e like Enqueue, inside the caller's transaction on the
// outbox's store: what seals an enrollment elsewhere in the store (the
// workflow removing its draft) and its queueing then commit together, or
// not at all.
func (ob *Outbox) EnqueueTx(tx *store.Tx, e *enrollment.Enrollment, targets []string) (created bool, err error) {
	if err := checkEnqueue(e, targets); err != nil {
		return false, err
	}
	if root := tx.Bucket(store.Outbox); root == nil || root.Bucket(bItems) == nil {
		return false, fmt.Errorf("enqueue %s: %w: %s (a transaction on a store without the outbox?)", e.TransactionID, store.ErrNoBucket, store.Outbox)
	}
	created, err = ob.enqueue(wrap(tx), e, targets, ob.now())
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", e.TransactionID, err)
	}
	return created, nil
}

// EnqueueBatch queues many enrollments for the same targets in one
// transaction (imports, tests and benchmarks); it returns how many were new.
func (ob *Outbox) EnqueueBatch(ctx context.Context, es []*enrollment.Enrollment, targets []string) (int, error) {
	for _, e := range es {
		if err := checkEnqueue(e, targets); err != nil {
			return 0, err
		}
	}
	n := 0
	err := ob.update(ctx, func(q *qtx) error {
		n = 0
		now := ob.now()
		for _, e := range es {
			created, err := ob.enqueue(q, e, targets, now)
			if err != nil {
				return fmt.Errorf("enqueue %s: %w", e.TransactionID, err)
			}
			if created {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func checkEnqueue(e *enrollment.Enrollment, targets []string) error {
	if e == nil {
		return fmt.Errorf("enqueue: %w: nil enrollment", enrollment.ErrInvalid)
	}
	if err := e.Validate(); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	if len(targets) == 0 {
		return fmt.Errorf("enqueue %s: %w: no targets", e.TransactionID, ErrInvalidTarget)
	}
	for i, t := range targets {
		if err := CheckTarget(t); err != nil {
			return fmt.Errorf("enqueue %s: %w", e.TransactionID, err)
		}
		if slices.Contains(targets[:i], t) {
			return fmt.Errorf("enqueue %s: %w: %q appears twice", e.TransactionID, ErrInvalidTarget, t)
		}
	}
	return nil
}

// CheckTarget reports whether name is usable as a target name: 1 to 64
// letters, digits, '-', '_' or '.'.
func CheckTarget(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: target name %q must be 1 to 64 characters", ErrInvalidTarget, name)
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return fmt.Errorf("%w: target name %q may hold only letters, digits, '-', '_' and '.'", ErrInvalidTarget, name)
		}
	}
	return nil
}

func (ob *Outbox) enqueue(q *qtx, e *enrollment.Enrollment, targets []string, now time.Time) (bool, error) {
	if _, exists, err := readTx(q.txs, e.TransactionID); err != nil || exists {
		return false, err
	}
	if err := q.PutSealed(store.Enrollments, e.TransactionID, e); err != nil {
		return false, err
	}
	now = now.UTC()
	var txr txRecord
	for _, target := range targets {
		seq, err := q.items.NextSequence()
		if err != nil {
			return false, fmt.Errorf("next queue sequence: %w", err)
		}
		r := &record{seq: seq, Item: Item{
			ID: itemID(seq), TransactionID: e.TransactionID, PersonID: e.PersonID, IdentityID: e.IdentityID,
			Target: target, State: Pending, EnqueuedAt: now, NextAttempt: now,
		}}
		if err := q.index(r, true); err != nil {
			return false, err
		}
		if err := q.count(target, Pending, 1); err != nil {
			return false, err
		}
		if err := q.save(r); err != nil {
			return false, err
		}
		txr.Items = append(txr.Items, seq)
	}
	if err := writeTx(q.txs, e.TransactionID, txr); err != nil {
		return false, fmt.Errorf("record transaction: %w", err)
	}
	return true, nil
}

// Enrollment returns the queued enrollment with the transaction ID (its
// biometric data erased once retention has passed).
func (ob *Outbox) Enrollment(ctx context.Context, transactionID string) (*enrollment.Enrollment, bool, error) {
	var e enrollment.Enrollment
	var found bool
	err := ob.view(ctx, func(q *qtx) error {
		var err error
		found, err = q.GetSealed(store.Enrollments, transactionID, &e)
		return err
	})
	if err != nil || !found {
		return nil, false, err
	}
	return &e, true, nil
}

// Receipt returns the receipt the target gave for the transaction.
func (ob *Outbox) Receipt(ctx context.Context, target, transactionID string) (r delivery.Receipt, found bool, err error) {
	err = ob.view(ctx, func(q *qtx) error {
		found, err = q.GetSealed(store.Receipts, receiptID(target, transactionID), &r)
		return err
	})
	return r, found, err
}

func receiptID(target, transactionID string) string { return target + "/" + transactionID }

// Get returns the item with the ID.
func (ob *Outbox) Get(ctx context.Context, id string) (Item, error) {
	seq, err := parseID(id)
	if err != nil {
		return Item{}, err
	}
	var it Item
	err = ob.view(ctx, func(q *qtx) error {
		r, err := q.load(seq)
		if err == nil {
			it = r.Item
		}
		return err
	})
	return it, err
}

// List returns a page of items in enqueue order.
func (ob *Outbox) List(ctx context.Context, f Filter) ([]Item, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var after uint64
	if f.After != "" {
		var err error
		if after, err = parseID(f.After); err != nil {
			return nil, err
		}
	}
	if f.State != 0 && (f.State < Pending || f.State > Delivered) {
		return nil, fmt.Errorf("list queue: unknown state %d", f.State)
	}
	var out []Item
	err := ob.view(ctx, func(q *qtx) error {
		var c *bolt.Cursor
		var prefix []byte
		if f.State != 0 {
			c, prefix = q.state.Cursor(), []byte{byte(f.State)}
		} else {
			c = q.items.Cursor()
		}
		for k, _ := c.Seek(append(bytes.Clone(prefix), seqKey(after+1)...)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Next() {
			r, err := q.load(lastSeq(k))
			if err != nil {
				return err
			}
			if f.Target == "" || r.Item.Target == f.Target {
				out = append(out, r.Item)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list queue: %w", err)
	}
	return out, nil
}

// Stats returns the counts over all targets and the oldest undelivered item.
// It reads a few keys, never the queue.
func (ob *Outbox) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := ob.view(ctx, func(q *qtx) error {
		s = readCounts(q.counts, totalKey).stats()
		var oldest uint64
		for _, st := range []State{Pending, InFlight, Failed} {
			if k := firstWithPrefix(q.state, []byte{byte(st)}); k != nil {
				if seq := lastSeq(k); oldest == 0 || seq < oldest {
					oldest = seq
				}
			}
		}
		return q.fillOldest(&s, oldest)
	})
	if err != nil {
		return Stats{}, fmt.Errorf("queue stats: %w", err)
	}
	return s, nil
}

// TargetStats returns the counts and oldest undelivered item of one target.
func (ob *Outbox) TargetStats(ctx context.Context, target string) (Stats, error) {
	var s Stats
	err := ob.view(ctx, func(q *qtx) error {
		s = readCounts(q.counts, target).stats()
		var oldest uint64
		if k := firstWithPrefix(q.open, targetPrefix(target)); k != nil {
			oldest = lastSeq(k)
		}
		return q.fillOldest(&s, oldest)
	})
	if err != nil {
		return Stats{}, fmt.Errorf("queue stats of %s: %w", target, err)
	}
	return s, nil
}

func (q *qtx) fillOldest(s *Stats, seq uint64) error {
	if seq == 0 {
		return nil
	}
	r, err := q.load(seq)
	if err != nil {
		return err
	}
	s.OldestUndelivered, s.OldestUndeliveredID = r.Item.EnqueuedAt, r.Item.ID
	return nil
}

// NextDue returns the earliest due or lease-expiry time among the target's
// pending and in-flight items; ok is false when there are none.
func (ob *Outbox) NextDue(ctx context.Context, target string) (t time.Time, ok bool, err error) {
	err = ob.view(ctx, func(q *qtx) error {
		prefix := targetPrefix(target)
		if k := firstWithPrefix(q.due, prefix); k != nil {
			t, _, ok = parseDueKey(k, len(prefix))
		}
		return nil
	})
	return t, ok, err
}

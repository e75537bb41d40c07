package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
)

// Lease is an item handed to a worker for one delivery attempt, with its
// enrollment. Report the outcome with Ack, Retry or Fail.
type Lease struct {
	Item       Item
	Enrollment *enrollment.Enrollment
	gen        uint64
	seq        uint64
}

// Lease marks up to max of the target's items that are due at now (pending
// items whose next attempt has come, and in-flight items whose lease has
// expired) in flight until now+leaseFor, and returns them in enqueue order
// with their enrollments. An item is skipped while an earlier item of the
// same person and target is undelivered.
func (ob *Outbox) Lease(ctx context.Context, target string, now time.Time, max int, leaseFor time.Duration) ([]Lease, error) {
	if max <= 0 {
		return nil, nil
	}
	if leaseFor <= 0 {
		return nil, fmt.Errorf("lease %s: lease duration %s must be positive", target, leaseFor)
	}
	now = now.UTC()
	var leases []Lease
	err := ob.update(ctx, func(q *qtx) error {
		leases = leases[:0]
		prefix := targetPrefix(target)
		var picked []*record
		c := q.due.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(picked) < max; k, _ = c.Next() {
			due, seq, ok := parseDueKey(k, len(prefix))
			if !ok {
				return fmt.Errorf("malformed due key %x", k)
			}
			if due.After(now) {
				break
			}
			r, err := q.load(seq)
			if err != nil {
				return err
			}
			first := firstWithPrefix(q.person, personPrefix(target, r.Item.PersonID))
			if lastSeq(first) != seq {
				continue // an earlier item of this person is undelivered
			}
			picked = append(picked, r)
		}
		slices.SortFunc(picked, func(a, b *record) int { return cmpSeq(a.seq, b.seq) })
		for _, r := range picked {
			r.Gen++
			err := q.transition(r, func(it *Item) {
				it.State = InFlight
				it.LeasedUntil = now.Add(leaseFor)
				it.NextAttempt = time.Time{}
				it.Attempts++
			})
			if err != nil {
				return err
			}
			leases = append(leases, Lease{Item: r.Item, gen: r.Gen, seq: r.seq})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lease %s: %w", target, err)
	}
	// Unseal the enrollments outside the write transaction. An item whose
	// enrollment cannot be read goes to the failed list rather than
	// blocking the queue.
	unreadable := map[int]error{}
	err = ob.view(ctx, func(q *qtx) error {
		for i := range leases {
			e := new(enrollment.Enrollment)
			found, err := q.GetSealed(store.Enrollments, leases[i].Item.TransactionID, e)
			switch {
			case err != nil:
				unreadable[i] = fmt.Errorf("%w: %w", ErrUnreadable, err)
			case !found:
				unreadable[i] = fmt.Errorf("%w: the enrollment is missing", ErrUnreadable)
			default:
				leases[i].Enrollment = e
			}
		}
		return nil
	})
	if err != nil {
		// The items stay leased and are due again when the lease expires.
		return nil, fmt.Errorf("lease %s: load enrollments: %w", target, err)
	}
	if len(unreadable) == 0 {
		return leases, nil
	}
	ok := leases[:0]
	for i, l := range leases {
		cause, bad := unreadable[i]
		if !bad {
			ok = append(ok, l)
			continue
		}
		if err := ob.Fail(ctx, l, delivery.Fail(0, cause)); err != nil {
			return nil, fmt.Errorf("lease %s: %w", target, err)
		}
	}
	return ok, nil
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// current loads the lease's item and checks the lease is still its current one.
func (q *qtx) current(l Lease) (*record, error) {
	r, err := q.load(l.seq)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: item %s no longer exists", ErrStaleLease, l.Item.ID)
	}
	if err != nil {
		return nil, err
	}
	if r.Item.State != InFlight || r.Gen != l.gen {
		return nil, fmt.Errorf("%w: item %s is %s under lease generation %d, not %d", ErrStaleLease, r.Item.ID, r.Item.State, r.Gen, l.gen)
	}
	return r, nil
}

// Ack records the registry's confirmation of a leased item: the item is
// delivered and the receipt kept. When every target of the enrollment is
// delivered, its biometric data is scheduled for erasure.
func (ob *Outbox) Ack(ctx context.Context, l Lease, receipt delivery.Receipt) error {
	now := ob.now().UTC()
	err := ob.update(ctx, func(q *qtx) error {
		r, err := q.current(l)
		if err != nil {
			return err
		}
		if err := q.transition(r, func(it *Item) {
			it.State = Delivered
			it.DeliveredAt = now
			it.LeasedUntil = time.Time{}
		}); err != nil {
			return err
		}
		if receipt.Target == "" {
			receipt.Target = r.Item.Target
		}
		if receipt.DeliveredAt.IsZero() {
			receipt.DeliveredAt = now
		}
		if err := q.PutSealed(store.Receipts, receiptID(r.Item.Target, r.Item.TransactionID), receipt); err != nil {
			return err
		}
		return ob.schedulePurge(q, r.Item.TransactionID, now)
	})
	if err != nil {
		return fmt.Errorf("ack item %s: %w", l.Item.ID, err)
	}
	return nil
}

// Retry records a failed attempt to be tried again at next.
func (ob *Outbox) Retry(ctx context.Context, l Lease, cause error, next time.Time) error {
	err := ob.update(ctx, func(q *qtx) error {
		r, err := q.current(l)
		if err != nil {
			return err
		}
		return q.transition(r, func(it *Item) {
			it.State = Pending
			it.NextAttempt = next.UTC()
			it.LeasedUntil = time.Time{}
			setError(it, cause)
		})
	})
	if err != nil {
		return fmt.Errorf("retry item %s: %w", l.Item.ID, err)
	}
	return nil
}

// Fail records a permanent failure: the item goes to the failed list until
// an operator retries or drops it, and blocks later items of its person.
func (ob *Outbox) Fail(ctx context.Context, l Lease, cause error) error {
	err := ob.update(ctx, func(q *qtx) error {
		r, err := q.current(l)
		if err != nil {
			return err
		}
		return q.transition(r, func(it *Item) {
			it.State = Failed
			it.LeasedUntil = time.Time{}
			setError(it, cause)
		})
	})
	if err != nil {
		return fmt.Errorf("fail item %s: %w", l.Item.ID, err)
	}
	return nil
}

// maxErrorLen bounds the stored error message.
const maxErrorLen = 512

func setError(it *Item, cause error) {
	if cause == nil {
		it.LastErrorClass, it.LastError = "", ""
		return
	}
	class, _ := delivery.Classify(cause)
	it.LastErrorClass = class.String()
	msg := cause.Error()
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
		msg += "…"
	}
	it.LastError = msg
}

// RetryFailed puts a failed item back in the queue, due now, with its
// attempt count reset.
func (ob *Outbox) RetryFailed(ctx context.Context, id string) error {
	seq, err := parseID(id)
	if err != nil {
		return err
	}
	now := ob.now().UTC()
	err = ob.update(ctx, func(q *qtx) error {
		r, err := q.load(seq)
		if err != nil {
			return err
		}
		if r.Item.State != Failed {
			return fmt.Errorf("%w: it is %s", ErrNotFailed, r.Item.State)
		}
		return q.transition(r, func(it *Item) {
			it.State = Pending
			it.NextAttempt = now
			it.Attempts = 0
		})
	})
	if err != nil {
		return fmt.Errorf("retry failed item %s: %w", id, err)
	}
	return nil
}

// Drop removes a failed item the operator gives up on, appending an entry
// naming the operator to the station's audit log in the same transaction.
// Later items of the same person are no longer blocked by it.
func (ob *Outbox) Drop(ctx context.Context, id, operator string) error {
	seq, err := parseID(id)
	if err != nil {
		return err
	}
	now := ob.now().UTC()
	err = ob.update(ctx, func(q *qtx) error {
		r, err := q.load(seq)
		if err != nil {
			return err
		}
		if r.Item.State != Failed {
			return fmt.Errorf("%w: it is %s", ErrNotFailed, r.Item.State)
		}
		if err := q.index(r, false); err != nil {
			return err
		}
		if err := q.count(r.Item.Target, Failed, -1); err != nil {
			return err
		}
		if err := q.items.Delete(seqKey(seq)); err != nil {
			return err
		}
		txr, _, err := readTx(q.txs, r.Item.TransactionID)
		if err != nil {
			return err
		}
		txr.Items = slices.DeleteFunc(txr.Items, func(s uint64) bool { return s == seq })
		txr.Dropped = append(txr.Dropped, seq)
		if err := writeTx(q.txs, r.Item.TransactionID, txr); err != nil {
			return err
		}
		detail := map[string]string{"item": r.Item.ID, "target": r.Item.Target, "attempts": strconv.Itoa(r.Item.Attempts)}
		if r.Item.LastErrorClass != "" {
			detail["errorClass"] = r.Item.LastErrorClass
		}
		if _, err := ob.audit.AppendTx(q.Tx, audit.Entry{Time: now, Actor: operator, Action: "outbox.drop",
			Subject: r.Item.TransactionID, Detail: detail}); err != nil {
			return err
		}
		return ob.schedulePurge(q, r.Item.TransactionID, now)
	})
	if err != nil {
		return fmt.Errorf("drop item %s: %w", id, err)
	}
	return nil
}

// schedulePurge schedules (or, with no retention, performs) the erasure of
// the transaction's biometric data once none of its items is undelivered.
func (ob *Outbox) schedulePurge(q *qtx, txID string, now time.Time) error {
	txr, found, err := readTx(q.txs, txID)
	if err != nil || !found || txr.Purged {
		return err
	}
	for _, seq := range txr.Items {
		r, err := q.load(seq)
		if err != nil {
			return err
		}
		if r.Item.State != Delivered {
			return nil
		}
	}
	if ob.retention == 0 {
		return purgeTx(q, txID)
	}
	return q.purge.Put(purgeKey(now.Add(ob.retention), txID), nil)
}

// PurgeExpired erases the biometric data of enrollments whose retention has
// passed at now, and returns how many it erased.
func (ob *Outbox) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := ob.update(ctx, func(q *qtx) error {
		n = 0
		limit := seqKey(timeKey(now)) // the purge key starts with the big-endian time
		var keys [][]byte
		c := q.purge.Cursor()
		for k, _ := c.First(); k != nil && len(k) >= 8 && bytes.Compare(k[:8], limit) <= 0; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := purgeTx(q, string(k[8:])); err != nil {
				return err
			}
			if err := q.purge.Delete(k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired biometric data: %w", err)
	}
	return n, nil
}

// purgeTx erases the biometric payload of one enrollment and marks it purged.
func purgeTx(q *qtx, txID string) error {
	txr, found, err := readTx(q.txs, txID)
	if err != nil || !found || txr.Purged {
		return err
	}
	var e enrollment.Enrollment
	found, err = q.GetSealed(store.Enrollments, txID, &e)
	if err != nil {
		return err
	}
	if found {
		StripBiometrics(&e)
		if err := q.PutSealed(store.Enrollments, txID, &e); err != nil {
			return err
		}
	}
	txr.Purged = true
	return writeTx(q.txs, txID, txr)
}

// StripBiometrics erases the biometric payload of e in place: face, finger
// and document page image data, chip data groups and SOD. Image metadata,
// biographic data and identifiers stay.
func StripBiometrics(e *enrollment.Enrollment) {
	if e.Face != nil {
		e.Face.Image.Data = nil
	}
	for i := range e.Fingers {
		if e.Fingers[i].Image != nil {
			e.Fingers[i].Image.Data = nil
		}
	}
	for i := range e.Documents {
		d := &e.Documents[i]
		d.ChipDataGroups, d.ChipSOD = nil, nil
		for j := range d.Pages {
			d.Pages[j].Data = nil
		}
	}
}

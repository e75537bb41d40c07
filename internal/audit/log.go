package audit

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/capturestation/station/internal/store"
)

// Storage layout: a nested bucket of store.Audit (records that earlier
// versions of the outbox wrote at the top level of that bucket are left
// alone), keyed by the sequence number as 8
// bytes big-endian so that keys sort in order, each value sealed for the
// record ID SealID(seq); the head record sits in the same bucket under
// headKey.
var (
	chainBucket = []byte("chain")
	headKey     = []byte("head")
)

// sealBucket is the bucket name the chain's records are sealed for.
const sealBucket = store.Audit + "/chain"

// Errors callers branch on.
var (
	// ErrInvalid is returned by Append for an entry it refuses.
	ErrInvalid = errors.New("invalid audit entry")
	// ErrTampered is wrapped by every Verify failure (as a *VerifyError).
	ErrTampered = errors.New("audit log altered")
)

// VerifyError names the first entry that failed verification.
type VerifyError struct {
	// Seq is the sequence number expected at the failing position (or the
	// head's, for a head mismatch).
	Seq uint64
	// Reason says what is wrong with it.
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("audit entry %d: %s", e.Seq, e.Reason)
}

// Unwrap makes errors.Is(err, ErrTampered) true.
func (e *VerifyError) Unwrap() error { return ErrTampered }

// Options configure a Log.
type Options struct {
	// Clock stamps entries whose Time is zero; time.Now when nil.
	Clock func() time.Time
}

// Log is the audit log in a store. It is safe for concurrent use: appends
// are serialised by the store's single writer.
type Log struct {
	db  *store.DB
	now func() time.Time
}

// head is the sealed record of the newest entry.
type head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// New returns the audit log kept in db, creating its bucket if needed.
func New(db *store.DB, opts Options) (*Log, error) {
	l := &Log{db: db, now: opts.Clock}
	if l.now == nil {
		l.now = time.Now
	}
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		root := tx.Bucket(store.Audit)
		if root == nil {
			return fmt.Errorf("%w: %s", store.ErrNoBucket, store.Audit)
		}
		_, err := root.CreateBucketIfNotExists(chainBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return l, nil
}

// SealID is the record ID an entry is sealed for (its sequence number as 16
// hex digits).
func SealID(seq uint64) string { return fmt.Sprintf("%016x", seq) }

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func chain(tx *store.Tx) (*bolt.Bucket, error) {
	root := tx.Bucket(store.Audit)
	if root == nil {
		return nil, fmt.Errorf("%w: %s", store.ErrNoBucket, store.Audit)
	}
	b := root.Bucket(chainBucket)
	if b == nil {
		return nil, fmt.Errorf("%w: %s/%s (open the log with audit.New first)", store.ErrNoBucket, store.Audit, chainBucket)
	}
	return b, nil
}

func readHead(tx *store.Tx, b *bolt.Bucket) (head, error) {
	v := b.Get(headKey)
	if v == nil {
		return head{Hash: zeroHash}, nil
	}
	plain, err := tx.Unseal(sealBucket, string(headKey), v)
	if err != nil {
		return head{}, fmt.Errorf("audit head: %w", err)
	}
	var h head
	if err := json.Unmarshal(plain, &h); err != nil {
		return head{}, fmt.Errorf("audit head: %w", err)
	}
	return h, nil
}

func putSealed(tx *store.Tx, b *bolt.Bucket, key []byte, id string, v any) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := tx.Seal(sealBucket, id, plain)
	clear(plain)
	if err != nil {
		return err
	}
	return b.Put(key, sealed)
}

// Append adds an entry in its own transaction and returns it with its
// sequence number, time and hashes set.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	var out Entry
	err := l.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		out, err = l.AppendTx(tx, e)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}

// AppendTx adds an entry inside the caller's write transaction, so that a
// record and the audit of its change commit together (or not at all).
func (l *Log) AppendTx(tx *store.Tx, e Entry) (Entry, error) {
	if !tx.Writable() {
		return Entry{}, errors.New("audit append: the transaction is read-only")
	}
	if err := e.check(); err != nil {
		return Entry{}, fmt.Errorf("audit append: %w", err)
	}
	b, err := chain(tx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit append: %w", err)
	}
	h, err := readHead(tx, b)
	if err != nil {
		return Entry{}, fmt.Errorf("audit append: %w", err)
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Seq, e.Prev = h.Seq+1, h.Hash
	if len(e.Detail) == 0 {
		e.Detail = nil
	}
	e.Hash = e.ComputeHash()
	if err := putSealed(tx, b, seqKey(e.Seq), SealID(e.Seq), &e); err != nil {
		return Entry{}, fmt.Errorf("audit append %d: %w", e.Seq, err)
	}
	if err := putSealed(tx, b, headKey, string(headKey), head{Seq: e.Seq, Hash: e.Hash}); err != nil {
		return Entry{}, fmt.Errorf("audit append %d: head: %w", e.Seq, err)
	}
	return e, nil
}

// Head returns the newest entry's sequence number and hash (0 and 64 zeros
// for an empty log): the value to anchor outside the station.
func (l *Log) Head(ctx context.Context) (seq uint64, hash string, err error) {
	err = l.db.View(ctx, func(tx *store.Tx) error {
		b, err := chain(tx)
		if err != nil {
			return err
		}
		h, err := readHead(tx, b)
		seq, hash = h.Seq, h.Hash
		return err
	})
	return seq, hash, err
}

// List returns up to limit entries (100 when limit ≤ 0, at most 1000) with a
// sequence number above after, oldest first. It does not verify the chain.
func (l *Log) List(ctx context.Context, after uint64, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var out []Entry
	err := l.db.View(ctx, func(tx *store.Tx) error {
		b, err := chain(tx)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(k) == 8 && len(out) < limit; k, v = c.Next() {
			e, err := open(tx, k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}

func open(tx *store.Tx, k, v []byte) (Entry, error) {
	seq := binary.BigEndian.Uint64(k)
	plain, err := tx.Unseal(sealBucket, SealID(seq), v)
	if err != nil {
		return Entry{}, err
	}
	defer clear(plain)
	var e Entry
	if err := json.Unmarshal(plain, &e); err != nil {
		return Entry{}, fmt.Errorf("audit entry %d: decode: %w", seq, err)
	}
	return e, nil
}

// Verify walks the whole log and checks every entry: it opens (authenticated
// decryption for its position), its sequence number follows the previous one
// without a gap, its Prev is the previous entry's hash, its Hash is the hash
// of its content, and the last entry is the head. It returns nil for an
// intact log, or a *VerifyError (wrapping ErrTampered) naming the first bad
// entry.
func (l *Log) Verify(ctx context.Context) error {
	return l.db.View(ctx, func(tx *store.Tx) error {
		b, err := chain(tx)
		if err != nil {
			return err
		}
		h, err := readHead(tx, b)
		if err != nil {
			return &VerifyError{Seq: 0, Reason: "the head record does not open: " + err.Error()}
		}
		want, prev := uint64(1), zeroHash
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				continue // the head
			}
			if want%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			seq := binary.BigEndian.Uint64(k)
			if seq != want {
				return &VerifyError{Seq: want, Reason: fmt.Sprintf("missing: the next stored entry is %d", seq)}
			}
			e, err := open(tx, k, v)
			if err != nil {
				return &VerifyError{Seq: want, Reason: "does not open (altered or moved): " + err.Error()}
			}
			switch {
			case e.Seq != want:
				return &VerifyError{Seq: want, Reason: fmt.Sprintf("holds entry %d (reordered)", e.Seq)}
			case e.Prev != prev:
				return &VerifyError{Seq: want, Reason: "its link to the previous entry is broken (an entry before it was changed, removed or reordered)"}
			case e.ComputeHash() != e.Hash:
				return &VerifyError{Seq: want, Reason: "its content does not match its hash (changed)"}
			}
			prev = e.Hash
			want++
		}
		if last := want - 1; last != h.Seq || prev != h.Hash {
			return &VerifyError{Seq: h.Seq, Reason: fmt.Sprintf("the log ends at entry %d but its head says %d (entries removed at the end, or the head altered)", last, h.Seq)}
		}
		return nil
	})
}

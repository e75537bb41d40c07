package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Nested buckets of the store's outbox bucket.
var (
	bItems  = []byte("items")  // seq → sealed record
	bTxs    = []byte("txs")    // transaction ID → txRecord (JSON, IDs only)
	bDue    = []byte("due")    // target 0 time seq → ""  (pending and in flight)
	bPerson = []byte("person") // target 0 personID 0 seq → ""  (undelivered)
	bState  = []byte("state")  // state seq → ""
	bOpen   = []byte("open")   // target 0 seq → ""  (undelivered)
	bPurge  = []byte("purge")  // time txID → ""
	bCounts = []byte("counts") // totalKey or target → counts
)

var nestedBuckets = [][]byte{bItems, bTxs, bDue, bPerson, bState, bOpen, bPurge, bCounts}

// itemsSealBucket is the bucket name bound into sealed item records.
const itemsSealBucket = "outbox/items"

// txRecord lists the items of one enrollment.
type txRecord struct {
	Items   []uint64 `json:"items"`
	Dropped []uint64 `json:"dropped,omitempty"`
	Purged  bool     `json:"purged,omitempty"`
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func itemID(seq uint64) string { return strconv.FormatUint(seq, 10) }

func parseID(id string) (uint64, error) {
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil || seq == 0 {
		return 0, fmt.Errorf("%w: %q is not an item ID", ErrNotFound, id)
	}
	return seq, nil
}

// timeKey orders times as unsigned big-endian integers.
func timeKey(t time.Time) uint64 { return uint64(t.UnixNano()) ^ 1<<63 } //nolint:gosec // intended bit flip

func timeFromKey(k uint64) time.Time { return time.Unix(0, int64(k^1<<63)).UTC() } //nolint:gosec // inverse of timeKey

func targetPrefix(target string) []byte { return append([]byte(target), 0) }

func dueKey(target string, t time.Time, seq uint64) []byte {
	k := targetPrefix(target)
	k = binary.BigEndian.AppendUint64(k, timeKey(t))
	return binary.BigEndian.AppendUint64(k, seq)
}

// parseDueKey splits the time and sequence off a due key of the given prefix.
func parseDueKey(k []byte, prefixLen int) (time.Time, uint64, bool) {
	if len(k) != prefixLen+16 {
		return time.Time{}, 0, false
	}
	return timeFromKey(binary.BigEndian.Uint64(k[prefixLen:])), binary.BigEndian.Uint64(k[prefixLen+8:]), true
}

func personPrefix(target, person string) []byte {
	k := targetPrefix(target)
	k = append(k, person...)
	return append(k, 0)
}

func personKey(target, person string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(personPrefix(target, person), seq)
}

func stateKey(s State, seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte{byte(s)}, seq) }

func openKey(target string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(targetPrefix(target), seq)
}

func purgeKey(t time.Time, txID string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, timeKey(t)), txID...)
}

// firstWithPrefix returns the first key of b with the prefix, or nil.
func firstWithPrefix(b *bolt.Bucket, prefix []byte) []byte {
	k, _ := b.Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil
	}
	return k
}

// lastSeq reads the sequence number at the end of an index key.
func lastSeq(k []byte) uint64 {
	if len(k) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k[len(k)-8:])
}

// counts are kept per target and in total, updated with every change.
type counts [Delivered + 1]int64

func readCounts(b *bolt.Bucket, key string) counts {
	var c counts
	v := b.Get([]byte(key))
	if len(v) != 8*len(c) {
		return c
	}
	for i := range c {
		c[i] = int64(binary.BigEndian.Uint64(v[8*i:])) //nolint:gosec // stored from int64
	}
	return c
}

func writeCounts(b *bolt.Bucket, key string, c counts) error {
	v := make([]byte, 0, 8*len(c))
	for _, n := range c {
		v = binary.BigEndian.AppendUint64(v, uint64(n)) //nolint:gosec // round-trips int64
	}
	return b.Put([]byte(key), v)
}

func (c counts) stats() Stats {
	return Stats{Pending: int(c[Pending]), InFlight: int(c[InFlight]), Failed: int(c[Failed]), Delivered: int(c[Delivered])}
}

func readTx(b *bolt.Bucket, txID string) (txRecord, bool, error) {
	var r txRecord
	v := b.Get([]byte(txID))
	if v == nil {
		return r, false, nil
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, true, fmt.Errorf("outbox transaction record %s: %w", txID, err)
	}
	return r, true, nil
}

func writeTx(b *bolt.Bucket, txID string, r txRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(txID), v)
}

// totalKey is the counts key of all targets (target names never hold NUL).
const totalKey = "\x00"

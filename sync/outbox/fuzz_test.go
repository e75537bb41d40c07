package outbox

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/capturestation/station/internal/store"
)

// The index keys and transaction records are read back from disk; these
// targets check that malformed ones are rejected without panicking.

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "0", "18446744073709551615", "18446744073709551616", "-1", "", "x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seq, err := parseID(s)
		if err == nil && seq == 0 {
			t.Errorf("parseID(%q) accepted sequence 0", s)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("parseID(%q) = %v, want ErrNotFound", s, err)
		}
	})
}

func FuzzParseDueKey(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	f.Add(dueKey("osia", now, 7), len("osia")+1)
	f.Add([]byte("osia\x00"), 5)
	f.Add([]byte{}, 0)
	f.Add([]byte{1, 2, 3}, 9)
	f.Fuzz(func(t *testing.T, k []byte, prefixLen int) {
		if prefixLen < 0 || prefixLen > len(k) {
			return
		}
		tm, seq, ok := parseDueKey(k, prefixLen)
		if ok {
			if got := dueKey(string(k[:prefixLen-1]), tm, seq); prefixLen > 0 && string(got[prefixLen:]) != string(k[prefixLen:]) {
				t.Errorf("due key %x does not round-trip", k)
			}
		}
	})
}

func FuzzTxRecord(f *testing.F) {
	good, _ := json.Marshal(txRecord{Items: []uint64{1, 2}, Dropped: []uint64{3}, Purged: true})
	f.Add(good)
	f.Add([]byte(`{"items":[-1]}`))
	f.Add([]byte(`null`))
	f.Add([]byte{0xff})
	env := newEnv(f, Options{})
	f.Fuzz(func(t *testing.T, v []byte) {
		_ = env.db.Update(ctx, func(tx *store.Tx) error {
			b := tx.Bucket(store.Outbox).Bucket(bTxs)
			if err := b.Put([]byte("fuzz"), v); err != nil {
				t.Fatal(err)
			}
			if _, found, err := readTx(b, "fuzz"); !found || (err == nil) != json.Valid(v) && err == nil {
				t.Errorf("readTx of %q: found=%v err=%v", v, found, err)
			}
			c := readCounts(b, "fuzz")
			if len(v) != 8*len(c) && c != (counts{}) {
				t.Errorf("counts read from a %d-byte value: %v", len(v), c)
			}
			return errRollback // leave the database as it was
		})
	})
}

var errRollback = errors.New("rollback")

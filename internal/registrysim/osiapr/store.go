package osiapr

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketPersons = []byte("persons")
	bucketMeta    = []byte("meta")
	keySchema     = []byte("schema")
	schemaVersion = []byte("osiapr/1")
)

// personRec is a stored person with its identities in creation order.
type personRec struct {
	ID             string        `json:"personId"`
	Status         string        `json:"status"`
	PhysicalStatus string        `json:"physicalStatus"`
	Reference      string        `json:"reference,omitempty"`
	Seq            uint64        `json:"seq"`
	Identities     []identityRec `json:"identities"`
}

// identityRec is one identity: its ID and its JSON document as stored (with
// identityId, createdDate and updatedDate set by the simulator). Documents
// are never modified in place; an update replaces Doc.
type identityRec struct {
	ID  string          `json:"identityId"`
	Doc json.RawMessage `json:"doc"`
}

func (p *personRec) clone() *personRec {
	c := *p
	c.Identities = slices.Clone(p.Identities)
	return &c
}

func (p *personRec) identity(id string) (int, bool) {
	i := slices.IndexFunc(p.Identities, func(r identityRec) bool { return r.ID == id })
	return i, i >= 0
}

// store keeps persons in memory and, when it has a database, writes every
// change through to bbolt before making it visible.
type store struct {
	mu      sync.RWMutex
	persons map[string]*personRec
	seq     uint64
	db      *bolt.DB
}

func openStore(path string) (*store, error) {
	s := &store{persons: make(map[string]*personRec)}
	if path == "" {
		return s, nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open registry data file %s (is another simulator using it?): %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keySchema); v == nil {
			if err := meta.Put(keySchema, schemaVersion); err != nil {
				return err
			}
		} else if string(v) != string(schemaVersion) {
			return fmt.Errorf("data file has schema %q, this simulator reads %q; use another file", v, schemaVersion)
		}
		b, err := tx.CreateBucketIfNotExists(bucketPersons)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var p personRec
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("person record %q is corrupt: %w", k, err)
			}
			s.persons[p.ID] = &p
			s.seq = max(s.seq, p.Seq)
			return nil
		})
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("load registry data file %s: %w", path, err)
	}
	s.db = db
	return s, nil
}

func (s *store) close() error {
	if s.db == nil {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close registry data file: %w", err)
	}
	return nil
}

// txn collects the changes of one operation. Records obtained from it are
// private copies; put and del stage changes that commit applies atomically.
type txn struct {
	s       *store
	changed map[string]*personRec // nil value: deleted
}

func (t *txn) get(id string) (*personRec, bool) {
	if p, ok := t.changed[id]; ok {
		return p, p != nil
	}
	p, ok := t.s.persons[id]
	if !ok {
		return nil, false
	}
	c := p.clone()
	t.changed[id] = c
	return c, true
}

func (t *txn) put(p *personRec) { t.changed[p.ID] = p }
func (t *txn) del(id string)    { t.changed[id] = nil }

func (t *txn) nextSeq() uint64 {
	t.s.seq++
	return t.s.seq
}

// update runs fn under the write lock and, if it succeeds, persists and
// applies the staged changes. A failed write leaves memory untouched.
func (s *store) update(fn func(t *txn) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &txn{s: s, changed: make(map[string]*personRec)}
	if err := fn(t); err != nil {
		return err
	}
	if s.db != nil {
		err := s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketPersons)
			for id, p := range t.changed {
				if p == nil {
					if err := b.Delete([]byte(id)); err != nil {
						return err
					}
					continue
				}
				v, err := json.Marshal(p)
				if err != nil {
					return err
				}
				if err := b.Put([]byte(id), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write registry data file: %w", err)
		}
	}
	for id, p := range t.changed {
		if p == nil {
			delete(s.persons, id)
		} else {
			s.persons[id] = p
		}
	}
	return nil
}

// view runs fn under the read lock. fn must not modify what it sees.
func (s *store) view(fn func(persons map[string]*personRec)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.persons)
}

// sortedIDs returns the person IDs in lexical order.
func sortedIDs(persons map[string]*personRec) []string {
	return slices.Sorted(maps.Keys(persons))
}

// reset deletes every record.
func (s *store) reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket(bucketPersons); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
			_, err := tx.CreateBucket(bucketPersons)
			return err
		})
		if err != nil {
			return fmt.Errorf("reset registry data file: %w", err)
		}
	}
	clear(s.persons)
	return nil
}

func (s *store) counts() (persons, identities int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.persons {
		identities += len(p.Identities)
	}
	return len(s.persons), identities
}

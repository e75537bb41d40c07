package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Migration brings the schema from Version-1 to Version.
type Migration struct {
	Version int
	Name    string
	Func    func(tx *Tx) error
}

// schema is the station's migration list, in order. Append only: never edit
// or remove a released migration.
var schema = []Migration{
	{Version: 1, Name: "create buckets", Func: func(tx *Tx) error {
		for _, name := range []string{Enrollments, Outbox, Receipts, Audit, Operators} {
			if _, err := tx.tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	}},
}

// SchemaLatest is the schema version this program writes.
func SchemaLatest() int { return schema[len(schema)-1].Version }

// migrate runs the migrations newer than the recorded version, in order, and
// records the new version. It runs inside Open's transaction, so a failure
// leaves the database as it was.
func migrate(tx *Tx, meta *bolt.Bucket, migrations []Migration) error {
	current := readVersion(meta)
	latest := 0
	for i, m := range migrations {
		if m.Version != i+1 {
			return fmt.Errorf("migration %q has version %d, want %d: the list must be consecutive from 1", m.Name, m.Version, i+1)
		}
		latest = m.Version
	}
	if current > latest {
		return fmt.Errorf("%w: the database has schema %d, this program knows up to %d; upgrade the station software", ErrNewerSchema, current, latest)
	}
	for _, m := range migrations[current:] {
		if err := m.Func(tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	if current == latest {
		return nil
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(latest))
	if err := meta.Put([]byte(metaSchema), v[:]); err != nil {
		return fmt.Errorf("record schema version: %w", err)
	}
	return nil
}

package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Bucket names. Each kind of record has its own top-level bucket.
const (
	// Enrollments holds sealed enrollment records keyed by transaction ID.
	Enrollments = "enrollments"
	// Outbox holds the delivery queue and its indexes (nested buckets owned by sync/outbox).
	Outbox = "outbox"
	// Receipts holds registry receipts of confirmed deliveries.
	Receipts = "receipts"
	// Audit holds the audit trail of operator actions.
	Audit = "audit"
	// Operators holds operator accounts.
	Operators = "operators"
	// Meta holds the schema version and the wrapped data key.
	Meta = "meta"
)

// Keys in the meta bucket.
const (
	metaSchema  = "schema"
	metaDataKey = "datakey"
)

// KeySize is the size in bytes of the key-encryption key and the data key (AES-256).
const KeySize = 32

// Errors callers branch on.
var (
	// ErrLocked is returned by Open when another process holds the database file.
	ErrLocked = errors.New("database is locked by another process")
	// ErrWrongKEK is returned by Open when the key-encryption key does not unwrap the data key.
	ErrWrongKEK = errors.New("the key-encryption key does not match this database")
	// ErrNewerSchema is returned by Open for a database written by a newer version of the station.
	ErrNewerSchema = errors.New("database schema is newer than this program")
	// ErrCorrupt is returned when a sealed record fails to open: it was altered,
	// moved under another ID or bucket, or sealed with another data key.
	ErrCorrupt = errors.New("sealed record failed authentication")
	// ErrNoBucket is returned when a named bucket does not exist.
	ErrNoBucket = errors.New("no such bucket")
)

// Options tune Open.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another
	// process; 0 means 1 s. A second station daemon fails after it with ErrLocked.
	Timeout time.Duration
	// NoFsync skips fsync on commit. Only for benchmarks: a crash may lose
	// or corrupt committed data.
	NoFsync bool

	// migrations replaces the schema migrations (tests only).
	migrations []Migration
}

// DB is an open station database. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string
	aead cipher.AEAD
}

// Open opens (creating if needed) the database file at path, unwraps its data
// key with kek (creating and wrapping a fresh data key on first open) and
// brings the schema up to date. The file is created with mode 0600.
func Open(path string, kek []byte, opts Options) (*DB, error) {
	if len(kek) != KeySize {
		return nil, fmt.Errorf("open store %s: key-encryption key is %d bytes, need %d", path, len(kek), KeySize)
	}
	kekAEAD, err := newAEAD(kek)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoSync: opts.NoFsync})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("another stationd holds %s (%w): stop it, or point this one at another data directory", path, ErrLocked)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path}
	migrations := opts.migrations
	if migrations == nil {
		migrations = schema
	}
	err = bdb.Update(func(btx *bolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists([]byte(Meta))
		if err != nil {
			return fmt.Errorf("create meta bucket: %w", err)
		}
		dataKey, err := loadOrCreateDataKey(meta, kekAEAD)
		if err != nil {
			return err
		}
		if db.aead, err = newAEAD(dataKey); err != nil {
			return err
		}
		clear(dataKey)
		return migrate(&Tx{tx: btx, db: db}, meta, migrations)
	})
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

// Path returns the database file name.
func (db *DB) Path() string { return db.path }

// Close closes the database file. Transactions must have ended.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", db.path, err)
	}
	return nil
}

// SchemaVersion returns the schema version recorded in the database.
func (db *DB) SchemaVersion() (int, error) {
	var v int
	err := db.bolt.View(func(btx *bolt.Tx) error {
		v = readVersion(btx.Bucket([]byte(Meta)))
		return nil
	})
	return v, err
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, db: db}) })
}

// Update runs fn in a read-write transaction, committed when fn returns nil
// and rolled back otherwise. Never do network or device I/O inside fn: it
// holds the single writer lock.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, db: db}) })
}

// Stats returns bbolt's statistics (for diagnostics).
func (db *DB) Stats() bolt.Stats { return db.bolt.Stats() }

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("AES key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("AES-GCM: %w", err)
	}
	return aead, nil
}

// dataKeyAD binds the wrapped data key to its purpose.
var dataKeyAD = []byte("capture-station data key v1")

func loadOrCreateDataKey(meta *bolt.Bucket, kek cipher.AEAD) ([]byte, error) {
	if wrapped := meta.Get([]byte(metaDataKey)); wrapped != nil {
		key, err := openSealed(kek, wrapped, dataKeyAD)
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("%w: use the key file or STATION_KEK this database was created with", ErrWrongKEK)
		}
		return key, nil
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create data key: %w", err)
	}
	wrapped, err := seal(kek, key, dataKeyAD)
	if err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	if err := meta.Put([]byte(metaDataKey), wrapped); err != nil {
		return nil, fmt.Errorf("store data key: %w", err)
	}
	return key, nil
}

func readVersion(meta *bolt.Bucket) int {
	if meta == nil {
		return 0
	}
	v := meta.Get([]byte(metaSchema))
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

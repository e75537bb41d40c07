package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testKEK(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func openTest(t testing.TB, path string, kek []byte, opts Options) *DB {
	t.Helper()
	db, err := Open(path, kek, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

type record struct {
	Name  string `json:"name"`
	Bytes []byte `json:"bytes"`
}

func TestSealedRoundTripAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "station.db")
	kek := testKEK(t)
	db, err := Open(path, kek, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := record{Name: "someone", Bytes: []byte{1, 2, 3}}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.PutSealed(Enrollments, "tx-1", want) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("database mode = %04o, want 0600", perm)
	}
	db = openTest(t, path, kek, Options{})
	var got record
	err = db.View(ctx, func(tx *Tx) error {
		found, err := tx.GetSealed(Enrollments, "tx-1", &got)
		if !found {
			t.Error("record not found after reopen")
		}
		if found, err := tx.GetSealed(Enrollments, "tx-2", &record{}); found || err != nil {
			t.Errorf("missing record: found=%v err=%v", found, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != want.Name || !bytes.Equal(got.Bytes, want.Bytes) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if v, err := db.SchemaVersion(); err != nil || v != SchemaLatest() {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, SchemaLatest())
	}
}

func TestSealedRecordIsBoundToBucketAndID(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "station.db"), testKEK(t), Options{})
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.PutSealed(Enrollments, "a", record{Name: "x"}); err != nil {
			return err
		}
		raw := bytes.Clone(tx.Bucket(Enrollments).Get([]byte("a")))
		if err := tx.Bucket(Enrollments).Put([]byte("b"), raw); err != nil {
			return err
		}
		if err := tx.Bucket(Receipts).Put([]byte("a"), raw); err != nil {
			return err
		}
		flipped := bytes.Clone(raw)
		flipped[len(flipped)-1] ^= 1
		return tx.Bucket(Enrollments).Put([]byte("c"), flipped)
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, bucket, id string }{
		{"copied under another ID", Enrollments, "b"},
		{"copied into another bucket", Receipts, "a"},
		{"altered", Enrollments, "c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.View(ctx, func(tx *Tx) error {
				_, err := tx.GetSealed(tc.bucket, tc.id, &record{})
				return err
			})
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "station.db")
	kek := testKEK(t)
	db, err := Open(path, kek, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("second instance fails fast", func(t *testing.T) {
		_, err := Open(path, kek, Options{Timeout: 20 * time.Millisecond})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "another stationd holds "+path) {
			t.Errorf("err = %v, want ErrLocked naming the file", err)
		}
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kek  []byte
		want error
		text string
	}{
		{"wrong KEK", testKEK(t), ErrWrongKEK, "the key-encryption key does not match this database"},
		{"short KEK", kek[:16], nil, "need 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(path, tc.kek, Options{})
			if err == nil {
				_ = db.Close()
				t.Fatal("Open succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q, want it to say %q", err, tc.text)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "station.db")
	kek := testKEK(t)
	v1 := schema[:1]
	db, err := Open(path, kek, Options{migrations: v1})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.PutSealed(Operators, "alice", record{Name: "Alice"}) }); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	var ran []string
	upper := func(tx *Tx) error {
		ran = append(ran, "upper")
		var r record
		if _, err := tx.GetSealed(Operators, "alice", &r); err != nil {
			return err
		}
		r.Name = strings.ToUpper(r.Name)
		return tx.PutSealed(Operators, "alice", r)
	}
	failing := errors.New("migration failed on purpose")

	t.Run("failing migration leaves the database unchanged", func(t *testing.T) {
		ms := append(append([]Migration{}, v1...),
			Migration{Version: 2, Name: "upper", Func: upper},
			Migration{Version: 3, Name: "fail", Func: func(*Tx) error { return failing }})
		_, err := Open(path, kek, Options{migrations: ms})
		if !errors.Is(err, failing) || !strings.Contains(err.Error(), "migration 3 (fail)") {
			t.Fatalf("err = %v, want the failing migration named", err)
		}
		db := openTest(t, path, kek, Options{migrations: v1})
		if v, _ := db.SchemaVersion(); v != 1 {
			t.Errorf("schema = %d after failed migration, want 1", v)
		}
		_ = db.Close()
	})
	ran = nil
	t.Run("pending migrations run once in order", func(t *testing.T) {
		ms := append(append([]Migration{}, v1...),
			Migration{Version: 2, Name: "upper", Func: upper},
			Migration{Version: 3, Name: "bucket", Func: func(tx *Tx) error {
				ran = append(ran, "bucket")
				_, err := tx.Bolt().CreateBucket([]byte("extra"))
				return err
			}})
		for range 2 {
			db, err := Open(path, kek, Options{migrations: ms})
			if err != nil {
				t.Fatal(err)
			}
			var r record
			err = db.View(ctx, func(tx *Tx) error {
				if tx.Bucket("extra") == nil {
					t.Error("bucket from migration 3 missing")
				}
				_, err := tx.GetSealed(Operators, "alice", &r)
				return err
			})
			if err != nil || r.Name != "ALICE" {
				t.Errorf("record after migration = %+v, %v", r, err)
			}
			if v, _ := db.SchemaVersion(); v != 3 {
				t.Errorf("schema = %d, want 3", v)
			}
			_ = db.Close()
		}
		if strings.Join(ran, ",") != "upper,bucket" {
			t.Errorf("migrations ran %v, want upper,bucket once each", ran)
		}
	})
	t.Run("newer schema refused", func(t *testing.T) {
		_, err := Open(path, kek, Options{migrations: v1})
		if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "schema 3") {
			t.Errorf("err = %v, want ErrNewerSchema naming schema 3", err)
		}
	})
	t.Run("bad migration list", func(t *testing.T) {
		_, err := Open(path, kek, Options{migrations: []Migration{{Version: 2, Name: "gap", Func: upper}}})
		if err == nil || !strings.Contains(err.Error(), "consecutive") {
			t.Errorf("err = %v, want a complaint about the list", err)
		}
	})
}

func TestLoadKEK(t *testing.T) {
	key := testKEK(t)
	b64 := base64.StdEncoding.EncodeToString(key)
	tests := []struct {
		name  string
		env   string
		file  []byte // nil: no file
		mode  os.FileMode
		want  []byte // nil: generated
		error string
	}{
		{name: "env", env: b64, want: key},
		{name: "env not base64", env: "not a key!", error: "STATION_KEK: not valid base64"},
		{name: "env wrong length", env: base64.StdEncoding.EncodeToString(key[:20]), error: "decodes to 20 bytes"},
		{name: "raw file", file: key, mode: 0o600, want: key},
		{name: "base64 file", file: []byte(b64 + "\n"), mode: 0o400, want: key},
		{name: "wide mode", file: key, mode: 0o644, error: "has mode 0644, which lets others read it: run chmod 600 "},
		{name: "garbage file", file: []byte("short"), mode: 0o600, error: "not valid base64"},
		{name: "created"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "station.kek")
			if tc.file != nil {
				if err := os.WriteFile(path, tc.file, tc.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadKEK(path, tc.env)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("err = %v, want %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !bytes.Equal(got, tc.want) {
				t.Fatal("wrong key")
			}
			if len(got) != KeySize {
				t.Fatalf("key is %d bytes", len(got))
			}
			if tc.file == nil && tc.env == "" {
				st, err := os.Stat(path)
				if err != nil {
					t.Fatalf("key file not created: %v", err)
				}
				if st.Mode().Perm() != 0o600 {
					t.Errorf("created mode %04o, want 0600", st.Mode().Perm())
				}
				again, err := LoadKEK(path, "")
				if err != nil || !bytes.Equal(again, got) {
					t.Errorf("reloading the created key: %v", err)
				}
			}
		})
	}
}

func TestFreeBytes(t *testing.T) {
	n, err := FreeBytes(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("FreeBytes = 0 on the test file system")
	}
	if _, err := FreeBytes(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("FreeBytes of a missing directory succeeded")
	}
}

func FuzzUnseal(f *testing.F) {
	db := openTest(f, filepath.Join(f.TempDir(), "station.db"), testKEK(f), Options{NoFsync: true})
	var good []byte
	_ = db.View(context.Background(), func(tx *Tx) error {
		var err error
		good, err = tx.Seal(Enrollments, "id", []byte(`{"name":"x"}`))
		return err
	})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{sealVersion})
	f.Add(append([]byte{2}, good[1:]...))
	f.Fuzz(func(t *testing.T, sealed []byte) {
		_ = db.View(context.Background(), func(tx *Tx) error {
			plain, err := tx.Unseal(Enrollments, "id", sealed)
			if err == nil && !bytes.Equal(sealed, good) {
				t.Errorf("forged value opened: %q", plain)
			}
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
			return nil
		})
	})
}

func FuzzDecodeKey(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString(make([]byte, KeySize))))
	f.Add([]byte("  \n"))
	f.Add([]byte("====="))
	f.Fuzz(func(t *testing.T, in []byte) {
		key, err := decodeKey(in)
		if err == nil && len(key) != KeySize {
			t.Errorf("decoded %d bytes without error", len(key))
		}
	})
}

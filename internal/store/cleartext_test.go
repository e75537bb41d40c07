package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

// TestNoClearTextOnDisk enrolls a person through the outbox, takes the item
// through a failed attempt whose error echoes the name, closes the database
// and checks that neither the name nor any 64-byte run of the face image
// appears anywhere in the file.
func TestNoClearTextOnDisk(t *testing.T) {
	const name = "ZZTESTNAME"
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "station.db")
	kek := make([]byte, store.KeySize)
	image := make([]byte, 96<<10)
	for _, b := range [][]byte{kek, image} {
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(path, kek, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(db, outbox.Options{Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	e := enrollment.New("station-1", "operator-1", time.Now())
	e.Biographic = enrollment.Biographic{FirstName: name, LastName: name, DateOfBirth: "1990-01-01"}
	e.Face = &enrollment.Face{Image: enrollment.Image{Format: "JPEG", Data: image}, Quality: 90}
	if _, err := ob.Enqueue(ctx, e, []string{"osia"}); err != nil {
		t.Fatal(err)
	}
	ls, err := ob.Lease(ctx, "osia", time.Now(), 1, time.Minute)
	if err != nil || len(ls) != 1 {
		t.Fatalf("Lease = %d, %v", len(ls), err)
	}
	if err := ob.Retry(ctx, ls[0], delivery.Retry(500, 0, errors.New("registry said: bad name "+name)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(file, []byte(name)) {
		t.Errorf("the name %s is in the database file in clear", name)
	}
	if bytes.Contains(file, kek) {
		t.Error("the key-encryption key is in the database file")
	}
	// Every 64-byte run of the image, raw and as the base64 text JSON would hold.
	const run = 64
	encoded := []byte(base64.StdEncoding.EncodeToString(image))
	windows := make(map[[run]byte]struct{}, len(image)+len(encoded))
	for _, src := range [][]byte{image, encoded} {
		for i := 0; i+run <= len(src); i++ {
			windows[[run]byte(src[i:i+run])] = struct{}{}
		}
	}
	found := 0
	for i := 0; i+run <= len(file); i++ {
		if _, ok := windows[[run]byte(file[i:i+run])]; ok {
			found++
		}
	}
	if found > 0 {
		t.Errorf("%d 64-byte runs of the image (raw or base64) are in the database file in clear", found)
	}

	// The data is there, sealed: reopening with the key gives it back.
	db, err = store.Open(path, kek, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ob, err = outbox.New(db, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := ob.Enrollment(ctx, e.TransactionID)
	if err != nil || !ok || got.Biographic.FirstName != name || !bytes.Equal(got.Face.Image.Data, image) {
		t.Fatalf("reading back the enrollment: found=%v err=%v", ok, err)
	}
}

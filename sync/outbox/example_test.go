package outbox_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/delivery"
	"github.com/capturestation/station/sync/outbox"
)

// Queue an enrollment, lease it, deliver it outside any transaction and
// record the outcome.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "outbox-example")
	defer os.RemoveAll(dir)
	kek := make([]byte, store.KeySize)
	_, _ = rand.Read(kek)
	db, err := store.Open(filepath.Join(dir, "station.db"), kek, store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ob, _ := outbox.New(db, outbox.Options{Retention: 30 * 24 * time.Hour})

	e := enrollment.New("station-1", "operator-1", time.Now())
	created, _ := ob.Enqueue(ctx, e, []string{"osia"})
	again, _ := ob.Enqueue(ctx, e, []string{"osia"})
	fmt.Println("created:", created, "again:", again)

	leases, _ := ob.Lease(ctx, "osia", time.Now(), 10, time.Minute)
	for _, l := range leases {
		// ... deliver l.Enrollment to the registry here, then:
		_ = ob.Ack(ctx, l, delivery.Receipt{Kind: "identity", PersonID: l.Item.PersonID})
	}
	st, _ := ob.Stats(ctx)
	fmt.Println("delivered:", st.Delivered, "undelivered:", st.Undelivered())
	// Output:
	// created: true again: false
	// delivered: 1 undelivered: 0
}

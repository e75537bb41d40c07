package uru4000

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestFinderWithoutDevices checks that the libusb finder neither panics
// nor hangs when there is no USB access or no reader.
func TestFinderWithoutDevices(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		infos, err := Finder{}.Find(ctx)
		done <- result{len(infos), err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, ErrNoLibusb) {
			t.Skipf("libusb cannot initialise here (no USB access): %v", r.err)
		}
		if r.err != nil {
			t.Fatalf("Find: %v", r.err)
		}
		t.Logf("found %d readers", r.n)
	case <-ctx.Done():
		t.Fatal("Find hung")
	}
}

func TestOpenUSBWithoutReader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := OpenUSB(ctx, "999/999", Options{})
	if err == nil {
		s.Close()
		t.Fatal("OpenUSB of a missing path succeeded")
	}
	t.Logf("OpenUSB: %v", err)
}

func TestFinderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Finder{}).Find(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Find on a cancelled context: %v", err)
	}
}

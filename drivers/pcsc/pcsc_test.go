package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/capturestation/station/drivers/pcsc"
	"github.com/capturestation/station/drivers/pcsc/pcsctest"
	"github.com/capturestation/station/drivers/pcsc/vpcd"
)

// t0Card answers like a T=0 card: READ BINARY (B0) announces its data with
// 61xx and gives it on GET RESPONSE; a wrong Le on GET DATA (CA) gets 6Cxx.
type t0Card struct {
	mu      sync.Mutex
	pending []byte
	resets  int
}

var payload = bytes.Repeat([]byte{0xAB}, 300)

func (c *t0Card) ATR() []byte { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }

func (c *t0Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = nil
	c.resets++
}

func (c *t0Card) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch apdu[1] {
	case 0xB0:
		c.pending = append([]byte(nil), payload...)
		return []byte{0x61, 0x00}, nil
	case 0xC0:
		n := int(apdu[4])
		if n == 0 {
			n = 256
		}
		n = min(n, len(c.pending))
		out := c.pending[:n]
		c.pending = c.pending[n:]
		sw := []byte{0x90, 0x00}
		if len(c.pending) > 0 {
			sw = []byte{0x61, byte(min(len(c.pending), 256))}
		}
		return append(append([]byte(nil), out...), sw...), nil
	case 0xCA:
		if apdu[4] != 0x04 {
			return []byte{0x6C, 0x04}, nil
		}
		return []byte{1, 2, 3, 4, 0x90, 0x00}, nil
	}
	return []byte{0x6D, 0x00}, nil
}

type events struct {
	mu   sync.Mutex
	list []pcsc.Event
	ch   chan struct{}
}

func (e *events) add(ev pcsc.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
	default:
	}
}

// wait blocks until an event of kind at reader has been seen.
func (e *events) wait(t *testing.T, kind pcsc.EventKind, reader string) pcsc.Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		e.mu.Lock()
		for _, ev := range e.list {
			if ev.Kind == kind && ev.Reader == reader {
				e.mu.Unlock()
				return ev
			}
		}
		e.mu.Unlock()
		select {
		case <-e.ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s event for %q; saw %+v", kind, reader, e.list)
		}
	}
}

func TestReaderThroughPCSCD(t *testing.T) {
	d := pcsctest.Start(t, "Station Test PCD")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev := &events{ch: make(chan struct{}, 1)}
	watchDone := make(chan error, 1)
	go func() { watchDone <- pcsc.Watch(ctx, ev.add) }()
	ev.wait(t, pcsc.ReaderAdded, d.Slots[0].Reader)

	card := &t0Card{}
	cardCtx, removeCard := context.WithCancel(ctx)
	go vpcd.Serve(cardCtx, d.Slots[0].Addr, card, 50*time.Millisecond, nil)
	inserted := ev.wait(t, pcsc.CardInserted, d.Slots[0].Reader)
	if !bytes.Equal(inserted.ATR, card.ATR()) {
		t.Fatalf("ATR %X, want %X", inserted.ATR, card.ATR())
	}

	pc, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	reader, err := pc.Select("")
	if err != nil || reader != d.Slots[0].Reader {
		t.Fatalf("first reader with a card: %q, %v", reader, err)
	}
	if r, err := pc.Select("00 01"); err != nil || r != d.Slots[1].Reader {
		t.Fatalf("by substring: %q, %v", r, err)
	}
	if _, err := pc.Select("Station"); !errors.Is(err, pcsc.ErrNoReader) {
		t.Fatalf("ambiguous name: %v", err)
	}
	if _, err := pc.Select("Gemalto"); !errors.Is(err, pcsc.ErrNoReader) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := pc.Connect(d.Slots[1].Reader); !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("empty slot: %v", err)
	}
	c, err := pc.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		apdu  []byte
		want  []byte
		apdus int
	}{
		{"61xx chains GET RESPONSE", []byte{0x00, 0xB0, 0x00, 0x00, 0x00}, append(append([]byte(nil), payload...), 0x90, 0x00), 3},
		{"6Cxx re-sends with Le", []byte{0x00, 0xCA, 0x01, 0x02, 0x00}, []byte{1, 2, 3, 4, 0x90, 0x00}, 2},
		{"status only", []byte{0x00, 0x12, 0x00, 0x00}, []byte{0x6D, 0x00}, 1},
	}
	for _, tt := range tests {
		before := c.Stats().APDUs
		got, err := c.Transmit(ctx, tt.apdu)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Fatalf("%s: %X, %v", tt.name, got, err)
		}
		if n := c.Stats().APDUs - before; n != tt.apdus {
			t.Errorf("%s: %d APDUs, want %d", tt.name, n, tt.apdus)
		}
	}

	removeCard()
	ev.wait(t, pcsc.CardRemoved, d.Slots[0].Reader)
	if _, err := c.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00}); err == nil {
		t.Fatal("transmit to a removed card succeeded")
	}
	cancel()
	if err := <-watchDone; err != nil {
		t.Fatalf("Watch: %v", err)
	}
}

func TestNoDaemon(t *testing.T) {
	t.Setenv("PCSCLITE_CSOCK_NAME", t.TempDir()+"/absent.comm")
	if _, err := pcsc.Open(); !errors.Is(err, pcsc.ErrNoDaemon) {
		t.Fatalf("err = %v, want ErrNoDaemon", err)
	}
}

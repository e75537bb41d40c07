package vpcd

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

type echoCard struct{ resets int }

func (c *echoCard) ATR() []byte { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }
func (c *echoCard) Reset()      { c.resets++ }
func (c *echoCard) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	return append(append([]byte(nil), apdu[1:2]...), 0x90, 0x00), nil
}

func send(t *testing.T, conn net.Conn, msg []byte) {
	t.Helper()
	if _, err := conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)); err != nil {
		t.Fatal(err)
	}
}

func receive(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr))
	if _, err := io.ReadFull(conn, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSession plays vpcd's side of the protocol.
func TestSession(t *testing.T) {
	vpcdSide, cardSide := net.Pipe()
	card := &echoCard{}
	done := make(chan error, 1)
	go func() { done <- Session(context.Background(), cardSide, card) }()

	send(t, vpcdSide, []byte{powerOn}) // no answer
	send(t, vpcdSide, []byte{getATR})
	if got := receive(t, vpcdSide); !bytes.Equal(got, card.ATR()) {
		t.Fatalf("ATR %X", got)
	}
	send(t, vpcdSide, []byte{0x00, 0xA4, 0x04, 0x00})
	if got := receive(t, vpcdSide); !bytes.Equal(got, []byte{0xA4, 0x90, 0x00}) {
		t.Fatalf("answer %X", got)
	}
	send(t, vpcdSide, []byte{reset})
	send(t, vpcdSide, []byte{9}) // unknown control code ends the session
	if err := <-done; err == nil {
		t.Fatal("an unknown control code was accepted")
	}
	if card.resets != 2 {
		t.Fatalf("%d resets, want 2 (power on, reset)", card.resets)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:1", &echoCard{}, 10*time.Millisecond, nil) }()
	time.Sleep(30 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

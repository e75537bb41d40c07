// Package vpcd connects a virtual smart card to pcscd's vpcd reader driver
// (package vsmartcard-vpcd), so that software using PC/SC talks to it through
// the real pcsc-lite stack exactly as to a card in a reader.
//
// vpcd listens on a TCP port per reader slot; the card connects to it. Each
// message in either direction is a two-byte big-endian length followed by
// that many bytes. A one-byte message from vpcd is a control code: 0 power
// off, 1 power on, 2 reset (no answer), 4 get ATR (the card answers its
// ATR). Any longer message is a command APDU, answered with a response APDU.
//
// The package is pure Go: it needs no PC/SC library.
package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"
)

// Card is the virtual card served to vpcd.
type Card interface {
	// ATR returns the answer to reset.
	ATR() []byte
	// Transmit answers one command APDU.
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
	// Reset returns the card to its state after power-on.
	Reset()
}

// Control codes sent by vpcd.
const (
	powerOff = 0
	powerOn  = 1
	reset    = 2
	getATR   = 4
)

// maxMessage is the largest message the protocol can carry.
const maxMessage = 0xFFFF

// Serve connects card to the vpcd slot at addr (host:port) and answers
// until ctx ends. When vpcd is not (yet) listening or drops the connection,
// it retries every retry interval, so the card can be "inserted" before or
// after pcscd starts.
func Serve(ctx context.Context, addr string, card Card, retry time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if retry <= 0 {
		retry = 200 * time.Millisecond
	}
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			log.Info("virtual card connected to vpcd", "addr", addr)
			err = Session(ctx, conn, card)
			conn.Close()
			if ctx.Err() == nil {
				log.Info("vpcd connection ended; reconnecting", "addr", addr, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retry):
		}
	}
}

// Session answers vpcd's messages on one connection until it closes or ctx
// ends.
func Session(ctx context.Context, conn net.Conn, card Card) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	hdr := make([]byte, 2)
	for {
		quickAck(conn)
		if _, err := io.ReadFull(conn, hdr); err != nil {
			return fmt.Errorf("vpcd: read: %w", err)
		}
		n := int(binary.BigEndian.Uint16(hdr))
		if n == 0 {
			return errors.New("vpcd: empty message")
		}
		msg := make([]byte, n)
		quickAck(conn)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return fmt.Errorf("vpcd: read: %w", err)
		}
		var answer []byte
		if n == 1 {
			switch msg[0] {
			case powerOff, powerOn, reset:
				card.Reset()
				continue
			case getATR:
				answer = card.ATR()
			default:
				return fmt.Errorf("vpcd: unknown control code %d", msg[0])
			}
		} else {
			var err error
			if answer, err = card.Transmit(ctx, msg); err != nil {
				answer = []byte{0x6F, 0x00} // no precise diagnosis
			}
		}
		if len(answer) > maxMessage {
			return fmt.Errorf("vpcd: answer of %d bytes is too long", len(answer))
		}
		out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(answer)), uint16(len(answer)))
		if _, err := conn.Write(append(out, answer...)); err != nil {
			return fmt.Errorf("vpcd: write: %w", err)
		}
	}
}

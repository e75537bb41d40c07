package pcsc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ebfe/scard"
)

// Errors callers branch on.
var (
	// ErrNoDaemon means pcscd is not running or not reachable.
	ErrNoDaemon = errors.New("pcsc: pcscd is not running (start it with: systemctl start pcscd)")
	// ErrNoReader means no reader is connected, or none matches the name given.
	ErrNoReader = errors.New("pcsc: no such reader")
	// ErrNoCard means the reader holds no card.
	ErrNoCard = errors.New("pcsc: no card in the reader")
	// ErrCardRemoved means the card left the reader during the exchange.
	ErrCardRemoved = errors.New("pcsc: the card was removed")
	// ErrCardReset means the card was reset by another application; the
	// connection was restored but any secure messaging session is lost.
	ErrCardReset = errors.New("pcsc: the card was reset; start the read again")
)

// Context is a connection to pcscd.
type Context struct {
	ctx *scard.Context
}

// Open connects to pcscd.
func Open() (*Context, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, mapErr(err)
	}
	return &Context{ctx: c}, nil
}

// Close releases the connection.
func (c *Context) Close() error { return c.ctx.Release() }

// Readers lists the connected readers.
func (c *Context) Readers() ([]string, error) {
	r, err := c.ctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return r, nil
}

// Select returns the reader named name: an exact name, or a substring only
// one reader name contains. An empty name picks the first reader holding a
// card.
func (c *Context) Select(name string) (string, error) {
	readers, err := c.Readers()
	if err != nil {
		return "", err
	}
	if len(readers) == 0 {
		return "", fmt.Errorf("%w: no reader is connected", ErrNoReader)
	}
	if name == "" {
		states := make([]scard.ReaderState, len(readers))
		for i, r := range readers {
			states[i] = scard.ReaderState{Reader: r, CurrentState: scard.StateUnaware}
		}
		if err := c.ctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
			return "", mapErr(err)
		}
		for _, s := range states {
			if s.EventState&scard.StatePresent != 0 {
				return s.Reader, nil
			}
		}
		return "", fmt.Errorf("%w: none of the readers (%s) holds a card", ErrNoCard, strings.Join(readers, ", "))
	}
	var matches []string
	for _, r := range readers {
		if r == name {
			return r, nil
		}
		if strings.Contains(r, name) {
			matches = append(matches, r)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("%w: %q matches none of %s", ErrNoReader, name, strings.Join(readers, ", "))
	}
	return "", fmt.Errorf("%w: %q matches several readers: %s", ErrNoReader, name, strings.Join(matches, ", "))
}

// Stats counts the APDUs a card exchanged and the time they took.
type Stats struct {
	APDUs int
	Time  time.Duration
}

// Card is a connected card. It is safe for concurrent use; APDUs are
// serialised.
type Card struct {
	mu     sync.Mutex
	card   *scard.Card
	reader string
	atr    []byte
	stats  Stats
}

// Connect connects to the card in reader (shared access, T=0 or T=1).
func (c *Context) Connect(reader string) (*Card, error) {
	card, err := c.ctx.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	if errors.Is(err, scard.ErrNoSmartcard) || errors.Is(err, scard.ErrRemovedCard) {
		return nil, fmt.Errorf("%w %q", ErrNoCard, reader)
	}
	if err != nil {
		return nil, fmt.Errorf("pcsc: connect to %q: %w", reader, mapErr(err))
	}
	st, err := card.Status()
	if err != nil {
		card.Disconnect(scard.LeaveCard)
		return nil, fmt.Errorf("pcsc: card status: %w", mapErr(err))
	}
	return &Card{card: card, reader: reader, atr: st.Atr}, nil
}

// Reader returns the reader's name.
func (c *Card) Reader() string { return c.reader }

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Stats returns the APDU count and time so far.
func (c *Card) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Close disconnects, leaving the card powered.
func (c *Card) Close() error { return c.card.Disconnect(scard.LeaveCard) }

// maxGetResponse bounds the GET RESPONSE rounds of one command.
const maxGetResponse = 256

// Transmit sends one command APDU and returns the whole response, having
// fetched the rest of it with GET RESPONSE (61xx) or re-sent the command
// with the length the card asked for (6Cxx).
func (c *Card) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	resp, err := c.send(apdu)
	if err != nil {
		return nil, err
	}
	if sw1 := resp[len(resp)-2]; sw1 == 0x6C && shortLe(apdu) {
		retry := append(append([]byte(nil), apdu[:len(apdu)-1]...), resp[len(resp)-1])
		if resp, err = c.send(retry); err != nil {
			return nil, err
		}
	}
	var data []byte
	for i := 0; resp[len(resp)-2] == 0x61; i++ {
		if i == maxGetResponse {
			return nil, errors.New("pcsc: the card keeps announcing more data (61xx)")
		}
		data = append(data, resp[:len(resp)-2]...)
		if resp, err = c.send([]byte{apdu[0] & 0x03, 0xC0, 0x00, 0x00, resp[len(resp)-1]}); err != nil {
			return nil, err
		}
	}
	return append(data, resp...), nil
}

// shortLe reports whether apdu is a short APDU that ends with Le.
func shortLe(apdu []byte) bool {
	switch {
	case len(apdu) == 5:
		return true // case 2
	case len(apdu) > 5 && apdu[4] != 0:
		return len(apdu) == 6+int(apdu[4]) // case 4 short
	}
	return false
}

func (c *Card) send(apdu []byte) ([]byte, error) {
	start := time.Now()
	resp, err := c.card.Transmit(apdu)
	c.stats.APDUs++
	c.stats.Time += time.Since(start)
	if errors.Is(err, scard.ErrResetCard) {
		if rerr := c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); rerr != nil {
			return nil, fmt.Errorf("%w (reconnecting failed: %v)", ErrCardReset, mapErr(rerr))
		}
		return nil, ErrCardReset
	}
	if err != nil {
		return nil, fmt.Errorf("pcsc: transmit: %w", mapErr(err))
	}
	if len(resp) < 2 {
		return nil, fmt.Errorf("pcsc: response of %d bytes has no status word", len(resp))
	}
	return resp, nil
}

// mapErr turns PC/SC errors into the package's errors where one fits.
func mapErr(err error) error {
	switch {
	case errors.Is(err, scard.ErrNoService), errors.Is(err, scard.ErrServiceStopped):
		return ErrNoDaemon
	case errors.Is(err, scard.ErrRemovedCard), errors.Is(err, scard.ErrNoSmartcard):
		return ErrCardRemoved
	case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
		return fmt.Errorf("%w: %v", ErrNoReader, err)
	}
	return err
}

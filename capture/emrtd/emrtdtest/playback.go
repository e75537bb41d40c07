package emrtdtest

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/capturestation/station/capture/emrtd"
)

// Exchange is one command APDU and the chip's response, in hexadecimal.
type Exchange struct {
	Command  string
	Response string
}

// normalize returns s upper-cased without spaces.
func normalize(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }

// Playback is an emrtd.Transport that answers with recorded responses. Each
// command must equal the next recorded command; a mismatch or an exchange
// left unused when the test ends fails the test.
type Playback struct {
	tb        testing.TB
	mu        sync.Mutex
	exchanges []Exchange
	next      int
}

var _ emrtd.Transport = (*Playback)(nil)

// NewPlayback returns a Playback over the exchanges and registers a cleanup
// on tb that fails the test if some are left unused.
func NewPlayback(tb testing.TB, exchanges ...Exchange) *Playback {
	tb.Helper()
	for i, e := range exchanges {
		if _, err := hex.DecodeString(normalize(e.Command)); err != nil {
			tb.Fatalf("emrtdtest: exchange %d command: %v", i+1, err)
		}
		if _, err := hex.DecodeString(normalize(e.Response)); err != nil {
			tb.Fatalf("emrtdtest: exchange %d response: %v", i+1, err)
		}
	}
	p := &Playback{tb: tb, exchanges: exchanges}
	tb.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.next < len(p.exchanges) {
			tb.Errorf("emrtdtest: %d of %d recorded exchanges left unused; next command expected: %s",
				len(p.exchanges)-p.next, len(p.exchanges), normalize(p.exchanges[p.next].Command))
		}
	})
	return p
}

// Transmit checks apdu against the next recorded command and returns the
// recorded response. On a mismatch it reports the test failure and returns
// an error, so the code under test stops.
func (p *Playback) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	got := strings.ToUpper(hex.EncodeToString(apdu))
	if p.next >= len(p.exchanges) {
		p.tb.Errorf("emrtdtest: unexpected command %s after all %d recorded exchanges", got, len(p.exchanges))
		return nil, fmt.Errorf("emrtdtest: no recorded exchange left for %s", got)
	}
	e := p.exchanges[p.next]
	if want := normalize(e.Command); got != want {
		p.tb.Errorf("emrtdtest: exchange %d: command\n got  %s\n want %s", p.next+1, got, want)
		return nil, fmt.Errorf("emrtdtest: command %d differs from the recording", p.next+1)
	}
	p.next++
	resp, _ := hex.DecodeString(normalize(e.Response))
	return resp, nil
}

// Recorder passes APDUs to another transport and keeps the exchanges.
type Recorder struct {
	Next emrtd.Transport

	mu        sync.Mutex
	exchanges []Exchange
}

var _ emrtd.Transport = (*Recorder)(nil)

// Transmit forwards apdu and records it with the response (an empty response
// when the transport failed).
func (r *Recorder) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	resp, err := r.Next.Transmit(ctx, apdu)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exchanges = append(r.exchanges, Exchange{
		Command:  strings.ToUpper(hex.EncodeToString(apdu)),
		Response: strings.ToUpper(hex.EncodeToString(resp)),
	})
	return resp, err
}

// Exchanges returns a copy of the exchanges recorded so far.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

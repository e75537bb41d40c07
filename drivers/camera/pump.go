package camera

import (
	"context"
	"errors"
	"sync"
	"time"

	"gocv.io/x/gocv"
)

// State is the connection state of a Pump's camera.
type State int

// Connection states, in the order a Pump goes through them.
const (
	// StateConnecting: the first open has not succeeded yet.
	StateConnecting State = iota
	// StateConnected: the first open succeeded.
	StateConnected
	// StateDisconnected: an open or a read failed; the pump retries with
	// backoff.
	StateDisconnected
	// StateReconnected: the camera is back after a disconnection.
	StateReconnected
	// StateStopped: the pump was closed.
	StateStopped
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateReconnected:
		return "reconnected"
	case StateStopped:
		return "stopped"
	}
	return "unknown"
}

// MarshalText gives the state's name (for JSON).
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Event reports a change of a Pump's State.
type Event struct {
	State State
	// Err says why the camera was lost (StateDisconnected).
	Err  error
	Time time.Time
	// Reconnects counts the reconnections so far.
	Reconnects int
}

// Options tune a Pump.
type Options struct {
	// OnEvent, when set, is called from the pump's goroutine on every
	// state change; it must return quickly.
	OnEvent func(Event)
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts, which doubles after every failure (defaults 100 ms and
	// 5 s).
	MinBackoff, MaxBackoff time.Duration
}

// Frame is a frame delivered by a Pump; its receiver owns Mat and closes it.
type Frame struct {
	Mat gocv.Mat
	// Seq numbers the frames read from the camera since the pump started
	// (from 1); a gap between two frames a consumer took is the number of
	// frames dropped in between.
	Seq  uint64
	Time time.Time
}

// Stats are a Pump's counters.
type Stats struct {
	State State `json:"state"`
	// Frames read from the camera, Delivered to consumers, and Dropped
	// because a newer frame replaced them before anyone took them.
	Frames    uint64 `json:"frames"`
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	// FPS is the rate frames were read at over the last second or so.
	FPS        float64 `json:"fps"`
	Reconnects int     `json:"reconnects"`
	LastError  string  `json:"last_error,omitempty"`
}

// ErrClosed is returned by Next once the pump is closed.
var ErrClosed = errors.New("camera: pump closed")

// Pump reads a Source in its own goroutine and keeps only the newest frame
// (a one-frame mailbox: a slow consumer gets the latest frame, never a
// backlog, and the frames it missed are counted as dropped). When a read
// fails (camera unplugged) it closes the source and opens it again with
// backoff, reporting state changes through Options.OnEvent.
type Pump struct {
	open   Opener
	opt    Options
	cancel context.CancelFunc
	done   chan struct{}
	ready  chan struct{}

	mu         sync.Mutex
	slot       *Frame
	stats      Stats
	winStart   time.Time
	winFrames  uint64
	closedSlot bool
}

// StartPump starts a pump on the source that open opens; it runs until ctx
// is done or Close is called.
func StartPump(ctx context.Context, open Opener, opt Options) *Pump {
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(5*time.Second, opt.MinBackoff)
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &Pump{open: open, opt: opt, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{}, 1)}
	go p.run(ctx)
	return p
}

// Close stops the pump, waits for its goroutine and releases the frame it
// holds.
func (p *Pump) Close() error {
	p.cancel()
	<-p.done
	return nil
}

// Stats returns the current counters.
func (p *Pump) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Next waits for a frame newer than the last one taken and returns it; the
// caller closes its Mat.
func (p *Pump) Next(ctx context.Context) (Frame, error) {
	for {
		p.mu.Lock()
		if p.closedSlot {
			p.mu.Unlock()
			return Frame{}, ErrClosed
		}
		if f := p.slot; f != nil {
			p.slot = nil
			p.stats.Delivered++
			p.mu.Unlock()
			return *f, nil
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		case <-p.done:
			return Frame{}, ErrClosed
		case <-p.ready:
		}
	}
}

func (p *Pump) setState(s State, err error) {
	p.mu.Lock()
	p.stats.State = s
	if err != nil {
		p.stats.LastError = err.Error()
	}
	ev := Event{State: s, Err: err, Time: time.Now(), Reconnects: p.stats.Reconnects}
	p.mu.Unlock()
	if p.opt.OnEvent != nil {
		p.opt.OnEvent(ev)
	}
}

// deliver puts the frame in spare into the mailbox and returns the Mat to
// read the next frame into.
func (p *Pump) deliver(spare gocv.Mat) gocv.Mat {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Frames++
	if p.winStart.IsZero() {
		p.winStart, p.winFrames = now, p.stats.Frames
	} else if el := now.Sub(p.winStart); el >= time.Second {
		p.stats.FPS = float64(p.stats.Frames-p.winFrames) / el.Seconds()
		p.winStart, p.winFrames = now, p.stats.Frames
	} else if p.stats.FPS == 0 && el > 0 && p.stats.Frames-p.winFrames >= 2 {
		p.stats.FPS = float64(p.stats.Frames-p.winFrames) / el.Seconds()
	}
	old := p.slot
	p.slot = &Frame{Mat: spare, Seq: p.stats.Frames, Time: now}
	select {
	case p.ready <- struct{}{}:
	default:
	}
	if old != nil {
		p.stats.Dropped++
		return old.Mat
	}
	return gocv.NewMat()
}

func (p *Pump) run(ctx context.Context) {
	spare := gocv.NewMat()
	defer func() {
		spare.Close()
		p.mu.Lock()
		if p.slot != nil {
			p.slot.Mat.Close()
			p.slot = nil
		}
		p.closedSlot = true
		p.mu.Unlock()
		p.setState(StateStopped, nil)
		close(p.done)
	}()
	backoff := p.opt.MinBackoff
	connectedOnce, down := false, false
	for ctx.Err() == nil {
		src, err := p.open(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !down {
				down = true
				p.setState(StateDisconnected, err)
			} else {
				p.mu.Lock()
				p.stats.LastError = err.Error()
				p.mu.Unlock()
			}
			if sleepUntil(ctx, time.Now().Add(backoff)) != nil {
				return
			}
			backoff = min(2*backoff, p.opt.MaxBackoff)
			continue
		}
		if connectedOnce {
			p.mu.Lock()
			p.stats.Reconnects++
			p.mu.Unlock()
			p.setState(StateReconnected, nil)
		} else {
			connectedOnce = true
			p.setState(StateConnected, nil)
		}
		down = false
		for {
			err = src.Read(ctx, &spare)
			if err != nil {
				break
			}
			backoff = p.opt.MinBackoff
			spare = p.deliver(spare)
		}
		src.Close()
		if ctx.Err() != nil {
			return
		}
		down = true
		p.setState(StateDisconnected, err)
		if sleepUntil(ctx, time.Now().Add(backoff)) != nil {
			return
		}
		backoff = min(2*backoff, p.opt.MaxBackoff)
	}
}

package zfm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tarm/serial"
)

// Port is the byte stream to one module: the seam between the protocol
// logic and the line.
//
// Read must return within a bounded time (the port's poll period) even
// when nothing arrives; it then returns 0, nil. The driver loops on Read,
// checking its context and its own reply deadline between calls, so the
// poll period bounds how late a cancellation is noticed. A Read or Write
// error that wraps fingerprint.ErrUnplugged marks the device gone; any
// other error is treated the same way, as the line is unusable.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	// Discard drops bytes received and not read yet.
	Discard() error
	Close() error
}

// errHangup reports a line that hung up (the read returned end of file
// at once, or the device node vanished).
var errHangup = errors.New("the line hung up")

// serialPort is a Port on a tty opened with github.com/tarm/serial. The
// tty is put in raw mode, 8N1, with VMIN=0 and VTIME set from the poll
// period, so a read returns after at most the poll period (at least
// 100 ms, the unit of VTIME).
type serialPort struct {
	p    *serial.Port
	path string
	poll time.Duration
	// quick counts reads in a row that ended without data well before the
	// poll period: what a tty does once it has hung up.
	quick int
}

// OpenSerial opens the tty at path at the given baud rate, 8 data bits,
// no parity, one stop bit, as a Port whose reads return after at most
// poll (rounded up to a multiple of 100 ms).
func OpenSerial(path string, baud int, poll time.Duration) (Port, error) {
	if poll < 100*time.Millisecond {
		poll = 100 * time.Millisecond
	}
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud, ReadTimeout: poll})
	if err != nil {
		return nil, fmt.Errorf("opening %s at %d baud: %w", path, baud, err)
	}
	sp := &serialPort{p: p, path: path, poll: poll}
	if err := p.Flush(); err != nil {
		p.Close()
		return nil, fmt.Errorf("flushing %s: %w", path, err)
	}
	return sp, nil
}

func (s *serialPort) Read(b []byte) (int, error) {
	start := time.Now()
	n, err := s.p.Read(b)
	if n > 0 {
		s.quick = 0
		return n, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		// With VMIN=0 a read without data waits VTIME; one that ends
		// long before is a hung-up tty.
		if time.Since(start) >= s.poll/2 {
			s.quick = 0
			return 0, nil
		}
		s.quick++
		if _, serr := os.Stat(s.path); serr != nil || s.quick >= 3 {
			return 0, errHangup
		}
		return 0, nil
	}
	if errors.Is(err, os.ErrClosed) {
		return 0, ErrClosed
	}
	return 0, fmt.Errorf("%w: %w", errHangup, err)
}

func (s *serialPort) Write(b []byte) (int, error) {
	n, err := s.p.Write(b)
	if err != nil {
		if errors.Is(err, os.ErrClosed) {
			return n, ErrClosed
		}
		return n, fmt.Errorf("%w: %w", errHangup, err)
	}
	return n, nil
}

func (s *serialPort) Discard() error { return s.p.Flush() }

func (s *serialPort) Close() error { return s.p.Close() }

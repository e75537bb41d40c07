package emrtd

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrSessionClosed reports a command on a secure channel that an earlier
// failure (a MAC mismatch, a transport error) has closed. Run BAC or PACE
// again.
var ErrSessionClosed = errors.New("emrtd: secure channel closed after an error; authenticate again")

// Session is a secure messaging channel to a chip, established by BAC or
// PACE. It is itself a Transport: plain command APDUs given to Transmit are
// protected, sent over the underlying transport, and the verified plain
// response (data and status word) is returned. It is safe for concurrent use;
// commands are serialised because every one advances the SSC.
type Session struct {
	mu   sync.Mutex
	sm   *SecureMessaging
	next Transport
	cam  *CAMData
}

var _ Transport = (*Session)(nil)

// NewSession wraps next with secure messaging state sm.
func NewSession(next Transport, sm *SecureMessaging) *Session {
	return &Session{sm: sm, next: next}
}

// CAM returns the chip authentication data of a PACE-CAM session, nil for
// other sessions.
func (s *Session) CAM() *CAMData { return s.cam }

// Cipher returns the session's secure messaging cipher.
func (s *Session) Cipher() Cipher {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sm.Cipher()
}

// Transmit protects apdu, sends it and returns the unwrapped response: the
// decrypted data followed by the protected status word. A chip that answers
// with an unprotected error status yields just that status word, which Send
// turns into a *StatusError. A response whose MAC fails yields ErrSMMAC.
func (s *Session) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	cmd, err := ParseCommand(apdu)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sm.closed {
		return nil, ErrSessionClosed
	}
	wrapped, err := s.sm.WrapCommand(cmd)
	if err != nil {
		return nil, err
	}
	raw, err := s.next.Transmit(ctx, wrapped)
	if err != nil {
		// The SSC has moved on for this command; whether the chip saw it is
		// unknown, so the counters can no longer be trusted to agree.
		s.sm.closed = true
		return nil, fmt.Errorf("emrtd: sending protected command INS %02X (the secure channel is closed; authenticate again): %w", cmd.INS, err)
	}
	resp, err := s.sm.UnwrapResponse(raw)
	if err != nil {
		if se := (*StatusError)(nil); errors.As(err, &se) {
			if se.SW == SWSMDataMissing || se.SW == SWSMDataIncorrect {
				// The chip aborts secure messaging after these (ICAO 9303-11
				// §9.8.5).
				s.sm.closed = true
			}
			return resp.Bytes(), nil
		}
		s.sm.closed = true
		return nil, fmt.Errorf("emrtd: response to protected INS %02X: %w", cmd.INS, err)
	}
	return resp.Bytes(), nil
}

// Send encodes cmd, transmits it and parses the response. It follows 61xx
// with GET RESPONSE and retries once with the exact length on 6Cxx. A status
// word other than success is returned as a *StatusError (match it with
// errors.Is against ErrFileNotFound, ErrSecurityStatus, ...), together with
// the response.
func Send(ctx context.Context, t Transport, cmd Command) (Response, error) {
	resp, err := transmit(ctx, t, cmd)
	if err != nil {
		return Response{}, err
	}
	if resp.SW>>8 == 0x6C && cmd.Ne > 0 {
		retry := cmd
		retry.Ne = (&StatusError{SW: resp.SW}).Available()
		if resp, err = transmit(ctx, t, retry); err != nil {
			return Response{}, err
		}
	}
	var data []byte
	for i := 0; resp.SW>>8 == 0x61; i++ {
		if i >= 256 {
			return Response{}, fmt.Errorf("emrtd: chip keeps announcing more data after %d GET RESPONSE commands", i)
		}
		data = append(data, resp.Data...)
		get := Command{CLA: cmd.CLA & 0x03, INS: 0xC0, Ne: (&StatusError{SW: resp.SW}).Available()}
		if resp, err = transmit(ctx, t, get); err != nil {
			return Response{}, err
		}
	}
	if data != nil {
		resp.Data = append(data, resp.Data...)
	}
	if err := resp.Err(); err != nil {
		return resp, fmt.Errorf("emrtd: command INS %02X: %w", cmd.INS, err)
	}
	return resp, nil
}

func transmit(ctx context.Context, t Transport, cmd Command) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	apdu, err := cmd.Bytes()
	if err != nil {
		return Response{}, err
	}
	raw, err := t.Transmit(ctx, apdu)
	if err != nil {
		return Response{}, fmt.Errorf("emrtd: transmitting INS %02X: %w", cmd.INS, err)
	}
	return ParseResponse(raw)
}

package ws

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the protocol version carried in every JSON message as "v".
const Version = 1

// Message types sent by the station.
const (
	// TypeReply answers a command; Re is the command's ID.
	TypeReply = "reply"
	// TypeError answers a command that failed; Re is the command's ID.
	TypeError = "error"
	// TypeResyncRequired tells the page that events were lost (it was away
	// too long or read too slowly): it reloads its state through the HTTP
	// API, then applies the events that follow.
	TypeResyncRequired = "resync-required"
	// TypeWelcome is the first message of every connection.
	TypeWelcome = "welcome"
)

// Commands the package handles itself; every other command type is passed
// to Options.Commands.
const (
	// CmdHello starts (or resumes) the event stream: data {"lastEventId": n}.
	CmdHello = "hello"
	// CmdSubscribePreview asks for a device's preview frames: data {"device": id}.
	CmdSubscribePreview = "subscribe-preview"
	// CmdUnsubscribePreview stops the preview frames.
	CmdUnsubscribePreview = "unsubscribe-preview"
	// CmdRecentEvents returns the events the bus still remembers (newest
	// last), for the technician page: data {"limit": n}. Supervisor role.
	CmdRecentEvents = "recent-events"
	// CmdPing answers with an empty reply; pages use it to measure latency.
	CmdPing = "ping"
)

// Error codes carried in "code" of an error message.
const (
	CodeBadRequest      = "bad-request"
	CodeUnsupported     = "unsupported-version"
	CodeUnknownCommand  = "unknown-command"
	CodeForbidden       = "forbidden"
	CodeUnauthenticated = "unauthenticated"
	CodeUnavailable     = "unavailable"
	CodeBusy            = "busy"
	CodeFailed          = "failed"
)

// Sentinel errors a Commands implementation returns (wrapped with %w) to
// choose the error code the page sees.
var (
	// ErrUnknownCommand: the command type is not one the station knows.
	ErrUnknownCommand = errors.New("unknown command")
	// ErrForbidden: the operator's role may not do this.
	ErrForbidden = errors.New("not allowed for this role")
	// ErrBadRequest: the command's data is malformed.
	ErrBadRequest = errors.New("bad request")
	// ErrUnavailable: what the command needs is not there (no device, no workflow).
	ErrUnavailable = errors.New("unavailable")
)

// codeFor maps an error to the code sent to the page.
func codeFor(err error) string {
	switch {
	case errors.Is(err, ErrUnknownCommand):
		return CodeUnknownCommand
	case errors.Is(err, ErrForbidden):
		return CodeForbidden
	case errors.Is(err, ErrBadRequest):
		return CodeBadRequest
	case errors.Is(err, ErrUnavailable):
		return CodeUnavailable
	}
	return CodeFailed
}

// Inbound is a message from the page: a command.
type Inbound struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	// ID is chosen by the page (a number or a string) and echoed as "re".
	ID   json.RawMessage `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Outbound is a message to the page. For events, Type is the event kind
// ("health", "sync", "device", "capture", "enrollment"), ID the bus event
// ID and Event the specific event ("delivered", "changed", ...).
type Outbound struct {
	V       int             `json:"v"`
	Type    string          `json:"type"`
	ID      uint64          `json:"id,omitempty"`
	Re      json.RawMessage `json:"re,omitempty"`
	Event   string          `json:"event,omitempty"`
	Time    *time.Time      `json:"time,omitempty"`
	Code    string          `json:"code,omitempty"`
	Message string          `json:"message,omitempty"`
	Data    any             `json:"data,omitempty"`
}

// HelloData is the data of a hello command. LastEventID is nil on a fresh
// page, which then streams live events only.
type HelloData struct {
	LastEventID *uint64 `json:"lastEventId"`
	// Epoch is the welcome message's epoch the page's last event ID
	// belongs to; another epoch (the station restarted) means resync.
	Epoch string `json:"epoch,omitempty"`
}

// HelloReply is the data of the reply to hello.
type HelloReply struct {
	// LastEventID is the newest event ID when the stream (re)started.
	LastEventID uint64 `json:"lastEventId"`
	// Replayed counts the missed events that follow this reply.
	Replayed int `json:"replayed"`
	// Resync is true when the page must reload its state (a resync-required
	// message follows too).
	Resync bool `json:"resync"`
}

// WelcomeData is the data of the welcome message.
type WelcomeData struct {
	Protocol int    `json:"protocol"`
	Operator string `json:"operator"`
	Role     string `json:"role"`
	// MaxMessage is the largest message the station reads, in bytes.
	MaxMessage int64 `json:"maxMessage"`
	// Preview tells whether preview frames can be subscribed.
	Preview bool `json:"preview"`
	// Epoch identifies this run of the station: event IDs of another
	// epoch mean nothing here.
	Epoch string `json:"epoch"`
}

// PreviewData is the data of subscribe-preview.
type PreviewData struct {
	Device string `json:"device"`
}

// Binary frames: a header, then the payload.
//
//	offset size  field
//	0      2     header length H in bytes, big-endian (this field included)
//	2      1     frame type (1: JPEG preview)
//	3      1     flags (0)
//	4      4     sequence number, big-endian
//	8      2     width in pixels
//	10     2     height in pixels
//	12     H-12  device ID, UTF-8
//	H      ...   JPEG data
const (
	// FrameJPEG is the frame type of a JPEG preview image.
	FrameJPEG   = 1
	frameFixed  = 12
	maxDeviceID = 255
)

// Frame is one preview image handed over by a Preview source. The ws
// package never modifies JPEG, and the source must not modify it after
// handing it over.
type Frame struct {
	Device        string
	Seq           uint32
	Width, Height int
	JPEG          []byte
}

// FrameHeader encodes the binary header of f.
func FrameHeader(f Frame) []byte {
	dev := f.Device
	if len(dev) > maxDeviceID {
		dev = dev[:maxDeviceID]
	}
	h := make([]byte, frameFixed+len(dev))
	binary.BigEndian.PutUint16(h[0:], uint16(len(h)))
	h[2] = FrameJPEG
	binary.BigEndian.PutUint32(h[4:], f.Seq)
	binary.BigEndian.PutUint16(h[8:], uint16(min(max(f.Width, 0), 0xffff)))
	binary.BigEndian.PutUint16(h[10:], uint16(min(max(f.Height, 0), 0xffff)))
	copy(h[frameFixed:], dev)
	return h
}

// ParseFrame decodes a binary message into a Frame whose JPEG aliases msg.
func ParseFrame(msg []byte) (Frame, error) {
	if len(msg) < frameFixed {
		return Frame{}, fmt.Errorf("preview frame of %d bytes is shorter than its header: %w", len(msg), ErrBadRequest)
	}
	hl := int(binary.BigEndian.Uint16(msg))
	if hl < frameFixed || hl > len(msg) {
		return Frame{}, fmt.Errorf("preview frame header length %d is out of range: %w", hl, ErrBadRequest)
	}
	if msg[2] != FrameJPEG {
		return Frame{}, fmt.Errorf("preview frame type %d is unknown: %w", msg[2], ErrBadRequest)
	}
	return Frame{
		Seq:    binary.BigEndian.Uint32(msg[4:]),
		Width:  int(binary.BigEndian.Uint16(msg[8:])),
		Height: int(binary.BigEndian.Uint16(msg[10:])),
		Device: string(msg[frameFixed:hl]),
		JPEG:   msg[hl:],
	}, nil
}

package fingerprint

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"
)

// Errors a caller branches on. Drivers wrap them with the detail of what
// happened, so test with errors.Is.
var (
	// ErrUnplugged: the device went away (unplugged, or its port vanished).
	ErrUnplugged = errors.New("fingerprint scanner unplugged")
	// ErrTimeout: the device did not answer in time, or no finger was placed
	// before the capture's deadline.
	ErrTimeout = errors.New("fingerprint scanner timed out")
	// ErrBusy: another capture is running on the device.
	ErrBusy = errors.New("fingerprint scanner busy")
	// ErrProtocol: the device answered something the driver cannot accept
	// (bad checksum, unexpected packet, wrong length).
	ErrProtocol = errors.New("fingerprint scanner protocol error")
)

// Info describes one scanner.
type Info struct {
	// Driver is the family's driver name, e.g. "zfm" or "uru4000".
	Driver string `json:"driver"`
	// Path locates the device: a tty path, or a USB bus/address.
	Path   string `json:"path"`
	Vendor string `json:"vendor"`
	Model  string `json:"model"`
	// Serial is the device serial number when it has one.
	Serial string `json:"serial,omitempty"`
	// PPI is the image resolution in pixels per inch.
	PPI int `json:"ppi"`
	// Width and Height are the image size in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
}

// ID names the device uniquely on this station.
func (i Info) ID() string { return i.Driver + ":" + i.Path }

// Stage is a step of a capture, reported as it happens.
type Stage int

// Capture stages, in the order they normally occur.
const (
	StageWaitingForFinger Stage = iota + 1
	StageFingerDetected
	StageImageReady
	StageRemoveFinger
)

// String returns the stage's name as shown to the operator.
func (s Stage) String() string {
	switch s {
	case StageWaitingForFinger:
		return "waiting for finger"
	case StageFingerDetected:
		return "finger detected"
	case StageImageReady:
		return "image ready"
	case StageRemoveFinger:
		return "remove finger"
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// Progress receives the stages of a capture. It is called from the
// capturing goroutine and must not block.
type Progress func(Stage)

// Image is one captured print.
type Image struct {
	Gray *image.Gray
	// PPI is the resolution in pixels per inch.
	PPI int
	// Captured is when the device delivered the image.
	Captured time.Time
}

// Scanner is an open fingerprint scanner.
type Scanner interface {
	// Info describes the device.
	Info() Info
	// Capture waits for a finger, acquires one image and returns it. It
	// reports its stages to progress (which may be nil) and stops with the
	// context's error when ctx ends. A second concurrent Capture fails with
	// ErrBusy.
	Capture(ctx context.Context, progress Progress) (Image, error)
	// Close releases the device.
	Close() error
}

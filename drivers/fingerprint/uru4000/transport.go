package uru4000

import "context"

// Transport carries the USB transfers of one open device. The real one sits
// on libusb (see OpenUSB); the Simulator answers in-process as a device
// does. Implementations report a vanished device with errors wrapping
// fingerprint.ErrUnplugged, a transfer the device did not complete in time
// with errors wrapping fingerprint.ErrTimeout, and an ended context with
// errors wrapping ctx.Err(). A Transport is used by one goroutine at a
// time; the Scanner calls Close only after its other calls returned.
type Transport interface {
	// Control performs a control transfer on endpoint zero. For IN
	// requests data receives the answer; for OUT requests it is sent. It
	// returns the number of bytes transferred.
	Control(ctx context.Context, rType, request uint8, val, idx uint16, data []byte) (int, error)
	// ReadInterrupt reads one packet from the interrupt endpoint, blocking
	// until the device sends one or ctx ends.
	ReadInterrupt(ctx context.Context, buf []byte) (int, error)
	// ReadBulk reads one transfer from the bulk image endpoint, blocking
	// until the device ends it (short packet or full buffer) or ctx ends.
	ReadBulk(ctx context.Context, buf []byte) (int, error)
	// Close releases the device.
	Close() error
}

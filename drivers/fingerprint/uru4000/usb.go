package uru4000

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"

	"github.com/capturestation/station/drivers/fingerprint"
)

// ErrNoLibusb reports that libusb could not be initialised, for example in
// a container without /dev/bus/usb.
var ErrNoLibusb = errors.New("uru4000: libusb unavailable")

// newUSBContext opens a libusb context. gousb panics when libusb_init
// fails; that is turned into an error wrapping ErrNoLibusb.
func newUSBContext() (c *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			c = nil
			err = fmt.Errorf("%w: %v", ErrNoLibusb, r)
		}
	}()
	return gousb.NewContext(), nil
}

// usbPath formats the bus and address of a device as Info.Path.
func usbPath(bus, addr int) string { return fmt.Sprintf("%03d/%03d", bus, addr) }

// Finder lists the supported readers on the USB buses by their IDs,
// without opening them. It implements fingerprint.Finder. The zero value is
// ready to use.
type Finder struct{}

var _ fingerprint.Finder = Finder{}

// Find returns the readers present now. Info.Path is "bus/address" (as in
// /dev/bus/usb), which OpenUSB accepts. An error wrapping ErrNoLibusb means
// USB is not reachable from this process at all.
func (Finder) Find(ctx context.Context) ([]fingerprint.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	uctx, err := newUSBContext()
	if err != nil {
		return nil, err
	}
	defer uctx.Close()
	var infos []fingerprint.Info
	devs, err := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		m, ok := LookupModel(uint16(d.Vendor), uint16(d.Product))
		if ok {
			infos = append(infos, fingerprint.Info{
				Driver: DriverName,
				Path:   usbPath(d.Bus, d.Address),
				Vendor: m.Vendor,
				Model:  m.Name,
				PPI:    PPI,
				Width:  Width,
				Height: Height,
			})
		}
		return false // list only; never open
	})
	for _, d := range devs {
		_ = d.Close()
	}
	if err != nil && len(infos) == 0 {
		return nil, fmt.Errorf("uru4000: listing USB devices: %w", err)
	}
	return infos, nil
}

// OpenUSB opens the reader at path ("bus/address" from Finder; empty means
// the first supported reader found), claims its fingerprint interface and
// initialises it.
func OpenUSB(ctx context.Context, path string, opts Options) (*Scanner, error) {
	t, m, p, err := openUSBTransport(path)
	if err != nil {
		return nil, err
	}
	return Open(ctx, t, m, p, opts)
}

// usbTransport is the Transport on libusb.
type usbTransport struct {
	uctx *gousb.Context
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	irq  *gousb.InEndpoint
	bulk *gousb.InEndpoint
}

func openUSBTransport(path string) (_ *usbTransport, _ Model, _ string, err error) {
	uctx, err := newUSBContext()
	if err != nil {
		return nil, Model{}, "", err
	}
	t := &usbTransport{uctx: uctx}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	var (
		model Model
		found string
	)
	devs, lerr := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if found != "" {
			return false
		}
		m, ok := LookupModel(uint16(d.Vendor), uint16(d.Product))
		p := usbPath(d.Bus, d.Address)
		if !ok || (path != "" && p != path) {
			return false
		}
		model, found = m, p
		return true
	})
	if len(devs) == 0 {
		if lerr != nil {
			return nil, Model{}, "", fmt.Errorf("uru4000: opening USB device %q: %w", path, lerr)
		}
		return nil, Model{}, "", fmt.Errorf("uru4000: no supported reader at %q: %w", path, fingerprint.ErrUnplugged)
	}
	t.dev = devs[0]
	for _, d := range devs[1:] {
		_ = d.Close()
	}
	cfgNum, ifNum, err := findInterface(t.dev.Desc)
	if err != nil {
		return nil, Model{}, "", err
	}
	// The fingerprint interface has no kernel driver; the other interfaces
	// of keyboard and mouse models stay with theirs.
	if err := t.dev.SetAutoDetach(false); err != nil {
		return nil, Model{}, "", fmt.Errorf("uru4000: %v: %w", t.dev, err)
	}
	if t.cfg, err = t.dev.Config(cfgNum); err != nil {
		return nil, Model{}, "", fmt.Errorf("uru4000: %v: configuration %d: %w", t.dev, cfgNum, mapUSBError(context.Background(), err))
	}
	if t.intf, err = t.cfg.Interface(ifNum, 0); err != nil {
		return nil, Model{}, "", fmt.Errorf("uru4000: %v: claiming interface %d: %w", t.dev, ifNum, mapUSBError(context.Background(), err))
	}
	if t.irq, err = t.intf.InEndpoint(EndpointInterrupt & 0x0f); err != nil {
		return nil, Model{}, "", fmt.Errorf("uru4000: %v: interrupt endpoint: %w", t.dev, err)
	}
	if t.bulk, err = t.intf.InEndpoint(EndpointBulk & 0x0f); err != nil {
		return nil, Model{}, "", fmt.Errorf("uru4000: %v: bulk endpoint: %w", t.dev, err)
	}
	return t, model, found, nil
}

// findInterface picks the vendor-specific interface (class, subclass and
// protocol 255) with the interrupt endpoint 0x81 and the bulk endpoint 0x82.
func findInterface(d *gousb.DeviceDesc) (cfgNum, ifNum int, err error) {
	for _, c := range d.Configs {
		for _, in := range c.Interfaces {
			if len(in.AltSettings) == 0 {
				continue
			}
			a := in.AltSettings[0]
			if a.Class != gousb.ClassVendorSpec || a.SubClass != gousb.ClassVendorSpec || a.Protocol != 0xff || len(a.Endpoints) != 2 {
				continue
			}
			irq, ok1 := a.Endpoints[gousb.EndpointAddress(EndpointInterrupt)]
			bulk, ok2 := a.Endpoints[gousb.EndpointAddress(EndpointBulk)]
			if !ok1 || !ok2 || irq.TransferType != gousb.TransferTypeInterrupt || bulk.TransferType != gousb.TransferTypeBulk {
				continue
			}
			return c.Number, in.Number, nil
		}
	}
	return 0, 0, fmt.Errorf("uru4000: %v has no fingerprint interface (vendor class, endpoints 0x81 interrupt and 0x82 bulk): %w", d, fingerprint.ErrProtocol)
}

// mapUSBError wraps libusb errors with the fingerprint sentinels.
func mapUSBError(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	case errors.Is(err, gousb.ErrorNoDevice), errors.Is(err, gousb.TransferNoDevice):
		return fmt.Errorf("%w: %v", fingerprint.ErrUnplugged, err)
	case errors.Is(err, gousb.ErrorTimeout), errors.Is(err, gousb.TransferTimedOut):
		return fmt.Errorf("%w: %v", fingerprint.ErrTimeout, err)
	}
	return err
}

// Control performs a control transfer, bounded by ctx's deadline.
func (t *usbTransport) Control(ctx context.Context, rType, request uint8, val, idx uint16, data []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	t.dev.ControlTimeout = 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		t.dev.ControlTimeout = max(time.Until(dl), time.Millisecond)
	}
	n, err := t.dev.Control(rType, request, val, idx, data)
	return n, mapUSBError(ctx, err)
}

// ReadInterrupt reads one interrupt packet.
func (t *usbTransport) ReadInterrupt(ctx context.Context, buf []byte) (int, error) {
	n, err := t.irq.ReadContext(ctx, buf)
	return n, mapUSBError(ctx, err)
}

// ReadBulk reads one bulk transfer.
func (t *usbTransport) ReadBulk(ctx context.Context, buf []byte) (int, error) {
	n, err := t.bulk.ReadContext(ctx, buf)
	return n, mapUSBError(ctx, err)
}

// Close releases the interface, the device and the libusb context.
func (t *usbTransport) Close() error {
	var errs []error
	if t.intf != nil {
		t.intf.Close()
		t.intf = nil
	}
	if t.cfg != nil {
		errs = append(errs, t.cfg.Close())
		t.cfg = nil
	}
	if t.dev != nil {
		errs = append(errs, t.dev.Close())
		t.dev = nil
	}
	if t.uctx != nil {
		errs = append(errs, t.uctx.Close())
		t.uctx = nil
	}
	return errors.Join(errs...)
}

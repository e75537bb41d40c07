package zfm

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
)

// DefaultGlobs are the tty paths a Finder looks at when it has none:
// USB serial adapters (CP210x, CH340, FTDI, PL2303), CDC ACM devices and
// the Raspberry Pi's primary UART. Built-in PC ports (/dev/ttyS*) are
// left out: most of them exist without anything attached.
func DefaultGlobs() []string {
	return []string{"/dev/ttyUSB*", "/dev/ttyACM*", "/dev/serial0", "/dev/ttyAMA*"}
}

// Finder lists serial ports that may hold a module. It implements
// fingerprint.Finder.
//
// Without Probe, every existing path matching Globs is listed, with the
// model "unprobed": the finder cannot tell a module from another serial
// device without talking to it. With Probe, each port is opened and sent
// VfyPwd and ReadSysPara (and ReadProdInfo when the model is left to
// auto-detection), each answer waited for at most ProbeTimeout; only
// ports that answer are listed, with what they said. Probing writes to
// every matching port, so do not probe ports other programs use, and do
// not probe the port of an open Scanner: Skip lets the caller exclude
// those.
type Finder struct {
	// Globs are the path patterns to look at; nil means DefaultGlobs().
	Globs []string
	// Probe opens each port and asks for the module.
	Probe bool
	// Options configure the probe (baud, address, password, model).
	Options Options
	// ProbeTimeout bounds each answer during a probe; 0 means 300 ms.
	ProbeTimeout time.Duration
	// Skip, when set, excludes paths, e.g. those of open scanners.
	Skip func(path string) bool
}

var _ fingerprint.Finder = Finder{}

// Find lists the ports, probing them when configured. Ports that do not
// answer a probe are left out without error; an error is returned only
// for a bad glob pattern or when ctx ends.
func (f Finder) Find(ctx context.Context) ([]fingerprint.Info, error) {
	globs := f.Globs
	if globs == nil {
		globs = DefaultGlobs()
	}
	seen := map[string]bool{}
	var paths []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			return nil, fmt.Errorf("zfm: finder pattern %q: %w", g, err)
		}
		for _, p := range m {
			if !seen[p] && (f.Skip == nil || !f.Skip(p)) {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	sort.Strings(paths)
	var out []fingerprint.Info
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("zfm: finding modules: %w", err)
		}
		if !f.Probe {
			w, h := ModelGeneric.ImageSize()
			out = append(out, fingerprint.Info{Driver: DriverName, Path: p, Vendor: ModelGeneric.spec().vendor, Model: "unprobed", PPI: 500, Width: w, Height: h})
			continue
		}
		if in, ok := f.probe(ctx, p); ok {
			out = append(out, in)
		}
	}
	return out, nil
}

func (f Finder) probe(ctx context.Context, path string) (fingerprint.Info, bool) {
	opts := f.Options
	opts.ReplyTimeout = f.ProbeTimeout
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = 300 * time.Millisecond
	}
	opts.PacketSize = 0 // a probe changes nothing on the module
	s, err := Open(ctx, path, opts)
	if err != nil {
		return fingerprint.Info{}, false
	}
	defer s.Close()
	return s.Info(), true
}

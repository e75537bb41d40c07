package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
	"github.com/capturestation/station/drivers/fingerprint/uru4000"
	"github.com/capturestation/station/drivers/fingerprint/zfm"
	"github.com/capturestation/station/drivers/fingerprint/zfm/zfmsim"
	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/testdata/fingerprints"
)

// componentFingerprint is the health component for fingerprint scanners.
const componentFingerprint = "devices/fingerprint"

// scanners watches for fingerprint scanners coming and going, logs them,
// keeps the list for the status page and reports a health warning while
// none is attached.
type scanners struct {
	finders []fingerprint.Finder
	poll    time.Duration
	health  *health.Registry
	log     *slog.Logger

	mu      sync.Mutex
	devices map[string]fingerprint.Info
}

func newScanners(poll time.Duration, h *health.Registry, log *slog.Logger, finders ...fingerprint.Finder) *scanners {
	return &scanners{finders: finders, poll: poll, health: h, log: log, devices: map[string]fingerprint.Info{}}
}

// Serve watches until ctx ends. Health is first reported once the finders
// had time to look, so a station does not warn at every start.
func (s *scanners) Serve(ctx context.Context) error {
	first := time.AfterFunc(2*s.poll, s.report)
	defer first.Stop()
	err := fingerprint.Watch(ctx, s.poll, s.event, s.finders...)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (s *scanners) event(ev fingerprint.DeviceEvent) {
	s.mu.Lock()
	if ev.Attached {
		s.devices[ev.Info.ID()] = ev.Info
	} else {
		delete(s.devices, ev.Info.ID())
	}
	s.mu.Unlock()
	what := "fingerprint scanner detached"
	if ev.Attached {
		what = "fingerprint scanner attached"
	}
	s.log.Info(what, "driver", ev.Info.Driver, "path", ev.Info.Path, "vendor", ev.Info.Vendor, "model", ev.Info.Model)
	s.report()
}

func (s *scanners) report() {
	list := s.list()
	if len(list) == 0 {
		s.health.Set(componentFingerprint, health.Warning, "no fingerprint scanner attached: plug one in, or check fingerprint.serial_ports and fingerprint.usb")
		return
	}
	names := make([]string, len(list))
	for i, in := range list {
		names[i] = fmt.Sprintf("%s %s on %s", in.Vendor, in.Model, in.Path)
	}
	s.health.Set(componentFingerprint, health.OK, strings.Join(names, "; "))
}

func (s *scanners) list() []fingerprint.Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]fingerprint.Info, 0, len(s.devices))
	for _, in := range s.devices {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}

// apiDevices lists the attached scanners for the status page.
func (s *scanners) apiDevices() []api.Device {
	var out []api.Device
	for _, in := range s.list() {
		out = append(out, api.Device{Kind: "fingerprint", ID: in.ID(), Driver: in.Driver, Vendor: in.Vendor, Model: in.Model, Path: in.Path, Serial: in.Serial})
	}
	return out
}

// serialFinder lists the ttys matching the configured patterns and talks
// to each new one to learn whether a module answers. A module found stays
// listed without being probed again until its port disappears, so a
// working module is not disturbed by every poll; a silent port is probed
// again after reprobe.
type serialFinder struct {
	globs   []string
	opts    zfm.Options
	reprobe time.Duration

	mu    sync.Mutex
	known map[string]probed
}

type probed struct {
	info *fingerprint.Info // nil: nothing answered
	at   time.Time
}

func (f *serialFinder) Find(ctx context.Context) ([]fingerprint.Info, error) {
	ports, err := zfm.Finder{Globs: f.globs}.Find(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.known == nil {
		f.known = map[string]probed{}
	}
	present := map[string]bool{}
	var out []fingerprint.Info
	for _, p := range ports {
		present[p.Path] = true
		pr, seen := f.known[p.Path]
		if !seen || (pr.info == nil && time.Since(pr.at) >= f.reprobe) {
			found, err := zfm.Finder{Globs: []string{p.Path}, Probe: true, Options: f.opts}.Find(ctx)
			if err != nil {
				return nil, err
			}
			pr = probed{at: time.Now()}
			if len(found) == 1 {
				pr.info = &found[0]
			}
			f.known[p.Path] = pr
		}
		if pr.info != nil {
			out = append(out, *pr.info)
		}
	}
	for path := range f.known {
		if !present[path] {
			delete(f.known, path)
		}
	}
	return out, nil
}

// reportingFinder puts a finder's failures (no USB access, say) on the
// health page under its own component, and clears them when it works.
type reportingFinder struct {
	f         fingerprint.Finder
	component string
	health    *health.Registry
}

func (r reportingFinder) Find(ctx context.Context) ([]fingerprint.Info, error) {
	infos, err := r.f.Find(ctx)
	if err != nil && ctx.Err() == nil {
		r.health.Set(r.component, health.Warning, err.Error())
	} else if err == nil {
		r.health.Set(r.component, health.OK, "looking for scanners")
	}
	return infos, err
}

// staticFinder reports a fixed set of devices: the in-process simulators.
type staticFinder []fingerprint.Info

func (s staticFinder) Find(context.Context) ([]fingerprint.Info, error) { return s, nil }

// fingerprintFinders builds the finders the configuration asks for,
// starting the simulated scanners when simulate.fingerprint is set (they
// stop with ctx).
func (d *daemon) fingerprintFinders(ctx context.Context) ([]fingerprint.Finder, error) {
	fc := d.cfg.Fingerprint
	globs := fc.SerialPorts
	if len(globs) == 0 {
		globs = zfm.DefaultGlobs()
	}
	var finders []fingerprint.Finder
	if d.cfg.Simulate.Fingerprint {
		p, err := fingerprints.Generate(fingerprints.Params{Seed: 1})
		if err != nil {
			return nil, fmt.Errorf("simulated fingerprint: %w", err)
		}
		sim, path, err := zfmsim.Start(ctx, zfmsim.Options{Model: zfm.ModelR307, Baud: fc.SerialBaud})
		if err != nil {
			return nil, fmt.Errorf("simulated serial fingerprint module: %w", err)
		}
		d.closers = append(d.closers, sim.Close)
		sim.PlaceFinger(p.Image)
		globs = append(slices.Clone(globs), path)
		d.uruSim = uru4000.NewSimulator(uru4000.SimConfig{Model: uru4000.ModelURU4000B(), AutoFinger: true, FingerDelay: 200 * time.Millisecond})
		d.closers = append(d.closers, d.uruSim.Close)
		if err := d.uruSim.SetImage(uru4000.Platen(p.Image)); err != nil {
			return nil, fmt.Errorf("simulated USB fingerprint reader: %w", err)
		}
		finders = append(finders, staticFinder{{
			Driver: uru4000.DriverName, Path: "sim", Vendor: "DigitalPersona", Model: uru4000.ModelURU4000B().Name + " (simulated)",
			PPI: uru4000.PPI, Width: uru4000.Width, Height: uru4000.Height,
		}})
	}
	finders = append(finders, reportingFinder{
		f:         &serialFinder{globs: globs, opts: zfm.Options{Baud: fc.SerialBaud}, reprobe: 30 * time.Second},
		component: componentFingerprint + "/serial", health: d.health,
	})
	if fc.USB {
		finders = append(finders, reportingFinder{f: uru4000.Finder{}, component: componentFingerprint + "/usb", health: d.health})
	}
	return finders, nil
}

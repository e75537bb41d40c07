package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/capturestation/station/capture/emrtd"
	"github.com/capturestation/station/capture/emrtd/passive"
	"github.com/capturestation/station/capture/emrtd/vchip"
	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/capture/enrollment/workflow/devices"
	"github.com/capturestation/station/capture/face"
	"github.com/capturestation/station/capture/face/liveness"
	"github.com/capturestation/station/capture/mrz/ocr"
	"github.com/capturestation/station/drivers/fingerprint"
	"github.com/capturestation/station/drivers/fingerprint/uru4000"
	"github.com/capturestation/station/drivers/fingerprint/zfm"
	"github.com/capturestation/station/drivers/pcsc"
	"github.com/capturestation/station/internal/audit"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/operators"
)

// SimulatedMRZ is the machine-readable zone of the virtual ePassport of
// simulate.chip: what an operator types or scans in the document step.
const SimulatedMRZ = "P<ITAROSSI<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<<<\nTI9GORMOL4ITA8608099F3404126QBKZLS<<<<<<<<12"

// componentWorkflow reports the capture devices the workflow could not set up.
const componentWorkflow = "workflow"

// newWorkflow builds the enrollment service over the store, the outbox and
// the devices. A device that cannot be set up leaves its step failing with
// workflow.ErrNoDevice and a health warning; the station still starts.
func (d *daemon) newWorkflow(ctx context.Context, accounts *operators.Accounts) (*workflow.Service, error) {
	cfg := d.cfg
	log, err := audit.New(d.db, audit.Options{})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	policy := cfg.Workflow
	fingers := &fingerPool{d: d}
	d.closers = append(d.closers, fingers.close)
	opt := workflow.Options{
		StationID: cfg.Station.ID, Policy: &policy, Sealer: d.outbox, Targets: d.targets,
		Audit: log, Approver: workflow.AccountsApprover{Accounts: accounts}, Events: d.bus,
		Fingers: fingers, Logger: d.log.With("component", "workflow"),
	}
	var problems []error
	if opt.Chip, err = d.chipReader(); err != nil {
		problems = append(problems, fmt.Errorf("chip reader: %w", err))
	}
	if d.camera != nil {
		det, err := face.NewDetector("")
		if err != nil {
			problems = append(problems, fmt.Errorf("face detection: %w", err))
		} else {
			d.closers = append(d.closers, det.Close)
			f := &devices.Face{Frames: d.camHub, Detector: det, Device: d.camera.device}
			if policy.RequireLiveness {
				a, err := liveness.New(liveness.Options{})
				if err != nil {
					problems = append(problems, fmt.Errorf("liveness: %w", err))
				} else {
					d.closers = append(d.closers, a.Close)
					f.Liveness = a
				}
			}
			opt.Face = f
		}
	}
	if d.docHub != nil {
		r, err := ocr.NewReader()
		if err != nil {
			problems = append(problems, fmt.Errorf("MRZ reader: %w", err))
		} else {
			name := d.camera.id()
			if d.docCam != nil {
				name = d.docCam.id()
			}
			opt.Document = &devices.Document{Frames: d.docHub, Reader: r, Device: name}
		}
	}
	if err := errors.Join(problems...); err != nil {
		d.health.Set(componentWorkflow, health.Warning, err.Error())
	} else {
		d.health.Set(componentWorkflow, health.OK, "every capture device is set up")
	}
	return workflow.New(d.db, opt)
}

// chipReader returns the chip reader: the virtual ePassport of
// simulate.chip, or the configured PC/SC reader.
func (d *daemon) chipReader() (workflow.ChipReader, error) {
	c := d.cfg.Chip
	if d.cfg.Simulate.Chip {
		doc, err := vchip.NewDocument(vchip.DocumentSpec{MRZ: SimulatedMRZ, CAN: "123456", Profile: vchip.ProfilePACEBrainpool})
		if err != nil {
			return nil, err
		}
		csca, err := passive.ParseCertificate(doc.PKI.CSCA.Raw)
		if err != nil {
			return nil, err
		}
		trust := &passive.TrustStore{}
		trust.Add(csca)
		return devices.Chip{Trust: trust, Connect: func(context.Context) (emrtd.Transport, func() error, error) {
			card, err := vchip.New(doc.Config)
			return card, nil, err
		}}, nil
	}
	var trust *passive.TrustStore
	if c.CSCADir != "" {
		store, _, err := passive.LoadDir(c.CSCADir)
		if err != nil {
			return nil, fmt.Errorf("chip.csca_dir: %w", err)
		}
		trust = store
	}
	return devices.Chip{Trust: trust, ShortAPDUs: c.ShortAPDUs, Connect: func(context.Context) (emrtd.Transport, func() error, error) {
		pc, err := pcsc.Open()
		if err != nil {
			return nil, nil, err
		}
		name, err := pc.Select(c.Reader)
		if err != nil {
			pc.Close()
			return nil, nil, err
		}
		card, err := pc.Connect(name)
		if err != nil {
			pc.Close()
			return nil, nil, err
		}
		return card, func() error { return errors.Join(card.Close(), pc.Close()) }, nil
	}}, nil
}

// fingerPool captures with the first attached fingerprint scanner, opened
// on first use and kept open; a scanner that goes away is dropped and the
// next capture opens whichever is attached then.
type fingerPool struct {
	d *daemon

	mu sync.Mutex
	s  fingerprint.Scanner
}

var _ workflow.FingerScanner = (*fingerPool)(nil)

// Capture implements workflow.FingerScanner.
func (p *fingerPool) Capture(ctx context.Context, progress fingerprint.Progress) (fingerprint.Image, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s == nil {
		s, err := p.open(ctx)
		if err != nil {
			return fingerprint.Image{}, err
		}
		p.s = s
	}
	img, err := p.s.Capture(ctx, progress)
	if errors.Is(err, fingerprint.ErrUnplugged) || errors.Is(err, fingerprint.ErrTimeout) && ctx.Err() == nil {
		p.s.Close()
		p.s = nil
	}
	return img, err
}

func (p *fingerPool) open(ctx context.Context) (fingerprint.Scanner, error) {
	list := p.d.scanners.list()
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: no fingerprint scanner is attached", workflow.ErrNoDevice)
	}
	in := list[0]
	switch {
	case in.Driver == uru4000.DriverName && in.Path == "sim" && p.d.uruSim != nil:
		return uru4000.Open(ctx, p.d.uruSim, uru4000.ModelURU4000B(), "sim", uru4000.Options{})
	case in.Driver == uru4000.DriverName:
		return uru4000.OpenUSB(ctx, in.Path, uru4000.Options{})
	case in.Driver == zfm.DriverName:
		return zfm.Open(ctx, in.Path, zfm.Options{Baud: p.d.cfg.Fingerprint.SerialBaud})
	}
	return nil, fmt.Errorf("%w: no driver for the %s scanner on %s", workflow.ErrNoDevice, in.Driver, in.Path)
}

// close releases the open scanner.
func (p *fingerPool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s == nil {
		return nil
	}
	err := p.s.Close()
	p.s = nil
	return err
}

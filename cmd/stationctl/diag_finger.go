package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/capturestation/station/drivers/fingerprint"
	"github.com/capturestation/station/drivers/fingerprint/uru4000"
	"github.com/capturestation/station/drivers/fingerprint/zfm"
	"github.com/capturestation/station/drivers/fingerprint/zfm/zfmsim"
	"github.com/capturestation/station/internal/testdata/fingerprints"
)

// diagFinger captures one print from a scanner, judges it and optionally
// saves it. It needs no daemon; stop the daemon first if it holds the
// scanner.
func (c *cli) diagFinger(ctx context.Context, args []string) error {
	var device, out string
	var asJSON bool
	var timeout time.Duration
	var seed int64
	if _, err := flags("diag finger", args, func(fs *flag.FlagSet) {
		fs.StringVar(&device, "device", "", "")
		fs.StringVar(&out, "out", "", "")
		fs.BoolVar(&asJSON, "json", false, "")
		fs.DurationVar(&timeout, "timeout", 30*time.Second, "")
		fs.Int64Var(&seed, "seed", 1, "")
	}); err != nil {
		return err
	}
	if device == "" {
		return usageError{"diag finger needs --device (zfm:/dev/ttyUSB0, uru4000, sim:zfm or sim:uru4000)"}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sc, cleanup, err := openScanner(ctx, device, seed)
	if err != nil {
		return err
	}
	defer cleanup()
	defer sc.Close()

	var progress io.Writer = c.out
	if asJSON {
		progress = io.Discard
	}
	info := sc.Info()
	fmt.Fprintf(progress, "%s %s on %s, %dx%d at %d ppi\n", info.Vendor, info.Model, info.Path, info.Width, info.Height, info.PPI)
	start := time.Now()
	type stage struct {
		Stage string  `json:"stage"`
		AtMs  float64 `json:"atMs"`
	}
	var stages []stage
	img, err := sc.Capture(ctx, func(s fingerprint.Stage) {
		at := ms(time.Since(start))
		stages = append(stages, stage{s.String(), at})
		fmt.Fprintf(progress, "%8.1f ms  %s\n", at, s)
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no print within %s: %w", timeout, err)
		}
		return err
	}
	captureMs := ms(time.Since(start))
	rep, err := assessPrint(img.Gray, img.PPI)
	if err != nil {
		return fmt.Errorf("the scanner delivered a print the quality check refuses: %w", err)
	}
	if out != "" {
		if err := writePrint(out, img.Gray, img.PPI, 0.75, rep.Score); err != nil {
			return err
		}
	}
	if asJSON {
		return c.printJSON(struct {
			Device    fingerprint.Info `json:"device"`
			Stages    []stage          `json:"stages"`
			CaptureMs float64          `json:"captureMs"`
			Quality   fingerReport     `json:"quality"`
			Out       string           `json:"out,omitempty"`
		}{info, stages, captureMs, rep, out})
	}
	fmt.Fprintf(c.out, "captured in %.1f ms\n", captureMs)
	if out != "" {
		fmt.Fprintf(c.out, "saved to %s\n", out)
	}
	return c.printFingerReport(rep, false)
}

// openScanner opens the scanner a --device value names. Simulated devices
// run the real driver against a simulator that places a generated finger
// shortly after the capture starts; cleanup stops the simulator.
func openScanner(ctx context.Context, device string, seed int64) (fingerprint.Scanner, func(), error) {
	kind, arg, _ := strings.Cut(device, ":")
	nothing := func() {}
	switch kind {
	case "zfm":
		path, baud, err := splitBaud(arg)
		if err != nil {
			return nil, nil, err
		}
		s, err := zfm.Open(ctx, path, zfm.Options{Baud: baud})
		return s, nothing, err
	case "uru4000":
		s, err := uru4000.OpenUSB(ctx, arg, uru4000.Options{})
		return s, nothing, err
	case "sim":
		p, err := fingerprints.Generate(fingerprints.Params{Seed: seed})
		if err != nil {
			return nil, nil, err
		}
		switch arg {
		case "zfm":
			sim, path, err := zfmsim.Start(ctx, zfmsim.Options{Model: zfm.ModelR307})
			if err != nil {
				return nil, nil, fmt.Errorf("starting the module simulator: %w", err)
			}
			sim.PlaceFingerAfter(5, p.Image)
			s, err := zfm.Open(ctx, path, zfm.Options{})
			if err != nil {
				sim.Close()
				return nil, nil, err
			}
			return s, func() { sim.Close() }, nil
		case "uru4000":
			sim := uru4000.NewSimulator(uru4000.SimConfig{Model: uru4000.ModelURU4000B(), Seed: uint64(seed), AutoFinger: true, FingerDelay: 300 * time.Millisecond})
			if err := sim.SetImage(uru4000.Platen(p.Image)); err != nil {
				return nil, nil, err
			}
			s, err := uru4000.Open(ctx, sim, uru4000.ModelURU4000B(), "sim", uru4000.Options{})
			if err != nil {
				sim.Close()
				return nil, nil, err
			}
			return s, func() { sim.Close() }, nil
		}
	}
	return nil, nil, usageError{fmt.Sprintf("unknown device %q: use zfm:/dev/ttyUSB0[@57600], uru4000[:BUS/ADDR], sim:zfm or sim:uru4000", device)}
}

// splitBaud splits "PATH@BAUD"; the baud defaults to the driver's.
func splitBaud(s string) (string, int, error) {
	path, b, ok := strings.Cut(s, "@")
	if path == "" {
		return "", 0, usageError{"zfm needs a tty path, e.g. zfm:/dev/ttyUSB0"}
	}
	if !ok {
		return path, 0, nil
	}
	baud, err := strconv.Atoi(b)
	if err != nil || baud < 9600 || baud > 115200 || baud%9600 != 0 {
		return "", 0, usageError{fmt.Sprintf("baud %q: use a multiple of 9600 up to 115200", b)}
	}
	return path, baud, nil
}

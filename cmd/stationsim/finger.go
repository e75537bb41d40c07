package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/capturestation/station/drivers/fingerprint/zfm"
	"github.com/capturestation/station/drivers/fingerprint/zfm/zfmsim"
	"github.com/capturestation/station/internal/testdata/fingerprints"
)

// runFingerZFM serves a simulated serial fingerprint module on a
// pseudo-terminal until ctx ends. A generated finger lies on the sensor
// for --hold, then leaves for --gap, over and over, so a driver sees
// placements and lifts.
func runFingerZFM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stationsim finger zfm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	models := []string{string(zfm.ModelZFM20), string(zfm.ModelR305), string(zfm.ModelR307), string(zfm.ModelR503), string(zfm.ModelAS608)}
	var (
		model       = fs.String("model", string(zfm.ModelR307), "module model: "+strings.Join(models, ", "))
		baud        = fs.Int("baud", 57600, "line speed the module expects (9600 × 1 to 12)")
		packet      = fs.Int("packet-size", 128, "data packet size: 32, 64, 128 or 256")
		password    = fs.Uint("password", 0, "handshake password")
		seed        = fs.Int64("seed", 1, "first generated finger; each placement takes the next seed")
		degradation = fs.Float64("degradation", 0, "print degradation from 0 (clean) to 1 (nearly unusable)")
		hold        = fs.Duration("hold", 3*time.Second, "how long the finger stays on the sensor")
		gap         = fs.Duration("gap", 2*time.Second, "how long the sensor stays empty between placements")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("stationsim finger zfm takes flags only, got %q", fs.Args())
	}
	if *hold <= 0 || *gap <= 0 {
		return fmt.Errorf("--hold and --gap must be positive")
	}
	sim, path, err := zfmsim.Start(ctx, zfmsim.Options{Model: zfm.Model(*model), Baud: *baud, PacketSize: *packet, Password: uint32(*password)})
	if err != nil {
		return err
	}
	defer sim.Close()
	fmt.Fprintf(stdout, "simulated %s module on %s at %d baud\n", *model, path, *baud)
	fmt.Fprintf(stdout, "try: stationctl diag finger --device zfm:%s@%d\n", path, *baud)
	for n := *seed; ; n++ {
		p, err := fingerprints.Generate(fingerprints.Params{Seed: n, Degradation: *degradation})
		if err != nil {
			return err
		}
		sim.PlaceFinger(p.Image)
		if !sleepCtx(ctx, *hold) {
			return nil
		}
		sim.LiftFinger()
		if !sleepCtx(ctx, *gap) {
			return nil
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

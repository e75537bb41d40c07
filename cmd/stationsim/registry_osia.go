package main

import (
	"context"
	"io"

	"github.com/capturestation/station/internal/registrysim/osiapr"
)

// runRegistryOSIA serves the OSIA PR v1.5 simulator until ctx is cancelled.
func runRegistryOSIA(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	f := newSimFlags("osia", "127.0.0.1:8090", stderr)
	data := f.fs.String("data", "", "bbolt file keeping the records across restarts (default: memory only)")
	s, err := f.parse(args, stderr)
	if err != nil {
		return err
	}
	sim, err := osiapr.New(ctx, osiapr.Config{
		DataFile: *data, DisableAuth: f.noAuth, Clients: s.clients, TokenTTL: f.ttl,
		Faults: s.faults, Seed: f.seed, Logger: s.logger,
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sim.Close(); err == nil {
			err = cerr
		}
	}()
	return f.serve(ctx, s, "OSIA PR v1.5", sim.Handler(), stdout)
}

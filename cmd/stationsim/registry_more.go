package main

import (
	"context"
	"io"

	"github.com/capturestation/station/internal/registrysim/dissim"
	"github.com/capturestation/station/internal/registrysim/idvsim"
	"github.com/capturestation/station/internal/registrysim/personapisim"
	"github.com/capturestation/station/internal/registrysim/spidsim"
)

// runRegistryDIS serves the Digital Identity Service 1.52 simulator; the
// station's API token is --client-secret.
func runRegistryDIS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newSimFlags("dis", "127.0.0.1:8091", stderr)
	s, err := f.parse(args, stderr)
	if err != nil {
		return err
	}
	cfg := dissim.Config{DisableAuth: f.noAuth, Faults: s.faults, Seed: f.seed, Logger: s.logger}
	if !f.noAuth {
		cfg.APITokens = []string{f.secret}
	}
	sim, err := dissim.New(ctx, cfg)
	if err != nil {
		return err
	}
	return f.serve(ctx, s, "Digital Identity Service 1.52", sim.Handler(), stdout)
}

// runRegistrySPID serves the SPID Server 4.2.12 simulator.
func runRegistrySPID(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newSimFlags("spid", "127.0.0.1:8092", stderr)
	pending := f.fs.Int("pending-polls", 2, "result reads that stay pending before an enrollment's final status")
	s, err := f.parse(args, stderr)
	if err != nil {
		return err
	}
	sim, err := spidsim.New(ctx, spidsim.Config{
		Clients: s.clients, DisableAuth: f.noAuth, TokenTTL: f.ttl, PendingPolls: *pending,
		Faults: s.faults, Seed: f.seed, Logger: s.logger,
	})
	if err != nil {
		return err
	}
	return f.serve(ctx, s, "SPID Server 4.2.12", sim.Handler(), stdout)
}

// runRegistryPersonAPI serves the person registry simulator.
func runRegistryPersonAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newSimFlags("personapi", "127.0.0.1:8093", stderr)
	s, err := f.parse(args, stderr)
	if err != nil {
		return err
	}
	sim, err := personapisim.New(ctx, personapisim.Config{
		Clients: s.clients, Faults: s.faults, Seed: f.seed, Logger: s.logger,
	})
	if err != nil {
		return err
	}
	return f.serve(ctx, s, "person registry", sim.Handler(), stdout)
}

// runRegistryIDV serves the identity-verification session simulator.
func runRegistryIDV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newSimFlags("idv", "127.0.0.1:8094", stderr)
	s, err := f.parse(args, stderr)
	if err != nil {
		return err
	}
	sim, err := idvsim.New(ctx, idvsim.Config{
		Clients: s.clients, DisableAuth: f.noAuth, TokenTTL: f.ttl,
		Faults: s.faults, Seed: f.seed, Logger: s.logger,
	})
	if err != nil {
		return err
	}
	return f.serve(ctx, s, "identity-verification", sim.Handler(), stdout)
}

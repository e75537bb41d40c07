package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/dissim"
	"github.com/capturestation/station/internal/registrysim/idvsim"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/registrysim/personapisim"
	"github.com/capturestation/station/internal/registrysim/spidsim"
	"github.com/capturestation/station/internal/service"
)

// addRegistrySimulator starts a simulator of the primary registry's kind
// inside the daemon (simulate.registry): the registry of `make run` and of
// demonstrations. It grants the configured client; the OSIA simulator keeps
// its records in the data directory, the others in memory.
func (d *daemon) addRegistrySimulator(ctx context.Context) error {
	cfg := d.cfg
	r := cfg.Registry
	logger := d.log.With("component", "registry-simulator")
	secret, err := r.Secret()
	if err != nil {
		return err
	}
	var clients []registrysim.Client
	if r.TokenURL != "" {
		clients = []registrysim.Client{{ID: r.ClientID, Secret: secret}}
	}
	var h http.Handler
	switch r.Kind {
	case "osia":
		sim, err := osiapr.New(ctx, osiapr.Config{
			DataFile: filepath.Join(cfg.Data.Dir, "registry-sim.db"), Logger: logger,
			Clients: clients, DisableAuth: len(clients) == 0,
		})
		if err != nil {
			return fmt.Errorf("registry simulator: %w", err)
		}
		d.closers = append(d.closers, sim.Close)
		h = sim.Handler()
	case "spid":
		sim, err := spidsim.New(ctx, spidsim.Config{Clients: clients, DisableAuth: len(clients) == 0, Logger: logger})
		if err != nil {
			return fmt.Errorf("registry simulator: %w", err)
		}
		h = sim.Handler()
	case "dis":
		token, err := r.APIToken()
		if err != nil {
			return err
		}
		sim, err := dissim.New(ctx, dissim.Config{APITokens: []string{token}, Logger: logger})
		if err != nil {
			return fmt.Errorf("registry simulator: %w", err)
		}
		h = sim.Handler()
	case "personapi":
		sim, err := personapisim.New(ctx, personapisim.Config{Clients: []registrysim.Client{{ID: r.ClientID, Secret: secret}}, Logger: logger})
		if err != nil {
			return fmt.Errorf("registry simulator: %w", err)
		}
		h = sim.Handler()
	case "idv":
		sim, err := idvsim.New(ctx, idvsim.Config{Clients: clients, DisableAuth: len(clients) == 0, Logger: logger})
		if err != nil {
			return fmt.Errorf("registry simulator: %w", err)
		}
		h = sim.Handler()
	default:
		return fmt.Errorf("simulate.registry: no simulator for registry.kind %q", r.Kind)
	}
	ln, err := net.Listen("tcp", cfg.Simulate.RegistryListen)
	if err != nil {
		return fmt.Errorf("simulate.registry_listen %s: %w", cfg.Simulate.RegistryListen, err)
	}
	d.closers = append(d.closers, ignoreClosed(ln.Close))
	d.group.Add("registry-simulator", service.Func(func(ctx context.Context) error {
		return registrysim.Serve(ctx, ln, h, nil, d.log)
	}), false)
	d.log.Info("registry simulator listening", "addr", ln.Addr().String())
	return nil
}

package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/osiapr"
	"github.com/capturestation/station/internal/service"
)

// addRegistrySimulator starts an OSIA registry simulator inside the daemon
// (simulate.registry): the registry of `make run` and of demonstrations. It
// keeps its records in the data directory and grants the configured client.
func (d *daemon) addRegistrySimulator(ctx context.Context) error {
	cfg := d.cfg
	if cfg.Registry.Kind != "osia" {
		return fmt.Errorf("simulate.registry: only the osia registry can be simulated (registry.kind is %q)", cfg.Registry.Kind)
	}
	simCfg := osiapr.Config{
		DataFile: filepath.Join(cfg.Data.Dir, "registry-sim.db"),
		Logger:   d.log.With("component", "registry-simulator"),
	}
	if cfg.Registry.TokenURL == "" {
		simCfg.DisableAuth = true
	} else {
		secret, err := cfg.Registry.Secret()
		if err != nil {
			return err
		}
		simCfg.Clients = []registrysim.Client{{ID: cfg.Registry.ClientID, Secret: secret}}
	}
	sim, err := osiapr.New(ctx, simCfg)
	if err != nil {
		return fmt.Errorf("registry simulator: %w", err)
	}
	d.closers = append(d.closers, sim.Close)
	ln, err := net.Listen("tcp", cfg.Simulate.RegistryListen)
	if err != nil {
		return fmt.Errorf("simulate.registry_listen %s: %w", cfg.Simulate.RegistryListen, err)
	}
	d.closers = append(d.closers, ignoreClosed(ln.Close))
	d.group.Add("registry-simulator", service.Func(func(ctx context.Context) error {
		return registrysim.Serve(ctx, ln, sim.Handler(), nil, d.log)
	}), false)
	d.log.Info("registry simulator listening", "addr", ln.Addr().String())
	return nil
}

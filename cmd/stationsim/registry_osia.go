package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/capturestation/station/internal/registrysim"
	"github.com/capturestation/station/internal/registrysim/osiapr"
)

// runRegistryOSIA serves the OSIA PR v1.5 simulator until ctx is cancelled.
func runRegistryOSIA(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("stationsim registry osia", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		listen     = fs.String("listen", "127.0.0.1:8090", "address to listen on (port 0 picks a free port)")
		data       = fs.String("data", "", "bbolt file keeping the records across restarts (default: memory only)")
		clientID   = fs.String("client-id", "station", "OAuth2 client ID allowed to get tokens")
		secret     = fs.String("client-secret", "sim-secret", "OAuth2 client secret")
		scopes     = fs.String("scopes", "", "space-separated scopes granted to the client (default: every scope of pr.yaml)")
		noAuth     = fs.Bool("no-auth", false, "serve without bearer tokens")
		ttl        = fs.Duration("token-ttl", time.Hour, "lifetime of issued tokens")
		failRate   = fs.Float64("fail-rate", 0, "probability (0..1) of answering --status before doing the work")
		latency    = fs.String("latency", "", "added latency: fixed (50ms) or a range (20ms-200ms)")
		dropRate   = fs.Float64("drop-response-rate", 0, "probability (0..1) of doing the work, then closing the connection without answering")
		status     = fs.Int("status", 0, "status of injected failures (default 503); with no --fail-rate every request fails")
		retryAfter = fs.Int("retry-after", 0, "Retry-After seconds sent with injected failures")
		seed       = fs.Uint64("seed", 1, "seed of the fault injection random generator")
		tlsCert    = fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (needs --tls-key)")
		tlsKey     = fs.String("tls-key", "", "PEM private key of --tls-cert")
		clientCA   = fs.String("client-ca", "", "PEM CA file; clients must present a certificate it issued (mutual TLS)")
		logLevel   = fs.String("log-level", "info", "log level: debug, info, warn or error")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; all options are flags (see -h)", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	faults := registrysim.Faults{FailRate: *failRate, Status: *status, RetryAfter: *retryAfter, DropResponseRate: *dropRate}
	if *status != 0 && !flagSet(fs, "fail-rate") {
		faults.FailRate = 1
	}
	lo, hi, err := registrysim.ParseLatency(*latency)
	if err != nil {
		return fmt.Errorf("--latency: %w", err)
	}
	faults.Latency, faults.LatencyMax = registrysim.Duration(lo), registrysim.Duration(hi)
	if err := faults.Validate(); err != nil {
		return fmt.Errorf("fault flags: %w", err)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if *clientCA != "" && *tlsCert == "" {
		return fmt.Errorf("--client-ca needs --tls-cert and --tls-key")
	}
	var tlsCfg *tls.Config
	if *tlsCert != "" {
		if tlsCfg, err = registrysim.ServerTLS(*tlsCert, *tlsKey, *clientCA); err != nil {
			return err
		}
	}
	cfg := osiapr.Config{
		DataFile: *data, DisableAuth: *noAuth, TokenTTL: *ttl,
		Faults: faults, Seed: *seed, Logger: logger,
	}
	if !*noAuth {
		if *clientID == "" || *secret == "" {
			return fmt.Errorf("--client-id and --client-secret must not be empty (or use --no-auth)")
		}
		cfg.Clients = []registrysim.Client{{ID: *clientID, Secret: *secret, Scopes: strings.Fields(*scopes)}}
	}
	sim, err := osiapr.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sim.Close(); err == nil {
			err = cerr
		}
	}()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	logger.Info("OSIA PR v1.5 simulator started", "url", scheme+"://"+ln.Addr().String(),
		"persistent", *data != "", "auth", !*noAuth, "mtls", *clientCA != "",
		"failRate", faults.FailRate, "dropResponseRate", faults.DropResponseRate)
	if err := registrysim.Serve(ctx, ln, sim.Handler(), tlsCfg, logger); err != nil {
		return err
	}
	logger.Info("simulator stopped")
	return nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/capturestation/station/internal/registrysim"
)

// simFlags are the options every registry simulator takes: where to
// listen, the station's credentials, fault injection, TLS and logging.
type simFlags struct {
	listen, clientID, secret, scopes, latency string
	tlsCert, tlsKey, clientCA, logLevel       string
	noAuth                                    bool
	ttl                                       time.Duration
	failRate, dropRate                        float64
	status, retryAfter                        int
	seed                                      uint64
	fs                                        *flag.FlagSet
}

func newSimFlags(name, defaultListen string, stderr io.Writer) *simFlags {
	f := &simFlags{fs: flag.NewFlagSet("stationsim registry "+name, flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(stderr)
	fs.StringVar(&f.listen, "listen", defaultListen, "address to listen on (port 0 picks a free port)")
	fs.StringVar(&f.clientID, "client-id", "station", "client ID the station authenticates with")
	fs.StringVar(&f.secret, "client-secret", "sim-secret", "the station's client secret (the API token for dis)")
	fs.StringVar(&f.scopes, "scopes", "", "space-separated scopes granted to the client (default: all)")
	fs.BoolVar(&f.noAuth, "no-auth", false, "serve without authentication")
	fs.DurationVar(&f.ttl, "token-ttl", time.Hour, "lifetime of issued tokens")
	fs.Float64Var(&f.failRate, "fail-rate", 0, "probability (0..1) of answering --status before doing the work")
	fs.StringVar(&f.latency, "latency", "", "added latency: fixed (50ms) or a range (20ms-200ms)")
	fs.Float64Var(&f.dropRate, "drop-response-rate", 0, "probability (0..1) of doing the work, then closing the connection without answering")
	fs.IntVar(&f.status, "status", 0, "status of injected failures (default 503); with no --fail-rate every request fails")
	fs.IntVar(&f.retryAfter, "retry-after", 0, "Retry-After seconds sent with injected failures")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the fault injection random generator")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (needs --tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&f.clientCA, "client-ca", "", "PEM CA file; clients must present a certificate it issued (mutual TLS)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return f
}

// simSetup is what the parsed flags give every simulator.
type simSetup struct {
	faults  registrysim.Faults
	tls     *tls.Config
	logger  *slog.Logger
	clients []registrysim.Client
}

// parse reads args and checks the common flags.
func (f *simFlags) parse(args []string, stderr io.Writer) (simSetup, error) {
	var s simSetup
	if err := f.fs.Parse(args); err != nil {
		return s, err
	}
	if f.fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments %q; all options are flags (see -h)", f.fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return s, fmt.Errorf("--log-level: %w", err)
	}
	s.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	s.faults = registrysim.Faults{FailRate: f.failRate, Status: f.status, RetryAfter: f.retryAfter, DropResponseRate: f.dropRate}
	if f.status != 0 && !flagSet(f.fs, "fail-rate") {
		s.faults.FailRate = 1
	}
	lo, hi, err := registrysim.ParseLatency(f.latency)
	if err != nil {
		return s, fmt.Errorf("--latency: %w", err)
	}
	s.faults.Latency, s.faults.LatencyMax = registrysim.Duration(lo), registrysim.Duration(hi)
	if err := s.faults.Validate(); err != nil {
		return s, fmt.Errorf("fault flags: %w", err)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return s, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if f.clientCA != "" && f.tlsCert == "" {
		return s, fmt.Errorf("--client-ca needs --tls-cert and --tls-key")
	}
	if f.tlsCert != "" {
		if s.tls, err = registrysim.ServerTLS(f.tlsCert, f.tlsKey, f.clientCA); err != nil {
			return s, err
		}
	}
	if !f.noAuth {
		if f.clientID == "" || f.secret == "" {
			return s, fmt.Errorf("--client-id and --client-secret must not be empty (or use --no-auth)")
		}
		s.clients = []registrysim.Client{{ID: f.clientID, Secret: f.secret, Scopes: strings.Fields(f.scopes)}}
	}
	return s, nil
}

// serve listens and serves h until ctx ends, printing the address first.
func (f *simFlags) serve(ctx context.Context, s simSetup, what string, h http.Handler, stdout io.Writer) error {
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	scheme := "http"
	if s.tls != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	s.logger.Info(what+" simulator started", "url", scheme+"://"+ln.Addr().String(), "auth", !f.noAuth,
		"mtls", f.clientCA != "", "failRate", s.faults.FailRate, "dropResponseRate", s.faults.DropResponseRate)
	if err := registrysim.Serve(ctx, ln, h, s.tls, s.logger); err != nil {
		return err
	}
	s.logger.Info("simulator stopped")
	return nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

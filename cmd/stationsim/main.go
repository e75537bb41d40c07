package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "stationsim:", err)
		}
		os.Exit(2)
	}
}

// command is one runnable simulator.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// kinds lists the simulator families; each has its own subcommands.
func kinds() map[string]map[string]command {
	return map[string]map[string]command{
		"registry": {
			"osia":      {summary: "OSIA Population Registry v1.5 (pr.yaml) with OAuth2 and fault injection", run: runRegistryOSIA},
			"dis":       {summary: "Digital Identity Service 1.52 (customer onboarding, sessions, inspection)", run: runRegistryDIS},
			"spid":      {summary: "SPID Server 4.2.12 (enroll transactions polled by TGUID, operators)", run: runRegistrySPID},
			"personapi": {summary: "person registry with OAuth2, Idempotence-Key and nested validation errors", run: runRegistryPersonAPI},
			"idv":       {summary: "identity-verification sessions (consent, document images, liveness, verdict)", run: runRegistryIDV},
		},
		"finger": {
			"zfm": {summary: "serial fingerprint module (ZFM-20, R305, R307, R503, AS608) on a pseudo-terminal, serving generated prints", run: runFingerZFM},
		},
		"chip": {
			"emrtd": {summary: "virtual ePassport/eID chip (BAC, PACE, CA, AA, signed LDS) served to pcscd's vpcd reader", run: runChip},
		},
	}
}

// run dispatches "stationsim <kind> <name> [flags]". A cancelled ctx is a
// clean exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	all := kinds()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, all)
		if len(args) == 0 {
			return errors.New("missing simulator kind")
		}
		return flag.ErrHelp
	}
	names, ok := all[args[0]]
	if !ok {
		usage(stderr, all)
		return fmt.Errorf("unknown simulator kind %q; available kinds: %s", args[0], sortedKeys(all))
	}
	if len(names) == 1 && len(args) >= 2 && strings.HasPrefix(args[1], "-") {
		// A kind with one simulator needs no name: "stationsim chip --mrz ...".
		args = append([]string{args[0], keys(names)[0]}, args[1:]...)
	}
	if len(args) < 2 {
		return fmt.Errorf("stationsim %s needs a simulator name; available: %s", args[0], sortedKeys(names))
	}
	cmd, ok := names[args[1]]
	if !ok {
		return fmt.Errorf("unknown %s simulator %q; available: %s", args[0], args[1], sortedKeys(names))
	}
	return cmd.run(ctx, args[2:], stdout, stderr)
}

func usage(w io.Writer, all map[string]map[string]command) {
	fmt.Fprintln(w, "usage: stationsim <kind> <name> [flags]")
	fmt.Fprintln(w, "simulators:")
	for _, k := range keys(all) {
		for _, n := range keys(all[k]) {
			fmt.Fprintf(w, "  %s %s\t%s\n", k, n, all[k][n].summary)
		}
	}
}

// Command stationctl is the operator's and technician's command line for a
// running stationd: status, the sync queue, keys, operator accounts and
// enrollment import, over the daemon's unix control socket; and diagnostics
// that work without the daemon (diag mrz).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: stationctl [--config FILE | --socket PATH] COMMAND [ARGS]

commands:
  status [--json]                              station health, registry and queue
  queue list [--state S] [--after ID] [--limit N] [--json]
                                               outbox items, oldest first (S: pending, inflight, failed, delivered)
  queue show ID [--json]                       one item
  queue retry ID [--json]                      put a failed item back in the queue
  queue purge ID                               drop a failed item for good
  keys show [--json]                           the station's signing key (public part)
  enroll --osia-identity FILE.json [--person-id ID] [--json]
                                               queue an enrollment from an OSIA Identity document
  enroll --simulated [--count N] [--json]      drive complete enrollments through the workflow with
                                               the station's simulated devices
  operators add NAME --role ROLE               create an account; the PIN or password is read from stdin
  operators list [--json]                      the accounts
  diag mrz (IMAGE... | --text 'LINE1|LINE2') [--repair] [--json]
                                               read the MRZ of photos or scans, or parse typed
                                               text, and check it (no daemon needed)
  diag mrz --camera SPEC [--seconds S] [--width W --height H --fps F --mjpg] [--json]
                                               read the MRZ of the document under a camera as the
                                               wizard does, frame by frame (SPEC: 0, /dev/video0, a
                                               file, a URL, or sim: the ICAO specimen passport)
  diag chip [--reader NAME] (--mrz MRZ | --doc N --dob YYMMDD --expiry YYMMDD | --can NNNNNN)
            [--csca DIR] [--face-out FILE] [--short-apdus] [--json]
                                               read and verify an ePassport/eID chip through PC/SC
                                               (no daemon needed; NAME: exact, or a unique substring;
                                               default: the first reader holding a card)
  diag finger --device NAME [--out FILE] [--timeout D] [--json]
                                               capture one print and judge it (NAME: zfm:/dev/ttyUSB0[@BAUD],
                                               uru4000[:BUS/ADDR], sim:zfm or sim:uru4000;
                                               FILE: .wsq, .pgm, .png, or .fir for ISO/IEC 19794-4)
  quality finger FILE... [--features] [--ppi N] [--json]
                                               NFIQ 2 style quality of .pgm, .png, .wsq or .fir prints
  diag camera --device SPEC [--frames N] [--width W --height H --fps F --mjpg] [--liveness] [--json]
                                               read frames through the pump and judge each (SPEC: 0,
                                               /dev/video0, a file, a URL, sim, or sim:bona-fide,
                                               sim:print, sim:screen-replay, sim:cut-out-eyes)
  quality face IMAGE... [--token-out FILE.jpg] [--budget BYTES] [--json]
                                               ICAO face quality measures; the ISO/IEC 19794-5 token
                                               crop within a JPEG size budget (default 20000)
  liveness (VIDEO | FRAMES_DIR) [--challenge none|blink|turn-left|turn-right|smile]
           [--model PAD.onnx] [--json]       presentation-attack check of a recorded clip
  wsq encode IN OUT.wsq [--bitrate 0.75] [--ppi 500] [--json]
  wsq decode IN.wsq OUT [--json]               convert prints to and from WSQ (OUT: .pgm or .png)

The socket is <data dir>/stationd.sock; the data dir comes from --config, or
STATION_DATA_DIR, or the default /var/lib/capture-station.
`

// cli holds what every command needs.
type cli struct {
	client *api.Client
	stdin  io.Reader
	out    io.Writer
}

func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stationctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	cfgPath := fs.String("config", "", "station config file")
	socket := fs.String("socket", "", "control socket path")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	sock, err := socketPath(*cfgPath, *socket, environ)
	if err != nil {
		fmt.Fprintln(stderr, "stationctl:", err)
		return 1
	}
	c := &cli{client: api.NewClient(sock), stdin: stdin, out: stdout}
	timeout := 2 * time.Minute
	if fs.Arg(0) == "enroll" && slices.Contains(fs.Args(), "--simulated") {
		timeout = 24 * time.Hour // many scripted enrollments, each shown as it ends
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.dispatch(ctx, fs.Args()); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "stationctl: %v\n\n%s", err, usage)
			return 2
		}
		fmt.Fprintln(stderr, "stationctl:", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// socketPath finds the control socket from the flags and the environment.
func socketPath(cfgPath, socket string, environ []string) (string, error) {
	if socket != "" {
		return socket, nil
	}
	if cfgPath != "" {
		cfg, err := config.Load(cfgPath, environ)
		if err != nil {
			return "", err
		}
		return cfg.SocketPath(), nil
	}
	dir := config.Default().Data.Dir
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "STATION_DATA_DIR="); ok && v != "" {
			dir = v
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(abs, "stationd.sock"), nil
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "status":
		return c.status(ctx, rest)
	case "queue":
		if len(rest) == 0 {
			return usageError{"queue needs list, show, retry or purge"}
		}
		switch rest[0] {
		case "list":
			return c.queueList(ctx, rest[1:])
		case "show":
			return c.queueShow(ctx, rest[1:])
		case "retry":
			return c.queueRetry(ctx, rest[1:])
		case "purge":
			return c.queuePurge(ctx, rest[1:])
		}
		return usageError{fmt.Sprintf("unknown queue command %q", rest[0])}
	case "keys":
		if len(rest) == 0 || rest[0] != "show" {
			return usageError{"keys needs show"}
		}
		return c.keysShow(ctx, rest[1:])
	case "enroll":
		return c.enroll(ctx, rest)
	case "diag":
		if len(rest) > 0 && rest[0] == "mrz" {
			return c.diagMRZ(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "chip" {
			return c.diagChip(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "finger" {
			return c.diagFinger(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "camera" {
			return c.diagCamera(ctx, rest[1:])
		}
		return usageError{"diag needs mrz, chip, finger or camera"}
	case "quality":
		if len(rest) > 0 && rest[0] == "finger" {
			return c.qualityFinger(rest[1:])
		}
		if len(rest) > 0 && rest[0] == "face" {
			return c.qualityFace(rest[1:])
		}
		return usageError{"quality needs finger or face"}
	case "wsq":
		return c.wsqCmd(rest)
	case "liveness":
		return c.livenessCmd(ctx, rest)
	case "operators":
		if len(rest) == 0 {
			return usageError{"operators needs add or list"}
		}
		switch rest[0] {
		case "add":
			return c.operatorsAdd(ctx, rest[1:])
		case "list":
			return c.operatorsList(ctx, rest[1:])
		}
		return usageError{fmt.Sprintf("unknown operators command %q", rest[0])}
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// flags parses a command's flags, which may come before or after its
// positional arguments.
func flags(name string, args []string, define func(fs *flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v", name, err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) status(ctx context.Context, args []string) error {
	var asJSON bool
	if _, err := flags("status", args, func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "") }); err != nil {
		return err
	}
	s, err := c.client.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(s)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "station\t%s (version %s, up since %s)\n", s.StationID, s.Version, s.StartedAt.Local().Format(time.DateTime))
	ready := "ready"
	if !s.Ready {
		ready = "NOT READY"
	}
	fmt.Fprintf(tw, "state\t%s\n", ready)
	targets := s.Targets
	if len(targets) == 0 {
		targets = []api.Registry{s.Registry}
	}
	for _, r := range targets {
		reach := "reachable"
		if !r.Reachable {
			reach = "unreachable"
			if r.LastError != "" {
				reach += ": " + r.LastError
			}
		}
		name := ""
		if r.Name != "" && r.Name != r.Kind {
			name = r.Name + ": "
		}
		fmt.Fprintf(tw, "registry\t%s%s %s, %s\n", name, r.Kind, r.URL, reach)
	}
	q := s.Queue
	fmt.Fprintf(tw, "queue\t%d pending, %d sending, %d failed, %d delivered\n", q.Pending, q.InFlight, q.Failed, q.Delivered)
	if !q.OldestUndelivered.IsZero() {
		fmt.Fprintf(tw, "oldest\t%s, queued %s ago\n", q.OldestUndeliveredID, time.Since(q.OldestUndelivered).Round(time.Second))
	}
	if !s.AcceptingEnrollments {
		fmt.Fprintf(tw, "enrollments\tREFUSED: %s\n", s.Refusal)
	}
	for _, d := range s.Devices {
		fmt.Fprintf(tw, "%s\t%s on %s (%s)\n", d.Kind, strings.TrimSpace(d.Vendor+" "+d.Model), d.Path, d.Driver)
	}
	for _, h := range s.Health {
		if h.Level.String() != "ok" {
			fmt.Fprintf(tw, "%s\t%s: %s\n", h.Component, h.Level, h.Message)
		}
	}
	return tw.Flush()
}

func (c *cli) queueList(ctx context.Context, args []string) error {
	var asJSON bool
	var state, after string
	var limit int
	if _, err := flags("queue list", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.StringVar(&state, "state", "", "")
		fs.StringVar(&after, "after", "", "")
		fs.IntVar(&limit, "limit", 50, "")
	}); err != nil {
		return err
	}
	l, err := c.client.Queue(ctx, state, after, limit)
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(l)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTARGET\tATTEMPTS\tQUEUED\tERROR")
	for _, it := range l.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", it.ID, it.State, it.Target, it.Attempts, it.EnqueuedAt.Local().Format(time.DateTime), it.Error)
	}
	if l.Next != "" {
		fmt.Fprintf(tw, "(more: stationctl queue list --after %s)\n", l.Next)
	}
	return tw.Flush()
}

func oneID(name string, args []string, asJSON *bool) (string, error) {
	pos, err := flags(name, args, func(fs *flag.FlagSet) {
		if asJSON != nil {
			fs.BoolVar(asJSON, "json", false, "")
		}
	})
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usageError{name + " needs one item ID"}
	}
	return pos[0], nil
}

func (c *cli) printItem(it api.QueueItem, asJSON bool) error {
	if asJSON {
		return c.printJSON(it)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\ntransaction\t%s\nperson\t%s\ntarget\t%s\nstate\t%s\nattempts\t%d\nqueued\t%s\n",
		it.ID, it.TransactionID, it.PersonID, it.Target, it.State, it.Attempts, it.EnqueuedAt.Local().Format(time.DateTime))
	if !it.NextAttempt.IsZero() {
		fmt.Fprintf(tw, "next attempt\t%s\n", it.NextAttempt.Local().Format(time.DateTime))
	}
	if !it.DeliveredAt.IsZero() {
		fmt.Fprintf(tw, "delivered\t%s\n", it.DeliveredAt.Local().Format(time.DateTime))
	}
	if it.Error != "" {
		fmt.Fprintf(tw, "error\t%s: %s\n", it.ErrorClass, it.Error)
	}
	return tw.Flush()
}

func (c *cli) queueShow(ctx context.Context, args []string) error {
	var asJSON bool
	id, err := oneID("queue show", args, &asJSON)
	if err != nil {
		return err
	}
	it, err := c.client.QueueItem(ctx, id)
	if err != nil {
		return err
	}
	return c.printItem(it, asJSON)
}

func (c *cli) queueRetry(ctx context.Context, args []string) error {
	var asJSON bool
	id, err := oneID("queue retry", args, &asJSON)
	if err != nil {
		return err
	}
	it, err := c.client.Retry(ctx, id)
	if err != nil {
		return err
	}
	return c.printItem(it, asJSON)
}

func (c *cli) queuePurge(ctx context.Context, args []string) error {
	id, err := oneID("queue purge", args, nil)
	if err != nil {
		return err
	}
	if err := c.client.Purge(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "dropped %s\n", id)
	return nil
}

func (c *cli) keysShow(ctx context.Context, args []string) error {
	var asJSON bool
	if _, err := flags("keys show", args, func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "") }); err != nil {
		return err
	}
	k, err := c.client.StationKey(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(k)
	}
	fmt.Fprintf(c.out, "kid: %s\nalg: %s\njwk: %s\n%s", k.KeyID, k.Algorithm, k.JWK, k.PEM)
	return nil
}

// maxImportFile bounds an OSIA Identity document read by enroll.
const maxImportFile = 64 << 20

func (c *cli) enroll(ctx context.Context, args []string) error {
	var asJSON, simulated bool
	var file, personID string
	var count int
	if _, err := flags("enroll", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.StringVar(&file, "osia-identity", "", "")
		fs.StringVar(&personID, "person-id", "", "")
		fs.BoolVar(&simulated, "simulated", false, "")
		fs.IntVar(&count, "count", 1, "")
	}); err != nil {
		return err
	}
	if simulated {
		if file != "" {
			return usageError{"enroll takes --simulated or --osia-identity, not both"}
		}
		return c.enrollSimulated(ctx, count, asJSON)
	}
	if file == "" {
		return usageError{"enroll needs --osia-identity FILE.json or --simulated"}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > maxImportFile {
		return fmt.Errorf("%s is larger than %d MiB", file, maxImportFile>>20)
	}
	res, err := c.client.EnrollOSIAIdentity(ctx, data, personID)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if asJSON {
		return c.printJSON(res)
	}
	verb := "queued"
	if !res.Created {
		verb = "already queued"
	}
	fmt.Fprintf(c.out, "%s transaction %s (person %s, identity %s)\n", verb, res.TransactionID, res.PersonID, res.IdentityID)
	return nil
}

// enrollSimulated asks the daemon for scripted enrollments one at a time,
// showing each as it completes.
func (c *cli) enrollSimulated(ctx context.Context, count int, asJSON bool) error {
	if count < 1 || count > 100000 {
		return usageError{"--count must be from 1 to 100000"}
	}
	var all []api.SimulatedEnrollment
	failed := 0
	for i := range count {
		res, err := c.client.EnrollSimulated(ctx, 1)
		if err != nil {
			return fmt.Errorf("scripted enrollment %d of %d: %w", i+1, count, err)
		}
		for _, r := range res {
			all = append(all, r)
			if r.Error != "" {
				failed++
			}
			if !asJSON {
				if r.Error != "" {
					fmt.Fprintf(c.out, "%d/%d  FAILED  %s\n", i+1, count, r.Error)
				} else {
					fmt.Fprintf(c.out, "%d/%d  %s  %s in %.1f s\n", i+1, count, r.ID, r.Stage, r.Milliseconds/1000)
				}
			}
		}
	}
	if asJSON {
		if err := c.printJSON(all); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d scripted enrollments failed", failed, count)
	}
	return nil
}

func (c *cli) operatorsAdd(ctx context.Context, args []string) error {
	var role string
	pos, err := flags("operators add", args, func(fs *flag.FlagSet) { fs.StringVar(&role, "role", "operator", "") })
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"operators add needs one NAME"}
	}
	secret, err := bufio.NewReader(io.LimitReader(c.stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the PIN or password from stdin: %w", err)
	}
	secret = strings.TrimRight(secret, "\r\n")
	if secret == "" {
		return errors.New("give the PIN or password on stdin, e.g. `stationctl operators add amina --role operator < pin.txt`")
	}
	if err := c.client.AddOperator(ctx, api.NewOperator{Name: pos[0], Role: role, Secret: secret}); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "created %s (%s)\n", pos[0], role)
	return nil
}

func (c *cli) operatorsList(ctx context.Context, args []string) error {
	var asJSON bool
	if _, err := flags("operators list", args, func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "") }); err != nil {
		return err
	}
	ops, err := c.client.Operators(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(ops)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tLOCKED\tCREATED")
	for _, o := range ops {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", o.Name, o.Role, o.Locked, o.CreatedAt.Local().Format(time.DateOnly))
	}
	return tw.Flush()
}

package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/capturestation/station/capture/enrollment/workflow"
	"github.com/capturestation/station/drivers/fingerprint/uru4000"
	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/internal/events"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/service"
	"github.com/capturestation/station/internal/session"
	"github.com/capturestation/station/internal/store"
	"github.com/capturestation/station/sync/outbox"
	"github.com/capturestation/station/sync/worker"
	"github.com/capturestation/station/ui"
)

// Health components the daemon itself reports; the worker adds
// "registry/<target>" and "sync/<target>".
const (
	componentStore = "store"
	componentDisk  = "disk"
)

// daemon is the wired station.
type daemon struct {
	cfg     config.Config
	log     *slog.Logger
	health  *health.Registry
	metrics *prometheus.Registry
	started time.Time
	group   *service.Group
	closers []func() error

	db       *store.DB
	outbox   *outbox.Outbox
	key      *ecdsa.PrivateKey
	targets  []string         // delivery targets, the primary registry first
	workers  []*worker.Worker // one per target
	disk     *diskGuard
	scanners *scanners
	camera   *stationCamera     // the face camera; nil without one
	camHub   *cameraHub         // shares the face camera between the face step and previews
	docCam   *stationCamera     // the document camera; nil without one, or when the face camera films documents
	docHub   *cameraHub         // the document step's frames: the document camera's hub, or camHub when shared
	uruSim   *uru4000.Simulator // the simulated USB reader of simulate.fingerprint
	bus      *events.Bus
	workflow *workflow.Service
	synced   sync.Map // target name → time.Time of its last confirmed delivery
}

// openDaemon opens the store and wires every subsystem. Nothing runs until
// serve; on error everything opened so far is closed.
func openDaemon(ctx context.Context, cfg config.Config, environ []string, log *slog.Logger) (_ *daemon, err error) {
	d := &daemon{cfg: cfg, log: log, started: time.Now(), metrics: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	d.health = health.New(func(c health.Check) {
		log.Log(ctx, levelFor(c.Level), "health changed", "component", c.Component, "level", c.Level, "message", c.Message)
	})
	d.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.group = service.NewGroup(log)

	if err := os.MkdirAll(cfg.Data.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("data.dir %s: %w", cfg.Data.Dir, err)
	}
	kek, err := store.LoadKEK(cfg.KEKPath(), lookupEnv(environ, "STATION_KEK"))
	if err != nil {
		return nil, fmt.Errorf("key-encryption key (data.kek_file or STATION_KEK): %w", err)
	}
	d.db, err = store.Open(cfg.DBPath(), kek, store.Options{})
	clear(kek)
	if err != nil {
		return nil, fmt.Errorf("open the store: %w", err)
	}
	d.closers = append(d.closers, d.db.Close)
	d.health.Set(componentStore, health.OK, "open")
	d.outbox, err = outbox.New(d.db, outbox.Options{Retention: cfg.Sync.Retention})
	if err != nil {
		return nil, err
	}
	d.key, err = loadStationKey(ctx, d.db, log)
	if err != nil {
		return nil, err
	}
	d.disk = newDiskGuard(cfg.Data.Dir, uint64(cfg.Data.MinFreeMB)<<20, d.health)
	if err := d.disk.check(); err != nil {
		return nil, err
	}
	d.metrics.MustRegister(newQueueCollector(d.outbox))

	if cfg.Simulate.Registry {
		if err := d.addRegistrySimulator(ctx); err != nil {
			return nil, err
		}
	}
	for _, r := range cfg.AllTargets() {
		conn, err := newConnector(cfg, r, d.key)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", r.Name, err)
		}
		w, err := worker.New(d.outbox, r.Name, conn, worker.Config{
			Concurrency: cfg.Sync.Concurrency,
			LeaseFor:    cfg.Sync.Lease,
			BaseBackoff: cfg.Sync.BaseBackoff,
			MaxBackoff:  cfg.Sync.MaxBackoff,
			StuckAfter:  cfg.Sync.StuckAfter,
		},
			worker.WithHealth(workerHealth{d.health}),
			worker.WithMetrics(d.metrics),
			worker.WithLogger(log),
			worker.WithEvents(d.onSyncEvent),
		)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", r.Name, err)
		}
		d.targets = append(d.targets, r.Name)
		d.workers = append(d.workers, w)
	}

	finders, err := d.fingerprintFinders(ctx)
	if err != nil {
		return nil, err
	}
	d.scanners = newScanners(cfg.Fingerprint.Poll, d.health, log, finders...)
	if d.camera, err = newFaceCamera(cfg, d.health); err != nil {
		return nil, err
	}
	if d.camera != nil {
		d.camHub = newCameraHub(d.camera.open, d.camera.id())
		d.closers = append(d.closers, d.camHub.Close)
	}
	docCam, shared, closeScene, err := newDocumentCamera(cfg, d.health)
	if err != nil {
		return nil, err
	}
	if closeScene != nil {
		d.closers = append(d.closers, closeScene)
	}
	switch {
	case docCam != nil:
		d.docCam, d.docHub = docCam, newCameraHub(docCam.open, docCam.id())
		d.closers = append(d.closers, d.docHub.Close)
	case shared:
		d.docHub = d.camHub // nil without a face camera: no document camera either
	}
	d.bus = events.NewBus(1024)

	accounts := operators.New(accountStore{d.db}, operators.Policy{MaxFailures: 5, LockFor: 5 * time.Minute})
	if d.workflow, err = d.newWorkflow(ctx, accounts); err != nil {
		return nil, err
	}
	uiOpt := ui.Options{
		Backend:  &backend{d: d},
		Accounts: accounts,
		Sessions: session.NewManager(cfg.HTTP.SessionIdle, cfg.HTTP.SessionMax),
		Metrics:  promhttp.HandlerFor(d.metrics, promhttp.HandlerOpts{}),
		Log:      log,
		Bus:      d.bus,
		Commands: workflowCommands{w: d.workflow},
	}
	var hubs previews
	for _, h := range []*cameraHub{d.camHub, d.docHub} {
		if h != nil && !slices.Contains(hubs, h) {
			hubs = append(hubs, h)
		}
	}
	if len(hubs) > 0 {
		uiOpt.Preview = hubs
	}
	srv := ui.New(uiOpt)
	sock, err := listenSocket(cfg.SocketPath(), cfg.Data.SocketGroup)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, ignoreClosed(sock.Close))
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w (is another station running? set http.listen or STATION_HTTP_LISTEN)", cfg.HTTP.Listen, err)
	}
	d.closers = append(d.closers, ignoreClosed(ln.Close))

	for i, w := range d.workers {
		d.group.Add("sync/"+d.targets[i], w, true)
	}
	d.group.Add("purge", service.Func(func(ctx context.Context) error { return d.outbox.ServePurge(ctx, 10*time.Minute) }), true)
	d.group.Add("fingerprint", d.scanners, true)
	for _, c := range []*stationCamera{d.camera, d.docCam} {
		if c != nil {
			d.group.Add(c.kind, service.Func(func(ctx context.Context) error { return c.Serve(ctx, cfg.Fingerprint.Poll) }), true)
		}
	}
	d.group.Add("disk", service.Func(func(ctx context.Context) error { return d.disk.serve(ctx, 15*time.Second) }), true)
	d.group.Add("control", newHTTPService("control", sock, srv.Handler(true), log), false)
	d.group.Add("http", newHTTPService("http", ln, srv.Handler(false), log), false)
	d.group.Add("websocket", srv, false)
	return d, nil
}

// kick wakes every target's worker: there is new work.
func (d *daemon) kick() {
	for _, w := range d.workers {
		w.Kick()
	}
}

// onSyncEvent records deliveries for the status page.
func (d *daemon) onSyncEvent(e worker.Event) {
	if e.Kind == worker.Delivered {
		d.synced.Store(e.Target, e.At.UTC())
	}
}

func levelFor(l health.Level) slog.Level {
	switch l {
	case health.OK:
		return slog.LevelInfo
	case health.Warning:
		return slog.LevelWarn
	}
	return slog.LevelError
}

func (d *daemon) serve(ctx context.Context) error {
	d.log.Info("station started", "station", d.cfg.Station.ID, "version", version,
		"http", d.cfg.HTTP.Listen, "registry", d.cfg.Registry.URL, "startup", time.Since(d.started).Round(time.Millisecond))
	err := d.group.Run(ctx)
	d.log.Info("station stopped")
	return err
}

func (d *daemon) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		if err := d.closers[i](); err != nil {
			d.log.Warn("close failed", "err", err)
		}
	}
	d.closers = nil
}

// workerHealth adapts the health registry to the worker's two-state checks.
type workerHealth struct{ r *health.Registry }

func (w workerHealth) Set(component string, ok bool, msg string) {
	lvl := health.OK
	if !ok {
		lvl = health.Warning
	}
	w.r.Set(component, lvl, msg)
}

// ignoreClosed makes closing an already closed listener (the HTTP server
// closes it on shutdown) a no-op.
func ignoreClosed(close func() error) func() error {
	return func() error {
		if err := close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}

func lookupEnv(environ []string, key string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/service"
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
}

func openDaemon(ctx context.Context, cfg config.Config, environ []string, log *slog.Logger) (*daemon, error) {
	d := &daemon{cfg: cfg, log: log, started: time.Now(), metrics: prometheus.NewRegistry()}
	d.health = health.New(func(c health.Check) {
		log.Log(ctx, levelFor(c.Level), "health changed", "component", c.Component, "level", c.Level, "message", c.Message)
	})
	d.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.group = service.NewGroup(log)
	if err := os.MkdirAll(cfg.Data.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics, promhttp.HandlerOpts{}))
	d.group.Add("http", newHTTPService("http", ln, mux, log), false)
	return d, nil
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
	d.log.Info("station started", "station", d.cfg.Station.ID, "version", version, "http", d.cfg.HTTP.Listen)
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
}

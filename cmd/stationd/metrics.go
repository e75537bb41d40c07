package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capturestation/station/sync/outbox"
)

// queueCollector exports the outbox counts at scrape time.
type queueCollector struct {
	ob     *outbox.Outbox
	depth  *prometheus.Desc
	oldest *prometheus.Desc
}

func newQueueCollector(ob *outbox.Outbox) *queueCollector {
	return &queueCollector{
		ob: ob,
		depth: prometheus.NewDesc("station_queue_items", "Outbox items by delivery state.",
			[]string{"state"}, nil),
		oldest: prometheus.NewDesc("station_queue_oldest_undelivered_seconds",
			"Age of the oldest enrollment not yet delivered (0 when none).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
}

// Collect implements prometheus.Collector.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := c.ob.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	for state, n := range map[string]int{
		outbox.Pending.String(): s.Pending, outbox.InFlight.String(): s.InFlight,
		outbox.Failed.String(): s.Failed, outbox.Delivered.String(): s.Delivered,
	} {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n), state)
	}
	age := 0.0
	if !s.OldestUndelivered.IsZero() {
		age = time.Since(s.OldestUndelivered).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}

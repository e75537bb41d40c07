package worker

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capturestation/station/sync/outbox"
)

type metrics struct {
	attempts *prometheus.CounterVec
	failures *prometheus.CounterVec
	seconds  prometheus.Histogram
}

// newMetrics creates the worker's metrics, each with a constant target
// label, and registers them with reg (if not nil). Workers of different
// targets can share a registry.
func newMetrics(reg prometheus.Registerer, ob *outbox.Outbox, target string) (*metrics, error) {
	labels := prometheus.Labels{"target": target}
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "station_sync_attempts_total", ConstLabels: labels,
			Help: "Delivery attempts by result: delivered, retry, failed, interrupted.",
		}, []string{"result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "station_sync_failures_total", ConstLabels: labels,
			Help: "Failed delivery attempts by failure class: retryable, permanent, conflict.",
		}, []string{"class"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "station_sync_delivery_seconds", ConstLabels: labels,
			Help:    "Duration of delivery attempts, successful or not.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.attempts, m.failures, m.seconds, &queueCollector{ob: ob, target: target}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// queueCollector exports the outbox counts of one target, read in O(1).
type queueCollector struct {
	ob     *outbox.Outbox
	target string
}

func (c *queueCollector) descs() (items, oldest *prometheus.Desc) {
	labels := prometheus.Labels{"target": c.target}
	return prometheus.NewDesc("station_outbox_items", "Outbox items by state.", []string{"state"}, labels),
		prometheus.NewDesc("station_outbox_oldest_undelivered_seconds", "Age of the oldest undelivered outbox item (0 when none).", nil, labels)
}

// Describe sends the descriptors.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	items, oldest := c.descs()
	ch <- items
	ch <- oldest
}

// Collect reads the counts; a failure is reported as an invalid metric.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	items, oldest := c.descs()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.ob.TargetStats(ctx, c.target)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(items, errors.Join(errors.New("read outbox counts"), err))
		return
	}
	for state, n := range map[string]int{
		outbox.Pending.String(): st.Pending, outbox.InFlight.String(): st.InFlight,
		outbox.Failed.String(): st.Failed, outbox.Delivered.String(): st.Delivered,
	} {
		ch <- prometheus.MustNewConstMetric(items, prometheus.GaugeValue, float64(n), state)
	}
	age := 0.0
	if !st.OldestUndelivered.IsZero() {
		age = max(0, time.Since(st.OldestUndelivered).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(oldest, prometheus.GaugeValue, age)
}

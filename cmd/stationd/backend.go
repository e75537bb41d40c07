package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/capturestation/station/internal/api"
	"github.com/capturestation/station/internal/health"
	"github.com/capturestation/station/internal/stationkey"
	"github.com/capturestation/station/sync/outbox"
)

// backend serves the HTTP API from the daemon's subsystems.
type backend struct{ d *daemon }

// importNamespace derives the identifiers of imported enrollments from the
// document's digest, so that importing the same document twice (a retried
// request, a re-run script) queues it once.
const importNamespace = "6f0c1f57-3f5e-4c55-9a0e-5b7f2d6c1a90"

func (b *backend) Status(ctx context.Context) (api.Status, error) {
	d := b.d
	s, err := d.outbox.Stats(ctx)
	if err != nil {
		return api.Status{}, err
	}
	ready, checks := b.Ready(ctx)
	st := api.Status{
		StationID: d.cfg.Station.ID,
		Version:   version,
		StartedAt: d.started.UTC(),
		Ready:     ready,
		Health:    checks,
		Queue: api.QueueStats{
			Pending: s.Pending, InFlight: s.InFlight, Failed: s.Failed, Delivered: s.Delivered,
			OldestUndelivered: s.OldestUndelivered, OldestUndeliveredID: s.OldestUndeliveredID,
		},
	}
	for _, r := range d.cfg.AllTargets() {
		t := api.Registry{Name: r.Name, Kind: r.Kind, URL: r.URL}
		if at, ok := d.synced.Load(r.Name); ok {
			t.LastSync = at.(time.Time)
		}
		if c, ok := d.health.Get("registry/" + r.Name); ok {
			t.Reachable = c.Level == health.OK
			if !t.Reachable {
				t.LastError = c.Message
			}
		}
		st.Targets = append(st.Targets, t)
	}
	st.Registry = st.Targets[0] // the primary registry
	st.Devices = slices.Concat(d.camera.apiDevices(), d.docCam.apiDevices(), d.scanners.apiDevices())
	st.Refusal = d.disk.refused()
	st.AcceptingEnrollments = st.Refusal == ""
	return st, nil
}

// Ready reports the store (required) and every other check (reported only:
// the station works offline).
func (b *backend) Ready(context.Context) (bool, []health.Check) {
	c, ok := b.d.health.Get(componentStore)
	return ok && c.Level == health.OK, b.d.health.Snapshot()
}

func (b *backend) ImportOSIAIdentity(ctx context.Context, body []byte, personID, actor string) (api.EnrollResult, error) {
	d := b.d
	if why := d.disk.refused(); why != "" {
		return api.EnrollResult{}, fmt.Errorf("%w: %s", api.ErrRefused, why)
	}
	if personID != "" {
		if err := uuid.Validate(personID); err != nil {
			return api.EnrollResult{}, fmt.Errorf("%w: personId must be a UUID", api.ErrBadRequest)
		}
	}
	sum := sha256.New()
	sum.Write([]byte(personID))
	sum.Write([]byte{0})
	sum.Write(body)
	digest := sum.Sum(nil)
	ns := uuid.MustParse(importNamespace)
	derive := func(role string) string {
		return uuid.NewSHA1(ns, append([]byte(role+":"), digest...)).String()
	}
	if personID == "" {
		personID = derive("person")
	}
	e, err := parseImport(body, importIDs{
		TransactionID: derive("transaction"), PersonID: personID, IdentityID: derive("identity"),
		StationID: d.cfg.Station.ID, OperatorID: actor, Now: time.Now(),
	})
	if err != nil {
		return api.EnrollResult{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	created, err := d.outbox.Enqueue(ctx, e, d.targets)
	if err != nil {
		return api.EnrollResult{}, fmt.Errorf("queue the enrollment: %w", err)
	}
	if created {
		d.log.Info("enrollment queued", "transaction", e.TransactionID, "operator", actor, "source", "osia-import")
		d.kick()
	}
	return api.EnrollResult{TransactionID: e.TransactionID, PersonID: e.PersonID, IdentityID: e.IdentityID, Created: created}, nil
}

func (b *backend) Queue(ctx context.Context, state, after string, limit int) (api.QueueList, error) {
	f := outbox.Filter{After: after, Limit: limit}
	if state != "" {
		st, err := outbox.ParseState(state)
		if err != nil {
			return api.QueueList{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
		}
		f.State = st
	}
	items, err := b.d.outbox.List(ctx, f)
	if err != nil {
		return api.QueueList{}, outboxError(err)
	}
	l := api.QueueList{Items: make([]api.QueueItem, 0, len(items))}
	for _, it := range items {
		l.Items = append(l.Items, queueItem(it))
	}
	if len(items) == limit {
		l.Next = items[len(items)-1].ID
	}
	return l, nil
}

func (b *backend) QueueItem(ctx context.Context, id string) (api.QueueItem, error) {
	it, err := b.d.outbox.Get(ctx, id)
	if err != nil {
		return api.QueueItem{}, outboxError(err)
	}
	return queueItem(it), nil
}

func (b *backend) Retry(ctx context.Context, id, actor string) (api.QueueItem, error) {
	if err := b.d.outbox.RetryFailed(ctx, id); err != nil {
		return api.QueueItem{}, outboxError(err)
	}
	b.d.log.Info("failed item put back in the queue", "item", id, "operator", actor)
	b.d.kick()
	return b.QueueItem(ctx, id)
}

func (b *backend) Purge(ctx context.Context, id, actor string) error {
	if err := b.d.outbox.Drop(ctx, id, actor); err != nil {
		return outboxError(err)
	}
	b.d.log.Info("failed item dropped", "item", id, "operator", actor)
	return nil
}

func (b *backend) StationKey(context.Context) (api.KeyInfo, error) {
	pub := &b.d.key.PublicKey
	jwk, err := stationkey.PublicJWK(pub)
	if err != nil {
		return api.KeyInfo{}, err
	}
	pem, err := stationkey.PublicPEM(pub)
	if err != nil {
		return api.KeyInfo{}, err
	}
	return api.KeyInfo{KeyID: stationkey.Thumbprint(pub), Algorithm: "ES256", JWK: jwk, PEM: string(pem)}, nil
}

// outboxError maps queue errors to the API's error kinds.
func outboxError(err error) error {
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		return fmt.Errorf("%w: %w", api.ErrNotFound, err)
	case errors.Is(err, outbox.ErrNotFailed):
		return fmt.Errorf("%w: %w (only failed items can be retried or purged)", api.ErrConflict, err)
	case errors.Is(err, outbox.ErrInvalidTarget):
		return fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	return err
}

func queueItem(it outbox.Item) api.QueueItem {
	return api.QueueItem{
		ID: it.ID, TransactionID: it.TransactionID, PersonID: it.PersonID, IdentityID: it.IdentityID,
		Target: it.Target, State: it.State.String(), Attempts: it.Attempts,
		EnqueuedAt: it.EnqueuedAt, NextAttempt: it.NextAttempt, DeliveredAt: it.DeliveredAt,
		ErrorClass: it.LastErrorClass, Error: it.LastError,
	}
}

// EnrollSimulated runs scripted enrollments one after the other; a failed
// one is reported and the others go on.
func (b *backend) EnrollSimulated(ctx context.Context, count int, actor string) ([]api.SimulatedEnrollment, error) {
	if !b.d.simulatedDevices() {
		return nil, fmt.Errorf("%w: %w", api.ErrBadRequest, errNotSimulated)
	}
	out := make([]api.SimulatedEnrollment, 0, count)
	for range count {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		start := time.Now()
		st, err := b.d.enrollSimulated(ctx, actor)
		r := api.SimulatedEnrollment{ID: st.ID, Stage: st.Stage.String(), Milliseconds: float64(time.Since(start).Microseconds()) / 1000}
		if err != nil {
			r.Error = err.Error()
		}
		out = append(out, r)
	}
	return out, nil
}

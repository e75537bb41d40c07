// Package worker delivers the outbox's items for one registry target through
// a Connector: it leases due items, delivers them concurrently (bounded),
// and records each outcome, so that every enrollment reaches the registry at
// least once and, with an idempotent connector, exactly once.
//
// Failures are classified with sync/delivery: a retryable failure is tried
// again after an exponential backoff with full jitter (a random delay in
// [0, min(MaxBackoff, BaseBackoff·2^(attempts-1))]), never earlier than the
// registry's Retry-After; permanent failures and conflicts go to the
// outbox's failed list for an operator. No network I/O happens inside a
// database transaction: lease, deliver, then record.
//
// When Serve's context is cancelled, deliveries cut short are not recorded:
// their items stay leased and are due again when the lease expires (after a
// crash too). A delivery that completed is still recorded, so a clean stop
// does not cause a duplicate attempt. A delivery is given at most three
// quarters of the lease, so that its outcome is recorded before another
// worker could lease the item again.
//
// The worker reports registry reachability (Ping on an interval and after
// failures) and items undelivered for longer than StuckAfter to a Health,
// exports Prometheus metrics, and tells an optional observer about progress
// with identifiers and classes only: never personal data.
package worker

// Package outbox is the station's durable delivery queue: completed
// enrollments wait here, sealed in the encrypted store, until every registry
// target has confirmed them.
//
// Each enrollment becomes one item per target (fan-out), in the order of a
// global sequence. The queue gives at-least-once, ordered delivery that
// survives a crash at any instant:
//
//   - Enqueue stores the enrollment and its items in one bbolt transaction,
//     and is idempotent by transaction ID.
//   - Lease marks due items in flight until a lease expiry in one
//     transaction; the caller delivers outside any transaction and reports
//     the outcome (Ack, Retry, Fail) in another. After a crash an unexpired
//     lease simply runs out and the item is due again, so the connector must
//     be idempotent (same person, identity and transaction IDs).
//   - Items of the same person and target are delivered in enqueue order: an
//     item is not leased while an earlier one of that person and target is
//     undelivered (pending, in flight or failed).
//   - Every outcome checks the lease generation, so a stale lease (expired
//     and leased again) cannot overwrite the current one.
//
// Storage: item records are sealed as a whole (they carry the registry's last
// error message, which might echo request data); the indexes hold only
// sequence numbers, target names, person IDs, times and states. Counts are
// kept per target and in total in the same transactions as the changes, so
// Stats is O(1) and start-up never reads the queue. The due index is keyed by
// (target, due time, sequence), so Lease costs O(batch), plus the due items
// it skips because an earlier item of the same person is undelivered.
//
// Retention: once every target of an enrollment is delivered (or dropped by
// an operator) its biometric payload — face, finger and document page image
// data, chip data groups and SOD — is erased after Options.Retention
// (immediately when it is 0) by PurgeExpired; the biographic data, the
// identifiers and the receipts are kept.
//
// Caveats: an in-flight count includes leases that expired after a crash and
// have not been leased again. Delivered item records are kept (for the
// delivered list and the counts) until a future compaction.
package outbox

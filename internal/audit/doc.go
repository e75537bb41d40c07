// Package audit is the station's append-only, hash-chained audit log: who did
// what to which record, and when. Every enrollment transition, supervisor
// approval, cancellation and sealing is written here, so that an inspector
// can show that the trail was neither altered, shortened nor reordered.
//
// # Entries
//
// An Entry carries a sequence number (1, 2, 3, … without gaps), the time, the
// actor (an operator account name or "system"), the action (for example
// "enrollment.face.captured"), the subject (an enrollment's transaction ID)
// and a small map of details (states, reasons, scores, verdicts). Entries hold
// identifiers and codes only, never personal data: no names, dates of birth,
// document numbers, MRZ text or images. Append refuses oversized detail
// values so that free text cannot creep in by accident; the rule itself is the
// callers' to keep.
//
// # Chain
//
// Each entry holds the SHA-256 hash of the previous entry (Prev; all zeros for
// the first) and its own hash, computed over a canonical encoding of its
// plaintext fields (see Entry.ComputeHash): a domain-separation label, then
// every field length-prefixed in a fixed order, detail keys sorted. The log
// also keeps a head record (the last sequence number and hash), so that
// removing the newest entries is detected as well.
//
// Entries are kept in a nested bucket of the store's audit bucket, each sealed
// with AES-256-GCM like every station record (the record ID, that is the
// sequence number, is the associated data), so moving a sealed entry to
// another position fails authentication. The hash is taken over the
// plaintext, so the chain also holds against someone who has the data key
// and re-seals altered entries: Verify recomputes every hash and link, checks
// that sequence numbers run without gaps and that the last entry is the head.
//
// # Caveats
//
// A hash chain proves internal consistency; it cannot stop someone holding
// the data key from rewriting the whole log and its head consistently. Export
// Head to a place the station cannot write (the registry, a printed report)
// to anchor it. Entries are never deleted: the log grows with the station's
// activity (a few hundred bytes per entry).
//
// The log follows the usual tamper-evident logging construction (each record
// commits to its predecessor, as in RFC 6962's hash-chained tree heads, in
// its simplest linear form).
package audit

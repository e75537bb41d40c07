package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// hashLabel separates the audit hash from any other SHA-256 use.
const hashLabel = "capture-station audit entry v1"

// Limits on what an entry may hold; they keep entries to identifiers and
// codes.
const (
	// MaxField is the longest actor, action or subject, in bytes.
	MaxField = 128
	// MaxDetails is the largest number of detail keys.
	MaxDetails = 32
	// MaxDetailValue is the longest detail value, in bytes.
	MaxDetailValue = 256
)

// Entry is one audit record.
type Entry struct {
	// Seq numbers the entries from 1 without gaps; Append assigns it.
	Seq uint64 `json:"seq"`
	// Time is when it happened (UTC, truncated to microseconds so that it
	// survives encoding unchanged); Append fills it when zero.
	Time time.Time `json:"time"`
	// Actor is the operator account name, or "system".
	Actor string `json:"actor"`
	// Action names what happened, for example "enrollment.start".
	Action string `json:"action"`
	// Subject is the record the action concerns (a transaction ID).
	Subject string `json:"subject,omitempty"`
	// Detail holds states, reasons, scores and verdicts: codes, never
	// personal data.
	Detail map[string]string `json:"detail,omitempty"`
	// Prev is the hex SHA-256 of the previous entry (64 zeros for the first);
	// Hash is this entry's. Append sets both.
	Prev string `json:"prev"`
	Hash string `json:"hash"`
}

// zeroHash is Prev of the first entry.
var zeroHash = hex.EncodeToString(make([]byte, sha256.Size))

// ComputeHash returns the hex SHA-256 of the entry's canonical encoding: the
// label, then Seq (8 bytes big-endian), Time (RFC 3339 with nanoseconds, UTC),
// Actor, Action, Subject, the number of details, each detail key and value in
// key order, and Prev, every string preceded by its length (4 bytes
// big-endian). Hash itself is not part of it.
func (e *Entry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	str := func(s string) {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		h.Write(n[:4])
		h.Write([]byte(s))
	}
	str(hashLabel)
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	str(e.Time.UTC().Format(time.RFC3339Nano))
	str(e.Actor)
	str(e.Action)
	str(e.Subject)
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	binary.BigEndian.PutUint32(n[:4], uint32(len(keys)))
	h.Write(n[:4])
	for _, k := range keys {
		str(k)
		str(e.Detail[k])
	}
	str(e.Prev)
	return hex.EncodeToString(h.Sum(nil))
}

// check reports an entry that may not be appended.
func (e *Entry) check() error {
	if e.Action == "" {
		return fmt.Errorf("%w: the action is empty", ErrInvalid)
	}
	for name, v := range map[string]string{"actor": e.Actor, "action": e.Action, "subject": e.Subject} {
		if len(v) > MaxField {
			return fmt.Errorf("%w: the %s is %d bytes, at most %d", ErrInvalid, name, len(v), MaxField)
		}
	}
	if len(e.Detail) > MaxDetails {
		return fmt.Errorf("%w: %d details, at most %d", ErrInvalid, len(e.Detail), MaxDetails)
	}
	for k, v := range e.Detail {
		if k == "" || len(k) > MaxField {
			return fmt.Errorf("%w: detail key %q must be 1 to %d bytes", ErrInvalid, k, MaxField)
		}
		if len(v) > MaxDetailValue {
			return fmt.Errorf("%w: detail %q is %d bytes, at most %d: keep details to codes and identifiers", ErrInvalid, k, len(v), MaxDetailValue)
		}
	}
	return nil
}

// Package enrollment defines the enrollment record: the biographic data,
// identity documents, face, fingerprints and liveness verdict captured for one
// person at a station, with the station-generated person, identity and
// transaction identifiers that make every registry delivery idempotent.
//
// The field vocabulary follows OSIA v1.5 (BiometricSubType finger positions,
// MissingType presence values, DocumentType) so that connectors map it without
// loss. The record holds personal and biometric data: it is only ever written
// to disk sealed by internal/store, and must never be logged.
package enrollment

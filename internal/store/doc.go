// Package store is the station's encrypted offline database: one bbolt file
// with a bucket per kind of record (enrollments, outbox and its indexes,
// receipts, audit, operators, meta).
//
// Every record that holds personal or biometric data is sealed with
// AES-256-GCM (NIST SP 800-38D) under a 32-byte data key, with a fresh random
// 96-bit nonce per write and the bucket name and record ID as associated data,
// so a sealed value copied under another ID or into another bucket does not
// open. The data key is created at first open and kept in the meta bucket
// wrapped (AES-256-GCM) by a key-encryption key (KEK) that lives outside the
// database: a 0600 file or the STATION_KEK environment variable (LoadKEK).
//
// Index data that holds no personal data (identifiers, timestamps, states)
// may be kept in clear in raw bbolt buckets, reached through Tx.Bucket.
//
// The meta bucket holds the schema version; Open runs the pending migrations
// in order inside one transaction and refuses a database written by a newer
// schema.
//
// Caveats: bbolt allows one writer at a time, so callers must not do network
// I/O inside Update. Deleted or overwritten sealed values may linger in free
// pages of the file until reused, but they stay encrypted. Losing the KEK
// makes the database unreadable; that is the point.
package store

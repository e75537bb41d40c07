package store

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// sealVersion is the first byte of every sealed value, so the format can change.
const sealVersion = 1

// seal encrypts plain as version || nonce || ciphertext+tag.
func seal(aead cipher.AEAD, plain, ad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plain)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+ns], plain, ad), nil
}

// openSealed reverses seal. The result does not alias sealed.
func openSealed(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	if len(sealed) < 1+ns+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, sealed[0])
	}
	plain, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return plain, nil
}

// associatedData binds a sealed value to its bucket and record ID.
func associatedData(bucket, id string) []byte {
	ad := make([]byte, 0, len(bucket)+1+len(id))
	ad = append(ad, bucket...)
	ad = append(ad, 0)
	return append(ad, id...)
}

// Tx is a database transaction with helpers for sealed records.
type Tx struct {
	tx *bolt.Tx
	db *DB
}

// Bucket returns the raw top-level bucket name, or nil if it does not exist.
// Use it only for index data that holds no personal data.
func (tx *Tx) Bucket(name string) *bolt.Bucket { return tx.tx.Bucket([]byte(name)) }

// Bolt returns the underlying bbolt transaction.
func (tx *Tx) Bolt() *bolt.Tx { return tx.tx }

// Writable reports whether the transaction may write.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

// Seal encrypts plain for record id of bucket (which need not exist): the
// result opens only with Unseal and the same bucket and id.
func (tx *Tx) Seal(bucket, id string, plain []byte) ([]byte, error) {
	return seal(tx.db.aead, plain, associatedData(bucket, id))
}

// Unseal decrypts a value made by Seal for the same bucket and id.
func (tx *Tx) Unseal(bucket, id string, sealed []byte) ([]byte, error) {
	plain, err := openSealed(tx.db.aead, sealed, associatedData(bucket, id))
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", bucket, id, err)
	}
	return plain, nil
}

// PutSealed stores v, encoded as JSON and sealed, under id in the top-level bucket.
func (tx *Tx) PutSealed(bucket, id string, v any) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return fmt.Errorf("put %s/%s: %w", bucket, id, ErrNoBucket)
	}
	plain, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("put %s/%s: encode: %w", bucket, id, err)
	}
	sealed, err := tx.Seal(bucket, id, plain)
	clear(plain)
	if err != nil {
		return fmt.Errorf("put %s/%s: seal: %w", bucket, id, err)
	}
	if err := b.Put([]byte(id), sealed); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, id, err)
	}
	return nil
}

// GetSealed loads the sealed record id of the top-level bucket into v. It
// reports found=false, with no error, when there is no such record.
func (tx *Tx) GetSealed(bucket, id string, v any) (found bool, err error) {
	b := tx.Bucket(bucket)
	if b == nil {
		return false, fmt.Errorf("get %s/%s: %w", bucket, id, ErrNoBucket)
	}
	sealed := b.Get([]byte(id))
	if sealed == nil {
		return false, nil
	}
	plain, err := tx.Unseal(bucket, id, sealed)
	if err != nil {
		return true, fmt.Errorf("get: %w", err)
	}
	defer clear(plain)
	if err := json.Unmarshal(plain, v); err != nil {
		return true, fmt.Errorf("get %s/%s: decode: %w", bucket, id, err)
	}
	return true, nil
}

// Delete removes record id from the top-level bucket (no error if absent).
func (tx *Tx) Delete(bucket, id string) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return fmt.Errorf("delete %s/%s: %w", bucket, id, ErrNoBucket)
	}
	if err := b.Delete([]byte(id)); err != nil {
		return fmt.Errorf("delete %s/%s: %w", bucket, id, err)
	}
	return nil
}

// IsCorrupt reports whether err says a sealed record failed to open.
func IsCorrupt(err error) bool { return errors.Is(err, ErrCorrupt) }

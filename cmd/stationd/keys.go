package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"

	"github.com/capturestation/station/internal/stationkey"
	"github.com/capturestation/station/internal/store"
)

// stationKeyID is the record in the meta bucket that holds the station's
// signing key, sealed like every other secret.
const stationKeyID = "station-signing-key"

// sealedKey is the stored form of the station key.
type sealedKey struct {
	PKCS8 []byte `json:"pkcs8"`
}

// loadStationKey returns the station's ES256 signing key, generating and
// storing it on first start.
func loadStationKey(ctx context.Context, db *store.DB, log *slog.Logger) (*ecdsa.PrivateKey, error) {
	var key *ecdsa.PrivateKey
	err := db.Update(ctx, func(tx *store.Tx) error {
		var sk sealedKey
		found, err := tx.GetSealed(store.Meta, stationKeyID, &sk)
		if err != nil {
			return err
		}
		if found {
			key, err = stationkey.Unmarshal(sk.PKCS8)
			clear(sk.PKCS8)
			return err
		}
		if key, err = stationkey.Generate(); err != nil {
			return err
		}
		der, err := stationkey.Marshal(key)
		if err != nil {
			return err
		}
		defer clear(der)
		log.Info("generated the station signing key", "kid", stationkey.Thumbprint(&key.PublicKey))
		return tx.PutSealed(store.Meta, stationKeyID, sealedKey{PKCS8: der})
	})
	if err != nil {
		return nil, fmt.Errorf("station signing key: %w", err)
	}
	return key, nil
}

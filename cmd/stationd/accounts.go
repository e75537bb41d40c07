package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/capturestation/station/internal/operators"
	"github.com/capturestation/station/internal/store"
)

// accountStore keeps operator accounts sealed in the store's operators bucket.
type accountStore struct{ db *store.DB }

func (s accountStore) GetAccount(ctx context.Context, name string) (operators.Account, bool, error) {
	var a operators.Account
	var found bool
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		found, err = tx.GetSealed(store.Operators, name, &a)
		return err
	})
	if err != nil {
		return operators.Account{}, false, fmt.Errorf("read account: %w", err)
	}
	return a, found, nil
}

func (s accountStore) PutAccount(ctx context.Context, a operators.Account) error {
	if err := s.db.Update(ctx, func(tx *store.Tx) error { return tx.PutSealed(store.Operators, a.Name, a) }); err != nil {
		return fmt.Errorf("save account: %w", err)
	}
	return nil
}

func (s accountStore) ListAccounts(ctx context.Context) ([]operators.Account, error) {
	var out []operators.Account
	err := s.db.View(ctx, func(tx *store.Tx) error {
		b := tx.Bucket(store.Operators)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			plain, err := tx.Unseal(store.Operators, string(k), v)
			if err != nil {
				return err
			}
			var a operators.Account
			err = json.Unmarshal(plain, &a)
			clear(plain)
			if err != nil {
				return fmt.Errorf("account %q: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

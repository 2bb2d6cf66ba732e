package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// ClaimKey inserts an idempotency key; when it exists (or a concurrent
// transaction inserting it commits first) it returns what was stored.
func (r repo) ClaimKey(ctx context.Context, scope, key, fingerprint string, at time.Time) (bool, app.StoredKey, error) {
	tag, err := r.q.Exec(ctx, `INSERT INTO command_keys (scope, key, fingerprint, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (scope, key) DO NOTHING`, scope, key, fingerprint, at)
	if err != nil {
		return false, app.StoredKey{}, fmt.Errorf("claim key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, app.StoredKey{}, nil
	}
	var stored app.StoredKey
	if err := r.q.QueryRow(ctx, `SELECT fingerprint, result FROM command_keys WHERE scope = $1 AND key = $2`,
		scope, key).Scan(&stored.Fingerprint, &stored.Result); err != nil {
		return false, app.StoredKey{}, fmt.Errorf("read key: %w", err)
	}
	return false, stored, nil
}

// SaveKeyResult stores a claimed key's answer.
func (r repo) SaveKeyResult(ctx context.Context, scope, key string, result []byte) error {
	_, err := r.q.Exec(ctx, `UPDATE command_keys SET result = $3 WHERE scope = $1 AND key = $2`, scope, key, result)
	return err
}

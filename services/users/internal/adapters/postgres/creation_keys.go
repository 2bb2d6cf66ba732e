package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/services/users/internal/app"
)

// ClaimClientCreationKey inserts a CreateApiClient key; when it exists (or
// a concurrent transaction inserting it commits first) it returns what was
// stored.
func (r repo) ClaimClientCreationKey(ctx context.Context, subject, key, fingerprint, clientID string, at time.Time) (bool, app.ClientCreationKey, error) {
	tag, err := r.q.Exec(ctx, `INSERT INTO api_client_creation_keys (subject, key, fingerprint, client_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, key) DO NOTHING`, subject, key, fingerprint, clientID, at)
	if err != nil {
		return false, app.ClientCreationKey{}, fmt.Errorf("claim creation key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, app.ClientCreationKey{}, nil
	}
	var stored app.ClientCreationKey
	if err := r.q.QueryRow(ctx, `SELECT fingerprint, client_id FROM api_client_creation_keys WHERE subject = $1 AND key = $2`,
		subject, key).Scan(&stored.Fingerprint, &stored.ClientID); err != nil {
		return false, app.ClientCreationKey{}, fmt.Errorf("read creation key: %w", err)
	}
	return false, stored, nil
}

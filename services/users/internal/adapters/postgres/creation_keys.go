package postgres

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/app"
)

// ClaimClientCreationKey inserts a CreateApiClient key, or returns what its
// first use stored (see pg.Claim).
func (r repo) ClaimClientCreationKey(ctx context.Context, subject, key, fingerprint, clientID string, at time.Time) (bool, app.ClientCreationKey, error) {
	var stored app.ClientCreationKey
	claimed, err := pg.Claim(ctx, r.q,
		`INSERT INTO api_client_creation_keys (subject, key, fingerprint, client_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, key) DO NOTHING`,
		[]any{subject, key, fingerprint, clientID, at},
		`SELECT fingerprint, client_id FROM api_client_creation_keys WHERE subject = $1 AND key = $2`,
		[]any{subject, key}, &stored.Fingerprint, &stored.ClientID)
	return claimed, stored, err
}

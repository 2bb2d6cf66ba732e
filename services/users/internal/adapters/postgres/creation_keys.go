package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"

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

// ClaimAddressCreationKey inserts a CreateAddress key, or returns what its
// first use stored (see pg.Claim).
func (r repo) ClaimAddressCreationKey(ctx context.Context, userID uuid.UUID, key, fingerprint string, addressID uuid.UUID, at time.Time) (bool, app.AddressCreationKey, error) {
	var stored app.AddressCreationKey
	claimed, err := pg.Claim(ctx, r.q,
		`INSERT INTO address_creation_keys (user_id, key, fingerprint, address_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, key) DO NOTHING`,
		[]any{userID, key, fingerprint, addressID, at},
		`SELECT fingerprint, address_id FROM address_creation_keys WHERE user_id = $1 AND key = $2`,
		[]any{userID, key}, &stored.Fingerprint, &stored.AddressID)
	return claimed, stored, err
}

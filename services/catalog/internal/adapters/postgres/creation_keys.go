package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// ClaimCreationKey inserts a CreateProduct key, or returns what its first
// use stored (see pg.Claim).
func (r repo) ClaimCreationKey(ctx context.Context, supplierID uuid.UUID, key, fingerprint string, productID uuid.UUID, at time.Time) (bool, app.CreationKey, error) {
	var stored app.CreationKey
	claimed, err := pg.Claim(ctx, r.q,
		`INSERT INTO product_creation_keys (supplier_id, key, fingerprint, product_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (supplier_id, key) DO NOTHING`,
		[]any{supplierID, key, fingerprint, productID, at},
		`SELECT fingerprint, product_id FROM product_creation_keys WHERE supplier_id = $1 AND key = $2`,
		[]any{supplierID, key}, &stored.Fingerprint, &stored.ProductID)
	return claimed, stored, err
}

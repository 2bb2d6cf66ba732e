package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// ClaimCreationKey inserts a CreateProduct key; when it exists (or a
// concurrent transaction inserting it commits first) it returns what was
// stored.
func (r repo) ClaimCreationKey(ctx context.Context, supplierID uuid.UUID, key, fingerprint string, productID uuid.UUID, at time.Time) (bool, app.CreationKey, error) {
	tag, err := r.q.Exec(ctx, `INSERT INTO product_creation_keys (supplier_id, key, fingerprint, product_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (supplier_id, key) DO NOTHING`, supplierID, key, fingerprint, productID, at)
	if err != nil {
		return false, app.CreationKey{}, fmt.Errorf("claim creation key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, app.CreationKey{}, nil
	}
	var stored app.CreationKey
	if err := r.q.QueryRow(ctx, `SELECT fingerprint, product_id FROM product_creation_keys WHERE supplier_id = $1 AND key = $2`,
		supplierID, key).Scan(&stored.Fingerprint, &stored.ProductID); err != nil {
		return false, app.CreationKey{}, fmt.Errorf("read creation key: %w", err)
	}
	return false, stored, nil
}

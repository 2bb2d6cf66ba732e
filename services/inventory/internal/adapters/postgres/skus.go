package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// SaveSKU records a SKU and, if unseen, its product (not deleted, at a state
// time older than any event, so a delete or restore always wins over it).
func (r repo) SaveSKU(ctx context.Context, sku domain.SKU, at time.Time) error {
	if _, err := r.q.Exec(ctx, `INSERT INTO products (id, supplier_id, deleted, state_at)
		VALUES ($1, $2, false, '-infinity') ON CONFLICT (id) DO NOTHING`, sku.ProductID, sku.SupplierID); err != nil {
		return fmt.Errorf("insert product: %w", err)
	}
	if _, err := r.q.Exec(ctx, `INSERT INTO skus (id, product_id, supplier_id, sku_code, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
		sku.ID, sku.ProductID, sku.SupplierID, sku.Code, at); err != nil {
		return fmt.Errorf("insert sku: %w", err)
	}
	return nil
}

// SetProductDeleted records a product's bin state unless a newer one is known.
func (r repo) SetProductDeleted(ctx context.Context, productID, supplierID uuid.UUID, deleted bool, at time.Time) error {
	_, err := r.q.Exec(ctx, `INSERT INTO products (id, supplier_id, deleted, state_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET deleted = EXCLUDED.deleted, state_at = EXCLUDED.state_at
		WHERE products.state_at <= EXCLUDED.state_at`, productID, supplierID, deleted, at)
	if err != nil {
		return fmt.Errorf("set product state: %w", err)
	}
	return nil
}

const skuSelect = `SELECT s.id, s.product_id, s.supplier_id, s.sku_code, NOT p.deleted
	FROM skus s JOIN products p ON p.id = s.product_id`

func scanSKU(row pgx.Row) (domain.SKU, error) {
	var s domain.SKU
	err := row.Scan(&s.ID, &s.ProductID, &s.SupplierID, &s.Code, &s.Reservable)
	return s, err
}

// GetSKU reads one SKU.
func (r repo) GetSKU(ctx context.Context, id uuid.UUID) (domain.SKU, error) {
	s, err := scanSKU(r.q.QueryRow(ctx, skuSelect+` WHERE s.id = $1`, id))
	return s, pg.NoRows(err, apperr.NotFound("sku", id.String()))
}

// GetSKUs reads the known SKUs among ids.
func (r repo) GetSKUs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	rows, err := r.q.Query(ctx, skuSelect+` WHERE s.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SKU, error) { return scanSKU(row) })
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]domain.SKU, len(list))
	for _, s := range list {
		out[s.ID] = s
	}
	return out, nil
}

// FindSKUsByCode reads a supplier's SKUs with the given codes.
func (r repo) FindSKUsByCode(ctx context.Context, supplierID uuid.UUID, codes []string) (map[string][]domain.SKU, error) {
	rows, err := r.q.Query(ctx, skuSelect+` WHERE s.supplier_id = $1 AND s.sku_code = ANY($2) ORDER BY s.created_at, s.id`, supplierID, codes)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SKU, error) { return scanSKU(row) })
	if err != nil {
		return nil, err
	}
	out := map[string][]domain.SKU{}
	for _, s := range list {
		out[s.Code] = append(out[s.Code], s)
	}
	return out, nil
}

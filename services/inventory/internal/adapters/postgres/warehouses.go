package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

const warehouseColumns = `id, name, kind, supplier_id, country_code, region_code, created_by, created_at`

func scanWarehouse(row pgx.Row) (domain.Warehouse, error) {
	var w domain.Warehouse
	var supplier *uuid.UUID
	if err := row.Scan(&w.ID, &w.Name, &w.Kind, &supplier, &w.CountryCode, &w.RegionCode, &w.CreatedBy, &w.CreatedAt); err != nil {
		return domain.Warehouse{}, err
	}
	if supplier != nil {
		w.SupplierID = *supplier
	}
	return w, nil
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// CreateWarehouse inserts a warehouse.
func (r repo) CreateWarehouse(ctx context.Context, w domain.Warehouse) error {
	_, err := r.q.Exec(ctx, `INSERT INTO warehouses (`+warehouseColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		w.ID, w.Name, string(w.Kind), nullUUID(w.SupplierID), w.CountryCode, w.RegionCode, w.CreatedBy, w.CreatedAt)
	if err != nil {
		return fmt.Errorf("insert warehouse: %w", err)
	}
	return nil
}

// GetWarehouse reads one warehouse.
func (r repo) GetWarehouse(ctx context.Context, id uuid.UUID) (domain.Warehouse, error) {
	w, err := scanWarehouse(r.q.QueryRow(ctx, `SELECT `+warehouseColumns+` FROM warehouses WHERE id = $1`, id))
	return w, pg.NoRows(err, apperr.NotFound("warehouse", id.String()))
}

// ListWarehouses lists a supplier's warehouses, or all, or those of them
// in only when it names some; oldest first.
func (r repo) ListWarehouses(ctx context.Context, supplierID *uuid.UUID, only []uuid.UUID) ([]domain.Warehouse, error) {
	if only == nil {
		only = []uuid.UUID{}
	}
	rows, err := r.q.Query(ctx, `SELECT `+warehouseColumns+` FROM warehouses
		WHERE ($1::uuid IS NULL OR supplier_id = $1) AND (cardinality($2::uuid[]) = 0 OR id = ANY($2))
		ORDER BY created_at, id`, supplierID, only)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Warehouse, error) { return scanWarehouse(row) })
}

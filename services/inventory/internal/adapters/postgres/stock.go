package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

const levelColumns = `sku_id, warehouse_id, on_hand, reserved, low_stock_threshold`

func scanLevel(row pgx.Row) (domain.Level, error) {
	var l domain.Level
	err := row.Scan(&l.SKUID, &l.WarehouseID, &l.OnHand, &l.Reserved, &l.LowStockThreshold)
	return l, err
}

func collectLevels(rows pgx.Rows, err error) ([]domain.Level, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Level, error) { return scanLevel(row) })
}

func splitKeys(keys []domain.StockKey) (skus, warehouses []uuid.UUID) {
	skus, warehouses = make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		skus[i], warehouses[i] = k.SKUID, k.WarehouseID
	}
	return skus, warehouses
}

// LockLevels locks the rows of keys in (sku_id, warehouse_id) order, first
// inserting missing ones at zero (in the same order) when create is set. The
// lock is taken by SELECT … ORDER BY … FOR UPDATE, which locks rows as the
// sorted scan returns them.
func (r repo) LockLevels(ctx context.Context, keys []domain.StockKey, create bool, at time.Time) ([]domain.Level, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	skus, warehouses := splitKeys(keys)
	if create {
		if _, err := r.q.Exec(ctx, `INSERT INTO stock (sku_id, warehouse_id, updated_at)
			SELECT k.sku_id, k.warehouse_id, $3 FROM unnest($1::uuid[], $2::uuid[]) AS k (sku_id, warehouse_id)
			ORDER BY 1, 2 ON CONFLICT DO NOTHING`, skus, warehouses, at); err != nil {
			return nil, fmt.Errorf("insert stock rows: %w", err)
		}
	}
	return collectLevels(r.q.Query(ctx, `SELECT `+levelColumns+` FROM stock
		WHERE (sku_id, warehouse_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
		ORDER BY sku_id, warehouse_id FOR UPDATE`, skus, warehouses))
}

// SKUsAndLockedLevels reads the SKUs among ids and locks every stock row of
// them in (sku_id, warehouse_id) order (the lock is taken as the sorted scan
// returns the rows), in one round trip.
func (r repo) SKUsAndLockedLevels(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, []domain.Level, error) {
	b := &pgx.Batch{}
	b.Queue(skuSelect+` WHERE s.id = ANY($1)`, ids)
	b.Queue(`SELECT `+levelColumns+` FROM stock WHERE sku_id = ANY($1) ORDER BY sku_id, warehouse_id FOR UPDATE`, ids)
	br := r.q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SKU, error) { return scanSKU(row) })
	if err != nil {
		return nil, nil, err
	}
	levels, err := collectLevels(br.Query())
	if err != nil {
		return nil, nil, err
	}
	skus := make(map[uuid.UUID]domain.SKU, len(list))
	for _, s := range list {
		skus[s.ID] = s
	}
	return skus, levels, br.Close()
}

// SaveLevels writes the levels in one statement.
func (r repo) SaveLevels(ctx context.Context, levels []domain.Level, at time.Time) error {
	if len(levels) == 0 {
		return nil
	}
	return saveLevels(levels, at).exec(ctx, r.q)
}

// saveLevels writes levels' on-hand, reserved and threshold.
func saveLevels(levels []domain.Level, at time.Time) statement {
	n := len(levels)
	skus, warehouses := make([]uuid.UUID, n), make([]uuid.UUID, n)
	onHand, reserved, threshold := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, l := range levels {
		skus[i], warehouses[i], onHand[i], reserved[i], threshold[i] = l.SKUID, l.WarehouseID, l.OnHand, l.Reserved, l.LowStockThreshold
	}
	return statement{what: "update stock", rows: n, sql: `UPDATE stock s SET on_hand = v.on_hand, reserved = v.reserved,
			low_stock_threshold = v.threshold, updated_at = $6
		FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[])
			AS v (sku_id, warehouse_id, on_hand, reserved, threshold)
		WHERE s.sku_id = v.sku_id AND s.warehouse_id = v.warehouse_id`,
		args: []any{skus, warehouses, onHand, reserved, threshold, at}}
}

// SKULevels returns a SKU's levels in every warehouse.
func (r repo) SKULevels(ctx context.Context, skuID uuid.UUID) ([]domain.Level, error) {
	return collectLevels(r.q.Query(ctx, `SELECT `+levelColumns+` FROM stock WHERE sku_id = $1 ORDER BY warehouse_id`, skuID))
}

// WarehouseLevels returns one page of a warehouse's levels by SKU id.
func (r repo) WarehouseLevels(ctx context.Context, warehouseID, after uuid.UUID, limit int) ([]domain.Level, error) {
	return collectLevels(r.q.Query(ctx, `SELECT `+levelColumns+` FROM stock
		WHERE warehouse_id = $1 AND sku_id > $2 ORDER BY sku_id LIMIT $3`, warehouseID, after, limit))
}

// Availability sums available stock of reservable SKUs.
func (r repo) Availability(ctx context.Context, skuIDs []uuid.UUID) (map[uuid.UUID]int64, error) {
	return pg.QueryMap[uuid.UUID, int64](ctx, r.q, `SELECT st.sku_id, sum(st.on_hand - st.reserved)::bigint
		FROM stock st JOIN skus s ON s.id = st.sku_id JOIN products p ON p.id = s.product_id
		WHERE st.sku_id = ANY($1) AND NOT p.deleted GROUP BY st.sku_id`, skuIDs)
}

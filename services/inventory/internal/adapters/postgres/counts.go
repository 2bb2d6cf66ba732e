package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// LastCounted returns when each of keys' levels was last counted by a
// sync; levels never counted are left out.
func (r repo) LastCounted(ctx context.Context, keys []domain.StockKey) (map[domain.StockKey]time.Time, error) {
	skus, warehouses := splitKeys(keys)
	rows, err := r.q.Query(ctx, `SELECT sku_id, warehouse_id, counted_at FROM stock
		WHERE (sku_id, warehouse_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[])) AND counted_at IS NOT NULL`, skus, warehouses)
	if err != nil {
		return nil, err
	}
	out := map[domain.StockKey]time.Time{}
	var k domain.StockKey
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&k.SKUID, &k.WarehouseID, &at}, func() error {
		out[k] = at
		return nil
	})
	return out, err
}

// onHandMovedSince sums the journal's on-hand moves of stock rows after a
// moment, but for counts, and for commits of goods that left by then
// (goods_left_at): read by time (stock_journal_by_stock_at), not through
// each row's whole history.
const onHandMovedSince = `SELECT sku_id, warehouse_id, sum(on_hand_delta)::bigint FROM stock_journal
	WHERE (sku_id, warehouse_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[])) AND at > $3 AND kind <> $4
	  AND on_hand_delta <> 0 AND NOT coalesce(goods_left_at <= $5, false)
	GROUP BY sku_id, warehouse_id`

// OnHandMovedSince returns how much goods moved each of keys' on-hand in
// the journal after since (shipped, received, adjusted; a commit whose
// goods left by since is not, domain.CountedAfterLeaving: a count as of
// since did without them);
// levels that did not move are left out. Counts applied since are not goods moving: each
// was taken before since (a count the caller's replaces, applied late) or
// after it (and the caller's is stale).
func (r repo) OnHandMovedSince(ctx context.Context, keys []domain.StockKey, since time.Time) (map[domain.StockKey]int64, error) {
	skus, warehouses := splitKeys(keys)
	rows, err := r.q.Query(ctx, onHandMovedSince, skus, warehouses, since, domain.MoveSync, since.Add(-domain.CountAhead))
	if err != nil {
		return nil, err
	}
	out := map[domain.StockKey]int64{}
	var k domain.StockKey
	var moved int64
	_, err = pgx.ForEachRow(rows, []any{&k.SKUID, &k.WarehouseID, &moved}, func() error {
		if moved != 0 {
			out[k] = moved
		}
		return nil
	})
	return out, err
}

// SetCounted records that keys' levels were counted at at (never moving a
// later count back).
func (r repo) SetCounted(ctx context.Context, keys []domain.StockKey, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	skus, warehouses := splitKeys(keys)
	_, err := r.q.Exec(ctx, `UPDATE stock SET counted_at = GREATEST(counted_at, $3)
		WHERE (sku_id, warehouse_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`, skus, warehouses, at)
	return err
}

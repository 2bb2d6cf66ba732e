package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// AppendJournal inserts the movements in one statement.
func (r repo) AppendJournal(ctx context.Context, moves []domain.Movement) error {
	if len(moves) == 0 {
		return nil
	}
	return appendJournal(moves).exec(ctx, r.q)
}

// appendJournal inserts movements.
func appendJournal(moves []domain.Movement) statement {
	n := len(moves)
	skus, warehouses := make([]uuid.UUID, n), make([]uuid.UUID, n)
	kinds, actors, reasons, refs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	dOn, dRes, onHand, reserved := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	at, left := make([]time.Time, n), make([]*time.Time, n)
	for i, m := range moves {
		skus[i], warehouses[i] = m.After.SKUID, m.After.WarehouseID
		kinds[i], actors[i], reasons[i], refs[i] = string(m.Kind), m.ActorID, m.Reason, m.Reference
		dOn[i], dRes[i], onHand[i], reserved[i] = m.OnHandDelta, m.ReservedDelta, m.After.OnHand, m.After.Reserved
		at[i], left[i] = m.At, m.GoodsLeftAt
	}
	return statement{what: "insert journal", rows: -1, sql: `INSERT INTO stock_journal (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta,
			on_hand, reserved, actor_id, reason, reference, at, goods_left_at)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
			$7::bigint[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[])`,
		args: []any{skus, warehouses, kinds, dOn, dRes, onHand, reserved, actors, reasons, refs, at, left}}
}

// Journal returns one page of a SKU's movements, newest first.
func (r repo) Journal(ctx context.Context, q app.JournalQuery) ([]domain.Movement, error) {
	var warehouse *uuid.UUID
	if q.WarehouseID != uuid.Nil {
		warehouse = &q.WarehouseID
	}
	var before *int64
	if q.Before > 0 {
		before = &q.Before
	}
	rows, err := r.q.Query(ctx, `SELECT id, sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, on_hand, reserved,
			actor_id, reason, reference, at
		FROM stock_journal
		WHERE sku_id = $1 AND ($2::uuid IS NULL OR warehouse_id = $2) AND ($3::bigint IS NULL OR id < $3)
		ORDER BY id DESC LIMIT $4`, q.SKUID, warehouse, before, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Movement, error) {
		var m domain.Movement
		err := row.Scan(&m.ID, &m.After.SKUID, &m.After.WarehouseID, &m.Kind, &m.OnHandDelta, &m.ReservedDelta,
			&m.After.OnHand, &m.After.Reserved, &m.ActorID, &m.Reason, &m.Reference, &m.At)
		return m, err
	})
}

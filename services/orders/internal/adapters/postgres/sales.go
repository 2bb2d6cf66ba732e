package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Sales is the sales read model's repository (app.SalesRepository): reads
// on the pool, writes inside the inbox's transaction (WithTx).
type Sales struct {
	q pg.Querier
}

var _ app.SalesRepository = Sales{}

// NewSales returns the sales repository on pool.
func NewSales(pool *pgxpool.Pool) Sales { return Sales{q: pool} }

// WithTx returns the repository on tx: the sales consumer applies events in
// the inbox's transaction.
func (s Sales) WithTx(tx pgx.Tx) app.SalesRepository { return Sales{q: tx} }

func (s Sales) AddSoldSubOrders(ctx context.Context, subs []domain.SoldSubOrder) (map[uuid.UUID]*time.Time, error) {
	added := map[uuid.UUID]*time.Time{}
	if len(subs) == 0 {
		return added, nil
	}
	// One row per sub-order: an upsert may not touch a row twice, so an id
	// an event repeats is counted once.
	var ids, orders, suppliers []uuid.UUID
	var channels []string
	var paid []time.Time
	seen := map[uuid.UUID]bool{}
	for _, sub := range subs {
		if seen[sub.ID] {
			continue
		}
		seen[sub.ID] = true
		ids, orders, suppliers = append(ids, sub.ID), append(orders, sub.OrderID), append(suppliers, sub.SupplierID)
		channels, paid = append(channels, sub.Channel), append(paid, sub.PaidAt)
	}
	// A sub-order remembered as cancelled before its payment's event came
	// (a row without paid_at) takes its payment now, and is returned with
	// the time it was cancelled.
	rows, err := s.q.Query(ctx, `INSERT INTO sales_sub_orders (sub_order_id, order_id, supplier_id, channel, paid_at)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[])
		ON CONFLICT (sub_order_id) DO UPDATE SET paid_at = EXCLUDED.paid_at WHERE sales_sub_orders.paid_at IS NULL
		RETURNING sub_order_id, cancelled_at`, ids, orders, suppliers, channels, paid)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	var cancelledAt pgtype.Timestamptz
	if _, err := pgx.ForEachRow(rows, []any{&id, &cancelledAt}, func() error {
		added[id] = nil
		if cancelledAt.Valid {
			at := cancelledAt.Time
			added[id] = &at
		}
		return nil
	}); err != nil || len(added) == 0 {
		return added, err
	}
	var lineSubs, skus, products []uuid.UUID
	var currencies []string
	var quantities, gross []int64
	for _, sub := range subs {
		if _, ok := added[sub.ID]; !ok || !seen[sub.ID] {
			continue
		}
		seen[sub.ID] = false // its lines once
		for _, l := range sub.Lines {
			lineSubs, skus, products = append(lineSubs, sub.ID), append(skus, l.SKUID), append(products, l.ProductID)
			currencies, quantities, gross = append(currencies, l.Gross.Currency), append(quantities, l.Quantity), append(gross, l.Gross.Amount)
		}
	}
	if len(lineSubs) == 0 {
		return added, nil
	}
	_, err = s.q.Exec(ctx, `INSERT INTO sales_sub_order_lines (sub_order_id, sku_id, product_id, currency, quantity, gross_minor)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::bigint[])`,
		lineSubs, skus, products, currencies, quantities, gross)
	return added, err
}

func (s Sales) CancelSoldSubOrder(ctx context.Context, cancelled domain.SoldSubOrder, at time.Time) (*domain.SoldSubOrder, error) {
	id := cancelled.ID
	sub := domain.SoldSubOrder{ID: id}
	var paidAt *time.Time
	// One statement for both cases, so a payment recorded concurrently is
	// waited for and then cancelled, never missed.
	err := s.q.QueryRow(ctx, `INSERT INTO sales_sub_orders (sub_order_id, order_id, supplier_id, channel, paid_at, cancelled_at)
		VALUES ($1, $3, $4, $5, NULL, $2)
		ON CONFLICT (sub_order_id) DO UPDATE SET cancelled_at = EXCLUDED.cancelled_at WHERE sales_sub_orders.cancelled_at IS NULL
		RETURNING order_id, supplier_id, channel, paid_at`, id, at, cancelled.OrderID, cancelled.SupplierID, cancelled.Channel).
		Scan(&sub.OrderID, &sub.SupplierID, &sub.Channel, &paidAt)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && paidAt == nil) {
		return nil, nil // cancelled already, or never paid: nothing to take back
	}
	if err != nil {
		return nil, err
	}
	sub.PaidAt = *paidAt
	rows, err := s.q.Query(ctx, `SELECT sku_id, product_id, currency, quantity, gross_minor, units_refunded, refunds_minor
		FROM sales_sub_order_lines WHERE sub_order_id = $1 ORDER BY sku_id`, id)
	if err != nil {
		return nil, err
	}
	sub.Lines, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SoldLine, error) {
		var l domain.SoldLine
		var currency string
		err := row.Scan(&l.SKUID, &l.ProductID, &currency, &l.Quantity, &l.Gross.Amount, &l.UnitsRefunded, &l.Refunds.Amount)
		l.Gross.Currency, l.Refunds.Currency = currency, currency
		return l, err
	})
	return &sub, err
}

func (s Sales) AddReturn(ctx context.Context, r domain.SalesReturn) (bool, error) {
	tag, err := s.q.Exec(ctx, `INSERT INTO sales_returns (return_id, sub_order_id, refunded_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, r.ID, r.SubOrderID, r.RefundedAt)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	b := &pgx.Batch{}
	for _, l := range r.Lines {
		// A line of a sub-order the figures never saw paid updates nothing.
		b.Queue(`UPDATE sales_sub_order_lines SET units_refunded = units_refunded + $3, refunds_minor = refunds_minor + $4
			WHERE sub_order_id = $1 AND sku_id = $2 AND currency = $5`, r.SubOrderID, l.SKUID, l.Quantity, l.Amount.Amount, l.Amount.Currency)
	}
	return true, s.q.SendBatch(ctx, b).Close()
}

// AddSales adds the entries in one statement: entries of one key (day,
// SKU, channel, currency) are summed first, since one statement may not
// update a row twice.
func (s Sales) AddSales(ctx context.Context, entries []domain.SalesEntry) error {
	type key struct {
		day               time.Time
		sku               uuid.UUID
		channel, currency string
	}
	index := map[key]int{}
	var merged []domain.SalesEntry
	for _, e := range entries {
		k := key{e.Day, e.SKUID, e.Channel, e.Currency}
		i, ok := index[k]
		if !ok {
			index[k] = len(merged)
			merged = append(merged, e)
			continue
		}
		m := &merged[i].SalesFigures
		m.UnitsSold, m.UnitsRefunded = m.UnitsSold+e.UnitsSold, m.UnitsRefunded+e.UnitsRefunded
		m.GrossMinor, m.RefundsMinor = m.GrossMinor+e.GrossMinor, m.RefundsMinor+e.RefundsMinor
	}
	if len(merged) == 0 {
		return nil
	}
	n := len(merged)
	days, skus, products, suppliers := make([]time.Time, n), make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
	channels, currencies := make([]string, n), make([]string, n)
	sold, refunded, gross, refunds := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, e := range merged {
		days[i], skus[i], products[i], suppliers[i], channels[i], currencies[i] = e.Day, e.SKUID, e.ProductID, e.SupplierID, e.Channel, e.Currency
		sold[i], refunded[i], gross[i], refunds[i] = e.UnitsSold, e.UnitsRefunded, e.GrossMinor, e.RefundsMinor
	}
	_, err := s.q.Exec(ctx, `INSERT INTO sales_daily AS d (day, sku_id, channel, currency, product_id, supplier_id,
			units_sold, units_refunded, gross_minor, refunds_minor)
		SELECT * FROM unnest($1::date[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::uuid[],
			$7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
		ON CONFLICT (day, sku_id, channel, currency) DO UPDATE SET
			units_sold = d.units_sold + EXCLUDED.units_sold,
			units_refunded = d.units_refunded + EXCLUDED.units_refunded,
			gross_minor = d.gross_minor + EXCLUDED.gross_minor,
			refunds_minor = d.refunds_minor + EXCLUDED.refunds_minor`,
		days, skus, channels, currencies, products, suppliers, sold, refunded, gross, refunds)
	return err
}

// salesRows groups the daily figures by day, product (and SKU when asked:
// otherwise the nil uuid stands in, so the sort key has no NULL), supplier,
// channel and currency, and reads them in that order after the cursor.
const salesRows = `
WITH keyed AS (
	SELECT day, product_id, CASE WHEN $1 THEN sku_id ELSE '00000000-0000-0000-0000-000000000000'::uuid END AS sku_id,
		supplier_id, channel, currency, units_sold, units_refunded, gross_minor, refunds_minor
	FROM sales_daily
	WHERE ($2::uuid IS NULL OR supplier_id = $2) AND ($3::uuid IS NULL OR product_id = $3)
		AND ($4::uuid IS NULL OR sku_id = $4) AND ($5::text IS NULL OR channel = $5)
		AND ($6::date IS NULL OR day >= $6) AND ($7::date IS NULL OR day <= $7)
)
SELECT day, product_id, sku_id, supplier_id, channel, currency,
	sum(units_sold)::bigint, sum(units_refunded)::bigint, sum(gross_minor)::bigint, sum(refunds_minor)::bigint
FROM keyed
WHERE $8::date IS NULL OR (day, product_id, sku_id, supplier_id, channel, currency) > ($8, $9, $10, $11, $12, $13)
GROUP BY day, product_id, sku_id, supplier_id, channel, currency
ORDER BY day, product_id, sku_id, supplier_id, channel, currency
LIMIT $14`

func (s Sales) ListSales(ctx context.Context, q app.SalesQuery, after *app.SalesCursor, limit int) ([]domain.SalesRow, error) {
	var cur app.SalesCursor
	var afterDay *time.Time
	if after != nil {
		cur, afterDay = *after, &after.Day
	}
	rows, err := s.q.Query(ctx, salesRows, q.BySKU, nullID(q.SupplierID), nullID(q.ProductID), nullID(q.SKUID),
		nullText(q.Channel), nullTime(q.From), nullTime(q.To),
		afterDay, cur.ProductID, cur.SKUID, cur.SupplierID, cur.Channel, cur.Currency, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SalesRow, error) {
		var r domain.SalesRow
		err := row.Scan(&r.Day, &r.ProductID, &r.SKUID, &r.SupplierID, &r.Channel, &r.Currency,
			&r.UnitsSold, &r.UnitsRefunded, &r.GrossMinor, &r.RefundsMinor)
		r.Day = r.Day.UTC()
		return r, err
	})
}

// nullID, nullText and nullTime are a query's "any" (NULL) for a zero
// filter.
func nullID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

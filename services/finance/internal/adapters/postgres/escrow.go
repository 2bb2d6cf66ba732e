package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

var _ app.EscrowStore = (*Store)(nil)

const escrowColumns = `sub_order_id, order_id, buyer_id, buyer_currency, supplier_org_id, supplier_currency,
	rate, rate_source, quote_id, rate_as_of, paid_minor, escrowed_minor, state, created_at,
	settled_at, settled_goods_minor, commission_minor, supplier_net_minor, refunded_minor, merchant_org_id, remainder_minor`

// InsertEscrows records paid sub-orders, keeping rows that exist.
func (s *Store) InsertEscrows(ctx context.Context, rs []escrow.Record) error {
	batch := &pgx.Batch{}
	for _, r := range rs {
		var rate, source, quote *string
		var asOf *time.Time
		if r.Rate != nil {
			rate, source, quote, asOf = &r.Rate.Rate, &r.Rate.Source, &r.Rate.QuoteID, &r.Rate.AsOf
		}
		batch.Queue(`INSERT INTO escrows (sub_order_id, order_id, buyer_id, buyer_currency, supplier_org_id, supplier_currency,
				rate, rate_source, quote_id, rate_as_of, paid_minor, escrowed_minor, state, created_at, merchant_org_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, ''), coalesce($9, ''), $10, $11, $12, 'held', $13, $14)
			ON CONFLICT (sub_order_id) DO NOTHING`,
			r.SubOrderID, r.OrderID, r.BuyerID, r.BuyerCurrency, r.SupplierOrgID, r.SupplierCurrency,
			rate, source, quote, asOf, r.PaidMinor, r.Escrowed, r.CreatedAt, r.MerchantOrgID)
	}
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("insert escrows: %w", err)
	}
	return nil
}

// Escrow returns a sub-order's escrow.
func (s *Store) Escrow(ctx context.Context, subOrderID string) (escrow.Record, error) {
	r, err := scanEscrow(s.pool.QueryRow(ctx, `SELECT `+escrowColumns+` FROM escrows WHERE sub_order_id = $1`, subOrderID))
	if errors.Is(err, pgx.ErrNoRows) {
		return escrow.Record{}, apperr.NotFound("sub-order escrow", subOrderID)
	}
	if err != nil {
		return escrow.Record{}, fmt.Errorf("escrow %s: %w", subOrderID, err)
	}
	return r, nil
}

// EscrowsOfOrder returns an order's escrows by sub-order id, and any
// escrow of the sub-orders named.
func (s *Store) EscrowsOfOrder(ctx context.Context, orderID string, subOrderIDs []string) ([]escrow.Record, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+escrowColumns+` FROM escrows WHERE order_id = $1 OR sub_order_id = ANY($2) ORDER BY sub_order_id`,
		orderID, subOrderIDs)
	if err != nil {
		return nil, fmt.Errorf("escrows of order %s: %w", orderID, err)
	}
	defer rows.Close()
	var out []escrow.Record
	for rows.Next() {
		r, err := scanEscrow(rows)
		if err != nil {
			return nil, fmt.Errorf("escrows of order %s: %w", orderID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanEscrow(row pgx.Row) (escrow.Record, error) {
	var r escrow.Record
	var rate *string
	var source, quote string
	var asOf, settledAt *time.Time
	var goods, commission, net, refunded, remainder *int64
	var state string
	if err := row.Scan(&r.SubOrderID, &r.OrderID, &r.BuyerID, &r.BuyerCurrency, &r.SupplierOrgID, &r.SupplierCurrency,
		&rate, &source, &quote, &asOf, &r.PaidMinor, &r.Escrowed, &state, &r.CreatedAt,
		&settledAt, &goods, &commission, &net, &refunded, &r.MerchantOrgID, &remainder); err != nil {
		return escrow.Record{}, err
	}
	r.State = escrow.State(state)
	r.CreatedAt = r.CreatedAt.UTC()
	if rate != nil {
		snap := ledger.RateSnapshot{From: r.BuyerCurrency, To: r.SupplierCurrency, Rate: *rate, Source: source, QuoteID: quote}
		if asOf != nil {
			snap.AsOf = asOf.UTC()
		}
		r.Rate = &snap
	}
	if settledAt != nil {
		r.SettledAt = settledAt.UTC()
		r.SettledGoods, r.Commission, r.SupplierNet, r.Refunded, r.Remainder = pg.OrZero(goods), pg.OrZero(commission), pg.OrZero(net), pg.OrZero(refunded), pg.OrZero(remainder)
	}
	return r, nil
}

// MarkSettled records what a settlement did.
func (s *Store) MarkSettled(ctx context.Context, r escrow.Record) error {
	_, err := s.pool.Exec(ctx, `UPDATE escrows SET state = 'settled', settled_at = $2, settled_goods_minor = $3,
		commission_minor = $4, supplier_net_minor = $5, refunded_minor = $6, remainder_minor = $7 WHERE sub_order_id = $1 AND state = 'held'`,
		r.SubOrderID, r.SettledAt, r.SettledGoods, r.Commission, r.SupplierNet, r.Refunded, r.Remainder)
	if err != nil {
		return fmt.Errorf("mark %s settled: %w", r.SubOrderID, err)
	}
	return nil
}

// CommissionBps returns a supplier's own commission rate.
func (s *Store) CommissionBps(ctx context.Context, orgID string) (int64, bool, error) {
	var bps int64
	err := s.pool.QueryRow(ctx, `SELECT bps FROM commission_rates WHERE supplier_org_id = $1`, orgID).Scan(&bps)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("commission of %s: %w", orgID, err)
	}
	return bps, true, nil
}

// SetCommissionBps sets a supplier's commission rate.
func (s *Store) SetCommissionBps(ctx context.Context, orgID string, bps int64, by string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO commission_rates (supplier_org_id, bps, set_by, set_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (supplier_org_id) DO UPDATE SET bps = excluded.bps, set_by = excluded.set_by, set_at = excluded.set_at`,
		orgID, bps, by, at)
	if err != nil {
		return fmt.Errorf("set commission of %s: %w", orgID, err)
	}
	return nil
}

// OpenTopUp records a top-up request unless the sub-order has an open one.
func (s *Store) OpenTopUp(ctx context.Context, t escrow.TopUp, events func(escrow.TopUp) []outbox.Message) (escrow.TopUp, error) {
	var out escrow.TopUp
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO topup_requests (id, sub_order_id, goods_minor, amount_minor, state, created_at)
			VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT DO NOTHING`, t.ID, t.SubOrderID, t.Goods, t.Amount, t.CreatedAt)
		if err != nil {
			return fmt.Errorf("open top-up: %w", err)
		}
		if tag.RowsAffected() == 0 {
			out, err = scanTopUpRequest(tx.QueryRow(ctx, `SELECT id::text, sub_order_id, goods_minor, amount_minor, state, created_at
				FROM topup_requests WHERE sub_order_id = $1 AND state = 'open'`, t.SubOrderID))
			return err
		}
		out = t
		return outbox.EmitAll(ctx, tx, events(t)...)
	})
	return out, err
}

// TopUp returns a top-up request.
func (s *Store) TopUp(ctx context.Context, id string) (escrow.TopUp, error) {
	if _, err := uuid.Parse(id); err != nil {
		return escrow.TopUp{}, apperr.NotFound("top-up request", id)
	}
	t, err := scanTopUpRequest(s.pool.QueryRow(ctx, `SELECT id::text, sub_order_id, goods_minor, amount_minor, state, created_at
		FROM topup_requests WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return escrow.TopUp{}, apperr.NotFound("top-up request", id)
	}
	return t, err
}

func scanTopUpRequest(row pgx.Row) (escrow.TopUp, error) {
	var t escrow.TopUp
	var state string
	if err := row.Scan(&t.ID, &t.SubOrderID, &t.Goods, &t.Amount, &state, &t.CreatedAt); err != nil {
		return escrow.TopUp{}, err
	}
	t.Paid, t.CreatedAt = state == "paid", t.CreatedAt.UTC()
	return t, nil
}

// MarkTopUpPaid closes a top-up request.
func (s *Store) MarkTopUpPaid(ctx context.Context, id string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE topup_requests SET state = 'paid', paid_at = $2 WHERE id = $1 AND state = 'open'`, id, at); err != nil {
		return fmt.Errorf("mark top-up %s paid: %w", id, err)
	}
	return nil
}

// InterruptedTopUps returns, oldest first, the top-up requests paid before
// `before` (the request marked paid, or only the payment's ledger command,
// keyed keyPrefix + the request id, committed) whose sub-order's escrow is
// still held: the process stopped between the payment and the settlement.
// An open request without a committed payment is the buyer's to pay and is
// not returned, nor is a paid one whose sub-order has such a request open
// (the settlement after its payment found escrow short again).
func (s *Store) InterruptedTopUps(ctx context.Context, before time.Time, keyPrefix string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.id::text `+interruptedTopUps+` ORDER BY t.created_at LIMIT $3`, before, keyPrefix, limit)
	if err != nil {
		return nil, fmt.Errorf("interrupted top-ups: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// UnmarkedSettlements returns, oldest first, the sub-orders whose escrow
// is held though their settlement's ledger command (keyPrefix + the
// sub-order id) committed before `before`; held escrows are read through
// escrows_held, the sub-orders in flight, not every escrow there was.
func (s *Store) UnmarkedSettlements(ctx context.Context, before time.Time, keyPrefix string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.sub_order_id FROM escrows e
		JOIN ledger_commands c ON c.idempotency_key = $2 || e.sub_order_id
		WHERE e.state = 'held' AND c.created_at < $1
		ORDER BY c.created_at LIMIT $3`, before, keyPrefix, limit)
	if err != nil {
		return nil, fmt.Errorf("unmarked settlements: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// interruptedTopUps selects the requests InterruptedTopUps returns ($1
// before, $2 the payment's key prefix).
const interruptedTopUps = `FROM topup_requests t JOIN escrows e ON e.sub_order_id = t.sub_order_id
	WHERE e.state = 'held' AND (
		(t.state = 'paid' AND t.paid_at < $1 AND NOT EXISTS (
			SELECT 1 FROM topup_requests o WHERE o.sub_order_id = t.sub_order_id AND o.state = 'open')) OR
		(t.state = 'open' AND EXISTS (SELECT 1 FROM ledger_commands c WHERE c.idempotency_key = $2 || t.id::text AND c.created_at < $1)))`

// FailingTopUps counts, for the kit's failing-steps gauges, the top-up
// requests paid over a minute ago whose sub-order is still not settled
// (kind "unsettled"): the recovery finishes them within a minute, so one
// counted for long is a settlement that keeps failing while the buyer's
// money waits in escrow. Counted from the request's payment, or its
// creation when only the payment's ledger command committed.
func (s *Store) FailingTopUps(ctx context.Context, keyPrefix string) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT 'unsettled', count(*),
		coalesce(extract(epoch FROM now() - min(coalesce(t.paid_at, t.created_at))), 0)::float8 `+interruptedTopUps+` HAVING count(*) > 0`,
		time.Now().Add(-time.Minute), keyPrefix)
}

// SaveWaitingRefund records a waiting claw-back and its events once; the
// same refund id recorded for another sub-order or amount is AlreadyExists.
func (s *Store) SaveWaitingRefund(ctx context.Context, w escrow.WaitingRefund, events ...outbox.Message) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO waiting_refunds (refund_id, sub_order_id, amount_minor, state, created_at)
			VALUES ($1, $2, $3, 'waiting', $4) ON CONFLICT DO NOTHING`, w.RefundID, w.SubOrderID, w.Amount, w.CreatedAt)
		if err != nil {
			return fmt.Errorf("save waiting refund: %w", err)
		}
		if tag.RowsAffected() == 0 {
			var sub string
			var amount int64
			if err := tx.QueryRow(ctx, `SELECT sub_order_id, amount_minor FROM waiting_refunds WHERE refund_id = $1`, w.RefundID).Scan(&sub, &amount); err != nil {
				return fmt.Errorf("waiting refund %s: %w", w.RefundID, err)
			}
			if sub != w.SubOrderID || amount != w.Amount {
				return escrow.RefundReused(w.RefundID)
			}
			return nil
		}
		return outbox.EmitAll(ctx, tx, events...)
	})
}

// WaitingRefunds returns waiting claw-backs, oldest first.
func (s *Store) WaitingRefunds(ctx context.Context, limit int) ([]escrow.WaitingRefund, error) {
	rows, err := s.pool.Query(ctx, `SELECT refund_id, sub_order_id, amount_minor, created_at FROM waiting_refunds
		WHERE state = 'waiting' ORDER BY created_at, refund_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("waiting refunds: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (escrow.WaitingRefund, error) {
		var w escrow.WaitingRefund
		err := row.Scan(&w.RefundID, &w.SubOrderID, &w.Amount, &w.CreatedAt)
		return w, err
	})
}

// MarkRefundDone closes a waiting claw-back.
func (s *Store) MarkRefundDone(ctx context.Context, refundID string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE waiting_refunds SET state = 'done', done_at = $2 WHERE refund_id = $1 AND state <> 'done'`, refundID, at); err != nil {
		return fmt.Errorf("mark refund %s done: %w", refundID, err)
	}
	return nil
}

// ParkWaitingRefund sets a waiting claw-back aside with the reason the
// ledger refused it for good: it is no longer retried.
func (s *Store) ParkWaitingRefund(ctx context.Context, refundID, reason string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE waiting_refunds SET state = 'parked', parked_reason = $2, done_at = $3
		WHERE refund_id = $1 AND state = 'waiting'`, refundID, reason, at); err != nil {
		return fmt.Errorf("park refund %s: %w", refundID, err)
	}
	return nil
}

// Emit writes events in a transaction of their own.
func (s *Store) Emit(ctx context.Context, events ...outbox.Message) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error { return outbox.EmitAll(ctx, tx, events...) })
}

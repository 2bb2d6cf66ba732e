package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
)

// ClaimRefund records a refund before its ledger command, under the lock
// of its sub-order's escrow row, so concurrent refunds of one sub-order
// are checked one after the other (the ledger's group commit has no hook
// for it, and holding the lock across the ledger call would tie a pool
// connection to every waiting caller). check sees the sub-order's returns
// without this refund; a refund id recorded already for the same sub-order
// and amount is taken over without a check (it counts already), for
// another one it is AlreadyExists. It returns the attempt's id, which
// ReleaseRefund needs.
func (s *Store) ClaimRefund(ctx context.Context, c escrow.RefundClaim, topUpKeyPrefix string, check func(escrow.Returns) error) (string, error) {
	attempt := uuid.NewString()
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var escrowed, remainder int64
		err := tx.QueryRow(ctx, `SELECT escrowed_minor, coalesce(remainder_minor, 0) FROM escrows WHERE sub_order_id = $1 FOR UPDATE`,
			c.SubOrderID).Scan(&escrowed, &remainder)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("sub-order escrow", c.SubOrderID)
		}
		if err != nil {
			return fmt.Errorf("lock escrow %s: %w", c.SubOrderID, err)
		}
		if taken, err := takeOverRefund(ctx, tx, c, attempt); taken || err != nil {
			return err
		}
		// A top-up request counts once its payment committed, even when
		// the request was never marked paid (a crash in between, then a
		// settlement at the same price).
		var topUps, refunds int64
		if err := tx.QueryRow(ctx, `SELECT
				coalesce((SELECT sum(t.amount_minor) FROM topup_requests t WHERE t.sub_order_id = $1 AND (t.state = 'paid'
					OR EXISTS (SELECT 1 FROM ledger_commands k WHERE k.idempotency_key = $2 || t.id::text))), 0),
				coalesce((SELECT sum(amount_minor) FROM escrow_refunds WHERE sub_order_id = $1), 0)`,
			c.SubOrderID, topUpKeyPrefix).Scan(&topUps, &refunds); err != nil {
			return fmt.Errorf("returns of %s: %w", c.SubOrderID, err)
		}
		if err := check(escrow.Returns{Paid: escrowed + topUps, Returned: remainder + refunds}); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO escrow_refunds (refund_id, sub_order_id, amount_minor, attempt_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (refund_id) DO NOTHING`, c.RefundID, c.SubOrderID, c.Amount, attempt, c.CreatedAt)
		if err != nil {
			return fmt.Errorf("claim refund %s: %w", c.RefundID, err)
		}
		if tag.RowsAffected() == 0 {
			// Claimed meanwhile for another sub-order's escrow (not locked
			// here): the same details take it over, others are refused.
			_, err = takeOverRefund(ctx, tx, c, attempt)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return attempt, nil
}

// takeOverRefund makes attempt the owner of c's claim when one is recorded
// with the same sub-order and amount; taken reports that one is recorded.
func takeOverRefund(ctx context.Context, tx pgx.Tx, c escrow.RefundClaim, attempt string) (taken bool, err error) {
	var sub string
	var amount int64
	err = tx.QueryRow(ctx, `SELECT sub_order_id, amount_minor FROM escrow_refunds WHERE refund_id = $1 FOR UPDATE`, c.RefundID).Scan(&sub, &amount)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("refund %s: %w", c.RefundID, err)
	}
	if sub != c.SubOrderID || amount != c.Amount {
		return true, escrow.RefundReused(c.RefundID)
	}
	if _, err := tx.Exec(ctx, `UPDATE escrow_refunds SET attempt_id = $2 WHERE refund_id = $1`, c.RefundID, attempt); err != nil {
		return true, fmt.Errorf("take over refund %s: %w", c.RefundID, err)
	}
	return true, nil
}

// ReleaseRefund deletes a refund's claim when the ledger refused its
// command, unless a later attempt took the claim over (that one answers
// for it).
func (s *Store) ReleaseRefund(ctx context.Context, refundID, attempt string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM escrow_refunds WHERE refund_id = $1 AND attempt_id = $2`, refundID, attempt); err != nil {
		return fmt.Errorf("release refund %s: %w", refundID, err)
	}
	return nil
}

// RefundClaim returns a refund's claim; ok is false when none is recorded
// (the id is unknown, or its refund moved money before claims were kept).
func (s *Store) RefundClaim(ctx context.Context, refundID string) (c escrow.RefundClaim, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT refund_id, sub_order_id, amount_minor, created_at FROM escrow_refunds WHERE refund_id = $1`, refundID).
		Scan(&c.RefundID, &c.SubOrderID, &c.Amount, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return escrow.RefundClaim{}, false, nil
	}
	if err != nil {
		return escrow.RefundClaim{}, false, fmt.Errorf("refund %s: %w", refundID, err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, true, nil
}

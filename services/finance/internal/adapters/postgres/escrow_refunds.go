package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
)

// refundClaimReturns reads, under the escrow row's lock, what a sub-order's
// buyer paid in by top-ups and was refunded ($1 the sub-order, $2 the top-up
// payments' key prefix, $3 the refund claiming): by the sub-order's indexes,
// not a scan of every top-up request there is while the lock is held.
const refundClaimReturns = `WITH self AS (SELECT claim_seq FROM escrow_refunds WHERE refund_id = $3)
	SELECT
		coalesce((SELECT sum(t.amount_minor) FROM topup_requests t WHERE t.sub_order_id = $1 AND (t.state = 'paid'
			OR EXISTS (SELECT 1 FROM ledger_commands k WHERE k.idempotency_key = $2 || t.id::text))), 0),
		coalesce((SELECT sum(amount_minor) FROM escrow_refunds WHERE sub_order_id = $1 AND refund_id <> $3), 0),
		coalesce((SELECT sum(amount_minor) FROM escrow_refunds WHERE sub_order_id = $1 AND refund_id <> $3
			AND claim_seq < coalesce((SELECT claim_seq FROM self), 9223372036854775807)), 0)`

// ClaimRefund records a refund before its ledger command, under the lock
// of its sub-order's escrow row, so concurrent refunds of one sub-order
// are checked one after the other (the ledger's group commit has no hook
// for it, and holding the lock across the ledger call would tie a pool
// connection to every waiting caller). decide sees the sub-order's returns
// without this refund and answers the commission the refund gives back
// (escrow.CommissionReturn, 0 before settlement), recorded with the claim;
// a refund id recorded already for the same sub-order and amount is taken
// over, decided again (a claim made before settlement whose command never
// ran is a claw-back when retried after it, and must fit what the
// settlement left), for another one it is AlreadyExists. It returns the
// attempt's id, which ReleaseRefund needs, and the commission decided.
func (s *Store) ClaimRefund(ctx context.Context, c escrow.RefundClaim, topUpKeyPrefix string, decide func(escrow.Returns) (int64, error)) (string, int64, error) {
	return refundClaims.claim(ctx, s.pool, claimed{id: c.RefundID, subOrderID: c.SubOrderID, amount: c.Amount, at: c.CreatedAt},
		func(tx pgx.Tx, locked lockedEscrow) (int64, error) {
			// A top-up request counts once its payment committed, even
			// when the request was never marked paid (a crash in between,
			// then a settlement at the same price).
			// The claims before this one are those inserted before it
			// under this lock (claim_seq): all the others for a new claim,
			// those numbered lower for one taken over.
			var topUps, refunds, earlier int64
			if err := tx.QueryRow(ctx, refundClaimReturns, c.SubOrderID, topUpKeyPrefix, c.RefundID).Scan(&topUps, &refunds, &earlier); err != nil {
				return 0, fmt.Errorf("returns of %s: %w", c.SubOrderID, err)
			}
			return decide(escrow.Returns{Paid: locked.escrowed + topUps, Returned: locked.remainder + refunds, CommissionReturned: locked.commissionReturned,
				Before: locked.remainder + earlier})
		})
}

// RefundsClaimed sums a sub-order's refund claims: a settlement's
// remainder converts back after them.
func (s *Store) RefundsClaimed(ctx context.Context, subOrderID string) (int64, error) {
	var sum int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(amount_minor), 0) FROM escrow_refunds WHERE sub_order_id = $1`, subOrderID).Scan(&sum); err != nil {
		return 0, fmt.Errorf("refunds of %s: %w", subOrderID, err)
	}
	return sum, nil
}

// ReleaseRefund deletes a refund's claim when the ledger refused its
// command, unless a later attempt took the claim over (that one answers
// for it).
func (s *Store) ReleaseRefund(ctx context.Context, refundID, attempt string) error {
	return refundClaims.release(ctx, s.pool, refundID, attempt)
}

// ClaimCouponReclaim records a reclaim of a sub-order's coupon funding
// before its ledger command, under the lock of the sub-order's escrow row,
// as ClaimRefund does: decide sees what the sub-order's other reclaims took
// back and the commission its returns gave back, and answers the
// commission this reclaim gives back. It returns the attempt's id, which
// ReleaseCouponReclaim needs, and that commission.
func (s *Store) ClaimCouponReclaim(ctx context.Context, c escrow.ReclaimClaim, decide func(reclaimed, commissionReturned int64) (int64, error)) (string, int64, error) {
	return reclaimClaims.claim(ctx, s.pool, claimed{id: c.ReclaimID, subOrderID: c.SubOrderID, amount: c.Amount, at: c.CreatedAt},
		func(tx pgx.Tx, locked lockedEscrow) (int64, error) {
			var reclaimed int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount_minor), 0) FROM coupon_reclaims WHERE sub_order_id = $1 AND reclaim_id <> $2`,
				c.SubOrderID, c.ReclaimID).Scan(&reclaimed); err != nil {
				return 0, fmt.Errorf("coupon reclaims of %s: %w", c.SubOrderID, err)
			}
			return decide(reclaimed, locked.commissionReturned)
		})
}

// ReleaseCouponReclaim deletes a reclaim's claim when the ledger refused
// its command, unless a later attempt took it over.
func (s *Store) ReleaseCouponReclaim(ctx context.Context, reclaimID, attempt string) error {
	return reclaimClaims.release(ctx, s.pool, reclaimID, attempt)
}

// claims is a table of money commands recorded against a sub-order before
// their ledger command (escrow_refunds, coupon_reclaims): an id bound to
// one sub-order and amount, checked against the sub-order's others under
// its escrow row's lock.
type claims struct {
	table, idColumn string
	reused          func(id string) error
}

var (
	refundClaims  = claims{table: "escrow_refunds", idColumn: "refund_id", reused: escrow.RefundReused}
	reclaimClaims = claims{table: "coupon_reclaims", idColumn: "reclaim_id", reused: escrow.ReclaimReused}
)

// claimed is one claim's row.
type claimed struct {
	id, subOrderID string
	amount         int64
	at             time.Time
}

// lockedEscrow is what claim read of a sub-order under its escrow row's
// lock: the row's escrowed and remainder amounts, and the commission the
// sub-order's other claims (refunds and reclaims alike) give back.
type lockedEscrow struct {
	escrowed, remainder, commissionReturned int64
}

// claim records c under the sub-order's escrow row lock once decide (given
// what the lock read, leaving c's own claim out) allows it, with the
// commission decide answers; an id recorded with the same sub-order and
// amount is taken over once decide allows it still, with others it is
// reused's AlreadyExists. It returns the attempt's id and the commission.
func (cl claims) claim(ctx context.Context, pool *pgxpool.Pool, c claimed, decide func(tx pgx.Tx, locked lockedEscrow) (int64, error)) (string, int64, error) {
	attempt := uuid.NewString()
	var commission int64
	err := pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		var locked lockedEscrow
		err := tx.QueryRow(ctx, `SELECT escrowed_minor, coalesce(remainder_minor, 0) FROM escrows WHERE sub_order_id = $1 FOR UPDATE`,
			c.subOrderID).Scan(&locked.escrowed, &locked.remainder)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("sub-order escrow", c.subOrderID)
		}
		if err != nil {
			return fmt.Errorf("lock escrow %s: %w", c.subOrderID, err)
		}
		// Read after the lock, in a statement of its own: one taking its
		// snapshot before waiting for the lock would miss the claim its
		// holder committed meanwhile. This claim is left out (in its own
		// table only: a return's claw-back and its coupon reclaim share
		// their id).
		if err := tx.QueryRow(ctx, `SELECT
				coalesce((SELECT sum(commission_minor) FROM escrow_refunds WHERE sub_order_id = $1`+cl.notSelf("escrow_refunds")+`), 0) +
				coalesce((SELECT sum(commission_minor) FROM coupon_reclaims WHERE sub_order_id = $1`+cl.notSelf("coupon_reclaims")+`), 0)`,
			c.subOrderID, c.id).Scan(&locked.commissionReturned); err != nil {
			return fmt.Errorf("commission returned of %s: %w", c.subOrderID, err)
		}
		taken, stored, err := cl.takeOver(ctx, tx, c, attempt)
		if err != nil {
			return err
		}
		if commission, err = decide(tx, locked); err != nil {
			return err
		}
		if taken {
			if stored > 0 {
				// Decided when the claim was made, and perhaps moved since
				// under it: the claim keeps it.
				commission = stored
				return nil
			}
			return cl.setCommission(ctx, tx, c.id, commission)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO `+cl.table+` (`+cl.idColumn+`, sub_order_id, amount_minor, attempt_id, created_at, commission_minor)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (`+cl.idColumn+`) DO NOTHING`, c.id, c.subOrderID, c.amount, attempt, c.at, commission)
		if err != nil {
			return fmt.Errorf("claim %s %s: %w", cl.idColumn, c.id, err)
		}
		if tag.RowsAffected() == 0 {
			// Claimed meanwhile for another sub-order's escrow (not locked
			// here): the same details take it over, others are refused.
			_, _, err = cl.takeOver(ctx, tx, c, attempt)
		}
		return err
	})
	if err != nil {
		return "", 0, err
	}
	return attempt, commission, nil
}

// setCommission records the commission a claim taken over gives back, as
// decided again under the lock (one made before settlement gave none back).
func (cl claims) setCommission(ctx context.Context, tx pgx.Tx, id string, commission int64) error {
	if _, err := tx.Exec(ctx, `UPDATE `+cl.table+` SET commission_minor = $2 WHERE `+cl.idColumn+` = $1`, id, commission); err != nil {
		return fmt.Errorf("%s %s: %w", cl.idColumn, id, err)
	}
	return nil
}

// takeOver makes attempt the owner of c's claim when one is recorded with
// the same sub-order and amount; taken reports that one is recorded, with
// the commission it gives back.
func (cl claims) takeOver(ctx context.Context, tx pgx.Tx, c claimed, attempt string) (taken bool, commission int64, err error) {
	var sub string
	var amount int64
	err = tx.QueryRow(ctx, `SELECT sub_order_id, amount_minor, commission_minor FROM `+cl.table+` WHERE `+cl.idColumn+` = $1 FOR UPDATE`, c.id).
		Scan(&sub, &amount, &commission)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("%s %s: %w", cl.idColumn, c.id, err)
	}
	if sub != c.subOrderID || amount != c.amount {
		return true, 0, cl.reused(c.id)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+cl.table+` SET attempt_id = $2 WHERE `+cl.idColumn+` = $1`, c.id, attempt); err != nil {
		return true, 0, fmt.Errorf("take over %s %s: %w", cl.idColumn, c.id, err)
	}
	return true, commission, nil
}

// notSelf is the condition leaving the claim ($2) out of table's sum: only
// in the claim's own table.
func (cl claims) notSelf(table string) string {
	if cl.table != table {
		return ""
	}
	return " AND " + cl.idColumn + " <> $2"
}

// release deletes a claim whose ledger command was refused, unless a later
// attempt took it over.
func (cl claims) release(ctx context.Context, pool *pgxpool.Pool, id, attempt string) error {
	if _, err := pool.Exec(ctx, `DELETE FROM `+cl.table+` WHERE `+cl.idColumn+` = $1 AND attempt_id = $2`, id, attempt); err != nil {
		return fmt.Errorf("release %s %s: %w", cl.idColumn, id, err)
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

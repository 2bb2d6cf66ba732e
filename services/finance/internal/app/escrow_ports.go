package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
)

// EscrowStore keeps what escrow needs beside the ledger: how each sub-order
// was paid, commission rates, top-up requests and waiting refunds.
type EscrowStore interface {
	// InsertEscrows records paid sub-orders; rows that exist are kept.
	InsertEscrows(ctx context.Context, rs []escrow.Record) error
	// Escrow returns a sub-order's escrow, or NotFound.
	Escrow(ctx context.Context, subOrderID string) (escrow.Record, error)
	// EscrowsOfOrder returns an order's escrows by sub-order id, and any
	// escrow of the sub-orders named (another order's, if the ids were
	// reused).
	EscrowsOfOrder(ctx context.Context, orderID string, subOrderIDs []string) ([]escrow.Record, error)
	// MarkSettled records what a settlement did.
	MarkSettled(ctx context.Context, r escrow.Record) error
	// CommissionBps returns a supplier's own commission rate, if it has one.
	CommissionBps(ctx context.Context, orgID string) (int64, bool, error)
	// SetCommissionBps sets a supplier's commission rate.
	SetCommissionBps(ctx context.Context, orgID string, bps int64, by string, at time.Time) error
	// OpenTopUp records a top-up request and its events unless the
	// sub-order has an open one, which it returns instead.
	OpenTopUp(ctx context.Context, t escrow.TopUp, events func(escrow.TopUp) []outbox.Message) (escrow.TopUp, error)
	// TopUp returns a top-up request, or NotFound.
	TopUp(ctx context.Context, id string) (escrow.TopUp, error)
	// InterruptedTopUps returns the top-up requests whose payment (its
	// ledger command keyed keyPrefix + the request id) committed before
	// `before` while their sub-order is still held, oldest first.
	InterruptedTopUps(ctx context.Context, before time.Time, keyPrefix string, limit int) ([]string, error)
	// UnmarkedSettlements returns, oldest first, the sub-orders whose
	// escrow is held though a settlement command (keyed keyPrefix + the
	// sub-order id) committed before `before`.
	UnmarkedSettlements(ctx context.Context, before time.Time, keyPrefix string, limit int) ([]string, error)
	// MarkTopUpPaid closes a top-up request.
	MarkTopUpPaid(ctx context.Context, id string, at time.Time) error
	// RecordAdvancedFreight records a leg of an unsettled sub-order that
	// the platform paid because its escrow could not (idempotent on the
	// leg); AdvancedFreight sums a sub-order's.
	RecordAdvancedFreight(ctx context.Context, legID, subOrderID string, amount int64, at time.Time) error
	AdvancedFreight(ctx context.Context, subOrderID string) (int64, error)
	// RefundsClaimed sums a sub-order's refund claims (supplier currency).
	RefundsClaimed(ctx context.Context, subOrderID string) (int64, error)
	// ClaimRefund records a refund of a sub-order before it moves money,
	// under a lock of the sub-order so that claims of one sub-order are
	// checked one at a time: decide sees what the payer paid and got back
	// (top-ups counted once their payment, keyed topUpKeyPrefix + the
	// request id, committed) and the commission the sub-order's returns
	// gave back, this refund left out; it may refuse, or answers the
	// commission this refund gives back, recorded with the claim. A refund
	// id claimed with the same sub-order and amount is taken over once
	// decide allows it still (a claim made before settlement is a claw-back
	// after it); with others it is AlreadyExists. It returns the attempt's
	// id for ReleaseRefund and the commission decided.
	ClaimRefund(ctx context.Context, c escrow.RefundClaim, topUpKeyPrefix string, decide func(escrow.Returns) (int64, error)) (string, int64, error)
	// ReleaseRefund forgets a claim whose ledger command was refused,
	// unless another attempt took it over since.
	ReleaseRefund(ctx context.Context, refundID, attempt string) error
	// ClaimCouponReclaim records a reclaim of a sub-order's coupon funding
	// before it moves money, under the same lock as ClaimRefund: decide
	// sees what the sub-order's other reclaims took back and the commission
	// its returns gave back; it may refuse, or answers the commission this
	// reclaim gives back. A reclaim id claimed with the same sub-order and
	// amount is taken over once decide allows it still; with others it is
	// AlreadyExists. It returns the attempt's id for ReleaseCouponReclaim
	// and the commission decided.
	ClaimCouponReclaim(ctx context.Context, c escrow.ReclaimClaim, decide func(reclaimed, commissionReturned int64) (int64, error)) (string, int64, error)
	// ReleaseCouponReclaim forgets a reclaim's claim whose ledger command
	// was refused, unless another attempt took it over since.
	ReleaseCouponReclaim(ctx context.Context, reclaimID, attempt string) error
	// RefundClaim returns a refund's claim, ok false when none is recorded.
	RefundClaim(ctx context.Context, refundID string) (c escrow.RefundClaim, ok bool, err error)
	// SaveWaitingRefund records a claw-back that waits, with its events,
	// unless it is recorded already; recorded with another sub-order or
	// amount it is AlreadyExists.
	SaveWaitingRefund(ctx context.Context, w escrow.WaitingRefund, events ...outbox.Message) error
	// WaitingRefunds returns up to limit waiting claw-backs, oldest first.
	WaitingRefunds(ctx context.Context, limit int) ([]escrow.WaitingRefund, error)
	// MarkRefundDone closes a claw-back that waited, once it went through
	// (one parked too, its reason kept, so an operator does not redo it);
	// nothing for one that never waited.
	MarkRefundDone(ctx context.Context, refundID string, at time.Time) error
	// ParkWaitingRefund sets aside a waiting claw-back the ledger refuses
	// for good, with the reason, so it is not tried again.
	ParkWaitingRefund(ctx context.Context, refundID, reason string, at time.Time) error
	// Emit writes events in a transaction of their own, for refusals that
	// move nothing.
	Emit(ctx context.Context, events ...outbox.Message) error
}

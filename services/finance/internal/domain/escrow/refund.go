package escrow

import (
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// RefundKey is the ledger key of a refund or claw-back: its refund id.
func RefundKey(refundID string) string { return "refund:" + refundID }

// RefundReused answers a refund id already recorded with another sub-order
// or amount: the same key with another body.
func RefundReused(refundID string) error { return ledger.KeyReused(RefundKey(refundID)) }

// RefundClaim is a refund of a sub-order recorded before it moves money:
// it ties the refund id to one sub-order and amount (so the id cannot be
// replayed for another), and it counts in what the sub-order has returned
// to its payer from then on, so claw-backs racing each other are checked
// against one another rather than each against the same stale total.
type RefundClaim struct {
	RefundID   string
	SubOrderID string
	Amount     int64 // supplier currency
	CreatedAt  time.Time
}

// Returns is what a sub-order's payer put in and got back, in the
// supplier's currency, as it stands under the escrow row's lock.
type Returns struct {
	// Paid is what the payer's money bought: the checkout's share and every
	// paid top-up request. A coupon's funding is the platform's and is not
	// in it.
	Paid int64
	// Returned is the settlement's remainder that reached the payer and
	// every refund and claw-back claimed, waiting ones included.
	Returned int64
	// CommissionReturned is the settlement's commission the sub-order's
	// claw-backs and coupon reclaims claimed give back.
	CommissionReturned int64
	// Before is what was returned ahead of the refund being claimed: the
	// settlement's remainder and the refunds claimed earlier. The refund
	// converts back after it (Back.Before).
	Before int64
}

// ReasonRefundExceedsPaid refuses a claw-back beyond what the payer paid
// for the sub-order less what it got back already.
const ReasonRefundExceedsPaid = "REFUND_EXCEEDS_PAID"

// MetadataRefundable is how much of a sub-order may still be clawed back,
// in minor units of the supplier's currency.
const MetadataRefundable = "refundable_minor_units"

// CheckClawBack refuses a claw-back of amount that would give the payer
// back more than it paid for the sub-order. The supplier's payable is
// shared by all its sub-orders, so without this bound a claw-back would
// hand one buyer another sub-order's earnings. A refund before settlement
// needs no such check: escrow's own balance bounds it, and it may hold a
// coupon's funding, which a cancellation gives back with the rest.
func CheckClawBack(r Returns, amount int64, currency string) error {
	refundable := max(r.Paid-r.Returned, 0)
	if amount <= refundable {
		return nil
	}
	return apperr.FailedPrecondition("the refund is more than the buyer paid for the sub-order less what was returned already").
		WithReason(ReasonRefundExceedsPaid).
		WithMetadata(MetadataRefundable, strconv.FormatInt(refundable, 10)).
		WithMetadata(ledger.MetadataCurrency, currency)
}

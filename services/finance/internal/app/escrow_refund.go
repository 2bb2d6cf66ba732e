package app

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// RefundResult is an after-sale refund: done, or waiting for the supplier's
// payable.
type RefundResult struct {
	Refunded int64 // buyer currency
	ClawBack bool
	Waiting  bool
	Replayed bool
	Currency string
}

// RefundSubOrder refunds a buyer for a sub-order (after-sale), idempotent on
// the refund id and bound to one sub-order and amount by it, into the
// account that paid it (the buyer's wallet, or the merchant's deposit):
// from escrow before settlement, clawed back from the supplier's payable
// after it, always converted back at the payment's original rate (an amount
// that rounds to nothing in the buyer's currency is kept as FX rounding).
// A claw-back may return no more than the payer paid for the sub-order less
// what it got back already (refunds, the settlement's remainder, earlier
// claw-backs): FailedPrecondition REFUND_EXCEEDS_PAID. A claw-back the
// payable cannot pay (its flags forbid a negative balance) waits:
// finance.escrow.refund_waiting, retried by RetryWaitingRefunds or by the
// caller asking again (either marks it done once it goes through).
func (e *Escrows) RefundSubOrder(ctx context.Context, caller auth.Caller, subOrderID, refundID string, amount int64, currency string) (RefundResult, error) {
	if _, err := requireService(caller); err != nil {
		return RefundResult{}, err
	}
	var v apperr.Violations
	if subOrderID == "" {
		v.Add("sub_order_id", "is required")
	}
	if refundID == "" {
		v.Add("refund_id", "is required")
	}
	if amount <= 0 {
		v.Add("amount_minor", "must be greater than zero")
	}
	if err := v.Err(); err != nil {
		return RefundResult{}, err
	}
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return RefundResult{}, err
	}
	if err := checkCurrency(r, currency); err != nil {
		return RefundResult{}, err
	}
	return e.refund(ctx, r, refundID, amount)
}

// refund claims the refund (escrow.RefundClaim: the id bound to the
// sub-order and amount, the claw-back bound to what was paid), then moves
// the money in one ledger command. The claim is written before the command
// and dropped again only when the ledger refuses the command, so a crash in
// between leaves the refund counted, never uncounted; its retry takes the
// claim over.
func (e *Escrows) refund(ctx context.Context, r escrow.Record, refundID string, amount int64) (RefundResult, error) {
	if prior, err := e.ledger.TransfersByReference(ctx, refundID); err != nil {
		return RefundResult{}, err
	} else if len(prior) > 0 {
		return e.replayedRefund(ctx, r, refundID, amount, prior)
	}
	back := escrow.Back{From: escrow.Escrow(r.SubOrderID, r.SupplierCurrency), Amount: amount, Code: ledger.CodeRefund, Ref: refundID, Today: e.todayRate(ctx, r)}
	clawBack := r.State == escrow.StateSettled
	if clawBack {
		back.From, back.Code = escrow.SupplierPayable(r.SupplierOrgID, r.SupplierCurrency), ledger.CodeClawBack
	}
	if _, err := escrow.PlanBack(r.Paid, back); err != nil {
		return RefundResult{}, err // refused before anything is claimed
	}
	now := e.fin.clock()
	// Escrow's balance bounds a refund before settlement; a claw-back is
	// bounded by what the payer paid. Either converts back after what the
	// sub-order returned before it, as the claim's lock saw it.
	decide := func(rt escrow.Returns) (int64, error) {
		back.Before = rt.Before
		if !clawBack {
			return 0, nil
		}
		if err := escrow.CheckClawBack(rt, amount, r.SupplierCurrency); err != nil {
			return 0, err
		}
		return escrow.CommissionReturn(amount, r.SettledGoods, r.Commission, rt.CommissionReturned), nil
	}
	attempt, commission, err := e.store.ClaimRefund(ctx, escrow.RefundClaim{RefundID: refundID, SubOrderID: r.SubOrderID, Amount: amount, CreatedAt: now},
		TopUpPaymentKeyPrefix, decide)
	if err != nil {
		return RefundResult{}, err
	}
	back.CommissionReturn = commission
	plan, err := escrow.PlanBack(r.Paid, back)
	if err != nil {
		return RefundResult{}, errors.Join(err, e.store.ReleaseRefund(ctx, refundID, attempt))
	}
	ev := &financev1.EscrowRefunded{SubOrderId: r.SubOrderID, RefundId: refundID, Amount: moneyProto(amount, r.SupplierCurrency),
		Refunded: moneyProto(plan.Refunded, r.BuyerCurrency), ClawBack: clawBack, OccurredAt: timestamppb.New(now)}
	events := append([]outbox.Message{{Subject: "finance.escrow.refunded", Payload: ev}},
		payerMoved(r.Paid, plan.Transfers, back.Code, refundID, now)...)
	res, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: refundKey(refundID), Transfers: plan.Transfers}, events...)
	if errors.Is(err, ledger.ErrIdempotencyKeyReused) {
		// A call racing this one (the caller's retry of a call whose answer
		// it lost) refunded under the key with its own plan, today's rate
		// having moved between the two: the refund is that one.
		prior, perr := e.ledger.TransfersByReference(ctx, refundID)
		if perr != nil || len(prior) == 0 {
			return RefundResult{}, errors.Join(err, perr)
		}
		return e.replayedRefund(ctx, r, refundID, amount, prior)
	}
	if clawBack && errors.Is(err, ledger.ErrInsufficientFunds) {
		// The claim stays: a waiting claw-back counts against the bound.
		waiting := &financev1.RefundWaiting{SubOrderId: r.SubOrderID, RefundId: refundID, Amount: moneyProto(amount, r.SupplierCurrency), OccurredAt: timestamppb.New(now)}
		if err := e.store.SaveWaitingRefund(ctx, escrow.WaitingRefund{RefundID: refundID, SubOrderID: r.SubOrderID, Amount: amount, CreatedAt: now},
			outbox.Message{Subject: "finance.escrow.refund_waiting", Payload: waiting}); err != nil {
			return RefundResult{}, err
		}
		return RefundResult{ClawBack: true, Waiting: true, Currency: r.BuyerCurrency}, nil
	}
	if refused(err) {
		// Nothing moved and the key is free: the refund must not count.
		if rerr := e.store.ReleaseRefund(ctx, refundID, attempt); rerr != nil {
			return RefundResult{}, errors.Join(err, rerr)
		}
		if !clawBack && errors.Is(err, ledger.ErrInsufficientFunds) {
			return e.refundSettledMeanwhile(ctx, r, refundID, amount, err)
		}
	}
	if err != nil {
		return RefundResult{}, err
	}
	if clawBack {
		if err := e.store.MarkRefundDone(ctx, refundID, now); err != nil {
			return RefundResult{}, err
		}
	}
	return RefundResult{Refunded: plan.Refunded, ClawBack: clawBack, Replayed: res.Replayed, Currency: r.BuyerCurrency}, nil
}

// refundSettledMeanwhile answers a refund from escrow that the ledger
// refused for want of funds (err): when a settlement emptied the escrow
// after the refund read it, the refund is a claw-back from the supplier's
// payable, as it would have been asked a moment later; while that
// settlement is not recorded yet, ErrSettling (asked again, it claws
// back). Otherwise escrow never held the amount, and err stands.
func (e *Escrows) refundSettledMeanwhile(ctx context.Context, read escrow.Record, refundID string, amount int64, err error) (RefundResult, error) {
	r, rerr := e.store.Escrow(ctx, read.SubOrderID)
	if rerr != nil {
		return RefundResult{}, errors.Join(err, rerr)
	}
	if r.State == escrow.StateSettled {
		return e.refund(ctx, r, refundID, amount)
	}
	settling, serr := e.settlementTransfers(ctx, r.SubOrderID)
	if serr != nil {
		return RefundResult{}, errors.Join(err, serr)
	}
	if len(settling) > 0 {
		return RefundResult{}, ErrSettling.WithMetadata("sub_order_id", r.SubOrderID)
	}
	return RefundResult{}, err
}

// refused reports a ledger refusal: the command moved nothing and kept no
// key (a limit, a closed account, bad input), unlike an error that leaves
// its outcome unknown (a timeout, a lost connection) or a reused key.
func refused(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.KindFailedPrecondition, apperr.KindInvalid:
		return true
	}
	return false
}

// replayedRefund answers a refund id that already moved money: the first
// result, whatever has happened since (a settlement in between, a new rate),
// or AlreadyExists when the sub-order or the amount differs. A refund that
// moved money before claims were kept has none; the ledger's transfers
// still tell its amount.
func (e *Escrows) replayedRefund(ctx context.Context, r escrow.Record, refundID string, amount int64, prior []ledger.Transfer) (RefundResult, error) {
	c, claimed, err := e.store.RefundClaim(ctx, refundID)
	if err != nil {
		return RefundResult{}, err
	}
	first := prior[0]
	if claimed && (c.SubOrderID != r.SubOrderID || c.Amount != amount) || first.Amount != amount || first.Currency != r.SupplierCurrency {
		return RefundResult{}, escrow.RefundReused(refundID)
	}
	res := RefundResult{ClawBack: first.Code == ledger.CodeClawBack, Replayed: true, Currency: r.BuyerCurrency}
	if res.ClawBack {
		// It went through: were it waiting, it waits no more.
		if err := e.store.MarkRefundDone(ctx, refundID, e.fin.clock()); err != nil {
			return RefundResult{}, err
		}
	}
	for _, t := range prior {
		if t.Code == first.Code && t.Currency == r.BuyerCurrency {
			// The leg into the payer's account: the only one in one
			// currency, the last of a conversion back; none when the
			// amount rounded to nothing.
			res.Refunded = t.Amount
		}
	}
	return res, nil
}

// RetryWaitingRefunds tries the waiting claw-backs again, oldest first, up
// to limit; it returns how many went through. One the ledger or the bound
// refuses for good (a closed payable, a refund id reused) is parked with
// the reason and logged, and the others are still tried: one bad row must
// not hold every claw-back behind it. Any other error stops the run.
func (e *Escrows) RetryWaitingRefunds(ctx context.Context, caller auth.Caller, limit int) (int, error) {
	if _, err := requireService(caller); err != nil {
		if _, err := requireAdmin(caller); err != nil {
			return 0, ErrServicesOnly
		}
	}
	ws, err := e.store.WaitingRefunds(ctx, max(limit, 1))
	if err != nil {
		return 0, err
	}
	done := 0
	for _, w := range ws {
		r, err := e.store.Escrow(ctx, w.SubOrderID)
		var res RefundResult
		if err == nil {
			res, err = e.refund(ctx, r, w.RefundID, w.Amount)
		}
		switch {
		case apperr.Permanent(err):
			e.log.WarnContext(ctx, "waiting claw-back refused for good: parked", "refund_id", w.RefundID, "sub_order_id", w.SubOrderID, "error", err)
			if err := e.store.ParkWaitingRefund(ctx, w.RefundID, refusalText(err), e.fin.clock()); err != nil {
				return done, err
			}
		case err != nil:
			return done, err
		case !res.Waiting:
			done++ // refund marked it done
		}
	}
	return done, nil
}

// refusalText is a refusal's reason and message, for an operator.
func refusalText(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason + ": " + err.Error()
	}
	return err.Error()
}

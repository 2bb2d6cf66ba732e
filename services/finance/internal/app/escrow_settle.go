package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// SettleResult is a settlement, or the top-up request a short escrow opened.
type SettleResult struct {
	Record escrow.Record
	// TopUp is set when escrow could not pay the goods: nothing moved.
	TopUp *escrow.TopUp
}

// SetCommissionRate sets a supplier's commission in basis points (admins).
func (e *Escrows) SetCommissionRate(ctx context.Context, caller auth.Caller, orgID string, bps int64) error {
	admin, err := requireAdmin(caller)
	if err != nil {
		return err
	}
	var v apperr.Violations
	// Stored as settlement looks it up: the id's canonical spelling. One
	// typed in capitals was stored as typed and never found again, and
	// the supplier paid the default commission without a word.
	if id, err := uuid.Parse(strings.TrimSpace(orgID)); err != nil || id == uuid.Nil {
		v.Add("supplier_org_id", "must be a supplier organization's UUID")
	} else {
		orgID = id.String()
	}
	if bps < 0 || bps > 10000 {
		v.Add("commission_bps", "must be between 0 and 10000")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return e.store.SetCommissionBps(ctx, orgID, bps, admin, e.fin.clock())
}

func (e *Escrows) commissionBps(ctx context.Context, orgID string) (int64, error) {
	bps, ok, err := e.store.CommissionBps(ctx, orgID)
	if err != nil || !ok {
		return e.defaultCommission, err
	}
	return bps, nil
}

// SettleSubOrder completes a sub-order at its actual goods price (freight
// was paid leg by leg, from escrow or, where escrow could not, advanced by
// the platform): the supplier's payable gets the goods less commission, the
// platform the commission and the freight it advanced, and the payer's
// account (the buyer's wallet or the merchant's deposit) the escrow's
// remainder at the payment's original rate. When escrow is short of the
// goods and the advanced freight it opens a top-up request
// (finance.topup.requested) and moves nothing. Settling a
// settled sub-order again with the same goods price answers the first
// settlement; another price is AlreadyExists, and so is another price
// while a top-up request of the sub-order is open. Goods of nothing (all of
// them returned before settlement, or a coupon of the supplier's took off
// their whole price) settle too: the supplier gets nothing, what escrow
// holds pays back the freight the platform advanced as far as it goes, and
// the rest goes back to the buyer, who is asked for nothing more.
func (e *Escrows) SettleSubOrder(ctx context.Context, caller auth.Caller, subOrderID string, goods int64, currency string) (SettleResult, error) {
	if _, err := requireService(caller); err != nil {
		return SettleResult{}, err
	}
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return SettleResult{}, err
	}
	if currency != r.SupplierCurrency {
		return SettleResult{}, apperr.InvalidField("goods.currency_code", "must be "+r.SupplierCurrency+", the sub-order's escrow currency")
	}
	return e.settle(ctx, subOrderID, goods)
}

// settle settles the sub-order at goods, planned again on what escrow
// holds when the ledger refuses the plan because escrow moved after it was
// read (a refund, a freight leg racing the settlement): the answer is then
// the settlement or the top-up request that balance makes, not the
// ledger's INSUFFICIENT_FUNDS, which a caller takes for a lasting refusal.
func (e *Escrows) settle(ctx context.Context, subOrderID string, goods int64) (SettleResult, error) {
	if goods < 0 {
		return SettleResult{}, apperr.InvalidField("goods_minor", "must not be negative")
	}
	for attempt := 1; ; attempt++ {
		res, err := e.settleOnce(ctx, subOrderID, goods)
		if !errors.Is(err, ErrEscrowChanged) || attempt == settleAttempts {
			return res, err
		}
	}
}

// settleAttempts bounds the plans of one settlement whose escrow keeps
// moving; past it the caller is told to try again (ErrEscrowChanged).
const settleAttempts = 3

// ErrEscrowChanged answers a settlement whose escrow kept moving while it
// was planned: nothing moved, and a later call settles.
var ErrEscrowChanged = apperr.Aborted("the sub-order's escrow changed while it was being settled; settle again").WithReason("ESCROW_CHANGED")

// settleOnce plans the settlement on escrow's balance and executes it.
func (e *Escrows) settleOnce(ctx context.Context, subOrderID string, goods int64) (SettleResult, error) {
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return SettleResult{}, err
	}
	if r.State == escrow.StateSettled {
		if r.SettledGoods != goods {
			return SettleResult{}, ledger.KeyReused(settleKey(subOrderID))
		}
		return SettleResult{Record: r}, nil
	}
	if res, done, err := e.finishSettlement(ctx, r, goods); done || err != nil {
		return res, err
	}
	balance, err := e.escrowBalance(ctx, r)
	if err != nil {
		return SettleResult{}, err
	}
	bps, err := e.commissionBps(ctx, r.SupplierOrgID)
	if err != nil {
		return SettleResult{}, err
	}
	advanced, err := e.store.AdvancedFreight(ctx, subOrderID)
	if err != nil {
		return SettleResult{}, err
	}
	refunded, err := e.store.RefundsClaimed(ctx, subOrderID)
	if err != nil {
		return SettleResult{}, err
	}
	if goods == 0 {
		// Goods that all went back (or whose whole price a coupon of the
		// supplier's took off): the buyer is asked for nothing more. What
		// escrow holds pays back the freight the platform advanced, as far
		// as it goes, and the rest of the advance stays the platform's.
		advanced = min(advanced, balance)
	}
	plan, err := escrow.PlanSettlement(escrow.Settlement{Paid: r.Paid, EscrowBalance: balance, Goods: goods, AdvancedFreight: advanced,
		CommissionBps: bps, Today: e.todayRate(ctx, r), Returned: refunded})
	if err != nil {
		return SettleResult{}, err
	}
	now := e.fin.clock()
	if plan.Shortfall > 0 {
		// A settlement racing this one may have drained escrow after it was
		// read: no top-up is asked for a sub-order being settled.
		settling, err := e.settlementTransfers(ctx, subOrderID)
		if err != nil {
			return SettleResult{}, err
		}
		if len(settling) > 0 {
			return SettleResult{}, ErrSettling.WithMetadata("sub_order_id", subOrderID)
		}
		t, err := e.store.OpenTopUp(ctx, escrow.TopUp{ID: e.fin.newID(), SubOrderID: subOrderID, Goods: goods, Amount: plan.Shortfall, CreatedAt: now},
			func(t escrow.TopUp) []outbox.Message {
				return []outbox.Message{{Subject: "finance.topup.requested", Payload: &financev1.TopUpRequested{
					RequestId: t.ID, SubOrderId: subOrderID, BuyerId: r.BuyerID, Amount: moneyProto(t.Amount, r.SupplierCurrency), OccurredAt: timestamppb.New(now),
					MerchantOrgId: r.MerchantOrgID,
				}}}
			})
		if err != nil {
			return SettleResult{}, err
		}
		if t.Goods != goods {
			return SettleResult{}, errTopUpOpenForOtherGoods(subOrderID, t)
		}
		return SettleResult{Record: r, TopUp: &t}, nil
	}
	ev := &financev1.EscrowSettled{
		SubOrderId: subOrderID, OrderId: r.OrderID, SupplierNet: moneyProto(plan.SupplierNet, r.SupplierCurrency),
		Commission: moneyProto(plan.Commission, r.SupplierCurrency), Refunded: moneyProto(plan.Refunded, r.BuyerCurrency), OccurredAt: timestamppb.New(now),
	}
	if len(plan.Transfers) > 0 {
		events := append([]outbox.Message{{Subject: "finance.escrow.settled", Payload: ev}},
			payerMoved(r.Paid, plan.Transfers, ledger.CodeEscrowRefund, subOrderID, now)...)
		// Planned on escrow's whole balance: a move committed since (a
		// top-up paid, a leg, a refund) refuses it, and it is planned again,
		// so no money lands in, or is spent from, an escrow settled without it.
		cmd := ledger.Command{IdempotencyKey: settleKey(subOrderID), Transfers: plan.Transfers,
			Expect: []ledger.Expectation{{Account: escrow.Escrow(subOrderID, r.SupplierCurrency), Net: balance}}}
		if _, err := e.ledger.Execute(ctx, cmd, events...); err != nil {
			return SettleResult{}, e.escrowMoved(ctx, r, balance, err)
		}
	}
	r.State, r.SettledAt, r.SettledGoods, r.Commission, r.SupplierNet, r.Refunded = escrow.StateSettled, now, goods, plan.Commission, plan.SupplierNet, plan.Refunded
	if plan.Refunded > 0 {
		r.Remainder = plan.Remainder
	}
	if err := e.store.MarkSettled(ctx, r); err != nil {
		return SettleResult{}, err
	}
	return SettleResult{Record: r}, nil
}

// escrowMoved returns ErrEscrowChanged for a ledger refusing a settlement
// for want of funds when escrow no longer holds the balance it was planned
// on, and err otherwise.
func (e *Escrows) escrowMoved(ctx context.Context, r escrow.Record, planned int64, err error) error {
	if errors.Is(err, ledger.ErrBalanceChanged) || errors.Is(err, ledger.ErrIdempotencyKeyReused) {
		// Key reused: a call racing this one (the caller's retry of a call
		// whose answer it lost) settled under the key with its own plan,
		// today's rate having moved between the two. Planned again, this
		// call finds that settlement and answers it (finishSettlement).
		return ErrEscrowChanged.WithMetadata("sub_order_id", r.SubOrderID)
	}
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		return err
	}
	now, berr := e.escrowBalance(ctx, r)
	if berr != nil || now == planned {
		return err
	}
	return ErrEscrowChanged.WithMetadata("sub_order_id", r.SubOrderID)
}

// finishSettlement completes a settlement whose ledger command committed
// but whose record was not marked settled: the process stopped between the
// two, or a concurrent call with the same price got there first. The
// ledger is the truth, so the record is rebuilt from that command's
// transfers; a retry at another goods price is AlreadyExists, as after a
// marked settlement. done is false when the ledger holds no settlement.
func (e *Escrows) finishSettlement(ctx context.Context, r escrow.Record, goods int64) (res SettleResult, done bool, err error) {
	settled, found, err := e.settledInLedger(ctx, r)
	if err != nil || !found {
		return SettleResult{}, false, err
	}
	if settled.SettledGoods != goods {
		return SettleResult{}, true, ledger.KeyReused(settleKey(r.SubOrderID))
	}
	if err := e.store.MarkSettled(ctx, settled); err != nil {
		return SettleResult{}, true, err
	}
	return SettleResult{Record: settled}, true, nil
}

// settledInLedger is r settled as its settlement's ledger command says
// (goods are what it paid the supplier and the platform); found is false
// when the ledger holds no settlement of it.
func (e *Escrows) settledInLedger(ctx context.Context, r escrow.Record) (settled escrow.Record, found bool, err error) {
	ts, err := e.settlementTransfers(ctx, r.SubOrderID)
	if err != nil || len(ts) == 0 {
		return escrow.Record{}, false, err
	}
	var net, commission, refunded, remainder int64
	var at time.Time
	for _, t := range ts {
		at = t.CreatedAt
		switch {
		case t.Code == ledger.CodeSettlementGoods:
			net += t.Amount
		case t.Code == ledger.CodeCommission:
			commission += t.Amount
		}
		if t.Code != ledger.CodeEscrowRefund {
			continue
		}
		if t.Currency == r.SupplierCurrency && remainder == 0 {
			// The leg out of escrow (the first one of a conversion back).
			remainder = t.Amount
		}
		if t.Currency == r.BuyerCurrency {
			// The leg that reached the payer's account (the last one of a
			// conversion back).
			refunded = t.Amount
		}
	}
	r.State, r.SettledAt, r.SettledGoods, r.Commission, r.SupplierNet, r.Refunded, r.Remainder = escrow.StateSettled, at, net+commission, commission, net, refunded, remainder
	return r, true, nil
}

// errTopUpOpenForOtherGoods refuses a settlement at another goods price
// than the open top-up request of its sub-order was made for: answering
// that request would have the buyer pay, and the supplier be settled, at
// the first price. The request stands until it is paid (or the sub-order
// is settled at its price).
func errTopUpOpenForOtherGoods(subOrderID string, t escrow.TopUp) error {
	return apperr.AlreadyExists(fmt.Sprintf("sub-order %s has top-up request %s open for goods of %d; settle at that price or pay it first",
		subOrderID, t.ID, t.Goods)).
		WithReason(ledger.ReasonIdempotencyKeyReused).
		WithMetadata(ledger.MetadataIdempotencyKey, settleKey(subOrderID)).
		WithMetadata("request_id", t.ID)
}

// ErrSettling answers a settlement that raced another one of the same
// sub-order: read the sub-order again.
var ErrSettling = apperr.Aborted("the sub-order is being settled by another call; read it again").WithReason("SETTLEMENT_IN_PROGRESS")

// heldBalance reads the balance of an escrow its record says is held,
// for a payment into it to expect (ledger.Expectation): a settlement
// commits in the ledger before its record is marked, so one the ledger
// already holds is errSettledInLedger; one committed after the read
// changes the balance and refuses the payment.
func (e *Escrows) heldBalance(ctx context.Context, r escrow.Record) (int64, error) {
	balance, err := e.escrowBalance(ctx, r)
	if err != nil {
		return 0, err
	}
	settled, err := e.settlementTransfers(ctx, r.SubOrderID)
	if err != nil {
		return 0, err
	}
	if len(settled) > 0 {
		return 0, errSettledInLedger
	}
	return balance, nil
}

// errSettledInLedger is heldBalance's answer for an escrow whose
// settlement committed and whose record is not marked yet.
var errSettledInLedger = errors.New("the escrow's settlement is in the ledger")

// settlementTransfers returns the transfers of the sub-order's settlement
// command (the one holding a transfer only a settlement makes under the
// sub-order's id: goods, commission, freight recovered, the remainder
// back or kept as FX rounding), or none when the ledger holds no
// settlement of it. A settlement at goods 0 holds no goods or commission
// transfer: found by its goods alone, its retry after a crash before the
// record was marked planned it again on the emptied escrow, and asked the
// buyer for the advanced freight a second time.
func (e *Escrows) settlementTransfers(ctx context.Context, subOrderID string) ([]ledger.Transfer, error) {
	ts, err := e.ledger.TransfersByReference(ctx, subOrderID)
	if err != nil {
		return nil, err
	}
	command := ""
	for _, t := range ts {
		switch t.Code {
		case ledger.CodeSettlementGoods, ledger.CodeCommission, ledger.CodeFreightRecovered, ledger.CodeEscrowRefund, ledger.CodeFXDifference:
			command = t.CommandID
		}
	}
	if command == "" {
		return nil, nil
	}
	return slices.DeleteFunc(ts, func(t ledger.Transfer) bool { return t.CommandID != command }), nil
}

// ErrTopUpNotYours hides another buyer's top-up request.
func errTopUpNotFound(id string) error { return apperr.NotFound("top-up request", id) }

// PayTopUp pays an open top-up request from the account that paid the
// checkout — the buyer's wallet, or the merchant's deposit — (converted at
// the payment's original rate, like the checkout) and then settles the
// sub-order. The buyer it asks (for a merchant order, any member of the
// merchant), or a service, may pay it; paying a paid request again answers
// the settlement, and finishes it first if the process stopped after the
// payment.
func (e *Escrows) PayTopUp(ctx context.Context, caller auth.Caller, requestID string) (SettleResult, error) {
	if caller.Subject == "" {
		return SettleResult{}, auth.ErrAuthenticationRequired
	}
	t, err := e.store.TopUp(ctx, requestID)
	if err != nil {
		return SettleResult{}, err
	}
	r, err := e.store.Escrow(ctx, t.SubOrderID)
	if err != nil {
		return SettleResult{}, err
	}
	if _, err := requireService(caller); err != nil && !isPayer(caller, r.Paid) {
		return SettleResult{}, errTopUpNotFound(requestID)
	}
	return e.payTopUp(ctx, t, r)
}

// payTopUp takes a top-up request on from where it stands: pays it unless
// paid, then settles the sub-order unless settled. Each step is idempotent
// (the payment on the request's key, the settlement on the sub-order's),
// so a crash between them is finished by the next call.
func (e *Escrows) payTopUp(ctx context.Context, t escrow.TopUp, r escrow.Record) (SettleResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := e.payTopUpOnce(ctx, t, r)
		if !errors.Is(err, ledger.ErrBalanceChanged) {
			return res, err
		}
		if attempt == settleAttempts {
			return SettleResult{}, ErrEscrowChanged.WithMetadata("sub_order_id", t.SubOrderID)
		}
		// The escrow moved after it was read (settled at another price,
		// say): read the request and the escrow again.
		if t, err = e.store.TopUp(ctx, t.ID); err != nil {
			return SettleResult{}, err
		}
		if r, err = e.store.Escrow(ctx, t.SubOrderID); err != nil {
			return SettleResult{}, err
		}
	}
}

// payTopUpOnce pays the request on escrow's balance as read, and settles.
// The payment expects that balance: one committed into an escrow settled
// (or otherwise moved) since would otherwise stay there, paid for goods
// the settlement did not count; it is ledger.ErrBalanceChanged instead.
func (e *Escrows) payTopUpOnce(ctx context.Context, t escrow.TopUp, r escrow.Record) (SettleResult, error) {
	if r.State == escrow.StateSettled {
		if !t.Paid {
			// Settled meanwhile at another price that escrow could pay: the
			// request is moot and the buyer pays nothing.
			return SettleResult{}, ErrEscrowSettled.WithMetadata("sub_order_id", r.SubOrderID).WithMetadata("request_id", t.ID)
		}
		// Paid before: the answer is the settlement; nothing moves.
		return SettleResult{Record: r}, nil
	}
	if !t.Paid {
		// Rounded up to the buyer currency's minor unit: a shortfall worth
		// less than one is still paid (escrow.PlanTopUp).
		plan, err := escrow.PlanTopUp(r.Paid, t.Amount)
		if err != nil {
			return SettleResult{}, err
		}
		balance, err := e.heldBalance(ctx, r)
		settledInLedger := errors.Is(err, errSettledInLedger)
		if settledInLedger {
			// Settled, its record not marked yet. This request's payment may
			// be in the ledger too (the process stopped after both): asked
			// again under its key, it is answered as a replay, and both are
			// finished. A payment not made must not land in the settled
			// escrow: it expects a balance no escrow can hold (an escrow
			// never goes below zero), so the ledger refuses it.
			balance, err = -1, nil
		}
		if err != nil {
			return SettleResult{}, err
		}
		now := e.fin.clock()
		ev := &financev1.TopUpPaid{RequestId: t.ID, SubOrderId: t.SubOrderID, Paid: moneyProto(plan.Total, r.BuyerCurrency), OccurredAt: timestamppb.New(now)}
		events := append([]outbox.Message{{Subject: "finance.topup.paid", Payload: ev}},
			payerMoved(r.Paid, plan.Transfers, ledger.CodeTopUpPayment, t.ID, now)...)
		_, err = e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: topUpKey(t.ID), Transfers: plan.Transfers,
			Expect: []ledger.Expectation{{Account: escrow.Escrow(t.SubOrderID, r.SupplierCurrency), Net: balance}}}, events...)
		if errors.Is(err, ledger.ErrIdempotencyKeyReused) {
			// The request's key is this payment's alone: it committed with
			// the amount rounded half-even, before top-ups were rounded up.
			// It is paid; finish it.
			err = nil
		}
		if settledInLedger && errors.Is(err, ledger.ErrBalanceChanged) {
			// Never paid, and settled meanwhile at another price that
			// escrow could pay: the request is moot.
			return SettleResult{}, ErrEscrowSettled.WithMetadata("sub_order_id", r.SubOrderID).WithMetadata("request_id", t.ID)
		}
		if err != nil {
			return SettleResult{}, err
		}
		if err := e.store.MarkTopUpPaid(ctx, t.ID, e.fin.clock()); err != nil {
			return SettleResult{}, err
		}
	}
	return e.settle(ctx, t.SubOrderID, t.Goods)
}

// FinishUnmarkedSettlements marks settled, up to limit, the escrows whose
// settlement committed in the ledger at least age ago while their record
// still says held: the process stopped between the two, or the call's
// deadline passed while its command committed. The settlement's event went
// out with the command, so orders completed the sub-order and never asks
// again; left held, the escrow refused every later refund and coupon
// reclaim of the sub-order (SETTLEMENT_IN_PROGRESS, NOT_SETTLED) for good.
// The record is rebuilt from the ledger, as a retry's would be. It returns
// how many it marked and the first error.
func (e *Escrows) FinishUnmarkedSettlements(ctx context.Context, age time.Duration, limit int) (int, error) {
	ids, err := e.store.UnmarkedSettlements(ctx, e.fin.clock().Add(-age), settleKey(""), limit)
	if err != nil {
		return 0, err
	}
	var first error
	done := 0
	for _, id := range ids {
		r, err := e.store.Escrow(ctx, id)
		if err == nil && r.State == escrow.StateHeld {
			var settled escrow.Record
			var found bool
			if settled, found, err = e.settledInLedger(ctx, r); err == nil && found {
				err = e.store.MarkSettled(ctx, settled)
			}
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("settlement of %s: %w", id, err)
			}
			continue
		}
		done++
	}
	return done, first
}

// RunTopUpRecovery calls FinishInterruptedTopUps at start and every
// interval until ctx ends, for the requests paid at least an interval ago,
// reporting errors to report.
func (e *Escrows) RunTopUpRecovery(ctx context.Context, interval time.Duration, report func(error)) {
	periodic.Run(ctx, interval, func(ctx context.Context) error {
		_, err := e.FinishInterruptedTopUps(ctx, interval, 100)
		_, serr := e.FinishUnmarkedSettlements(ctx, interval, 100)
		return errors.Join(err, serr)
	}, report)
}

// FinishInterruptedTopUps takes on, up to limit, the top-up requests whose
// payment committed at least age ago while their sub-order stayed held: the
// process stopped after the payment, and the payer did not call again. The
// buyer's money is in escrow and orders waits for the settlement, so
// nothing else would finish them. Each is taken where it stopped, as the
// payer's retry would. It returns how many it finished and the first error.
func (e *Escrows) FinishInterruptedTopUps(ctx context.Context, age time.Duration, limit int) (int, error) {
	ids, err := e.store.InterruptedTopUps(ctx, e.fin.clock().Add(-age), TopUpPaymentKeyPrefix, limit)
	if err != nil {
		return 0, err
	}
	var first error
	done := 0
	for _, id := range ids {
		t, err := e.store.TopUp(ctx, id)
		if err == nil {
			var r escrow.Record
			if r, err = e.store.Escrow(ctx, t.SubOrderID); err == nil {
				_, err = e.payTopUp(ctx, t, r)
			}
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("top-up request %s: %w", id, err)
			}
			continue
		}
		done++
	}
	return done, first
}

package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// payTwoUSD pays one checkout of two USD sub-orders, s-1 of org-1 and s-2
// of org2, 100.00 each, from buyer-1's wallet (funded with 1,000.00).
func (k escrowKit) payTwoUSD(t *testing.T, org2 string) {
	t.Helper()
	k.fund(t, "buyer-1", "USD", 100000, "fund-1")
	if _, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: "o-1", BuyerID: "buyer-1", BuyerCurrency: "USD",
		Shares: []escrow.Share{
			{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "USD", Amount: 10000},
			{SubOrderID: "s-2", SupplierOrgID: org2, SupplierCurrency: "USD", Amount: 10000},
		}}); err != nil {
		t.Fatal(err)
	}
}

// settle settles a sub-order with escrow enough to pay the goods.
func (k escrowKit) settle(t *testing.T, subOrderID string, goods int64, currency string) escrow.Record {
	t.Helper()
	res, err := k.e.SettleSubOrder(ctx, svcs, subOrderID, goods, currency)
	if err != nil || res.TopUp != nil {
		t.Fatalf("settle %s: %+v, %v", subOrderID, res, err)
	}
	return res.Record
}

// exceedsPaid fails unless err refuses a claw-back beyond what the buyer
// paid, with what may still be clawed back.
func exceedsPaid(t *testing.T, err error, refundable string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindFailedPrecondition || e.Reason != escrow.ReasonRefundExceedsPaid ||
		e.Metadata[escrow.MetadataRefundable] != refundable {
		t.Fatalf("err = %v, want FailedPrecondition %s with %s refundable", err, escrow.ReasonRefundExceedsPaid, refundable)
	}
}

// The review's case: two 100.00 sub-orders of one supplier; s-1 refunded
// 5.00 and settled at goods 50.00 (45.00 back), so 50.00 of it may still be
// clawed back and no more. Before, 90.00 and then 50.00 went through: the
// buyer got 195.00 back for a 100.00 sub-order, paid with s-2's earnings.
func TestClawBackReturnsNoMoreThanTheBuyerPaid(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	wallet, payable := escrow.BuyerWallet("buyer-1", "USD"), escrow.SupplierPayable("org-1", "USD")
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-pre", 500, "USD"); err != nil || r.ClawBack {
		t.Fatalf("refund before settlement: %+v, %v", r, err)
	}
	if rec := k.settle(t, "s-1", 5000, "USD"); rec.Refunded != 4500 || rec.Remainder != 4500 {
		t.Fatalf("s-1 settled = %+v; want 45.00 back", rec)
	}
	k.settle(t, "s-2", 10000, "USD")
	if got := k.net(t, payable); got != 4750+9500 {
		t.Fatalf("payable %d", got)
	}
	walletBefore := k.net(t, wallet)

	_, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-90", 9000, "USD")
	exceedsPaid(t, err, "5000")
	if k.net(t, payable) != 4750+9500 || k.net(t, wallet) != walletBefore {
		t.Fatalf("a refused claw-back moved money: payable %d, wallet %d", k.net(t, payable), k.net(t, wallet))
	}
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-50", 5000, "USD"); err != nil || !r.ClawBack || r.Refunded != 5000 {
		t.Fatalf("claw-back of the rest: %+v, %v", r, err)
	}
	_, err = k.e.RefundSubOrder(ctx, svcs, "s-1", "r-more", 1, "USD")
	exceedsPaid(t, err, "0")
	// The retry of a claw-back that went through still replays.
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-50", 5000, "USD"); err != nil || !r.Replayed || r.Refunded != 5000 {
		t.Errorf("retried claw-back: %+v, %v", r, err)
	}
	if got := k.net(t, wallet) - walletBefore + 500 + 4500; got != 10000 {
		t.Errorf("the buyer got %d back for a sub-order of 10000", got)
	}
	// The payable gives back what s-1's settlement credited it for the
	// goods (47.50), the platform its commission on them (2.50).
	if got := k.net(t, payable); got != 4750+9500-4750 {
		t.Errorf("payable %d, want s-2's earnings untouched", got)
	}
	k.balanced(t)
}

// Claw-backs of one sub-order racing each other are checked one after the
// other: with a payable that could pay them all, only what the buyer paid
// comes back.
func TestConcurrentClawBacksStayWithinWhatWasPaid(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 10000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	k.settle(t, "s-1", 10000, "USD")
	if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: "org-1", Currency: "USD", Gross: 100000}); err != nil {
		t.Fatal(err)
	}
	ok := racing(t, 8, escrow.ReasonRefundExceedsPaid, func(i int) error {
		_, err := k.e.RefundSubOrder(ctx, svcs, "s-1", fmt.Sprintf("r-%d", i), 3000, "USD")
		return err
	})
	if got := k.net(t, escrow.BuyerWallet("buyer-1", "USD")); ok != 3 || got != 9000 {
		t.Errorf("%d claw-backs of 3000 went through, the wallet holds %d; want 3 and 9000", ok, got)
	}
	k.balanced(t)
}

// A refund id is bound to one sub-order and amount: reused for another
// sub-order it is AlreadyExists and moves nothing, whether its first use
// moved money or waits for the payable. Before, the first answered the
// other sub-order's refund as a replay, and the second refunded it under
// the waiting claw-back's id.
func TestRefundIDBelongsToOneSubOrder(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	if _, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-1", 1000, "USD"); err != nil {
		t.Fatal(err)
	}
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-2", "r-1", 1000, "USD"); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("r-1 for s-2: %+v, %v; want AlreadyExists", r, err)
	}
	if got := k.net(t, escrow.Escrow("s-2", "USD")); got != 10000 {
		t.Errorf("s-2's escrow holds %d, want 10000", got)
	}

	// s-1 settled at 90.00 and 10.00 of org-1's payable paid out: a
	// claw-back of 86.00 (81.70 of it the payable's, 4.30 the commission's)
	// waits for org-1's payable (75.50).
	k.settle(t, "s-1", 9000, "USD")
	k.payOut(t, "org-1", "USD", 1000, "payout-1")
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-w", 8600, "USD"); err != nil || !r.Waiting {
		t.Fatalf("waiting claw-back: %+v, %v", r, err)
	}
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-w", 8600, "USD"); err != nil || !r.Waiting {
		t.Errorf("waiting claw-back again: %+v, %v", r, err)
	}
	for _, tt := range []struct {
		sub    string
		amount int64
	}{{"s-2", 8600}, {"s-1", 8000}} {
		if r, err := k.e.RefundSubOrder(ctx, svcs, tt.sub, "r-w", tt.amount, "USD"); !apperr.IsKind(err, apperr.KindAlreadyExists) {
			t.Errorf("r-w for %s, %d: %+v, %v; want AlreadyExists", tt.sub, tt.amount, r, err)
		}
	}
	if got := k.net(t, escrow.Escrow("s-2", "USD")); got != 10000 {
		t.Errorf("s-2's escrow holds %d, want 10000", got)
	}
	k.balanced(t)
}

// A refund that rounds to nothing in the buyer's currency (0.01 CNY is
// 0.0014 USD) is not an error its caller can never get past: the platform
// keeps it as FX rounding, before settlement and after.
func TestRefundTooSmallForTheBuyersCurrencyIsKeptAsFXRounding(t *testing.T) {
	k := newEscrowKit(t)
	k.payCNY(t, 10000)
	r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-tiny", 1, "CNY")
	if err != nil || r.Refunded != 0 || r.ClawBack || r.Currency != "USD" {
		t.Fatalf("tiny refund: %+v, %v", r, err)
	}
	if again, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-tiny", 1, "CNY"); err != nil || !again.Replayed || again.Refunded != 0 {
		t.Errorf("tiny refund retried: %+v, %v", again, err)
	}
	if got := k.net(t, escrow.Escrow("s-1", "CNY")); got != 9999 {
		t.Errorf("escrow %d, want 9999", got)
	}
	k.settle(t, "s-1", 9000, "CNY")
	payable := k.net(t, escrow.SupplierPayable("org-1", "CNY"))
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-tiny-2", 3, "CNY"); err != nil || r.Refunded != 0 || !r.ClawBack {
		t.Fatalf("tiny claw-back: %+v, %v", r, err)
	}
	// The commission on 0.03 CNY (5 %, 0.0015) rounds up to 0.01, which the
	// platform gives back.
	if got := k.net(t, escrow.SupplierPayable("org-1", "CNY")); got != payable-(3-1) {
		t.Errorf("payable %d, want %d", got, payable-(3-1))
	}
	k.balanced(t)
}

// A sub-order returned to its buyer in parts (refunds, the settlement's
// remainder, claw-backs) gives back exactly what the buyer paid: 10.00 CNY
// at 7.2 CNY to the dollar cost 1.39 USD, and each 1.00 CNY converted back
// alone gave 0.14 USD (0.1389), 1.40 for ten of them and the remainder.
func TestASubOrderReturnedInPartsGivesBackWhatWasPaid(t *testing.T) {
	k := newEscrowKit(t)
	k.payCNY(t, 1000)
	wallet := escrow.BuyerWallet("buyer-1", "USD")
	if got := k.net(t, wallet); got != 100000-139 {
		t.Fatalf("the wallet holds %d after paying, want %d", got, 100000-139)
	}
	for i := range 3 {
		if _, err := k.e.RefundSubOrder(ctx, svcs, "s-1", fmt.Sprintf("r-%d", i), 100, "CNY"); err != nil {
			t.Fatal(err)
		}
	}
	k.settle(t, "s-1", 400, "CNY") // a remainder of 3.00 CNY goes back
	for i := 3; i < 7; i++ {
		if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", fmt.Sprintf("r-%d", i), 100, "CNY"); err != nil || !r.ClawBack {
			t.Fatalf("claw-back %d: %+v, %v", i, r, err)
		}
	}
	if got := k.net(t, wallet); got != 100000 {
		t.Errorf("every yuan returned in parts, the wallet holds %d, want the 100000 it held before paying", got)
	}
	k.balanced(t)
}

// A refund claimed on a replica whose clock is behind converts back after
// the refunds claimed before it all the same: claims are ordered as they
// were made under the escrow's lock, not by the replicas' clocks.
func TestRefundsOnReplicasWithSkewedClocksGiveBackWhatWasPaid(t *testing.T) {
	k := newEscrowKit(t)
	k.payCNY(t, 1000) // 1.39 USD
	policy := fx.DefaultPolicy()
	policy.SpreadBps = 0
	store := postgres.New(k.pool)
	behind := app.NewEscrows(app.New(store, app.WithClock(func() time.Time { return t0.Add(-time.Minute) }), app.WithFX(policy)),
		k.ledger, store, escrow.DefaultCommissionBps)
	first, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-first", 500, "CNY")
	if err != nil {
		t.Fatal(err)
	}
	second, err := behind.RefundSubOrder(ctx, svcs, "s-1", "r-second", 500, "CNY")
	if err != nil {
		t.Fatal(err)
	}
	if first.Refunded+second.Refunded != 139 || k.net(t, escrow.BuyerWallet("buyer-1", "USD")) != 100000 {
		t.Errorf("refunds of half each gave back %d and %d cents, want the 139 paid", first.Refunded, second.Refunded)
	}
	k.balanced(t)
}

// payCNY pays s-1 of org-1, amount CNY, from buyer-1's USD wallet (funded
// with 1,000.00) at 7.2 CNY per USD.
func (k escrowKit) payCNY(t *testing.T, amount int64) {
	t.Helper()
	if _, err := k.fin.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "USD", To: "CNY", Rate: "7.2", Source: "ecb"}); err != nil {
		t.Fatal(err)
	}
	q, err := k.fin.QuoteConversion(ctx, svcs, fx.QuoteInput{From: "USD", To: "CNY"})
	if err != nil {
		t.Fatal(err)
	}
	k.fund(t, "buyer-1", "USD", 100000, "fund-1")
	if _, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: "o-1", BuyerID: "buyer-1", BuyerCurrency: "USD", QuoteIDs: map[string]string{"CNY": q.ID},
		Shares: []escrow.Share{{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "CNY", Amount: amount}}}); err != nil {
		t.Fatal(err)
	}
}

// A waiting claw-back the ledger refuses for good (here org-1's payable was
// closed) is parked, and the claw-backs behind it still go through. Before,
// the first refusal ended the run, every time.
func TestRetryWaitingRefundsParksOneRefusedForGood(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-2")
	k.settle(t, "s-1", 10000, "USD")
	k.settle(t, "s-2", 10000, "USD")
	if _, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-a0", 9500, "USD"); err != nil {
		t.Fatal(err)
	}
	k.payOut(t, "org-1", "USD", 475, "payout-1")
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-a", 500, "USD"); err != nil || !r.Waiting {
		t.Fatalf("claw-back on an empty payable: %+v, %v", r, err)
	}
	acc, err := k.ledger.AccountByRef(ctx, escrow.SupplierPayable("org-1", "USD"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.ledger.CloseAccount(ctx, acc.ID); err != nil {
		t.Fatal(err)
	}
	k.payOut(t, "org-2", "USD", 1000, "payout-2")
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-2", "r-b", 9600, "USD"); err != nil || !r.Waiting {
		t.Fatalf("claw-back beyond org-2's payable: %+v, %v", r, err)
	}
	if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: "org-2", Currency: "USD", Gross: 10000}); err != nil {
		t.Fatal(err)
	}

	if n, err := k.e.RetryWaitingRefunds(ctx, svcs, 10); err != nil || n != 1 {
		t.Fatalf("retry = %d, %v; want r-b through and r-a parked", n, err)
	}
	if got := k.net(t, escrow.SupplierPayable("org-2", "USD")); got != 9500-1000+9500-(9600-480) {
		t.Errorf("org-2's payable %d", got)
	}
	var state, reason string
	if err := k.pool.QueryRow(ctx, `SELECT state, coalesce(parked_reason, '') FROM waiting_refunds WHERE refund_id = 'r-a'`).Scan(&state, &reason); err != nil {
		t.Fatal(err)
	}
	if state != "parked" || !strings.Contains(reason, ledger.ReasonAccountClosed) {
		t.Errorf("r-a is %s (%q), want parked with the refusal", state, reason)
	}
	if n, err := k.e.RetryWaitingRefunds(ctx, svcs, 10); err != nil || n != 0 {
		t.Errorf("retry again = %d, %v; want nothing left", n, err)
	}
	k.balanced(t)
}

// racingLedger is the ledger with another command landing once between
// a command's plan and its execution: before the first command whose key
// starts with prefix, race runs, as a call racing it would.
type racingLedger struct {
	app.Ledger
	prefix string
	race   func() error
	fired  bool
}

func (l *racingLedger) Execute(c context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error) {
	if strings.HasPrefix(cmd.IdempotencyKey, l.prefix) && !l.fired {
		l.fired = true
		if err := l.race(); err != nil {
			return ledger.Result{}, err
		}
	}
	return l.Ledger.Execute(c, cmd, events...)
}

// A refund drawing escrow down while a settlement was planned on the
// balance before it: the settlement plans again on what escrow holds now,
// here opening a top-up request for the goods escrow no longer covers,
// instead of answering the ledger's INSUFFICIENT_FUNDS, which the caller
// would take for a lasting refusal.
func TestSettlementRacingARefundPlansAgain(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	racing := &racingLedger{Ledger: k.ledger, prefix: "settle:"}
	e := app.NewEscrows(k.fin, racing, postgres.New(k.pool), escrow.DefaultCommissionBps)
	racing.race = func() error {
		_, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-1", 9000, "USD")
		return err
	}
	res, err := e.SettleSubOrder(ctx, svcs, "s-1", 5000, "USD")
	if err != nil {
		t.Fatalf("settlement after the racing refund: %v", err)
	}
	if !racing.fired || res.TopUp == nil || res.TopUp.Amount != 4000 {
		t.Fatalf("settlement = %+v, want a top-up request for the 40.00 escrow no longer holds", res)
	}
	if got := k.net(t, escrow.Escrow("s-1", "USD")); got != 1000 {
		t.Errorf("escrow holds %d, want the 10.00 the refund left", got)
	}
	k.balanced(t)
}

// A platform coupon's funding of goods returned after settlement goes
// back from the supplier's payable to the coupon expense: not before
// settlement (the platform funds less then), never more than the coupon
// funded, once per reclaim id, and a payable that cannot pay it yet is
// INSUFFICIENT_FUNDS, asked again later.
func TestCouponFundingOfGoodsReturnedAfterSettlementIsReclaimed(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	expense := escrow.CouponExpense("USD")
	if _, err := k.e.FundCoupon(ctx, svcs, "s-1", "cp-1", 1000, "USD"); err != nil {
		t.Fatal(err)
	}
	_, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-1", 500, "USD")
	if !errors.Is(err, app.ErrNotSettled) {
		t.Fatalf("a reclaim before settlement: %v, want NOT_SETTLED", err)
	}
	k.settle(t, "s-1", 11000, "USD") // goods 110.00: 100.00 paid by the buyer, 10.00 by the coupon
	payable, spent, revenue := k.net(t, escrow.SupplierPayable("org-1", "USD")), k.net(t, expense), k.net(t, escrow.Revenue("USD"))

	var e *apperr.Error
	if _, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-9", 1001, "USD"); !errors.As(err, &e) || e.Reason != "COUPON_RECLAIM_EXCEEDS_FUNDING" {
		t.Fatalf("a reclaim beyond the funding: %v", err)
	}
	if _, err := k.e.ReclaimCoupon(ctx, buyer, "s-1", "cp-1", "return:a-1", 500, "USD"); !errors.Is(err, app.ErrServicesOnly) {
		t.Errorf("a buyer reclaimed: %v", err)
	}
	res, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-1", 500, "USD")
	if err != nil || res.Replayed {
		t.Fatalf("reclaim: %+v, %v", res, err)
	}
	if again, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-1", 500, "USD"); err != nil || !again.Replayed {
		t.Errorf("the reclaim retried: %+v, %v", again, err)
	}
	if _, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-1", 400, "USD"); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("the reclaim id reused for another amount: %v", err)
	}
	// The payable gives back the funding less the commission the
	// settlement took on it (5 % of 5.00), which the platform gives back.
	if got := k.net(t, escrow.SupplierPayable("org-1", "USD")); got != payable-475 {
		t.Errorf("the supplier's payable moved %d, want -475", got-payable)
	}
	if got := k.net(t, escrow.Revenue("USD")); got != revenue-25 {
		t.Errorf("the revenue moved %d, want -25", got-revenue)
	}
	if got := k.net(t, expense); got != spent+500 {
		t.Errorf("the coupon expense moved %d, want +500", got-spent)
	}
	k.balanced(t)
}

// A coupon's funding follows the goods the caller settles: a return
// refunded from escrow between the funding and the settlement lowers it,
// and the funding asked again at the lower amount gives the difference
// back to the coupon expense (before, that was AlreadyExists, and the
// caller's settlement retried for ever). The same amount again is a
// replay; after settlement the funding no longer changes.
func TestCouponFundingIsSetBeforeSettlement(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1") // s-1 holds 100.00
	expense, held := escrow.CouponExpense("USD"), escrow.Escrow("s-1", "USD")
	fund := func(amount int64) ledger.Result {
		t.Helper()
		res, err := k.e.FundCoupon(ctx, svcs, "s-1", "cp-1", amount, "USD")
		if err != nil {
			t.Fatalf("fund %d: %v", amount, err)
		}
		return res
	}
	if res := fund(1000); res.Replayed || k.net(t, held) != 11000 {
		t.Fatalf("funded: %+v, escrow %d", res, k.net(t, held))
	}
	if res := fund(1000); !res.Replayed || k.net(t, held) != 11000 {
		t.Fatalf("funded again: %+v, escrow %d", res, k.net(t, held))
	}
	// A quarter of the goods comes back: the buyer gets what was paid for
	// it, and the coupon funds three quarters of the discount.
	if _, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "return:a-1", 2500, "USD"); err != nil {
		t.Fatal(err)
	}
	if res := fund(750); res.Replayed || k.net(t, held) != 8250 || k.net(t, expense) != -750 {
		t.Fatalf("lowered: %+v, escrow %d, expense %d", res, k.net(t, held), k.net(t, expense))
	}
	if res := fund(750); !res.Replayed || k.net(t, expense) != -750 {
		t.Fatalf("lowered again: %+v, expense %d", res, k.net(t, expense))
	}
	if res := fund(800); res.Replayed || k.net(t, expense) != -800 {
		t.Fatalf("raised: %+v, expense %d", res, k.net(t, expense))
	}
	k.settle(t, "s-1", 8250, "USD")
	if res := fund(800); !res.Replayed {
		t.Errorf("funded again after settlement: %+v", res)
	}
	if _, err := k.e.FundCoupon(ctx, svcs, "s-1", "cp-1", 700, "USD"); !errors.Is(err, app.ErrEscrowSettled) {
		t.Errorf("funding changed after settlement: %v", err)
	}
	if got := k.net(t, expense); got != -800 {
		t.Errorf("the coupon expense paid %d, want 800", -got)
	}
	// Every discounted good of s-2 came back before its funding: none is
	// asked, nothing moves; funded, then all returned: taken back whole.
	if res, err := k.e.FundCoupon(ctx, svcs, "s-2", "cp-2", 0, "USD"); err != nil || !res.Replayed || k.net(t, expense) != -800 {
		t.Errorf("no funding of a coupon that funded nothing: %+v, %v, expense %d", res, err, k.net(t, expense))
	}
	if _, err := k.e.FundCoupon(ctx, svcs, "s-2", "cp-3", 500, "USD"); err != nil {
		t.Fatal(err)
	}
	if res, err := k.e.FundCoupon(ctx, svcs, "s-2", "cp-3", 0, "USD"); err != nil || res.Replayed || k.net(t, expense) != -800 {
		t.Errorf("a funding set to nothing: %+v, %v, expense %d; want it all back", res, err, k.net(t, expense))
	}
	k.balanced(t)
}

// A refund planned from escrow while a settlement emptied it: the refund
// is a claw-back from the supplier's payable then, as it would have been
// asked a moment later, instead of the ledger's INSUFFICIENT_FUNDS, which
// the caller would take for a lasting refusal and the buyer never be
// refunded.
func TestRefundRacingASettlementClawsBack(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	racing := &racingLedger{Ledger: k.ledger, prefix: escrow.RefundKey("")}
	e := app.NewEscrows(k.fin, racing, postgres.New(k.pool), escrow.DefaultCommissionBps)
	racing.race = func() error {
		_, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 10000, "USD")
		return err
	}
	res, err := e.RefundSubOrder(ctx, svcs, "s-1", "r-1", 3000, "USD")
	if err != nil {
		t.Fatalf("refund after the racing settlement: %v", err)
	}
	if !racing.fired || !res.ClawBack || res.Refunded != 3000 {
		t.Fatalf("refund = %+v, want 30.00 clawed back", res)
	}
	if got := k.net(t, escrow.Escrow("s-1", "USD")); got != 0 {
		t.Errorf("escrow holds %d after settlement, want 0", got)
	}
	// Asked again, the refund answers what it did.
	again, err := e.RefundSubOrder(ctx, svcs, "s-1", "r-1", 3000, "USD")
	if err != nil || !again.Replayed || !again.ClawBack || again.Refunded != 3000 {
		t.Errorf("the refund asked again = %+v, %v", again, err)
	}
	k.balanced(t)
}

// The reclaims of a sub-order's coupon funding together take back no more
// than it funded, reclaims racing each other included: each is checked
// against the others recorded before it, not against the funding alone.
func TestCouponReclaimsTogetherStayWithinTheFunding(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	if _, err := k.e.FundCoupon(ctx, svcs, "s-1", "cp-1", 1000, "USD"); err != nil {
		t.Fatal(err)
	}
	// Another sub-order's coupon: the expense as a whole could take back
	// more than s-1's funding, so only s-1's own bound stops it.
	if _, err := k.e.FundCoupon(ctx, svcs, "s-2", "cp-2", 5000, "USD"); err != nil {
		t.Fatal(err)
	}
	k.settle(t, "s-1", 11000, "USD")
	expense := escrow.CouponExpense("USD")
	spent := k.net(t, expense)
	if _, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-1", 600, "USD"); err != nil {
		t.Fatal(err)
	}
	var e *apperr.Error
	if _, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-2", 500, "USD"); !errors.As(err, &e) || e.Reason != "COUPON_RECLAIM_EXCEEDS_FUNDING" {
		t.Fatalf("a second reclaim beyond what is left of the funding: %v, want COUPON_RECLAIM_EXCEEDS_FUNDING", err)
	}
	// Eight reclaims of 100 race for the 400 left: four go through.
	done := racing(t, 8, "COUPON_RECLAIM_EXCEEDS_FUNDING", func(i int) error {
		_, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", fmt.Sprintf("return:b-%d", i), 100, "USD")
		return err
	})
	if done != 4 {
		t.Errorf("%d racing reclaims of 100 went through, want the 4 the funding had left", done)
	}
	if got := k.net(t, expense) - spent; got != 1000 {
		t.Errorf("the coupon expense got back %d, want the 1000 funded", got)
	}
	// A refused reclaim counts for nothing: its id, asked again once the
	// bound allows, is free.
	if _, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-2", 500, "USD"); !errors.As(err, &e) || e.Reason != "COUPON_RECLAIM_EXCEEDS_FUNDING" {
		t.Errorf("the refused reclaim asked again: %v", err)
	}
	k.balanced(t)
}

// racing runs call n times at once and returns how many succeeded; any
// other answer than a refusal for reason fails the test.
func racing(t *testing.T, n int, reason string, call func(i int) error) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call(i)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var e *apperr.Error
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &e) || e.Reason != reason:
			t.Errorf("call %v, want success or %s", err, reason)
		}
	}
	return ok
}

// A refund claimed before settlement whose ledger command never ran (its
// caller's deadline passed, or finance stopped in between) is retried
// after the settlement: it is a claw-back then, and is held to what the
// settlement left refundable. Before, the retry took its claim over
// unchecked and clawed back from the supplier's payable on top of the
// settlement's remainder: the buyer got back more than it paid. One that
// fits goes through, once.
func TestARefundClaimedBeforeSettlementIsCheckedWhenRetriedAfter(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-1")
	store := postgres.New(k.pool)
	for _, sub := range []string{"s-1", "s-2"} {
		if _, _, err := store.ClaimRefund(ctx, escrow.RefundClaim{RefundID: "r-lost-" + sub, SubOrderID: sub, Amount: 3000, CreatedAt: t0},
			app.TopUpPaymentKeyPrefix, func(escrow.Returns) (int64, error) { return 0, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if rec := k.settle(t, "s-1", 1000, "USD"); rec.Remainder != 9000 {
		t.Fatalf("s-1 settled = %+v; want 90.00 back", rec)
	}
	if rec := k.settle(t, "s-2", 8000, "USD"); rec.Remainder != 2000 {
		t.Fatalf("s-2 settled = %+v; want 20.00 back", rec)
	}
	wallet, payable := escrow.BuyerWallet("buyer-1", "USD"), escrow.SupplierPayable("org-1", "USD")
	walletBefore, payableBefore := k.net(t, wallet), k.net(t, payable)

	_, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-lost-s-1", 3000, "USD")
	exceedsPaid(t, err, "1000")
	if k.net(t, wallet) != walletBefore || k.net(t, payable) != payableBefore {
		t.Fatalf("the refused retry moved money: wallet %d → %d, payable %d → %d", walletBefore, k.net(t, wallet), payableBefore, k.net(t, payable))
	}
	for range 2 {
		if r, err := k.e.RefundSubOrder(ctx, svcs, "s-2", "r-lost-s-2", 3000, "USD"); err != nil || !r.ClawBack {
			t.Fatalf("the retried refund of s-2, 80.00 of it still refundable: %+v, %v", r, err)
		}
	}
	if got := k.net(t, wallet) - walletBefore; got != 3000 {
		t.Errorf("the buyer got %d back, want the one claw-back of 3000", got)
	}
	// Claimed before settlement with no commission to give back, the claim
	// taken over after it gives back s-2's commission on 30.00 of its
	// 80.00 (4.00 × 3/8): the payable pays 28.50.
	if got := payableBefore - k.net(t, payable); got != 3000-150 {
		t.Errorf("the payable paid %d of the claw-back, want %d", got, 3000-150)
	}
	k.balanced(t)
}

// Goods returned after settlement are clawed back from the supplier's
// payable for what the settlement credited it (goods less commission), the
// platform's revenue giving back its commission on them. Before, the payable
// paid the whole goods price: a payable holding just the sub-order's 95.00
// could not pay a full return of 100.00, which waited for other earnings,
// and a supplier with other earnings paid the platform's commission out of
// them. Here the whole goods come back in three parts, the last rounding
// what is left, on a payable holding only this sub-order's settlement.
func TestClawBackGivesTheCommissionBack(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 10000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	revenue, payable, wallet := escrow.Revenue("USD"), escrow.SupplierPayable("org-1", "USD"), escrow.BuyerWallet("buyer-1", "USD")
	before := k.net(t, revenue)
	if rec := k.settle(t, "s-1", 10000, "USD"); rec.SupplierNet != 9500 || rec.Commission != 500 {
		t.Fatalf("settled %+v", rec)
	}
	for i, part := range []int64{3333, 3333, 3334} {
		r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", fmt.Sprintf("r-%d", i), part, "USD")
		if err != nil || !r.ClawBack || r.Waiting || r.Refunded != part {
			t.Fatalf("claw-back %d of %d: %+v, %v", i, part, r, err)
		}
		k.balanced(t)
	}
	if got := k.net(t, payable); got != 0 {
		t.Errorf("the payable holds %d after the whole goods came back, want 0", got)
	}
	if got := k.net(t, revenue); got != before {
		t.Errorf("the revenue holds %d, held %d before the settlement", got, before)
	}
	if got := k.net(t, wallet); got != 10000 {
		t.Errorf("the wallet holds %d, want the 10000 paid", got)
	}
	// The claw-back's own transfers begin with its whole amount, as a
	// replica of the version before the commission leg reads them to replay
	// it; the commission leg is referenced apart.
	if prior, err := k.ledger.TransfersByReference(ctx, "r-2"); err != nil || len(prior) == 0 || prior[0].Amount != 3334 || prior[0].Code != ledger.CodeClawBack {
		t.Errorf("the claw-back's transfers: %+v, %v; want its 3334 first", prior, err)
	}
	// A retry replays the first answer and moves nothing.
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-2", 3334, "USD"); err != nil || !r.Replayed || !r.ClawBack || r.Refunded != 3334 {
		t.Errorf("retried claw-back: %+v, %v", r, err)
	}
	if got := k.net(t, wallet); got != 10000 {
		t.Errorf("the retry moved money: wallet %d", got)
	}
}

// A return's claw-back and its coupon reclaim (orders names both after the
// return) together give back the settlement's commission on the whole
// goods, no more: the reclaim counts the claw-back's commission though
// they share an id. Before, it left the claw-back out and gave back 101 of
// a commission of which 100 was left.
func TestAReturnsClawBackAndReclaimGiveBackTheCommissionOnce(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 7999, "fund-1")
	k.payUSD(t, "o-1", "s-1", 7999)
	if _, err := k.e.FundCoupon(ctx, svcs, "s-1", "cp-1", 2001, "USD"); err != nil {
		t.Fatal(err)
	}
	revenue := k.net(t, escrow.Revenue("USD"))
	if rec := k.settle(t, "s-1", 10000, "USD"); rec.Commission != 500 {
		t.Fatalf("settled %+v", rec)
	}
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "return:a-1", 7999, "USD"); err != nil || !r.ClawBack || r.Waiting {
		t.Fatalf("claw-back: %+v, %v", r, err)
	}
	if _, err := k.e.ReclaimCoupon(ctx, svcs, "s-1", "cp-1", "return:a-1", 2001, "USD"); err != nil {
		t.Fatal(err)
	}
	if got := k.net(t, escrow.Revenue("USD")); got != revenue {
		t.Errorf("the revenue holds %d after the whole goods came back, held %d before the settlement", got, revenue)
	}
	if got := k.net(t, escrow.SupplierPayable("org-1", "USD")); got != 0 {
		t.Errorf("the payable holds %d, want 0", got)
	}
	k.balanced(t)
}

// A claim waiting for the escrow row's lock counts the commission the
// claim holding it gave back, once that one commits. Before, the sums were
// read in the locking statement, whose snapshot predates the wait: the
// second of two racing claw-backs missed the first's commission, and the
// two gave back more than the settlement's commission.
func TestAClaimWaitingForTheLockCountsTheCommissionItsHolderGaveBack(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 10000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	k.settle(t, "s-1", 10000, "USD")
	tx, err := k.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM escrows WHERE sub_order_id = 's-1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO escrow_refunds (refund_id, sub_order_id, amount_minor, attempt_id, created_at, commission_minor)
		VALUES ('r-first', 's-1', 3333, gen_random_uuid(), now(), 167)`); err != nil {
		t.Fatal(err)
	}
	seen := make(chan int64, 1)
	done := make(chan error, 1)
	go func() {
		_, _, err := postgres.New(k.pool).ClaimRefund(ctx, escrow.RefundClaim{RefundID: "r-second", SubOrderID: "s-1", Amount: 6667, CreatedAt: t0},
			app.TopUpPaymentKeyPrefix, func(rt escrow.Returns) (int64, error) { seen <- rt.CommissionReturned; return 0, nil })
		done <- err
	}()
	testkit.AwaitLockWaiter(t, k.pool) // the claim waits for the lock
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := <-seen; got != 167 {
		t.Errorf("the waiting claim saw %d of commission given back, want the first claim's 167", got)
	}
}

// A waiting claw-back asked for again by its caller (orders retries its
// refunds itself) and gone through is no longer waiting: before, its row
// stayed "waiting" for good, and a retry run took it again. One parked
// meanwhile (a retry run found it refused) is marked done too, its reason
// kept, so an operator reading it does not claw it back a second time.
func TestAWaitingClawBackThatWentThroughIsDone(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-2")
	k.settle(t, "s-1", 10000, "USD")
	k.payOut(t, "org-1", "USD", 9500, "payout-1")
	for _, id := range []string{"r-a", "r-b"} {
		if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", id, 500, "USD"); err != nil || !r.Waiting {
			t.Fatalf("claw-back %s on an empty payable: %+v, %v", id, r, err)
		}
	}
	if _, err := k.pool.Exec(ctx, `UPDATE waiting_refunds SET state = 'parked', parked_reason = 'ACCOUNT_CLOSED' WHERE refund_id = 'r-b'`); err != nil {
		t.Fatal(err)
	}
	if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: "org-1", Currency: "USD", Gross: 10000}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"r-a", "r-b"} {
		if r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", id, 500, "USD"); err != nil || r.Waiting || !r.ClawBack {
			t.Fatalf("claw-back %s asked again with the payable funded: %+v, %v", id, r, err)
		}
		var state, reason string
		if err := k.pool.QueryRow(ctx, `SELECT state, coalesce(parked_reason, '') FROM waiting_refunds WHERE refund_id = $1`, id).Scan(&state, &reason); err != nil {
			t.Fatal(err)
		}
		if state != "done" || (id == "r-b" && reason == "") {
			t.Errorf("%s went through and its row is %s (%q), want done with any reason kept", id, state, reason)
		}
	}
	if n, err := k.e.RetryWaitingRefunds(ctx, svcs, 10); err != nil || n != 0 {
		t.Errorf("retry = %d, %v; want nothing waiting", n, err)
	}
	k.balanced(t)
}

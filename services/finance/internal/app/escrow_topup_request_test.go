package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// A top-up request for a shortfall worth less than a cent (0.03 CNY at 7.2
// CNY per USD is 0.0042 USD) costs the buyer one cent and settles the
// sub-order. Before, it rounded to nothing and PayTopUp answered
// InvalidArgument for ever: the sub-order never settled.
func TestTopUpWorthLessThanAMinorUnitIsPaid(t *testing.T) {
	k := newEscrowKit(t)
	k.payCNY(t, 10000)
	if _, err := k.e.PayFreightLeg(ctx, svcs, escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "carrier-1", Amount: 1003, Currency: "CNY"}); err != nil {
		t.Fatal(err)
	}
	res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 9000, "CNY")
	if err != nil || res.TopUp == nil || res.TopUp.Amount != 3 {
		t.Fatalf("short settlement: %+v, %v; want a top-up of 3", res, err)
	}
	wallet := escrow.BuyerWallet("buyer-1", "USD")
	before := k.net(t, wallet)
	done, err := k.e.PayTopUp(ctx, buyer, res.TopUp.ID)
	if err != nil || done.Record.State != escrow.StateSettled || done.Record.SettledGoods != 9000 {
		t.Fatalf("top-up paid: %+v, %v", done, err)
	}
	if got := before - k.net(t, wallet); got != 1 {
		t.Errorf("the buyer paid %d, want 1 (rounded up)", got)
	}
	if k.net(t, escrow.Escrow("s-1", "CNY")) != 0 || k.net(t, escrow.SupplierPayable("org-1", "CNY")) != 8550 || k.net(t, escrow.Revenue("CNY")) != 450 {
		t.Errorf("escrow %d, payable %d, revenue %d", k.net(t, escrow.Escrow("s-1", "CNY")), k.net(t, escrow.SupplierPayable("org-1", "CNY")), k.net(t, escrow.Revenue("CNY")))
	}
	if again, err := k.e.PayTopUp(ctx, buyer, res.TopUp.ID); err != nil || k.net(t, wallet) != before-1 || again.Record.State != escrow.StateSettled {
		t.Errorf("paid again: %+v, %v", again, err)
	}
	k.balanced(t)
}

// While a top-up request is open, a settlement at another goods price is
// AlreadyExists and changes nothing; at the request's price it answers the
// request. Before, it answered the request made for the first price, and
// paying it settled the sub-order at that price.
func TestSettlementAtOtherGoodsWhileATopUpIsOpen(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 100000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	first, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 11000, "USD")
	if err != nil || first.TopUp == nil || first.TopUp.Amount != 1000 {
		t.Fatalf("short settlement: %+v, %v", first, err)
	}
	_, err = k.e.SettleSubOrder(ctx, svcs, "s-1", 13000, "USD")
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindAlreadyExists || e.Reason != ledger.ReasonIdempotencyKeyReused || e.Metadata["request_id"] != first.TopUp.ID {
		t.Fatalf("settlement at another price: %v; want AlreadyExists naming the open request", err)
	}
	var requests, events int
	if err := k.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM topup_requests), (SELECT count(*) FROM outbox WHERE subject = 'finance.topup.requested')`).
		Scan(&requests, &events); err != nil {
		t.Fatal(err)
	}
	if requests != 1 || events != 1 {
		t.Errorf("%d requests and %d events, want 1 each", requests, events)
	}
	again, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 11000, "USD")
	if err != nil || again.TopUp == nil || again.TopUp.ID != first.TopUp.ID {
		t.Fatalf("settlement at the request's price again: %+v, %v", again, err)
	}
	done, err := k.e.PayTopUp(ctx, buyer, first.TopUp.ID)
	if err != nil || done.Record.SettledGoods != 11000 {
		t.Fatalf("top-up paid: %+v, %v", done, err)
	}
	k.balanced(t)
}

// A buyer paying a top-up request while its sub-order is settled at a
// lower price the escrow could pay: whichever commits first, no money stays
// in the settled escrow. Before, a payment that read the escrow held just
// before the settlement committed landed in it afterwards and stayed
// there, paid for goods the settlement never counted.
func TestATopUpPaidWhileItsSubOrderSettlesStrandsNothing(t *testing.T) {
	k := newEscrowKit(t)
	k.racingSettlements(t, false, func(sub string) func() error {
		short, err := k.e.SettleSubOrder(ctx, svcs, sub, 11000, "USD")
		if err != nil || short.TopUp == nil {
			t.Fatalf("short settlement of %s: %+v, %v", sub, short, err)
		}
		return func() error { _, err := k.e.PayTopUp(ctx, buyer, short.TopUp.ID); return err }
	})
}

// A coupon's funding set while its sub-order settles: whichever commits
// first, none of the platform's money stays in the settled escrow. Before,
// a funding that read the escrow held just before the settlement committed
// landed in it afterwards and stayed there.
func TestCouponFundingRacingASettlementStrandsNothing(t *testing.T) {
	k := newEscrowKit(t)
	k.racingSettlements(t, true, func(sub string) func() error {
		return func() error { _, err := k.e.FundCoupon(ctx, svcs, sub, "cp-"+sub, 1000, "USD"); return err }
	})
}

// racingSettlements pays twenty sub-orders of 100.00 and runs, for each,
// the move prepare returns beside its settlement at 90.00, which the escrow
// can pay: whichever commits first, the settled escrow holds nothing, and
// the ledger stays balanced. The settlement must go through when
// settles says so (a move that goes first changes only how it is planned),
// else the move or the settlement must.
func (k escrowKit) racingSettlements(t *testing.T, settles bool, prepare func(sub string) func() error) {
	t.Helper()
	k.fund(t, "buyer-1", "USD", 1_000_000, "fund-1")
	for i := range 20 {
		sub := fmt.Sprintf("s-%d", i)
		k.payUSD(t, "o-"+sub, sub, 10000)
		move := prepare(sub)
		var wg sync.WaitGroup
		var moved, settled error
		wg.Add(2)
		go func() { defer wg.Done(); moved = move() }()
		go func() { defer wg.Done(); _, settled = k.e.SettleSubOrder(ctx, svcs, sub, 9000, "USD") }()
		wg.Wait()
		if settled != nil && (settles || moved != nil) {
			t.Fatalf("%s: the settlement failed (%v), the move: %v", sub, settled, moved)
		}
		if left := k.net(t, escrow.Escrow(sub, "USD")); left != 0 {
			t.Fatalf("%s: the settled escrow holds %d (the move: %v; the settlement at 9000: %v)", sub, left, moved, settled)
		}
	}
	k.balanced(t)
}

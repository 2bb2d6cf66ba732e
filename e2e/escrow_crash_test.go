package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/metadata"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
)

// After the checkout's payment, an escrow's money moves by six more
// commands: a carrier's freight leg (paid on to the carrier by an
// operator's carrier payment; one larger than all the escrow holds is
// advanced by the platform and billed with the goods at settlement), a
// platform coupon's funding (set, then
// lowered, part of it reclaimed after settlement), the settlement (the
// supplier's net and the platform's commission, the remainder back to the
// buyer), the buyer's payment of a top-up request when escrow was short
// (which then settles), a refund from escrow before settlement and a
// claw-back from the supplier's payable after it. Settling writes the
// ledger and then marks the escrow settled, so a crash between the two
// must be finished by the retry, not done twice. A stream of these
// commands runs while finance is killed with SIGKILL twice and restarted;
// callers retry what failed with the same key. Afterwards every escrow is
// settled and empty, a replay of every command answers the first result
// and moves nothing, the buyer's wallet and the supplier's payable, the
// carrier's payable and the coupon expense hold exactly what each command
// moved once, and the book balances per currency.
func TestFinanceSurvivesKillDuringSettlementsAndRefunds(t *testing.T) {
	f := newFinanceCrash(t, "127.0.0.35")
	c, buyer, word, auth := f.c, f.buyer, f.word, f.auth
	admin, _ := c.login(adminEmail, demoPassword)
	adminAuth := metadata.Pairs("authorization", "Bearer "+admin)
	escrows := financev1.NewEscrowServiceClient(f.finance)
	supplier := uuid.NewString()
	carrier := "crash-carrier-" + word
	eur := func(minor int64) *commonv1.Money { return &commonv1.Money{CurrencyCode: "EUR", AmountMinor: minor} }

	// Each order pays 1,000+i into sub-order a and 500 into sub-order b.
	const orders, workers = 48, 4
	order := func(i int) string { return fmt.Sprintf("settle-crash-%s-%02d", word, i) }
	var paid int64
	for i := range orders {
		req := &financev1.PayCheckoutRequest{OrderId: order(i), BuyerId: buyer.ID, BuyerCurrency: "EUR", SubOrders: []*financev1.CheckoutShare{
			{SubOrderId: order(i) + "-a", SupplierOrgId: supplier, Amount: eur(int64(1000 + i))},
			{SubOrderId: order(i) + "-b", SupplierOrgId: supplier, Amount: eur(500)},
		}}
		resp, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayCheckoutResponse, error) {
			return escrows.PayCheckout(ctx, req)
		})
		if err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
		paid += resp.GetTotal().GetAmountMinor()
	}

	// The commands of order i, in the order the mesh sends them: a's freight
	// leg and settlement, b's refund and settlement, and for every third
	// order a claw-back of a after its settlement.
	leg := func(i int) *financev1.PayFreightLegRequest {
		return &financev1.PayFreightLegRequest{SubOrderId: order(i) + "-a", LegId: order(i) + "-leg", CarrierId: carrier, Amount: eur(100)}
	}
	settle := func(i int, sub string, goods int64) *financev1.SettleSubOrderRequest {
		return &financev1.SettleSubOrderRequest{SubOrderId: order(i) + "-" + sub, Goods: eur(goods)}
	}
	refund := func(i int, sub, kind string, amount int64) *financev1.RefundSubOrderRequest {
		return &financev1.RefundSubOrderRequest{SubOrderId: order(i) + "-" + sub, RefundId: order(i) + "-" + kind, Amount: eur(amount)}
	}
	clawedBack := func(i int) bool { return i%3 == 0 }
	// Every sixth order's freight leg is paid on to the carrier by an
	// operator once confirmed: the carrier's payable into its settlement
	// account.
	carrierPaid := func(i int) bool { return i%6 == 2 }
	// Every fifth order's b carries a platform coupon: funded with 100,
	// then lowered to 40 as the goods it settles shrink; b then settles
	// what escrow holds, 340, with no remainder.
	couponed := func(i int) bool { return i%5 == 3 }
	fundCoupon := func(i int, amount int64) *financev1.FundCouponRequest {
		return &financev1.FundCouponRequest{SubOrderId: order(i) + "-b", CouponId: "coupon-" + word, Amount: eur(amount)}
	}
	// After settlement half of the coupon's 40 is taken back from the
	// supplier, as a return of coupon-funded goods does.
	reclaim := func(i int) *financev1.ReclaimCouponRequest {
		return &financev1.ReclaimCouponRequest{SubOrderId: order(i) + "-b", CouponId: "coupon-" + word, ReclaimId: order(i) + "-reclaim", Amount: eur(20)}
	}
	goodsB := func(i int) int64 {
		if couponed(i) {
			return 340
		}
		return 300
	}
	carrierPayment := func(i int) *financev1.RecordCarrierPaymentRequest {
		return &financev1.RecordCarrierPaymentRequest{CarrierId: carrier, PaymentId: order(i) + "-carrier-payment", Amount: eur(100), Note: "freight of " + order(i)}
	}
	// Every fourth order's goods cost more than a's escrow holds after its
	// freight: settling asks the buyer for the 100 missing, and paying that
	// request settles.
	short := func(i int) bool { return i%4 == 1 }
	// Every eighth order's a (never a short one) gets a second leg of 1,000,
	// more than all its escrow holds after the first: the platform's freight
	// expense advances it to the carrier, and a's settlement bills goods and
	// the advance against what escrow holds, asking the buyer for the rest
	// (900 − i) by a top-up request, then gives the advance back to the
	// freight expense.
	advanced := func(i int) bool { return i%8 == 6 }
	advancedLeg := func(i int) *financev1.PayFreightLegRequest {
		return &financev1.PayFreightLegRequest{SubOrderId: order(i) + "-a", LegId: order(i) + "-leg-advanced", CarrierId: carrier, Amount: eur(1000)}
	}
	goodsA := func(i int) int64 {
		if short(i) {
			return int64(1000 + i)
		}
		return 800
	}
	type outcome struct {
		settledA, settledB *financev1.SubOrderEscrow
		topUp              *financev1.TopUpRequest
		refundB, clawBack  *financev1.RefundSubOrderResponse
	}
	results := make([]outcome, orders)
	run := func(i int) (outcome, error) {
		var o outcome
		if _, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayFreightLegResponse, error) {
			return escrows.PayFreightLeg(ctx, leg(i))
		}); err != nil {
			return o, fmt.Errorf("freight leg: %w", err)
		}
		if carrierPaid(i) {
			if _, err := throughRestarts(adminAuth, func(ctx context.Context) (*financev1.RecordCarrierPaymentResponse, error) {
				return escrows.RecordCarrierPayment(ctx, carrierPayment(i))
			}); err != nil {
				return o, fmt.Errorf("carrier payment: %w", err)
			}
		}
		if advanced(i) {
			if _, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayFreightLegResponse, error) {
				return escrows.PayFreightLeg(ctx, advancedLeg(i))
			}); err != nil {
				return o, fmt.Errorf("advanced freight leg: %w", err)
			}
		}
		a, err := throughRestarts(auth, func(ctx context.Context) (*financev1.SettleSubOrderResponse, error) {
			return escrows.SettleSubOrder(ctx, settle(i, "a", goodsA(i)))
		})
		if err != nil {
			return o, fmt.Errorf("settle a: %w", err)
		}
		o.settledA, o.topUp = a.GetEscrow(), a.GetTopUpRequest()
		if o.topUp != nil {
			paid, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayTopUpRequestResponse, error) {
				return escrows.PayTopUpRequest(ctx, &financev1.PayTopUpRequestRequest{RequestId: o.topUp.GetRequestId()})
			})
			if err != nil {
				return o, fmt.Errorf("pay the top-up request of a: %w", err)
			}
			o.settledA = paid.GetEscrow()
		}
		if couponed(i) {
			for _, amount := range []int64{100, 40} {
				if _, err := throughRestarts(auth, func(ctx context.Context) (*financev1.FundCouponResponse, error) {
					return escrows.FundCoupon(ctx, fundCoupon(i, amount))
				}); err != nil {
					return o, fmt.Errorf("coupon funding of b at %d: %w", amount, err)
				}
			}
		}
		if o.refundB, err = throughRestarts(auth, func(ctx context.Context) (*financev1.RefundSubOrderResponse, error) {
			return escrows.RefundSubOrder(ctx, refund(i, "b", "refund", 200))
		}); err != nil {
			return o, fmt.Errorf("refund b: %w", err)
		}
		b, err := throughRestarts(auth, func(ctx context.Context) (*financev1.SettleSubOrderResponse, error) {
			return escrows.SettleSubOrder(ctx, settle(i, "b", goodsB(i)))
		})
		if err != nil {
			return o, fmt.Errorf("settle b: %w", err)
		}
		o.settledB = b.GetEscrow()
		if couponed(i) {
			if _, err := throughRestarts(auth, func(ctx context.Context) (*financev1.ReclaimCouponResponse, error) {
				return escrows.ReclaimCoupon(ctx, reclaim(i))
			}); err != nil {
				return o, fmt.Errorf("coupon reclaim of b: %w", err)
			}
		}
		if clawedBack(i) {
			if o.clawBack, err = throughRestarts(auth, func(ctx context.Context) (*financev1.RefundSubOrderResponse, error) {
				return escrows.RefundSubOrder(ctx, refund(i, "a", "claw-back", 50))
			}); err != nil {
				return o, fmt.Errorf("claw back a: %w", err)
			}
		}
		return o, nil
	}

	killing(t, "finance", orders, workers, func(i int) error {
		o, err := run(i)
		results[i] = o
		return err
	})

	// What each command moved, from its first answer.
	// A claw-back or reclaim after settlement takes from the supplier's
	// payable its amount less the settlement's commission on it (rounded
	// up), which the platform gives back.
	fromPayable := func(amount int64, settled *financev1.SubOrderEscrow, goods int64) int64 {
		k := settled.GetCommission().GetAmountMinor()
		return amount - (amount*k+goods-1)/goods
	}
	var backToBuyer, toppedUp, supplierNet, clawedBackTotal, reclaimedTotal int64
	for i, o := range results {
		for _, s := range []struct {
			e     *financev1.SubOrderEscrow
			goods int64
		}{{o.settledA, goodsA(i)}, {o.settledB, goodsB(i)}} {
			if s.e.GetState() != "settled" || s.e.GetSupplierNet().GetAmountMinor()+s.e.GetCommission().GetAmountMinor() != s.goods {
				t.Errorf("order %d: settlement of %s answered %v, want settled with net + commission = %d", i, s.e.GetSubOrderId(), s.e, s.goods)
			}
			supplierNet += s.e.GetSupplierNet().GetAmountMinor()
			backToBuyer += s.e.GetRefunded().GetAmountMinor()
		}
		// a held 1,000+i, paid 100 of freight and settled 800 (or 1,000+i
		// after a top-up of 100, or 800 and the advance of 1,000 after a
		// top-up of 900 − i); b held 500 (540 with its coupon), refunded 200
		// and settled 300 (340).
		wantA, wantTopUp := int64(100+i), int64(0)
		switch {
		case short(i):
			wantA, wantTopUp = 0, 100
		case advanced(i):
			wantA, wantTopUp = 0, 900-int64(i)
		}
		if got := o.topUp.GetAmount().GetAmountMinor(); got != wantTopUp {
			t.Errorf("order %d: a's settlement asked for %d, want %d (%v)", i, got, wantTopUp, o.topUp)
		}
		toppedUp += o.topUp.GetAmount().GetAmountMinor()
		if got := o.settledA.GetRefunded().GetAmountMinor(); got != wantA {
			t.Errorf("order %d: a's remainder refunded %d, want %d", i, got, wantA)
		}
		if got := o.settledB.GetRefunded().GetAmountMinor(); got != 0 {
			t.Errorf("order %d: b's remainder refunded %d, want 0", i, got)
		}
		if got := o.refundB.GetRefunded().GetAmountMinor(); got != 200 || o.refundB.GetClawBack() {
			t.Errorf("order %d: b's refund answered %v, want 200 from escrow", i, o.refundB)
		}
		backToBuyer += o.refundB.GetRefunded().GetAmountMinor()
		if clawedBack(i) {
			if got := o.clawBack.GetRefunded().GetAmountMinor(); got != 50 || !o.clawBack.GetClawBack() {
				t.Errorf("order %d: a's claw-back answered %v, want 50 clawed back", i, o.clawBack)
			}
			backToBuyer += o.clawBack.GetRefunded().GetAmountMinor()
			clawedBackTotal += fromPayable(50, o.settledA, goodsA(i))
		}
		if couponed(i) {
			reclaimedTotal += fromPayable(20, o.settledB, goodsB(i))
		}
	}

	// A replay of every command answers the first result and moves nothing.
	for i, o := range results {
		if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayFreightLegResponse, error) {
			return escrows.PayFreightLeg(ctx, leg(i))
		}); err != nil || !r.GetReplayed() {
			t.Errorf("order %d: replay of the freight leg: %v, %v", i, r, err)
		}
		if advanced(i) {
			if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayFreightLegResponse, error) {
				return escrows.PayFreightLeg(ctx, advancedLeg(i))
			}); err != nil || !r.GetReplayed() {
				t.Errorf("order %d: replay of the advanced freight leg: %v, %v", i, r, err)
			}
		}
		for _, s := range []struct {
			sub   string
			goods int64
			first *financev1.SubOrderEscrow
		}{{"a", goodsA(i), o.settledA}, {"b", goodsB(i), o.settledB}} {
			r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.SettleSubOrderResponse, error) {
				return escrows.SettleSubOrder(ctx, settle(i, s.sub, s.goods))
			})
			if err != nil || r.GetEscrow().GetSupplierNet().GetAmountMinor() != s.first.GetSupplierNet().GetAmountMinor() ||
				r.GetEscrow().GetRefunded().GetAmountMinor() != s.first.GetRefunded().GetAmountMinor() || r.GetEscrow().GetBalance().GetAmountMinor() != 0 {
				t.Errorf("order %d: replay of %s's settlement: %v, %v; first %v", i, s.sub, r, err, s.first)
			}
		}
		again := []*financev1.RefundSubOrderRequest{refund(i, "b", "refund", 200)}
		if clawedBack(i) {
			again = append(again, refund(i, "a", "claw-back", 50))
		}
		if o.topUp != nil {
			if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayTopUpRequestResponse, error) {
				return escrows.PayTopUpRequest(ctx, &financev1.PayTopUpRequestRequest{RequestId: o.topUp.GetRequestId()})
			}); err != nil || r.GetEscrow().GetState() != "settled" || r.GetTopUpRequest() != nil {
				t.Errorf("order %d: paying the top-up request again: %v, %v", i, r, err)
			}
		}
		for _, req := range again {
			if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.RefundSubOrderResponse, error) {
				return escrows.RefundSubOrder(ctx, req)
			}); err != nil || !r.GetReplayed() {
				t.Errorf("order %d: replay of refund %s: %v, %v", i, req.GetRefundId(), r, err)
			}
		}
		if couponed(i) {
			if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.FundCouponResponse, error) {
				return escrows.FundCoupon(ctx, fundCoupon(i, 40))
			}); err != nil || !r.GetReplayed() {
				t.Errorf("order %d: replay of the coupon funding: %v, %v", i, r, err)
			}
			if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.ReclaimCouponResponse, error) {
				return escrows.ReclaimCoupon(ctx, reclaim(i))
			}); err != nil || !r.GetReplayed() {
				t.Errorf("order %d: replay of the coupon reclaim: %v, %v", i, r, err)
			}
		}
		if carrierPaid(i) {
			if r, err := throughRestarts(adminAuth, func(ctx context.Context) (*financev1.RecordCarrierPaymentResponse, error) {
				return escrows.RecordCarrierPayment(ctx, carrierPayment(i))
			}); err != nil || !r.GetReplayed() {
				t.Errorf("order %d: replay of the carrier payment: %v, %v", i, r, err)
			}
		}
	}
	// The carrier's payable holds every leg once less every payment once;
	// the coupon expense paid each coupon's 40 once (100 in, 60 back) and
	// got 20 reclaimed: it is debited, its net negative.
	payments, coupons, advances := int64(0), int64(0), int64(0)
	for i := range orders {
		if carrierPaid(i) {
			payments++
		}
		if advanced(i) {
			advances++
		}
		if couponed(i) {
			coupons++
		}
	}
	if got, want := f.holds(t, adminAuth, "carrier_payable", "carrier", carrier), (orders-payments)*100+advances*1000; got != want {
		t.Errorf("the carrier's payable holds %d, want %d legs − %d payments of 100 + %d advanced legs of 1,000 = %d", got, orders, payments, advances, want)
	}
	if got, want := f.holds(t, adminAuth, "coupon_expense", "platform", "platform"), -coupons*(40-20); got != want {
		t.Errorf("the coupon expense holds %d, want −(%d coupons of 40 less 20 reclaimed) = %d", got, coupons, want)
	}

	wallet := c.do("GET", "/v1/wallet", buyer.Access, nil).must(t, 200, "wallet")
	if got, want := walletHolds(wallet, "EUR"), crashFunds-paid-toppedUp+backToBuyer; got != strconv.FormatInt(want, 10) {
		t.Errorf("wallet holds %s EUR minor units, want %d − %d paid − %d topped up + %d back = %d: every command exactly once",
			got, crashFunds, paid, toppedUp, backToBuyer, want)
	}
	payable, err := throughRestarts(adminAuth, func(ctx context.Context) (*financev1.GetSupplierPayableResponse, error) {
		return financev1.NewWalletServiceClient(f.finance).GetSupplierPayable(ctx, &financev1.GetSupplierPayableRequest{OrganizationId: supplier})
	})
	if err != nil {
		t.Fatalf("supplier payable: %v", err)
	}
	var owed int64
	for _, b := range payable.GetBalances() {
		if b.GetCurrencyCode() == "EUR" {
			owed = b.GetPostedMinor()
		}
	}
	if want := supplierNet - clawedBackTotal - reclaimedTotal; owed != want {
		t.Errorf("the supplier's payable holds %d EUR minor units, want %d net − %d clawed back − %d reclaimed = %d: every settlement, claw-back and reclaim exactly once (%v)",
			owed, supplierNet, clawedBackTotal, reclaimedTotal, want, payable)
	}
	bookBalances(t, c)
}

// A partner platform's money moves by three commands of its own: each
// settlement line credited (our money at the partner split into the
// supplier's payable and the platform's commission, the partner's fees
// recorded), withdrawals from that virtual account to our bank (one with
// more than it holds booked to the partner's unallocated receipts, split
// once), and an operator's allocation of those receipts. A stream of them
// runs while finance is killed with SIGKILL three times and restarted (the
// last kill about when the split withdrawal is sent); callers retry with the same
// keys. Afterwards a replay of each answers the first result and moves
// nothing, the supplier's payable, the virtual account and the unallocated
// receipts hold exactly what each command moved once, and the book balances.
func TestFinanceSurvivesKillDuringPartnerSettlements(t *testing.T) {
	f := newFinanceCrash(t, "127.0.0.36")
	c, word, auth := f.c, f.word, f.auth
	admin, _ := c.login(adminEmail, demoPassword)
	adminAuth := metadata.Pairs("authorization", "Bearer "+admin)
	escrows := financev1.NewEscrowServiceClient(f.finance)
	partner, supplier := "crash-partner-"+word, uuid.NewString()
	eur := func(minor int64) *commonv1.Money { return &commonv1.Money{CurrencyCode: "EUR", AmountMinor: minor} }
	financeBin := filepath.Join(shared.dir, "bin", "finance")

	// Line i credits 1,000+i, of which the partner kept 30 in fees; after
	// every eighth line 5,000 is withdrawn.
	const lines, workers, withdrawal = 48, 4, 5_000
	credit := func(i int) *financev1.CreditPartnerSettlementRequest {
		return &financev1.CreditPartnerSettlementRequest{PartnerId: partner, LineId: fmt.Sprintf("line-%02d", i), SupplierOrgId: supplier,
			Gross: eur(int64(1000 + i)), FeesMinor: 30}
	}
	withdraw := func(id string, amount int64, excess bool) *financev1.RecordPartnerWithdrawalRequest {
		return &financev1.RecordPartnerWithdrawalRequest{PartnerId: partner, WithdrawalId: id, Amount: eur(amount), ExcessUnallocated: excess}
	}
	credited := make([]*financev1.CreditPartnerSettlementResponse, lines)
	killing(t, "finance", lines, workers, func(i int) (err error) {
		credited[i], err = throughRestarts(auth, func(ctx context.Context) (*financev1.CreditPartnerSettlementResponse, error) {
			return escrows.CreditPartnerSettlement(ctx, credit(i))
		})
		return err
	})
	withdrawn := int64(0)
	for n := range lines / 8 {
		if _, err := throughRestarts(auth, func(ctx context.Context) (*financev1.RecordPartnerWithdrawalResponse, error) {
			return escrows.RecordPartnerWithdrawal(ctx, withdraw(fmt.Sprintf("w-%d", n), withdrawal, false))
		}); err != nil {
			t.Fatalf("withdrawal %d: %v", n, err)
		}
		withdrawn += withdrawal
	}
	var toVirtual, supplierNet int64
	for i, r := range credited {
		if r == nil {
			t.FailNow()
		}
		if r.GetSupplierNet().GetAmountMinor()+r.GetCommission().GetAmountMinor()+r.GetFees().GetAmountMinor() != int64(1000+i) || r.GetFees().GetAmountMinor() != 30 {
			t.Errorf("line %d answered %v, want net + commission + fees = %d", i, r, 1000+i)
		}
		toVirtual += r.GetSupplierNet().GetAmountMinor() + r.GetCommission().GetAmountMinor()
		supplierNet += r.GetSupplierNet().GetAmountMinor()
	}

	// The partner pays out 100,000 though the virtual account holds less:
	// an operator booked the rest to its unallocated receipts, then takes
	// half of those as revenue. Finance is killed about when the payout is
	// sent: before its call arrives, while it commits or just after (which
	// one is left to the timing; each must book the split once).
	const payout = 100_000
	killed := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Millisecond)
		_, err := killWhenRunning(financeBin, 30*time.Second)
		killed <- err
	}()
	split, err := throughRestarts(auth, func(ctx context.Context) (*financev1.RecordPartnerWithdrawalResponse, error) {
		return escrows.RecordPartnerWithdrawal(ctx, withdraw("payout-all", payout, true))
	})
	if err != nil {
		t.Fatalf("the split withdrawal: %v", err)
	}
	unallocated := split.GetUnallocated().GetAmountMinor()
	if want := payout - (toVirtual - withdrawn); unallocated != want {
		t.Errorf("the split booked %d unallocated, want %d − (%d credited − %d withdrawn) = %d", unallocated, payout, toVirtual, withdrawn, want)
	}
	allocate := &financev1.AllocatePartnerReceiptsRequest{PartnerId: partner, AllocationId: "alloc-1", Amount: eur(unallocated / 2),
		Allocation: financev1.ReceiptAllocation_RECEIPT_ALLOCATION_REVENUE, Note: "the partner confirmed it will not claim it back"}
	if _, err := throughRestarts(adminAuth, func(ctx context.Context) (*financev1.AllocatePartnerReceiptsResponse, error) {
		return escrows.AllocatePartnerReceipts(ctx, allocate)
	}); err != nil {
		t.Fatalf("allocation: %v", err)
	}
	if err := <-killed; err != nil {
		t.Fatalf("kill finance as the payout was sent: %v", err)
	}

	// A replay of every command answers the first result and moves nothing.
	for i, first := range credited {
		r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.CreditPartnerSettlementResponse, error) {
			return escrows.CreditPartnerSettlement(ctx, credit(i))
		})
		if err != nil || r.GetSupplierNet().GetAmountMinor() != first.GetSupplierNet().GetAmountMinor() {
			t.Errorf("replay of line %d: %v, %v; first %v", i, r, err, first)
		}
	}
	for n := range lines / 8 {
		if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.RecordPartnerWithdrawalResponse, error) {
			return escrows.RecordPartnerWithdrawal(ctx, withdraw(fmt.Sprintf("w-%d", n), withdrawal, false))
		}); err != nil || !r.GetReplayed() {
			t.Errorf("replay of withdrawal %d: %v, %v", n, r, err)
		}
	}
	if r, err := throughRestarts(auth, func(ctx context.Context) (*financev1.RecordPartnerWithdrawalResponse, error) {
		return escrows.RecordPartnerWithdrawal(ctx, withdraw("payout-all", payout, true))
	}); err != nil || !r.GetReplayed() || r.GetUnallocated().GetAmountMinor() != unallocated {
		t.Errorf("replay of the split withdrawal: %v, %v; want replayed with %d unallocated", r, err, unallocated)
	}
	if r, err := throughRestarts(adminAuth, func(ctx context.Context) (*financev1.AllocatePartnerReceiptsResponse, error) {
		return escrows.AllocatePartnerReceipts(ctx, allocate)
	}); err != nil || !r.GetReplayed() {
		t.Errorf("replay of the allocation: %v, %v", r, err)
	}

	if got := f.holds(t, adminAuth, "supplier_payable", "organization", supplier); got != supplierNet {
		t.Errorf("the supplier's payable holds %d, want %d: every line exactly once", got, supplierNet)
	}
	// The virtual account is our asset at the partner (debits exceed
	// credits): the split withdrawal took all it held.
	if got := f.holds(t, adminAuth, "partner_virtual", "partner", partner); got != 0 {
		t.Errorf("the partner virtual account holds %d after the payout of everything, want 0", got)
	}
	if got, want := f.holds(t, adminAuth, "partner_unallocated", "partner", partner), unallocated-unallocated/2; got != want {
		t.Errorf("the partner's unallocated receipts hold %d, want %d − %d allocated = %d", got, unallocated, unallocated/2, want)
	}
	bookBalances(t, c)
}

// A supplier's payout takes three steps: the payable reserved in the book,
// the provider asked to pay, the provider's answer (its webhook, or finance
// asking) posting or voiding the reservation. Payouts are requested while
// finance is killed with SIGKILL twice and restarted; callers retry with
// the same idempotency key, which also takes a payout on from the step it
// stopped at; some go to a bank that sends them back after they were paid,
// often while finance is down or just back. Afterwards every key is one
// payout, paid (or failed, for the bank account the provider refuses;
// returned, for the one that sends it back, or failed if the return came
// before the payment was applied), and the payable holds what it earned
// less the payouts paid and kept, once, nothing left reserved; the book
// balances.
func TestFinanceSurvivesKillDuringPayouts(t *testing.T) {
	f := newFinanceCrash(t, "127.0.0.37")
	c, word, auth := f.c, f.word, f.auth
	admin, _ := c.login(adminEmail, demoPassword)
	supplier := c.signUp("ACCOUNT_TYPE_SUPPLIER", "Crash Payouts "+word)
	c.do("POST", "/v1/organizations/"+supplier.OrgID+":approve", admin, map[string]any{}).must(t, 200, "approve the supplier")
	supplier.Access, _ = c.login(supplier.Email, testPassword)
	supplierAuth := metadata.Pairs("authorization", "Bearer "+supplier.Access)
	escrows, wallets := financev1.NewEscrowServiceClient(f.finance), financev1.NewWalletServiceClient(f.finance)
	eur := func(minor int64) *commonv1.Money { return &commonv1.Money{CurrencyCode: "EUR", AmountMinor: minor} }

	// The supplier earns from four orders of 10,000, paid and settled.
	var earned int64
	for i := range 4 {
		order := fmt.Sprintf("payout-crash-%s-%d", word, i)
		if _, err := throughRestarts(auth, func(ctx context.Context) (*financev1.PayCheckoutResponse, error) {
			return escrows.PayCheckout(ctx, &financev1.PayCheckoutRequest{OrderId: order, BuyerId: f.buyer.ID, BuyerCurrency: "EUR",
				SubOrders: []*financev1.CheckoutShare{{SubOrderId: order + "-a", SupplierOrgId: supplier.OrgID, Amount: eur(10_000)}}})
		}); err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
		s, err := throughRestarts(auth, func(ctx context.Context) (*financev1.SettleSubOrderResponse, error) {
			return escrows.SettleSubOrder(ctx, &financev1.SettleSubOrderRequest{SubOrderId: order + "-a", Goods: eur(10_000)})
		})
		if err != nil {
			t.Fatalf("settlement %d: %v", i, err)
		}
		earned += s.GetEscrow().GetSupplierNet().GetAmountMinor()
	}

	// 24 payouts of 1,000; every sixth to the account the provider fails,
	// every sixth to the one whose bank sends it back.
	const payouts, workers = 24, 4
	refused := func(i int) bool { return i%6 == 5 }
	sentBack := func(i int) bool { return i%6 == 2 }
	request := func(i int) *financev1.CreatePayoutRequest {
		destination := "acct_crash"
		switch {
		case refused(i):
			destination = "acct_fail"
		case sentBack(i):
			destination = "acct_return"
		}
		return &financev1.CreatePayoutRequest{OrganizationId: supplier.OrgID, Amount: eur(1_000), Destination: destination,
			IdempotencyKey: fmt.Sprintf("payout-crash-%s-%02d", word, i)}
	}
	create := func(i int) (*financev1.Payout, error) {
		r, err := throughRestarts(supplierAuth, func(ctx context.Context) (*financev1.CreatePayoutResponse, error) {
			return wallets.CreatePayout(ctx, request(i))
		})
		return r.GetPayout(), err
	}
	ids := make([]string, payouts)
	killing(t, "finance", payouts, workers, func(i int) error {
		p, err := create(i)
		ids[i] = p.GetId()
		return err
	})

	// Every payout ends: asking again with its key answers the same payout
	// and takes it on (finance asks the provider about one sent).
	var paidOut int64
	returned := 0
	deadline := time.Now().Add(time.Minute)
	for i := range payouts {
		for {
			p, err := create(i)
			if err != nil || p.GetId() != ids[i] {
				t.Fatalf("payout %d asked again: %v, %v; want payout %s", i, p, err, ids[i])
			}
			st := p.GetState()
			if sentBack(i) && (st == "returned" || st == "failed") {
				if st == "returned" {
					returned++
				}
				break
			}
			if !sentBack(i) && (st == "paid" || st == "failed") {
				if want := map[bool]string{true: "failed", false: "paid"}[refused(i)]; st != want {
					t.Errorf("payout %d to %s ended %s, want %s", i, p.GetDestination(), st, want)
				}
				if st == "paid" {
					paidOut += p.GetAmount().GetAmountMinor()
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("payout %d still %s", i, p.GetState())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// A return is applied as one only to a payout whose payment was: when
	// finance was down as the payment's webhook came, its redelivery may
	// come after the return's, which finds the payout still sent and fails
	// it. Either way the payable gets the amount back, checked below; how
	// many took which path depends on where the kills fell.
	t.Logf("%d of %d payouts sent back ended returned, the others failed", returned, payouts/6)
	listed, err := throughRestarts(supplierAuth, func(ctx context.Context) (*financev1.ListPayoutsResponse, error) {
		return wallets.ListPayouts(ctx, &financev1.ListPayoutsRequest{OrganizationId: supplier.OrgID, Page: &commonv1.PageRequest{PageSize: 100}})
	})
	if err != nil || len(listed.GetPayouts()) != payouts {
		t.Errorf("the supplier's payouts: %d, %v; want %d, one per key", len(listed.GetPayouts()), err, payouts)
	}
	payable, err := throughRestarts(supplierAuth, func(ctx context.Context) (*financev1.GetSupplierPayableResponse, error) {
		return wallets.GetSupplierPayable(ctx, &financev1.GetSupplierPayableRequest{OrganizationId: supplier.OrgID})
	})
	if err != nil || len(payable.GetBalances()) != 1 {
		t.Fatalf("the payable: %v, %v", payable, err)
	}
	if b := payable.GetBalances()[0]; b.GetPostedMinor() != earned-paidOut || b.GetPendingDebitsMinor() != 0 {
		t.Errorf("the payable holds %d with %d reserved, want %d earned − %d paid out = %d and nothing reserved: every payout exactly once",
			b.GetPostedMinor(), b.GetPendingDebitsMinor(), earned, paidOut, earned-paidOut)
	}
	bookBalances(t, c)
}

// killing runs step(i) for every i below n on workers goroutines while
// service's process is killed with SIGKILL twice: once a quarter of the
// steps have succeeded and again, once it is back, when three quarters
// have. It fails the test with every step's error, and stops it unless
// both kills happened and every step succeeded.
func killing(t *testing.T, service string, n, workers int, step func(i int) error) {
	t.Helper()
	var done atomic.Int64
	kills := make(chan error, 2)
	go func() {
		for _, after := range []int64{int64(n) / 4, 3 * int64(n) / 4} {
			for done.Load() < after {
				time.Sleep(time.Millisecond)
			}
			pid, err := killWhenRunning(filepath.Join(shared.dir, "bin", service), 30*time.Second)
			if err == nil {
				t.Logf("killed %s (pid %d) after %d of %d steps", service, pid, after, n)
			}
			kills <- err
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := step(i); err != nil {
					errs <- fmt.Errorf("step %d: %w", i, err)
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for range 2 {
		select {
		case err := <-kills:
			if err != nil {
				t.Fatalf("kill %s: %v", service, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s was not killed twice while the steps ran", service)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

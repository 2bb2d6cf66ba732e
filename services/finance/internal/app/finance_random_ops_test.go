package app_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// randomOpsTable is every money command of TestFinanceRandomized, weighted.
var randomOpsTable = []randomOp{
	{"wallet top-up", 8, opWalletTopUp},
	{"deposit top-up", 3, opDepositTopUp},
	{"top-up webhook", 12, opTopUpWebhook},
	{"stale webhook", 2, opStaleWebhook},
	{"deposit debit", 4, opDepositDebit},
	{"payout", 4, opPayout},
	{"payout webhook", 4, opPayoutWebhook},
	{"partner withdrawal", 3, opPartnerWithdrawal},
	{"partner allocation", 2, opPartnerAllocation},
	{"fund a wallet", 3, opFundWallet},
	{"checkout", 14, opCheckout},
	{"fund a deposit", 2, opFundDeposit},
	{"merchant checkout", 7, opMerchantCheckout},
	{"freight leg", 8, opFreightLeg},
	{"settle", 10, opSettle},
	{"pay a top-up request", 5, opPayTopUpRequest},
	{"refund", 8, opRefund},
	{"retry waiting refunds", 2, opRetryWaitingRefunds},
	{"coupon", 3, opCoupon},
	{"reclaim a coupon", 3, opReclaimCoupon},
	{"partner line", 6, opPartnerLine},
	{"carrier payment", 3, opCarrierPayment},
	{"reused key", 2, opReusedKey},
	{"check top-ups", 3, opCheckTopUps},
	{"time passes", 1, opTimePasses},
}

func (w *world) buyer() auth.Caller {
	return auth.Caller{Subject: fmt.Sprintf("buyer-%d", w.pick(5)), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
}

// opWalletTopUp asks the provider for a card payment into a buyer's
// wallet; its webhook comes later (opTopUpWebhook).
func opWalletTopUp(w *world) (func() error, error) {
	c := w.buyer()
	in := wallet.TopUpInput{Amount: w.amount(2_000_000), Currency: w.currency(), IdempotencyKey: w.id("top-up")}
	return w.createTopUp(in, func() (wallet.TopUp, error) { return w.wallets.CreateTopUp(ctx, c, in) })
}

// opDepositTopUp is the same into a merchant's prepaid deposit.
func opDepositTopUp(w *world) (func() error, error) {
	org := w.merchants[w.pick(len(w.merchants))]
	c := orgMember(auth.RoleMerchant, auth.OrgRoleOwner, org)
	in := wallet.TopUpInput{Amount: w.amount(2_000_000), Currency: w.currency(), IdempotencyKey: w.id("deposit-top-up")}
	return w.createTopUp(in, func() (wallet.TopUp, error) { return w.wallets.CreateDepositTopUp(ctx, c, org, in) })
}

func (w *world) createTopUp(in wallet.TopUpInput, create func() (wallet.TopUp, error)) (func() error, error) {
	tu, err := create()
	if err != nil {
		return nil, err
	}
	w.add(func() {
		w.topUps = append(w.topUps, app.Intent{ID: tu.IntentID, Amount: in.Amount, Currency: in.Currency, Reference: tu.ID})
	})
	return func() error {
		again, err := create()
		if err == nil && (again.ID != tu.ID || again.IntentID != tu.IntentID) {
			return fmt.Errorf("top-up %s retried as another top-up %s", tu.ID, again.ID)
		}
		return err
	}, nil
}

// opTopUpWebhook delivers the provider's verdict on a top-up: mostly
// success, sometimes a failure (a top-up may fail, then succeed with
// another card; a failure after success changes nothing). The provider's
// intent moves first, as the payer's card moves it; one canceled there
// (abandoned, or its failed top-up's watch over) can no longer be paid, and
// its webhook says canceled. Its retry is a duplicate delivery, which must
// apply nothing.
func opTopUpWebhook(w *world) (func() error, error) {
	intent, ok := anyOf(w, &w.topUps, false)
	if !ok {
		return nil, nil
	}
	typ, status, failure := app.EventIntentSucceeded, app.IntentSucceeded, ""
	if w.pick(100) < 20 {
		typ, status, failure = app.EventIntentFailed, app.IntentFailed, "card_declined"
	}
	if w.provider.pay(intent.ID, status) == app.IntentCanceled {
		typ, status, failure = app.EventIntentCanceled, app.IntentCanceled, ""
	}
	return w.deliver(w.provider.intentEvent(w.id("evt"), typ, intent, status, failure))
}

// opCheckTopUps asks the provider about the top-ups as finance's worker
// does, sometimes after a payer paid or was declined with the webhook lost.
// The provider here always answers, so an error is a failure of the check.
func opCheckTopUps(w *world) (func() error, error) {
	if intent, ok := anyOf(w, &w.topUps, false); ok && w.pick(100) < 50 {
		status := app.IntentSucceeded
		if w.pick(100) < 30 {
			status = app.IntentFailed
		}
		w.provider.pay(intent.ID, status)
	}
	settled, err := w.wallets.CheckTopUps(ctx, time.Duration(w.pick(3))*time.Hour, 100)
	if err != nil {
		return nil, fmt.Errorf("checking top-ups: %v", err)
	}
	w.add(func() { w.topUpsSettled += settled })
	return nil, nil
}

// opTimePasses moves the wallets' clock on by 1 to 30 hours, so top-ups
// age past the abandonment age and failed ones past their watch.
func opTimePasses(w *world) (func() error, error) {
	d := time.Duration(w.amount(30)) * time.Hour
	w.add(func() { w.now = w.now.Add(d) })
	return nil, nil
}

// deliver applies a fresh webhook delivery of ev and returns its
// duplicate, signed when it is sent as the provider signs every delivery.
func (w *world) deliver(ev wireEvent) (func() error, error) {
	d := w.provider.sign(ev, w.clock())
	applied, err := w.wallets.HandleProviderWebhook(ctx, d.signature, d.body)
	if err != nil {
		return nil, err
	}
	if !applied {
		return nil, fmt.Errorf("a fresh webhook event was not applied: %s", d.body)
	}
	return func() error {
		d := w.provider.sign(ev, w.clock())
		applied, err := w.wallets.HandleProviderWebhook(ctx, d.signature, d.body)
		if err == nil && applied {
			return fmt.Errorf("a duplicate webhook delivery was applied: %s", d.body)
		}
		return err
	}, nil
}

// opStaleWebhook delivers a success signed beyond the tolerance: refused,
// nothing moved.
func opStaleWebhook(w *world) (func() error, error) {
	intent, ok := anyOf(w, &w.topUps, false)
	if !ok {
		return nil, nil
	}
	d := w.provider.sign(w.provider.intentEvent(w.id("evt"), app.EventIntentSucceeded, intent, app.IntentSucceeded, ""), w.clock().Add(-10*time.Minute))
	applied, err := w.wallets.HandleProviderWebhook(ctx, d.signature, d.body)
	if err == nil {
		return nil, fmt.Errorf("a stale webhook was accepted (applied %v)", applied)
	}
	return nil, err
}

// opDepositDebit pays a merchant order from the merchant's deposit.
func opDepositDebit(w *world) (func() error, error) {
	in := app.DepositDebit{OrderReference: w.id("merchant-order"), OrganizationID: w.merchants[w.pick(len(w.merchants))], Amount: w.amount(500_000), Currency: w.currency()}
	if _, err := w.wallets.DebitMerchantDeposit(ctx, svcs, in); err != nil {
		return nil, err
	}
	other := in
	other.Amount++
	w.reusable(func() error { _, err := w.wallets.DebitMerchantDeposit(ctx, svcs, other); return err })
	return func() error {
		again, err := w.wallets.DebitMerchantDeposit(ctx, svcs, in)
		if err == nil && !again.Replayed {
			return fmt.Errorf("deposit debit %s retried without a replay", in.OrderReference)
		}
		return err
	}, nil
}

// opPayout sends money from a supplier's payable to its bank: reserved in
// the ledger, then handed to the provider.
func opPayout(w *world) (func() error, error) {
	org := w.supplier()
	owner := orgMember(auth.RoleSupplier, auth.OrgRoleOwner, org)
	in := wallet.PayoutInput{Amount: w.amount(30_000), Currency: w.currency(), Destination: "DE89 3704", IdempotencyKey: w.id("payout")}
	p, err := w.wallets.CreatePayout(ctx, owner, org, in)
	if err != nil {
		return nil, err
	}
	if p.State == wallet.PayoutSent {
		w.add(func() { w.payouts = append(w.payouts, sentPayout{id: p.ID}) })
	}
	return func() error {
		again, err := w.wallets.CreatePayout(ctx, owner, org, in)
		if err == nil && again.ID != p.ID {
			return fmt.Errorf("payout %s retried as another payout %s", p.ID, again.ID)
		}
		return err
	}, nil
}

// opPayoutWebhook delivers a sent payout's outcome: paid posts the
// reservation, failed voids it.
func opPayoutWebhook(w *world) (func() error, error) {
	p, ok := anyOf(w, &w.payouts, true)
	if !ok {
		return nil, nil
	}
	typ, status := app.EventPayoutPaid, app.PayoutPaid
	if w.pick(100) < 20 {
		typ, status = app.EventPayoutFailed, app.PayoutFailed
	}
	return w.deliver(w.provider.payoutEvent(w.id("evt"), typ, p.id, status))
}

// opPartnerWithdrawal takes money out of a partner virtual account: often
// within what it holds, sometimes more (refused by its flag, or booked to
// the partner's unallocated receipts when an operator decided so).
func opPartnerWithdrawal(w *world) (func() error, error) {
	partner, cur := fmt.Sprintf("partner-%d", w.pick(2)), w.currency()
	held := w.held(escrow.PartnerVirtual(partner, cur))
	amount := w.amount(100_000)
	if held > 0 && w.pick(100) < 70 {
		amount = w.amount(held)
	}
	in := app.PartnerWithdrawalInput{PartnerID: partner, WithdrawalID: w.id("withdrawal"), Amount: amount, Currency: cur,
		ExcessUnallocated: w.pick(100) < 30}
	if _, err := w.k.e.RecordPartnerWithdrawal(ctx, svcs, in); err != nil {
		return nil, err
	}
	other := in
	other.Amount++
	w.reusable(func() error { _, err := w.k.e.RecordPartnerWithdrawal(ctx, svcs, other); return err })
	return func() error {
		again, err := w.k.e.RecordPartnerWithdrawal(ctx, svcs, in)
		if err == nil && !again.Replayed {
			return fmt.Errorf("withdrawal %s retried without a replay", in.WithdrawalID)
		}
		return err
	}, nil
}

// opPartnerAllocation moves part of a partner's unallocated receipts (what
// withdrawals beyond the virtual account booked) to revenue or back to the
// partner: often within what they hold, sometimes more (refused by their
// flag).
func opPartnerAllocation(w *world) (func() error, error) {
	partner, cur := fmt.Sprintf("partner-%d", w.pick(2)), w.currency()
	amount := w.amount(50_000)
	if held := -w.held(escrow.PartnerUnallocated(partner, cur)); held > 0 && w.pick(100) < 70 {
		amount = w.amount(held)
	}
	to := escrow.AllocateToRevenue
	if w.pick(2) == 0 {
		to = escrow.AllocateToPartner
	}
	in := app.PartnerAllocationInput{PartnerID: partner, AllocationID: w.id("allocation"), Amount: amount, Currency: cur, To: to, Note: "randomized"}
	if _, err := w.k.e.AllocatePartnerReceipts(ctx, admin, in); err != nil {
		return nil, err
	}
	return func() error {
		again, err := w.k.e.AllocatePartnerReceipts(ctx, admin, in)
		if err == nil && !again.Replayed {
			return fmt.Errorf("allocation %s retried without a replay", in.AllocationID)
		}
		return err
	}, nil
}

// opFundWallet credits a wallet by a direct ledger transfer, as a
// provider top-up's ledger command does.
func opFundWallet(w *world) (func() error, error) {
	buyerID, cur, key := w.buyer().Subject, w.currency(), w.id("fund")
	amount := w.amount(2_000_000)
	f := func() error { w.k.fund(w.t, buyerID, cur, amount, key); return nil }
	return f, f()
}

// opFundDeposit credits a merchant's deposit by a direct ledger transfer,
// as a provider deposit top-up's ledger command does.
func opFundDeposit(w *world) (func() error, error) {
	org, cur, key := w.merchants[w.pick(len(w.merchants))], w.currency(), w.id("fund-deposit")
	amount := w.amount(2_000_000)
	f := func() error { w.k.fundDeposit(w.t, org, cur, amount, key); return nil }
	return f, f()
}

// opCheckout pays a buyer's order from the buyer's wallet.
func opCheckout(w *world) (func() error, error) { return w.checkout("") }

// opMerchantCheckout pays a merchant order from the merchant's deposit: its
// sub-orders then settle, refund, claw back and take top-ups like a
// buyer's, to and from the deposit.
func opMerchantCheckout(w *world) (func() error, error) {
	return w.checkout(w.merchants[w.pick(len(w.merchants))])
}

// checkout pays a random order of one to three sub-orders, from the
// merchant's deposit when merchant is set, else from a buyer's wallet.
func (w *world) checkout(merchant string) (func() error, error) {
	buyerID, bcur := w.buyer().Subject, w.currency()
	in := app.CheckoutInput{OrderID: w.id("order"), BuyerID: buyerID, BuyerCurrency: bcur, MerchantOrgID: merchant, QuoteIDs: map[string]string{}}
	for range 1 + w.pick(3) {
		scur := w.currency()
		if scur != bcur {
			in.QuoteIDs[scur] = w.quotes[[2]string{bcur, scur}]
		}
		in.Shares = append(in.Shares, escrow.Share{SubOrderID: w.id("sub"), SupplierOrgID: w.supplier(), SupplierCurrency: scur, Amount: w.amount(60_000)})
	}
	res, err := w.k.e.PayCheckout(ctx, svcs, in)
	if err != nil {
		return nil, err
	}
	w.add(func() {
		for _, s := range res.Shares {
			w.subs = append(w.subs, subOrder{id: s.SubOrderID, org: s.SupplierOrgID, currency: s.SupplierCurrency, buyer: buyerID, buyerCurrency: bcur})
		}
	})
	return func() error {
		again, err := w.k.e.PayCheckout(ctx, svcs, in)
		if err == nil && !again.Replayed {
			return fmt.Errorf("checkout %s retried without a replay", in.OrderID)
		}
		return err
	}, nil
}

// opFreightLeg pays a carrier's leg: mostly from a sub-order's escrow,
// sometimes a partner order's or a return parcel's from the platform's
// freight expense.
func opFreightLeg(w *world) (func() error, error) {
	if w.pick(100) < 20 {
		leg := escrow.FreightLeg{SubOrderID: w.id("partner-sub"), LegID: w.id("leg"), CarrierID: fmt.Sprintf("carrier-%d", w.pick(3)),
			Amount: w.amount(20_000), Currency: w.currency(), FromPlatform: true}
		_, err := w.k.e.PayFreightLeg(ctx, svcs, leg)
		return func() error { _, err := w.k.e.PayFreightLeg(ctx, svcs, leg); return err }, err
	}
	s, ok := w.anySub()
	if !ok {
		return nil, nil
	}
	leg := escrow.FreightLeg{SubOrderID: s.id, LegID: w.id("leg"), CarrierID: fmt.Sprintf("carrier-%d", w.pick(3)), Amount: w.amount(20_000), Currency: s.currency}
	if w.pick(100) < 15 {
		// A return parcel's leg: the platform's, escrow or not.
		leg.FromPlatform, leg.AfterSaleID = true, w.id("return")
	}
	_, err := w.k.e.PayFreightLeg(ctx, svcs, leg)
	return func() error { _, err := w.k.e.PayFreightLeg(ctx, svcs, leg); return err }, err
}

func opSettle(w *world) (func() error, error) {
	s, ok := w.anySub()
	if !ok {
		return nil, nil
	}
	goods := w.amount(60_000)
	res, err := w.k.e.SettleSubOrder(ctx, svcs, s.id, goods, s.currency)
	if err != nil {
		return nil, err
	}
	if res.TopUp != nil {
		w.add(func() { w.topUpRequests = append(w.topUpRequests, res.TopUp.ID) })
		return nil, nil
	}
	goods = res.Record.SettledGoods
	return func() error { _, err := w.k.e.SettleSubOrder(ctx, svcs, s.id, goods, s.currency); return err }, nil
}

func opPayTopUpRequest(w *world) (func() error, error) {
	id, ok := anyOf(w, &w.topUpRequests, false)
	if !ok {
		return nil, nil
	}
	first, err := w.k.e.PayTopUp(ctx, svcs, id)
	if err != nil || first.TopUp != nil {
		// Paid, and the escrow still short (the freight advanced or a
		// refund paid since the request was opened): another request is
		// open, and calling this one again settles as soon as the escrow
		// holds enough. That is the settlement going on, not a replay.
		return nil, err
	}
	return func() error { _, err := w.k.e.PayTopUp(ctx, svcs, id); return err }, nil
}

func opRefund(w *world) (func() error, error) {
	s, ok := w.anySub()
	if !ok {
		return nil, nil
	}
	refundID, amount := w.id("refund"), w.amount(30_000)
	res, err := w.k.e.RefundSubOrder(ctx, svcs, s.id, refundID, amount, s.currency)
	if err != nil || res.Waiting {
		return nil, err // a waiting claw-back is tried again on purpose
	}
	return func() error {
		again, err := w.k.e.RefundSubOrder(ctx, svcs, s.id, refundID, amount, s.currency)
		if err == nil && !again.Replayed {
			return fmt.Errorf("refund %s retried without a replay", refundID)
		}
		return err
	}, nil
}

func opRetryWaitingRefunds(w *world) (func() error, error) {
	_, err := w.k.e.RetryWaitingRefunds(ctx, svcs, 5)
	return nil, err
}

func opCoupon(w *world) (func() error, error) {
	s, ok := w.anySub()
	if !ok {
		return nil, nil
	}
	c, amount := fundedCoupon{sub: s, coupon: w.id("coupon"), amount: new(int64)}, w.amount(5_000)
	funded, ok := w.anyCoupon()
	if ok && w.pick(3) == 0 {
		// Set an existing funding again: raised, or lowered as goods came
		// back before settlement (refused once settled).
		c = funded
	}
	if _, err := w.k.e.FundCoupon(ctx, svcs, c.sub.id, c.coupon, amount, c.sub.currency); err != nil {
		return nil, err
	}
	w.add(func() {
		if *c.amount == 0 {
			w.coupons = append(w.coupons, c)
		}
		*c.amount = amount
	})
	return func() error {
		var last int64
		w.add(func() { last = *c.amount })
		prior, err := w.k.ledger.TransfersByReference(ctx, escrow.CouponRef(c.sub.id, c.coupon))
		if err != nil {
			return err
		}
		if funded, _ := escrow.CouponFunding(prior); funded != last {
			// Lowered only as far as escrow held: not done, and asked
			// again it takes back what escrow holds since, which is no
			// retry moving nothing.
			return nil
		}
		_, err = w.k.e.FundCoupon(ctx, svcs, c.sub.id, c.coupon, last, c.sub.currency)
		return err
	}, nil
}

// opReclaimCoupon takes part of a funded coupon back from its supplier
// (refused before settlement, beyond the funding, or for a payable short).
func opReclaimCoupon(w *world) (func() error, error) {
	c, ok := w.anyCoupon()
	if !ok {
		return nil, nil
	}
	id, amount := w.id("reclaim"), w.amount(3_000)
	if _, err := w.k.e.ReclaimCoupon(ctx, svcs, c.sub.id, c.coupon, id, amount, c.sub.currency); err != nil {
		return nil, err
	}
	w.reusable(func() error {
		_, err := w.k.e.ReclaimCoupon(ctx, svcs, c.sub.id, c.coupon, id, amount+1, c.sub.currency)
		return err
	})
	return func() error {
		again, err := w.k.e.ReclaimCoupon(ctx, svcs, c.sub.id, c.coupon, id, amount, c.sub.currency)
		if err == nil && !again.Replayed {
			return fmt.Errorf("reclaim %s retried without a replay", id)
		}
		return err
	}, nil
}

// opCarrierPayment pays a carrier part or all of its payable, or more
// than it holds (refused).
func opCarrierPayment(w *world) (func() error, error) {
	carrier, cur := fmt.Sprintf("carrier-%d", w.pick(3)), w.currency()
	amount := w.amount(50_000)
	if owed := w.held(escrow.CarrierPayable(carrier, cur)); owed > 0 && w.pick(100) < 70 {
		amount = w.amount(owed)
	}
	in := app.CarrierPaymentInput{CarrierID: carrier, PaymentID: w.id("carrier-payment"), Amount: amount, Currency: cur}
	if _, err := w.k.e.RecordCarrierPayment(ctx, admin, in); err != nil {
		return nil, err
	}
	other := in
	other.Amount++
	w.reusable(func() error { _, err := w.k.e.RecordCarrierPayment(ctx, admin, other); return err })
	return func() error {
		again, err := w.k.e.RecordCarrierPayment(ctx, admin, in)
		if err == nil && !again.Replayed {
			return fmt.Errorf("carrier payment %s retried without a replay", in.PaymentID)
		}
		return err
	}, nil
}

func opPartnerLine(w *world) (func() error, error) {
	gross := w.amount(100_000)
	in := app.PartnerCreditInput{PartnerID: fmt.Sprintf("partner-%d", w.pick(2)), LineID: w.id("line"), SupplierOrgID: w.supplier(),
		Currency: w.currency(), Gross: gross, Fees: w.amount(gross) / 10}
	if _, err := w.k.e.CreditPartnerSettlement(ctx, svcs, in); err != nil {
		return nil, err
	}
	other := in
	other.Gross++
	w.reusable(func() error { _, err := w.k.e.CreditPartnerSettlement(ctx, svcs, other); return err })
	return func() error { _, err := w.k.e.CreditPartnerSettlement(ctx, svcs, in); return err }, nil
}

// reusable remembers a call that reuses a command's key with another body.
func (w *world) reusable(call func() error) {
	w.add(func() { w.reused = append(w.reused, call) })
}

// opReusedKey sends a command again with its key and another body: it
// must be AlreadyExists, and move nothing.
func opReusedKey(w *world) (func() error, error) {
	call, ok := anyOf(w, &w.reused, false)
	if !ok {
		return nil, nil
	}
	err := call()
	switch {
	case err == nil:
		return nil, errors.New("a key reused with another body was accepted")
	case !apperr.IsKind(err, apperr.KindAlreadyExists):
		return nil, fmt.Errorf("a key reused with another body: %w, want AlreadyExists", err)
	}
	return nil, err
}

// held is what a debit-normal account holds, 0 when it cannot be read:
// it only sizes a random amount.
func (w *world) held(ref ledger.AccountRef) int64 {
	a, err := w.k.ledger.AccountByRef(ctx, ref)
	if err != nil {
		return 0
	}
	return -a.Balance.Net()
}

// staleRefusal reports the provider adapter refusing a delivery signed too
// long ago: the one PermissionDenied the random commands expect.
func staleRefusal(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Kind == apperr.KindPermissionDenied && e.Reason == "WEBHOOK_STALE"
}

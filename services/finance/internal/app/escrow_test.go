package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// escrowKit is the escrow commands on a fresh database, a zero-spread FX
// policy (round numbers) and a 5 % default commission.
type escrowKit struct {
	pool   *pgxpool.Pool
	fin    *app.Service
	ledger *postgres.Ledger
	e      *app.Escrows
}

func newEscrowKit(t *testing.T) escrowKit {
	t.Helper()
	policy := fx.DefaultPolicy()
	policy.SpreadBps = 0
	return newEscrowKitOn(t, func() time.Time { return t0 }, policy)
}

// newEscrowKitOn is newEscrowKit on a clock and an FX policy of the test's.
func newEscrowKitOn(t *testing.T, clock func() time.Time, policy fx.Policy) escrowKit {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	store := postgres.New(pool)
	fin := app.New(store, app.WithClock(clock), app.WithFX(policy))
	l := postgres.NewLedger(pool, postgres.WithLedgerClock(clock))
	return escrowKit{pool: pool, fin: fin, ledger: l, e: app.NewEscrows(fin, l, store, escrow.DefaultCommissionBps)}
}

// fund tops a buyer's wallet up from the payment provider.
func (k escrowKit) fund(t *testing.T, buyerID, currency string, amount int64, key string) {
	t.Helper()
	_, err := k.ledger.Execute(ctx, ledger.Command{IdempotencyKey: key, Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: currency},
		Credit: escrow.BuyerWallet(buyerID, currency), Amount: amount, Currency: currency, Code: ledger.CodeTopUp, Reference: key, Phase: ledger.PhasePosted,
	}}})
	if err != nil {
		t.Fatal(err)
	}
}

// payOut sends amount of a supplier's payable to its bank, as a paid payout
// does, so that a claw-back finds the payable short.
func (k escrowKit) payOut(t *testing.T, orgID, currency string, amount int64, key string) {
	t.Helper()
	_, err := k.ledger.Execute(ctx, ledger.Command{IdempotencyKey: key, Transfers: []ledger.TransferSpec{{
		Debit: escrow.SupplierPayable(orgID, currency), Credit: escrow.Payout(currency), Amount: amount, Currency: currency,
		Code: ledger.CodePayout, Reference: key, Phase: ledger.PhasePosted,
	}}})
	if err != nil {
		t.Fatal(err)
	}
}

// payUSD pays a checkout of one USD sub-order of org-1 from buyer-1's
// wallet.
func (k escrowKit) payUSD(t *testing.T, orderID, subOrderID string, amount int64) {
	t.Helper()
	if _, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: orderID, BuyerID: "buyer-1", BuyerCurrency: "USD",
		Shares: []escrow.Share{{SubOrderID: subOrderID, SupplierOrgID: "org-1", SupplierCurrency: "USD", Amount: amount}}}); err != nil {
		t.Fatal(err)
	}
}

// net is an account's credits less debits, 0 for an account never used.
func (k escrowKit) net(t *testing.T, ref ledger.AccountRef) int64 {
	t.Helper()
	a, err := k.ledger.AccountByRef(ctx, ref)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance.Net()
}

// balanced fails unless every currency's balances sum to zero.
func (k escrowKit) balanced(t *testing.T) {
	t.Helper()
	lines, err := k.ledger.TrialBalance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]int64{}
	for _, l := range lines {
		sum[l.Currency] += l.CreditsPosted - l.DebitsPosted
	}
	for cur, s := range sum {
		if s != 0 {
			t.Fatalf("%s balances sum to %d", cur, s)
		}
	}
}

func TestEscrowLifecycle(t *testing.T) {
	k := newEscrowKit(t)
	if _, err := k.fin.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "USD", To: "EUR", Rate: "0.92", Source: "ecb"}); err != nil {
		t.Fatal(err)
	}
	q, err := k.fin.QuoteConversion(ctx, svcs, fx.QuoteInput{From: "USD", To: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	wallet := escrow.BuyerWallet("buyer-1", "USD")
	checkout := app.CheckoutInput{OrderID: "o-1", BuyerID: "buyer-1", BuyerCurrency: "USD", QuoteIDs: map[string]string{"EUR": q.ID},
		Shares: []escrow.Share{
			{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 9200}, // 100.00 USD
			{SubOrderID: "s-2", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 2500},
		}}

	// Services only.
	for _, c := range []auth.Caller{buyer, admin, {}} {
		if _, err := k.e.PayCheckout(ctx, c, checkout); !errors.Is(err, app.ErrServicesOnly) {
			t.Errorf("%+v paid: %v", c, err)
		}
	}
	paid, err := k.e.PayCheckout(ctx, svcs, checkout)
	if err != nil {
		t.Fatal(err)
	}
	if paid.Total != 12500 || paid.Replayed || k.net(t, wallet) != 37500 || k.net(t, escrow.Escrow("s-1", "EUR")) != 9200 {
		t.Fatalf("paid = %+v, wallet %d", paid, k.net(t, wallet))
	}
	again, err := k.e.PayCheckout(ctx, svcs, checkout)
	if err != nil || !again.Replayed || k.net(t, wallet) != 37500 {
		t.Errorf("retry: %+v, %v, wallet %d", again, err, k.net(t, wallet))
	}
	other := checkout
	other.Shares = []escrow.Share{{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 9300}}
	if _, err := k.e.PayCheckout(ctx, svcs, other); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("same order, another body: %v", err)
	}
	// Short of funds: the shortfall, nothing moved.
	big := app.CheckoutInput{OrderID: "o-2", BuyerID: "buyer-1", BuyerCurrency: "USD", Shares: []escrow.Share{{SubOrderID: "s-9", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 100000}}}
	_, err = k.e.PayCheckout(ctx, svcs, big)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindFailedPrecondition || ae.Metadata[ledger.MetadataShortfall] != "62500" || k.net(t, wallet) != 37500 {
		t.Errorf("short checkout: %v (wallet %d)", err, k.net(t, wallet))
	}
	// An expired quote is refused for a new order.
	expired := checkout
	expired.OrderID = "o-3"
	expired.Shares = []escrow.Share{{SubOrderID: "s-3", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 100}}
	late := app.NewEscrows(app.New(postgres.New(k.pool), app.WithClock(func() time.Time { return t0.Add(time.Hour) })), k.ledger, postgres.New(k.pool), 500)
	if _, err := late.PayCheckout(ctx, svcs, expired); !errors.Is(err, fx.ErrQuoteExpired) {
		t.Errorf("expired quote: %v", err)
	}

	// A freight leg, once.
	leg := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "carrier-1", Amount: 700, Currency: "EUR"}
	for range 2 {
		if _, err := k.e.PayFreightLeg(ctx, svcs, leg); err != nil {
			t.Fatal(err)
		}
	}
	if got := k.net(t, escrow.CarrierPayable("carrier-1", "EUR")); got != 700 {
		t.Errorf("carrier payable %d", got)
	}
	if _, err := k.e.PayFreightLeg(ctx, svcs, escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-2", CarrierID: "carrier-1", Amount: 700, Currency: "USD"}); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("leg in another currency: %v", err)
	}
	// A sub-order with an escrow pays its freight from it, never from the
	// platform.
	if _, err := k.e.PayFreightLeg(ctx, svcs, escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-4", CarrierID: "carrier-1", Amount: 700, Currency: "EUR",
		FromPlatform: true}); !errors.Is(err, app.ErrFreightFromEscrow) {
		t.Errorf("platform leg of an escrowed sub-order: %v", err)
	}

	// Settlement: 85.00 EUR in escrow, goods 80.00: supplier 76.00,
	// commission 4.00, 5.00 EUR back to the buyer at 0.92 = 5.43 USD.
	res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 8000, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	if res.TopUp != nil || res.Record.SupplierNet != 7600 || res.Record.Commission != 400 || res.Record.Refunded != 543 ||
		k.net(t, wallet) != 37500+543 || k.net(t, escrow.Escrow("s-1", "EUR")) != 0 || k.net(t, escrow.Revenue("EUR")) != 400 {
		t.Fatalf("settled = %+v, wallet %d", res, k.net(t, wallet))
	}
	if again, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 8000, "EUR"); err != nil || again.Record.Refunded != 543 || k.net(t, wallet) != 37500+543 {
		t.Errorf("settle retry: %+v, %v", again, err)
	}
	if _, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 8100, "EUR"); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("settle again at another price: %v", err)
	}
	// A leg the carrier confirms after settlement (a last-mile charge
	// invoiced after delivery) is paid by the platform: the carrier is
	// paid, the settled escrow and the buyer are not touched. Its retry
	// replays it.
	lateLeg := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-3", CarrierID: "carrier-1", Amount: 150, Currency: "EUR"}
	for range 2 {
		if _, err := k.e.PayFreightLeg(ctx, svcs, lateLeg); err != nil {
			t.Fatalf("leg after settlement: %v", err)
		}
	}
	if k.net(t, escrow.CarrierPayable("carrier-1", "EUR")) != 850 || k.net(t, escrow.FreightExpense("EUR")) != -150 ||
		k.net(t, escrow.Escrow("s-1", "EUR")) != 0 || k.net(t, wallet) != 37500+543 {
		t.Errorf("after a late leg: carrier %d, freight expense %d, escrow %d, wallet %d", k.net(t, escrow.CarrierPayable("carrier-1", "EUR")),
			k.net(t, escrow.FreightExpense("EUR")), k.net(t, escrow.Escrow("s-1", "EUR")), k.net(t, wallet))
	}

	// After settlement a refund is clawed back from the payable, less the
	// commission on those goods (5 % of 9.20), which the platform's revenue
	// gives back; one the payable cannot cover (most of it paid out) waits
	// until it can. (The buyer paid 92.00 EUR and got 5.00 back at
	// settlement and 9.20 now: 77.80 may still come back.)
	revenue := k.net(t, escrow.Revenue("EUR"))
	r, err := k.e.RefundSubOrder(ctx, svcs, "s-1", "r-1", 920, "EUR")
	if err != nil || !r.ClawBack || r.Waiting || r.Refunded != 1000 || k.net(t, escrow.SupplierPayable("org-1", "EUR")) != 7600-874 {
		t.Fatalf("claw-back: %+v, %v", r, err)
	}
	if got := revenue - k.net(t, escrow.Revenue("EUR")); got != 46 {
		t.Fatalf("the revenue gave back %d of its commission, want 46", got)
	}
	k.payOut(t, "org-1", "EUR", 1046, "payout-1") // the payable holds 56.80
	r, err = k.e.RefundSubOrder(ctx, svcs, "s-1", "r-2", 7000, "EUR")
	if err != nil || !r.Waiting || k.net(t, escrow.SupplierPayable("org-1", "EUR")) != 5680 {
		t.Fatalf("waiting claw-back: %+v, %v", r, err)
	}
	if n, err := k.e.RetryWaitingRefunds(ctx, svcs, 10); err != nil || n != 0 {
		t.Errorf("retry with the payable still short: %d, %v", n, err)
	}
	if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: "org-1", Currency: "EUR", Gross: 10000, Fees: 200}); err != nil {
		t.Fatal(err)
	}
	if got := k.net(t, escrow.SupplierPayable("org-1", "EUR")); got != 5680+9300 {
		t.Fatalf("payable after the partner line: %d", got)
	}
	if n, err := k.e.RetryWaitingRefunds(ctx, svcs, 10); err != nil || n != 1 || k.net(t, escrow.SupplierPayable("org-1", "EUR")) != 5680+9300-(7000-350) {
		t.Errorf("retry: %d, %v", n, err)
	}

	// A coupon, then a settlement short of funds asks the buyer for a
	// top-up; paying it settles.
	if _, err := k.e.FundCoupon(ctx, svcs, "s-2", "cp-1", 100, "USD"); err != nil {
		t.Fatal(err)
	}
	res, err = k.e.SettleSubOrder(ctx, svcs, "s-2", 3000, "USD")
	if err != nil || res.TopUp == nil || res.TopUp.Amount != 400 || res.Record.State != escrow.StateHeld {
		t.Fatalf("short settlement: %+v, %v", res, err)
	}
	other2 := auth.Caller{Subject: "buyer-2", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	if _, err := k.e.PayTopUp(ctx, other2, res.TopUp.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("another buyer paid the top-up: %v", err)
	}
	before := k.net(t, wallet)
	done, err := k.e.PayTopUp(ctx, buyer, res.TopUp.ID)
	if err != nil || done.Record.State != escrow.StateSettled || k.net(t, wallet) != before-400 || k.net(t, escrow.SupplierPayable("org-2", "USD")) != 2850 {
		t.Fatalf("top-up paid: %+v, %v", done, err)
	}
	if _, err := k.e.PayTopUp(ctx, buyer, res.TopUp.ID); err != nil || k.net(t, wallet) != before-400 {
		t.Errorf("top-up paid twice: %v", err)
	}
	got, bal, err := k.e.GetSubOrderEscrow(ctx, buyer, "s-2")
	if err != nil || got.State != escrow.StateSettled || bal != 0 {
		t.Errorf("escrow = %+v %d, %v", got, bal, err)
	}
	if _, _, err := k.e.GetSubOrderEscrow(ctx, other2, "s-2"); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("another buyer read the escrow: %v", err)
	}
	k.balanced(t)

	// Each command's event once, retries and refusals included: the
	// checkout captured once (with its two shares), refused once.
	for subject, want := range map[string]int{
		"finance.payment.captured": 1, "finance.payment.failed": 1, "finance.freight_leg.paid": 2,
		"finance.escrow.settled": 2, "finance.escrow.refunded": 2, "finance.escrow.refund_waiting": 1,
		"finance.topup.requested": 1, "finance.topup.paid": 1, "finance.coupon.funded": 1, "finance.partner.credited": 1,
	} {
		var n int
		if err := k.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = $1`, subject).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%d %s events, want %d", n, subject, want)
		}
	}
	var captured financev1.PaymentCaptured
	var payload []byte
	if err := k.pool.QueryRow(ctx, `SELECT payload FROM outbox WHERE subject = 'finance.payment.captured'`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(payload, &captured); err != nil {
		t.Fatal(err)
	}
	if captured.GetOrderId() != "o-1" || captured.GetAmount().GetAmountMinor() != 12500 || len(captured.GetSubOrders()) != 2 ||
		captured.GetSubOrders()[0].GetRate() != "0.92" || captured.GetSubOrders()[0].GetPaid().GetAmountMinor() != 10000 {
		t.Errorf("captured = %v", &captured)
	}
}

// A payment naming a sub-order another order paid for is refused and
// moves nothing: its money would have landed in the other order's escrow,
// which settles and refunds to that order's payer.
func TestAPaymentNamingAnotherOrdersSubOrderIsRefused(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-2")
	k.fund(t, "buyer-2", "USD", 50000, "fund-2")
	_, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: "o-2", BuyerID: "buyer-2", BuyerCurrency: "USD",
		Shares: []escrow.Share{
			{SubOrderID: "s-3", SupplierOrgID: "org-1", SupplierCurrency: "USD", Amount: 500},
			{SubOrderID: "s-2", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 2000},
		}})
	if !errors.Is(err, app.ErrSubOrderPaidElsewhere) {
		t.Fatalf("paying o-1's sub-order under o-2: %v, want SUB_ORDER_PAID_ELSEWHERE", err)
	}
	if got := k.net(t, escrow.BuyerWallet("buyer-2", "USD")); got != 50000 {
		t.Errorf("buyer-2's wallet holds %d, want the 50000 it was funded with", got)
	}
	if got := k.net(t, escrow.Escrow("s-2", "USD")); got != 10000 {
		t.Errorf("s-2's escrow holds %d, want o-1's 10000", got)
	}
	if got := k.net(t, escrow.Escrow("s-3", "USD")); got != 0 {
		t.Errorf("s-3's escrow holds %d, want nothing", got)
	}
	// o-1's own retry still replays.
	if res, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: "o-1", BuyerID: "buyer-1", BuyerCurrency: "USD",
		Shares: []escrow.Share{
			{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "USD", Amount: 10000},
			{SubOrderID: "s-2", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 10000},
		}}); err != nil || !res.Replayed {
		t.Errorf("o-1 paid again: %+v, %v; want its first result", res, err)
	}
	k.balanced(t)
}

// A partner platform's order has no escrow: its legs are paid from the
// platform's freight expense, in the carrier's currency, once per leg; the
// escrow path still refuses them.
func TestPlatformPaysPartnerOrdersFreight(t *testing.T) {
	k := newEscrowKit(t)
	leg := escrow.FreightLeg{SubOrderID: "partner-sub-1", LegID: "leg-p1", CarrierID: "carrier-1", Amount: 1250, Currency: "USD"}
	if _, err := k.e.PayFreightLeg(ctx, svcs, leg); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("a leg of a sub-order without escrow, from escrow: %v, want NotFound", err)
	}
	leg.FromPlatform = true
	first, err := k.e.PayFreightLeg(ctx, svcs, leg)
	if err != nil || first.Replayed {
		t.Fatalf("platform leg = %+v, %v", first, err)
	}
	again, err := k.e.PayFreightLeg(ctx, svcs, leg)
	if err != nil || !again.Replayed {
		t.Fatalf("platform leg retried = %+v, %v; want a replay", again, err)
	}
	other := leg
	other.Amount++
	if _, err := k.e.PayFreightLeg(ctx, svcs, other); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("the same leg with another amount: %v, want AlreadyExists", err)
	}
	if _, err := k.e.PayFreightLeg(ctx, admin, escrow.FreightLeg{SubOrderID: "partner-sub-1", LegID: "leg-p2", CarrierID: "carrier-1",
		Amount: 1, Currency: "USD", FromPlatform: true}); !apperr.IsKind(err, apperr.KindPermissionDenied) {
		t.Errorf("an admin paying freight: %v, want PermissionDenied", err)
	}
	if got := k.net(t, escrow.CarrierPayable("carrier-1", "USD")); got != 1250 {
		t.Errorf("carrier payable %d, want 1250", got)
	}
	if got := -k.net(t, escrow.FreightExpense("USD")); got != 1250 {
		t.Errorf("the platform's freight expense %d, want 1250", got)
	}
	var n int
	if err := k.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = 'finance.freight_leg.paid'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d finance.freight_leg.paid events, want 1", n)
	}
	k.balanced(t)
}

// A return parcel's leg is the platform's although its sub-order has an
// escrow: paid from the freight expense, the escrow (the buyer's outbound
// freight and goods) untouched, the event naming the return; without the
// return the same leg is still refused that way.
func TestPlatformPaysReturnParcelsFreight(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 10000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 2500)
	leg := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-r1", CarrierID: "carrier-1", Amount: 800, Currency: "USD", FromPlatform: true}
	_, err := k.e.PayFreightLeg(ctx, svcs, leg)
	if e := (*apperr.Error)(nil); !errors.As(err, &e) || e.Reason != "FREIGHT_FROM_ESCROW" {
		t.Fatalf("an outbound leg of an escrowed sub-order from the platform: %v, want FREIGHT_FROM_ESCROW", err)
	}
	leg.AfterSaleID = "return-1"
	for i := range 2 {
		if r, err := k.e.PayFreightLeg(ctx, svcs, leg); err != nil || r.Replayed != (i == 1) {
			t.Fatalf("return leg, call %d: %+v, %v", i+1, r, err)
		}
	}
	if got := k.net(t, escrow.Escrow("s-1", "USD")); got != 2500 {
		t.Errorf("the escrow holds %d, want the 2500 paid", got)
	}
	if got := -k.net(t, escrow.FreightExpense("USD")); got != 800 {
		t.Errorf("the platform's freight expense %d, want 800", got)
	}
	var payload []byte
	if err := k.pool.QueryRow(ctx, `SELECT payload FROM outbox WHERE subject = 'finance.freight_leg.paid'`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var ev financev1.FreightLegPaid
	if err := proto.Unmarshal(payload, &ev); err != nil || ev.GetAfterSaleId() != "return-1" || !ev.GetFromPlatform() {
		t.Errorf("event %v, %v; want the return named, from the platform", &ev, err)
	}
	k.balanced(t)
}

// A leg larger than all the escrow still holds is paid by the platform, in
// full: the carrier is paid what it confirmed, the escrow keeps what it
// holds for the goods, and the buyer is not asked for it. A retry replays.
func TestFreightLegBeyondTheEscrowIsPaidByThePlatform(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 5000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 2000)
	leg := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "carrier-1", Amount: 2500, Currency: "USD"}
	for range 2 {
		if _, err := k.e.PayFreightLeg(ctx, svcs, leg); err != nil {
			t.Fatalf("a leg beyond the escrow: %v", err)
		}
	}
	if k.net(t, escrow.CarrierPayable("carrier-1", "USD")) != 2500 || k.net(t, escrow.FreightExpense("USD")) != -2500 ||
		k.net(t, escrow.Escrow("s-1", "USD")) != 2000 {
		t.Errorf("carrier %d, freight expense %d, escrow %d", k.net(t, escrow.CarrierPayable("carrier-1", "USD")),
			k.net(t, escrow.FreightExpense("USD")), k.net(t, escrow.Escrow("s-1", "USD")))
	}
	// One the escrow can pay is paid from it, as before.
	small := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-2", CarrierID: "carrier-1", Amount: 300, Currency: "USD"}
	if _, err := k.e.PayFreightLeg(ctx, svcs, small); err != nil {
		t.Fatal(err)
	}
	if k.net(t, escrow.Escrow("s-1", "USD")) != 1700 || k.net(t, escrow.FreightExpense("USD")) != -2500 {
		t.Errorf("after a leg the escrow covers: escrow %d, freight expense %d", k.net(t, escrow.Escrow("s-1", "USD")), k.net(t, escrow.FreightExpense("USD")))
	}
	// The advanced leg is the buyer's freight: settling at goods 15.00 asks
	// for goods + the advanced 25.00 less the 17.00 escrow holds, and once
	// that is paid the platform gets its 25.00 back.
	res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 1500, "USD")
	if err != nil || res.TopUp == nil || res.TopUp.Amount != 2300 {
		t.Fatalf("settlement: %+v, %v; want a top-up of 2300", res, err)
	}
	done, err := k.e.PayTopUp(ctx, buyer, res.TopUp.ID)
	if err != nil || done.Record.State != escrow.StateSettled || done.Record.SupplierNet != 1425 || done.Record.Refunded != 0 {
		t.Fatalf("the top-up paid: %+v, %v", done, err)
	}
	if got := k.net(t, escrow.FreightExpense("USD")); got != 0 {
		t.Errorf("the freight expense holds %d after the settlement, want 0", got)
	}
	if got := k.net(t, escrow.BuyerWallet("buyer-1", "USD")); got != 5000-2000-2300 {
		t.Errorf("the wallet holds %d, want %d: goods 1500 + freight 2800 paid", got, 5000-2000-2300)
	}
	k.balanced(t)
}

// A sub-order whose goods come to nothing at settlement (all of them
// returned, or a coupon of the supplier's took off their whole price)
// settles at 0: the supplier gets nothing, what escrow holds pays back the
// freight the platform advanced as far as it goes (the buyer is asked for
// nothing more; the rest of the advance stays the platform's), and the rest
// goes back to the buyer. Before, goods of 0 were refused: the sub-order was
// never settled, and orders refunded the escrow's rest to the buyer while
// the platform kept the whole advance.
func TestSettlingGoodsOfNothingRecoversTheAdvanceAsFarAsEscrowGoes(t *testing.T) {
	for _, tt := range []struct {
		name               string
		paid, leg          int64 // escrow paid in, and a leg beyond it
		refunded, platform int64 // back to the buyer, and left to the platform's freight expense
	}{
		{"escrow short of the advanced leg", 2000, 2500, 0, -500},
		{"escrow beyond the advanced leg", 3000, 0, 3000, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := newEscrowKit(t)
			k.fund(t, "buyer-1", "USD", 5000, "fund-1")
			k.payUSD(t, "o-1", "s-1", tt.paid)
			if tt.leg > 0 {
				if _, err := k.e.PayFreightLeg(ctx, svcs, escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "carrier-1", Amount: tt.leg, Currency: "USD"}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 0, "USD")
			if err != nil || res.TopUp != nil {
				t.Fatalf("settling goods of 0: %+v, %v; want settled, no top-up", res, err)
			}
			r := res.Record
			if r.State != escrow.StateSettled || r.SupplierNet != 0 || r.Commission != 0 || r.Refunded != tt.refunded {
				t.Errorf("settled %+v; want nothing to the supplier and %d back", r, tt.refunded)
			}
			if got := k.net(t, escrow.FreightExpense("USD")); got != tt.platform {
				t.Errorf("the freight expense holds %d after the settlement, want %d", got, tt.platform)
			}
			if got := k.net(t, escrow.Escrow("s-1", "USD")); got != 0 {
				t.Errorf("escrow holds %d after the settlement", got)
			}
			k.balanced(t)
		})
	}
}

// The buyer's bill does not depend on the order in which legs beyond what
// the escrow holds arrive: goods 15.00 with 5.00 of buffer, legs of 10.00
// and 12.00, either first, ask for a top-up of 17.00 (goods + freight −
// 20.00 paid). Before, the leg the escrow could not pay was the platform's:
// 5.00 or 7.00 was asked depending on the order.
func TestLegsBeyondTheEscrowBillTheSameInAnyOrder(t *testing.T) {
	for _, legs := range [][]int64{{1000, 1200}, {1200, 1000}} {
		k := newEscrowKit(t)
		k.fund(t, "buyer-1", "USD", 5000, "fund-1")
		k.payUSD(t, "o-1", "s-1", 2000)
		for i, amount := range legs {
			leg := escrow.FreightLeg{SubOrderID: "s-1", LegID: fmt.Sprintf("leg-%d", i), CarrierID: "carrier-1", Amount: amount, Currency: "USD"}
			if _, err := k.e.PayFreightLeg(ctx, svcs, leg); err != nil {
				t.Fatal(err)
			}
		}
		res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 1500, "USD")
		if err != nil || res.TopUp == nil || res.TopUp.Amount != 1700 {
			t.Errorf("legs %v: settlement %+v, %v; want a top-up of 1700", legs, res, err)
		}
		k.balanced(t)
	}
}

// racingCall is a ledger on which another call commits first, under the
// key of the first command whose key begins with prefix, that command as
// planned otherwise (replan changes it): the caller's retry of a call
// whose answer it lost, the rate of the day having moved between the two
// plans.
type racingCall struct {
	app.Ledger
	prefix string
	replan func([]ledger.TransferSpec)
	once   sync.Once
}

func (l *racingCall) Execute(ctx context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error) {
	if strings.HasPrefix(cmd.IdempotencyKey, l.prefix) {
		var err error
		l.once.Do(func() {
			other := cmd
			other.Transfers = slices.Clone(cmd.Transfers)
			l.replan(other.Transfers)
			_, err = l.Ledger.Execute(ctx, other)
		})
		if err != nil {
			return ledger.Result{}, err
		}
	}
	return l.Ledger.Execute(ctx, cmd, events...)
}

// A leg paid by the platform in a concurrent call for it (the escrow short
// for that one, as this one read it in time to pay) is that call's answer
// too: this one replays the platform's payment. Before, its command from
// the escrow found the leg's key taken by another plan, and the carrier's
// side took ALREADY_EXISTS for a refusal of a leg that was paid.
func TestALegPaidByTheOtherAccountInARacingCallIsItsAnswer(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 5000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 2000)
	leg := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "carrier-1", Amount: 1500, Currency: "USD"}
	e := app.NewEscrows(k.fin, &racingCall{Ledger: k.ledger, prefix: "leg:", replan: func(ts []ledger.TransferSpec) {
		ts[0].Debit = escrow.FreightExpense("USD")
	}}, postgres.New(k.pool), escrow.DefaultCommissionBps)
	if _, err := e.PayFreightLeg(ctx, svcs, leg); err != nil {
		t.Fatalf("a leg the platform paid in a racing call = %v, want its payment answered", err)
	}
	if k.net(t, escrow.CarrierPayable("carrier-1", "USD")) != 1500 || k.net(t, escrow.Escrow("s-1", "USD")) != 2000 {
		t.Errorf("carrier %d, escrow %d; want the leg paid once, by the platform", k.net(t, escrow.CarrierPayable("carrier-1", "USD")),
			k.net(t, escrow.Escrow("s-1", "USD")))
	}
	k.balanced(t)
}

// A settlement whose command finds its key taken by the same settlement
// planned otherwise (a racing retry, today's rate moved) answers that
// settlement, as recorded by the ledger. Before, the caller was told its
// key was reused (ALREADY_EXISTS), and took the settlement for refused.
func TestASettlementRacedUnderItsKeyAnswersTheOneThatCommitted(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 10000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	e := app.NewEscrows(k.fin, &racingCall{Ledger: k.ledger, prefix: "settle:", replan: func(ts []ledger.TransferSpec) {
		for i := range ts {
			switch ts[i].Code {
			case ledger.CodeSettlementGoods:
				ts[i].Amount--
			case ledger.CodeCommission:
				ts[i].Amount++
			}
		}
	}}, postgres.New(k.pool), escrow.DefaultCommissionBps)
	res, err := e.SettleSubOrder(ctx, svcs, "s-1", 8000, "USD")
	if err != nil {
		t.Fatalf("settle = %v, want the racing settlement answered", err)
	}
	if res.Record.State != escrow.StateSettled || res.Record.Commission != 401 || res.Record.SupplierNet != 7599 {
		t.Errorf("settled %+v, want the settlement that committed (commission 401, net 7599)", res.Record)
	}
}

// A refund whose command finds its key taken by the same refund planned
// otherwise (a racing retry) answers that refund. Before, the caller was
// told its key was reused, and took the refund for refused.
func TestARefundRacedUnderItsKeyAnswersTheOneThatCommitted(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 10000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	e := app.NewEscrows(k.fin, &racingCall{Ledger: k.ledger, prefix: "refund:", replan: func(ts []ledger.TransferSpec) {
		ts[0].Rate = &ledger.RateSnapshot{From: "USD", To: "USD", Rate: "1", Source: "another plan", AsOf: t0}
	}}, postgres.New(k.pool), escrow.DefaultCommissionBps)
	res, err := e.RefundSubOrder(ctx, svcs, "s-1", "r-1", 2500, "USD")
	if err != nil || !res.Replayed || res.Refunded != 2500 {
		t.Fatalf("refund = %+v, %v; want the racing refund answered", res, err)
	}
	if got := k.net(t, escrow.BuyerWallet("buyer-1", "USD")); got != 2500 {
		t.Errorf("the buyer's wallet holds %d, want the 2500 refunded once", got)
	}
}

// A supplier organization's id in another form than its canonical one
// (upper case) pays the same payable, the one payouts and the supplier's
// own reads use. Before, the settlement credited a payable under the id as
// sent, which no payout could reach.
func TestASupplierIDInAnotherFormPaysItsOnePayable(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	org := "0b7c1d2e-0000-4000-8000-00000000abcd"
	if _, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: "o-1", BuyerID: "buyer-1", BuyerCurrency: "USD",
		Shares: []escrow.Share{{SubOrderID: "s-1", SupplierOrgID: strings.ToUpper(org), SupplierCurrency: "USD", Amount: 10000}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 10000, "USD"); err != nil {
		t.Fatal(err)
	}
	if got := k.net(t, escrow.SupplierPayable(org, "USD")); got <= 0 {
		t.Errorf("the supplier's payable holds %d after the settlement, want its share", got)
	}
	if got := k.net(t, escrow.SupplierPayable(strings.ToUpper(org), "USD")); got != 0 {
		t.Errorf("a payable under the upper-case id holds %d, want none", got)
	}
	k.balanced(t)
}

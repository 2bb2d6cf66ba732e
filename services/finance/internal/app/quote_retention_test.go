package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// Quotes expired longer than the retention go, except those a payment
// converted at: they stay readable, and a payment interrupted before its
// records still replays after the purge. A young expired quote stays, and
// a retention under the minimum is raised to it.
func TestExpiredQuotesArePurgedButTheOnesPaidWithStay(t *testing.T) {
	clk := testkit.NewClock(t0)
	policy := fx.DefaultPolicy()
	policy.SpreadBps = 0
	policy.MaxRateAgeBySource = map[string]time.Duration{"manual": 10_000 * time.Hour}
	k := newEscrowKitOn(t, clk.Now, policy)
	pool, fin, l := k.pool, k.fin, k.ledger
	if _, err := fin.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "USD", To: "EUR", Rate: "0.92", Source: "manual"}); err != nil {
		t.Fatal(err)
	}
	quote := func() string {
		t.Helper()
		q, err := fin.QuoteConversion(ctx, svcs, fx.QuoteInput{From: "USD", To: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		return q.ID
	}
	checkout := func(order, quoteID string) app.CheckoutInput {
		return app.CheckoutInput{OrderID: order, BuyerID: "buyer-1", BuyerCurrency: "USD", QuoteIDs: map[string]string{"EUR": quoteID},
			Shares: []escrow.Share{{SubOrderID: order + "-s", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 920}}}
	}
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	paid, interrupted, unused := quote(), quote(), quote()
	if _, err := k.e.PayCheckout(ctx, svcs, checkout("o-1", paid)); err != nil {
		t.Fatal(err)
	}
	dying := app.NewEscrows(fin, l, stopsBeforeRecords{postgres.New(pool)}, escrow.DefaultCommissionBps)
	if _, err := dying.PayCheckout(ctx, svcs, checkout("o-2", interrupted)); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted checkout: %v", err)
	}
	const retention = 30 * 24 * time.Hour
	clk.Advance(policy.QuoteTTL + retention - time.Hour)
	young := quote() // expires within the hour: not past the retention after it
	clk.Advance(2 * time.Hour)

	if n, err := fin.PurgeQuotes(ctx, retention); err != nil || n != 1 {
		t.Fatalf("purged %d quotes, %v; want the unused one alone", n, err)
	}
	for id, want := range map[string]bool{paid: true, interrupted: true, unused: false, young: true} {
		_, err := fin.GetQuote(ctx, svcs, id)
		if kept := err == nil; kept != want || (err != nil && !apperr.IsKind(err, apperr.KindNotFound)) {
			t.Errorf("quote %s after the purge: %v; kept %t, want %t", id, err, kept, want)
		}
	}
	if got, err := k.e.PayCheckout(ctx, svcs, checkout("o-2", interrupted)); err != nil || !got.Replayed {
		t.Errorf("the interrupted payment's replay after the purge: %+v, %v", got, err)
	}
	if r, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "o-2-s"); err != nil || r.Escrowed != 920 {
		t.Errorf("the interrupted payment's escrow: %+v, %v", r, err)
	}
	k.balanced(t)

	var booked int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM fx_quotes WHERE booked`).Scan(&booked); err != nil || booked != 2 {
		t.Errorf("%d quotes marked booked, %v; want the two paid with", booked, err)
	}
	// The young quote is past its expiry by more than an hour, not by the
	// minimum retention.
	if n, err := fin.PurgeQuotes(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("a retention of an hour purged %d quotes, %v; want none within %s", n, err, app.MinQuoteRetention)
	}
	clk.Advance(app.MinQuoteRetention)
	if n, err := fin.PurgeQuotes(ctx, time.Hour); err != nil || n != 1 {
		t.Errorf("past the minimum retention purged %d quotes, %v; want the young one", n, err)
	}
}

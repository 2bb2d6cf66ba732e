package app_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// Provider events are forgotten after their retention, the young ones
// kept; a webhook delivered again after its event was forgotten moves no
// money, since the top-up it settles is settled already. A retention under
// the minimum is raised to it.
func TestForgottenProviderEventsMoveNothingWhenDeliveredAgain(t *testing.T) {
	e, clk, deliver := walletsOnAClock(t)
	_, intent := e.topUp(t, buyer, "k", 12345)
	paid := e.provider.intentEvent("evt_paid", app.EventIntentSucceeded, intent, app.IntentSucceeded, "")
	if !deliver(paid) {
		t.Fatal("the payment's event was not applied")
	}
	const retention = 90 * 24 * time.Hour
	clk.Advance(retention - time.Hour)
	// Not ours (another system on the provider account): only remembered.
	young := e.provider.intentEvent("evt_young", app.EventIntentSucceeded, app.Intent{ID: "pi_other", Amount: 1, Currency: "USD", Reference: "not-ours"}, app.IntentSucceeded, "")
	deliver(young)
	clk.Advance(2 * time.Hour) // evt_paid is past the retention, evt_young is not

	if n, err := e.w.PurgeProviderEvents(ctx, retention); err != nil || n != 1 {
		t.Fatalf("purged %d events, %v; want evt_paid alone", n, err)
	}
	if deliver(young) {
		t.Error("an event within its retention was applied again")
	}
	if !deliver(paid) {
		t.Error("a forgotten event was not taken as new")
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 12345 {
		t.Errorf("the forgotten event delivered again moved money: the wallet holds %d, want 12345", net)
	}
	if n := e.outboxCount(t, app.SubjectWalletToppedUp); n != 1 {
		t.Errorf("%d %s events, want 1", n, app.SubjectWalletToppedUp)
	}
	e.assertBooksBalance(t)

	// Asked to forget after an hour, the purge keeps the minimum.
	clk.Advance(2 * time.Hour)
	if n, err := e.w.PurgeProviderEvents(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("a retention of an hour purged %d events, %v; want none within %s", n, err, app.MinProviderEventRetention)
	}
	if c := e.count(t, `SELECT count(*) FROM provider_events`); c != 2 {
		t.Errorf("%d provider events remembered, want 2", c)
	}
}

// walletsOnAClock is newWallets on a clock the test moves, and a delivery of
// an event signed at its time that reports whether it was applied.
func walletsOnAClock(t *testing.T) (walletsEnv, *testkit.Clock, func(wireEvent) bool) {
	t.Helper()
	e := newWallets(t)
	clk := testkit.NewClock(t0)
	e.w = app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider, app.WithWalletsClock(clk.Now))
	return e, clk, func(ev wireEvent) bool {
		t.Helper()
		d := e.provider.sign(ev, clk.Now())
		applied, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body)
		if err != nil {
			t.Fatal(err)
		}
		return applied
	}
}

// A payout paid, then sent back by the bank: its two events delivered
// again once forgotten neither pay it out again nor return it twice.
func TestForgottenPayoutEventsMoveNothingWhenDeliveredAgain(t *testing.T) {
	e, clk, deliver := walletsOnAClock(t)
	org, owner := e.fundedSupplier(t, 1_000)
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 400, Currency: "EUR", Destination: "x", IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	paid := e.provider.payoutEvent("evt_paid", app.EventPayoutPaid, p.ID, app.PayoutPaid)
	returned := e.provider.payoutEvent("evt_returned", app.EventPayoutFailed, p.ID, app.PayoutFailed)
	if !deliver(paid) || !deliver(returned) {
		t.Fatal("the payout's events were not applied")
	}
	before := [3]int{e.outboxCount(t, app.SubjectPayoutSent), e.outboxCount(t, app.SubjectPayoutFailed), e.outboxCount(t, app.SubjectPayoutReturned)}
	if before != [3]int{1, 0, 1} {
		t.Fatalf("sent, failed and returned events: %v, want one sent and one returned", before)
	}
	clk.Advance(app.MinProviderEventRetention + time.Hour)
	if n, err := e.w.PurgeProviderEvents(ctx, app.MinProviderEventRetention); err != nil || n != 2 {
		t.Fatalf("purged %d events, %v; want both", n, err)
	}
	for _, ev := range []wireEvent{paid, returned, paid} {
		deliver(ev)
	}
	if net, pending := e.balance(t, payableRef(org)); net != 1_000 || pending != 0 {
		t.Errorf("the payable holds %d (%d reserved), want 1000: the payout came back once", net, pending)
	}
	after := [3]int{e.outboxCount(t, app.SubjectPayoutSent), e.outboxCount(t, app.SubjectPayoutFailed), e.outboxCount(t, app.SubjectPayoutReturned)}
	if after != before {
		t.Errorf("the forgotten events delivered again published %v, want %v", after, before)
	}
	got, _, err := e.w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil || len(got) != 1 || got[0].State != wallet.PayoutReturned {
		t.Errorf("the payouts: %+v, %v; want the one returned", got, err)
	}
	e.assertBooksBalance(t)
}

package app_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// A card payment whose webhooks never reached us (finance down for longer
// than the provider retries) is asked about and credited once; one that
// failed is marked failed; one the payer has not confirmed is left pending
// and asked again only after a tenth of its age. A webhook arriving after
// the check moves no money again. Before, such a top-up stayed pending and
// the buyer's money never reached the wallet.
func TestTopUpsWhoseWebhooksNeverCameAreAskedAbout(t *testing.T) {
	e := newWallets(t)
	paid, paidIntent := e.topUp(t, buyer, "paid", 5000)
	declined, _ := e.topUp(t, buyer, "declined", 700)
	waiting, _ := e.topUp(t, buyer, "waiting", 900)
	e.provider.settleIntent(paid.IntentID, app.IntentSucceeded)
	e.provider.settleIntent(declined.IntentID, app.IntentFailed)

	now := t0.Add(30 * time.Second)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return now }))
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 0 {
		t.Fatalf("checked top-ups younger than the age: %d, %v", n, err)
	}
	now = t0.Add(2 * time.Minute)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 2 {
		t.Fatalf("CheckTopUps = %d, %v; want the paid and the declined one settled", n, err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 5000 {
		t.Errorf("the wallet holds %d, want the 5000 paid", net)
	}
	for _, c := range []struct {
		id   string
		want wallet.TopUpState
	}{{paid.ID, wallet.TopUpSucceeded}, {declined.ID, wallet.TopUpFailed}, {waiting.ID, wallet.TopUpPending}} {
		if got, err := e.w.GetTopUp(ctx, buyer, c.id); err != nil || got.State != c.want {
			t.Errorf("top-up %s: %s, %v; want %s", c.id, got.State, err, c.want)
		}
	}
	if n := e.outboxCount(t, app.SubjectWalletToppedUp); n != 1 {
		t.Errorf("%d %s events, want 1", n, app.SubjectWalletToppedUp)
	}
	// The waiting one was asked at 2 min old: not again before 12 s later.
	calls := func() int { return e.count(t, `SELECT count(*) FROM top_ups WHERE checked_at IS NOT NULL`) }
	if calls() != 1 {
		t.Fatalf("%d top-ups marked asked, want the waiting one", calls())
	}
	e.provider.settleIntent(waiting.IntentID, app.IntentSucceeded)
	now = now.Add(5 * time.Second)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 0 {
		t.Fatalf("asked again 5 s later: %d, %v", n, err)
	}
	now = now.Add(10 * time.Second)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 1 {
		t.Fatalf("asked again 15 s later: %d, %v; want it credited", n, err)
	}
	// The provider's webhook, delivered at last, credits nothing more.
	d := e.provider.sign(e.provider.intentEvent("evt_late", app.EventIntentSucceeded, paidIntent, app.IntentSucceeded, ""), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
		t.Fatal(err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 5900 {
		t.Errorf("the wallet holds %d, want 5900", net)
	}
	e.assertBooksBalance(t)
}

// A top-up declined, then paid on the same intent (the payer tried another
// card), whose success webhook never came: the checker asks about failed
// top-ups for a day and credits it. A top-up still failed is only marked
// asked while the watch lasts. Before, a failed top-up was never asked
// about again, and the money paid never reached the wallet.
func TestATopUpDeclinedThenPaidWithoutItsWebhookIsCredited(t *testing.T) {
	e := newWallets(t)
	retried, _ := e.topUp(t, buyer, "retried", 5000)
	stays, _ := e.topUp(t, buyer, "stays", 700)
	for _, tu := range []wallet.TopUp{retried, stays} {
		e.provider.settleIntent(tu.IntentID, app.IntentFailed)
	}
	now := t0.Add(2 * time.Minute)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return now }))
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 2 {
		t.Fatalf("CheckTopUps = %d, %v; want both marked failed", n, err)
	}
	e.provider.settleIntent(retried.IntentID, app.IntentSucceeded)
	now = now.Add(time.Hour)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 1 {
		t.Fatalf("CheckTopUps = %d, %v; want the one paid after all credited", n, err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 5000 {
		t.Errorf("the wallet holds %d, want the 5000 paid after the decline", net)
	}
	for _, c := range []struct {
		id   string
		want wallet.TopUpState
	}{{retried.ID, wallet.TopUpSucceeded}, {stays.ID, wallet.TopUpFailed}} {
		if got, err := e.w.GetTopUp(ctx, buyer, c.id); err != nil || got.State != c.want {
			t.Errorf("top-up %s: %s, %v; want %s", c.id, got.State, err, c.want)
		}
	}
	// A decline is nearly always final: asked again only once half its age
	// has passed, not a tenth.
	checked := func() time.Time {
		t.Helper()
		var at time.Time
		if err := e.pool.QueryRow(ctx, `SELECT checked_at FROM top_ups WHERE id = $1`, stays.ID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	asked := checked()
	now = now.Add(10 * time.Minute)
	if _, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || !checked().Equal(asked) {
		t.Errorf("a decline an hour old asked again 10 minutes later (%v)", err)
	}
	e.assertBooksBalance(t)
}

// When its day of watching is over, a declined top-up's intent is canceled
// at the provider, so its payer can no longer pay it unseen, and the top-up
// is asked about no more; one paid with another card just before the
// cancel is credited, and one whose intent is canceled already (abandoned,
// or canceled at the provider) is closed without a cancel. Before, a
// declined intent stayed payable for ever, and a payment after the watch
// whose webhook was lost was captured and never credited.
func TestADeclinedTopUpsIntentIsCanceledWhenItsWatchEnds(t *testing.T) {
	e := newWallets(t)
	declined, _ := e.topUp(t, buyer, "declined", 700)
	paidLast, _ := e.topUp(t, buyer, "paid-last", 800)
	canceled, _ := e.topUp(t, buyer, "canceled", 900)
	e.provider.settleIntent(declined.IntentID, app.IntentFailed)
	e.provider.settleIntent(paidLast.IntentID, app.IntentFailed)
	e.provider.settleIntent(canceled.IntentID, app.IntentCanceled)
	e.provider.confirmedFirst = map[string]app.IntentStatus{paidLast.IntentID: app.IntentSucceeded}
	now := t0.Add(2 * time.Minute)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return now }))
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 3 || e.provider.cancels != 0 {
		t.Fatalf("CheckTopUps = %d, %v, %d cancels; want the three failed, nothing canceled", n, err, e.provider.cancels)
	}
	// Within the watch a decline is only asked about.
	now = t0.Add(app.FailedTopUpWatch - time.Hour)
	if _, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || e.provider.cancels != 0 {
		t.Fatalf("within the watch: %v, %d cancels; want none", err, e.provider.cancels)
	}
	now = t0.Add(2 * app.FailedTopUpWatch)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 1 || e.provider.cancels != 2 {
		t.Fatalf("past the watch: %d, %v, %d cancels; want the two declines canceled, the one paid first credited", n, err, e.provider.cancels)
	}
	intent, err := e.provider.GetIntent(ctx, declined.IntentID)
	if err != nil || intent.Status != app.IntentCanceled {
		t.Errorf("the declined intent at the provider: %s, %v; want canceled", intent.Status, err)
	}
	for _, c := range []struct {
		id   string
		want wallet.TopUpState
	}{{declined.ID, wallet.TopUpFailed}, {paidLast.ID, wallet.TopUpSucceeded}, {canceled.ID, wallet.TopUpFailed}} {
		if got, err := e.w.GetTopUp(ctx, buyer, c.id); err != nil || got.State != c.want {
			t.Errorf("top-up %s: %s, %v; want %s", c.id, got.State, err, c.want)
		}
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 800 {
		t.Errorf("the wallet holds %d, want the 800 paid before the cancel", net)
	}
	// Closed, they are asked about no more, however old.
	reads := e.provider.intentReads
	now = t0.Add(30 * app.FailedTopUpWatch)
	if _, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || e.provider.intentReads != reads || e.provider.cancels != 2 {
		t.Errorf("a month on: %v, %d asks, %d cancels; want no more of either", err, e.provider.intentReads-reads, e.provider.cancels)
	}
	e.assertBooksBalance(t)
}

// Top-ups the provider no longer knows (its account switched, the sandbox
// restarted) are reported and asked again later, as a pending one is,
// rather than first every round: the top-ups behind them are still asked
// about, and a payment whose webhook was lost is credited. Before, a round's
// worth of them held the head of the queue for good.
func TestTopUpsTheProviderForgotDoNotHoldTheChecks(t *testing.T) {
	e := newWallets(t)
	var forgotten []string
	for _, id := range []string{"forgotten-1", "forgotten-2"} {
		tu, _ := e.topUp(t, buyer, id, 100)
		forgotten = append(forgotten, tu.ID)
		e.provider.mu.Lock()
		for k, it := range e.provider.intents {
			if it.ID == tu.IntentID {
				delete(e.provider.intents, k)
			}
		}
		e.provider.mu.Unlock()
	}
	if _, err := e.pool.Exec(ctx, `UPDATE top_ups SET created_at = created_at - interval '1 minute' WHERE id = ANY($1)`, forgotten); err != nil {
		t.Fatal(err)
	}
	paid, _ := e.topUp(t, buyer, "paid", 5000)
	e.provider.settleIntent(paid.IntentID, app.IntentSucceeded)
	now := t0.Add(2 * time.Minute)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return now }))
	if _, err := checker.CheckTopUps(ctx, time.Minute, 2); err == nil {
		t.Error("a round asking about top-ups the provider forgot reported nothing")
	}
	now = now.Add(time.Second)
	_, _ = checker.CheckTopUps(ctx, time.Minute, 2)
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 5000 {
		t.Errorf("the wallet holds %d after two rounds of two behind two top-ups the provider forgot, want the 5000 paid", net)
	}
	e.assertBooksBalance(t)
}

// A top-up its payer never confirmed is taken as abandoned once older than
// the abandonment age (an hour at the least): its intent is canceled at the
// provider, so it can no longer be paid, and the top-up fails with the code
// "canceled", once, whatever the provider's own event says later. One its
// payer confirmed just before the cancel reached the provider is credited.
// Before, such a top-up stayed pending and was asked about for ever.
func TestAbandonedTopUpsAreCanceled(t *testing.T) {
	e := newWallets(t)
	abandoned, abandonedIntent := e.topUp(t, buyer, "abandoned", 900)
	paidLast, _ := e.topUp(t, buyer, "paid-last", 800)
	e.provider.confirmedFirst = map[string]app.IntentStatus{paidLast.IntentID: app.IntentSucceeded}
	now := t0.Add(50 * time.Minute)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider,
		app.WithWalletsClock(func() time.Time { return now }), app.WithTopUpAbandonAfter(time.Minute))
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 0 || e.provider.cancels != 0 {
		t.Fatalf("CheckTopUps under an hour = %d, %v, %d cancels; want none: the minimum is an hour", n, err, e.provider.cancels)
	}
	now = t0.Add(app.MinTopUpAbandonAfter + 10*time.Minute)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 2 || e.provider.cancels != 2 {
		t.Fatalf("CheckTopUps past the age = %d, %v, %d cancels; want both settled by a cancel", n, err, e.provider.cancels)
	}
	got, err := e.w.GetTopUp(ctx, buyer, abandoned.ID)
	if err != nil || got.State != wallet.TopUpFailed || got.FailureCode != app.FailureCanceled {
		t.Errorf("the abandoned top-up: %s %q, %v; want failed, canceled", got.State, got.FailureCode, err)
	}
	if got, err := e.w.GetTopUp(ctx, buyer, paidLast.ID); err != nil || got.State != wallet.TopUpSucceeded {
		t.Errorf("the top-up paid before the cancel: %s, %v; want succeeded", got.State, err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 800 {
		t.Errorf("the wallet holds %d, want the 800 paid", net)
	}
	// The provider's own event of the cancel, delivered after, changes nothing.
	d := e.provider.sign(e.provider.intentEvent("evt_canceled", app.EventIntentCanceled, abandonedIntent, app.IntentCanceled, ""), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
		t.Fatal(err)
	}
	if n := e.outboxCount(t, app.SubjectTopUpFailed); n != 1 {
		t.Errorf("%d %s events, want 1", n, app.SubjectTopUpFailed)
	}
	now = now.Add(time.Hour)
	if _, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || e.provider.cancels != 2 {
		t.Errorf("a later round: %v, %d cancels; want none more", err, e.provider.cancels)
	}
	e.assertBooksBalance(t)
}

// A canceled intent's webhook fails its pending top-up with the code
// "canceled" (canceled at the provider, by its dashboard say).
func TestACanceledIntentsWebhookFailsItsTopUp(t *testing.T) {
	e := newWallets(t)
	tu, intent := e.topUp(t, buyer, "k", 500)
	d := e.provider.sign(e.provider.intentEvent("evt_canceled", app.EventIntentCanceled, intent, app.IntentCanceled, ""), t0)
	if applied, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil || !applied {
		t.Fatalf("the canceled event: %t, %v", applied, err)
	}
	if got, err := e.w.GetTopUp(ctx, buyer, tu.ID); err != nil || got.State != wallet.TopUpFailed || got.FailureCode != app.FailureCanceled {
		t.Errorf("the top-up: %s %q, %v; want failed, canceled", got.State, got.FailureCode, err)
	}
}

// The abandonment age counts from when the payer could first confirm: a
// top-up whose intent the provider made only on a retry hours later (it
// was down) is not canceled the moment its payer gets the confirm URL.
func TestATopUpsAbandonmentAgeCountsFromItsIntent(t *testing.T) {
	e, clk, _ := walletsOnAClock(t)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider,
		app.WithWalletsClock(clk.Now), app.WithTopUpAbandonAfter(time.Hour))
	e.provider.intentsUnavailable = 1
	in := wallet.TopUpInput{Amount: 300, Currency: "USD", IdempotencyKey: "late-intent"}
	if _, err := checker.CreateTopUp(ctx, buyer, in); err == nil {
		t.Fatal("the provider was down and the top-up got an intent")
	}
	clk.Advance(2 * time.Hour)
	tu, err := checker.CreateTopUp(ctx, buyer, in)
	if err != nil || tu.IntentID == "" {
		t.Fatalf("the retry: %+v, %v", tu, err)
	}
	clk.Advance(10 * time.Minute)
	if _, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || e.provider.cancels != 0 {
		t.Fatalf("checked 10 minutes after its intent: %v, %d cancels; want none", err, e.provider.cancels)
	}
	clk.Advance(time.Hour)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 1 || e.provider.cancels != 1 {
		t.Fatalf("checked an hour and 10 minutes after its intent: %d, %v, %d cancels; want it canceled", n, err, e.provider.cancels)
	}
}

// An abandoned top-up's cancel refused because its payer's card was
// processing at that moment, the card then declined: when the decline's
// watch ends its intent is canceled all the same. A provider keeps a
// refused cancel's answer under its idempotency key, so each round's
// cancel has a key of its own; under one fixed key per intent the second
// cancel got the first refusal again, for ever, and the declined intent
// stayed payable.
func TestACancelRefusedOnceIsTriedAgainUnderANewKey(t *testing.T) {
	e := newWallets(t)
	tu, _ := e.topUp(t, buyer, "processing-at-cancel", 600)
	e.provider.confirmedFirst = map[string]app.IntentStatus{tu.IntentID: app.IntentProcessing}
	now := t0.Add(app.DefaultTopUpAbandonAfter + time.Hour)
	checker := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return now }))
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 0 || e.provider.cancels != 1 {
		t.Fatalf("the abandoned top-up's check: %d, %v, %d cancels; want one cancel, refused", n, err, e.provider.cancels)
	}
	e.provider.settleIntent(tu.IntentID, app.IntentFailed)
	now = now.Add(3 * time.Hour)
	if n, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || n != 1 {
		t.Fatalf("the decline's check: %d, %v; want it failed", n, err)
	}
	now = t0.Add(4 * app.FailedTopUpWatch)
	if _, err := checker.CheckTopUps(ctx, time.Minute, 10); err != nil || e.provider.cancels != 2 {
		t.Fatalf("past the watch: %v, %d cancels; want a second cancel", err, e.provider.cancels)
	}
	if in, err := e.provider.GetIntent(ctx, tu.IntentID); err != nil || in.Status != app.IntentCanceled {
		t.Errorf("the declined intent at the provider: %s, %v; want canceled", in.Status, err)
	}
}

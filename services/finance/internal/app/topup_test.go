package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

func TestCreateTopUpIsIdempotent(t *testing.T) {
	e := newWallets(t)
	in := wallet.TopUpInput{Amount: 5000, Currency: "USD", IdempotencyKey: "k-1"}
	first, err := e.w.CreateTopUp(ctx, buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if first.State != wallet.TopUpPending || first.IntentID == "" || first.ClientSecret == "" || first.ConfirmURL == "" || first.OwnerID != buyer.Subject {
		t.Errorf("top-up = %+v", first)
	}
	again, err := e.w.CreateTopUp(ctx, buyer, in)
	if err != nil || again.ID != first.ID || again.IntentID != first.IntentID {
		t.Errorf("retry: %+v, %v; want top-up %s", again, err, first.ID)
	}
	if len(e.provider.intents) != 1 {
		t.Errorf("provider holds %d intents, want 1", len(e.provider.intents))
	}
	other := in
	other.Amount = 5001
	var ae *apperr.Error
	if _, err := e.w.CreateTopUp(ctx, buyer, other); !errors.Is(err, app.ErrTopUpKeyReused) || !errors.As(err, &ae) || ae.Metadata["idempotency_key"] != "k-1" {
		t.Errorf("same key, other amount: %v", err)
	}
	// Another buyer's key space is their own.
	buyer2 := auth.Caller{Subject: "buyer-2", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	theirs, err := e.w.CreateTopUp(ctx, buyer2, in)
	if err != nil || theirs.ID == first.ID {
		t.Errorf("another buyer's top-up with the same key: %+v, %v", theirs, err)
	}

	tests := []struct {
		name string
		c    auth.Caller
		in   wallet.TopUpInput
		kind apperr.Kind
	}{
		{"admin is no buyer", admin, in, apperr.KindPermissionDenied},
		{"service is no buyer", svcs, in, apperr.KindPermissionDenied},
		{"zero amount", buyer, wallet.TopUpInput{Amount: 0, Currency: "USD", IdempotencyKey: "z"}, apperr.KindInvalid},
		{"unknown currency", buyer, wallet.TopUpInput{Amount: 1, Currency: "ABC", IdempotencyKey: "z"}, apperr.KindInvalid},
		{"no key", buyer, wallet.TopUpInput{Amount: 1, Currency: "USD"}, apperr.KindInvalid},
	}
	for _, tt := range tests {
		if _, err := e.w.CreateTopUp(ctx, tt.c, tt.in); !apperr.IsKind(err, tt.kind) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
		}
	}

	// Only the creator and admins see a top-up.
	reads := []struct {
		name string
		c    auth.Caller
		kind apperr.Kind
	}{
		{"creator", buyer, apperr.KindUnknown},
		{"admin", admin, apperr.KindUnknown},
		{"another buyer", buyer2, apperr.KindNotFound},
		{"a service", svcs, apperr.KindNotFound},
	}
	for _, tt := range reads {
		got, err := e.w.GetTopUp(ctx, tt.c, first.ID)
		if apperr.KindOf(err) != tt.kind || (err == nil && got.ID != first.ID) {
			t.Errorf("GetTopUp by %s: %v", tt.name, err)
		}
	}
}

// topUp creates a top-up of amount USD for buyer and returns it with the
// provider's intent as a webhook would carry it.
func (e walletsEnv) topUp(t *testing.T, c auth.Caller, key string, amount int64) (wallet.TopUp, app.Intent) {
	t.Helper()
	tu, err := e.w.CreateTopUp(ctx, c, wallet.TopUpInput{Amount: amount, Currency: "USD", IdempotencyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return tu, app.Intent{ID: tu.IntentID, Amount: amount, Currency: "USD", Reference: tu.ID}
}

func TestConcurrentDuplicateWebhooksCreditOnce(t *testing.T) {
	e := newWallets(t)
	tu, intent := e.topUp(t, buyer, "k", 12345)
	d := e.provider.sign(e.provider.intentEvent("evt_1", app.EventIntentSucceeded, intent, app.IntentSucceeded, ""), t0)

	const deliveries = 100
	var wg sync.WaitGroup
	applied := make([]bool, deliveries)
	errs := make([]error, deliveries)
	start := make(chan struct{})
	for i := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = e.w.HandleProviderWebhook(ctx, d.signature, d.body)
		}()
	}
	close(start)
	wg.Wait()
	n := 0
	for i := range deliveries {
		if errs[i] != nil {
			t.Fatalf("delivery %d: %v", i, errs[i])
		}
		if applied[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d deliveries applied, want 1", n)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 12345 {
		t.Errorf("wallet holds %d, want 12345", net)
	}
	e.assertBooksBalance(t)
	got, err := e.w.GetTopUp(ctx, buyer, tu.ID)
	if err != nil || got.State != wallet.TopUpSucceeded {
		t.Errorf("top-up after the webhooks: %+v, %v", got, err)
	}
	if n := e.outboxCount(t, app.SubjectWalletToppedUp); n != 1 {
		t.Errorf("%d %s events, want 1", n, app.SubjectWalletToppedUp)
	}
	if c := e.count(t, `SELECT count(*) FROM provider_events`); c != 1 {
		t.Errorf("%d provider events recorded", c)
	}
	// A later, distinct event about the same intent credits nothing more.
	d2 := e.provider.sign(e.provider.intentEvent("evt_2", app.EventIntentSucceeded, intent, app.IntentSucceeded, ""), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d2.signature, d2.body); err != nil {
		t.Fatal(err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 12345 {
		t.Errorf("a second success event moved money: wallet holds %d", net)
	}
}

func TestWebhookRefusesBadAndReplayedDeliveries(t *testing.T) {
	e := newWallets(t)
	_, intent := e.topUp(t, buyer, "k", 700)
	ev := e.provider.intentEvent("evt_1", app.EventIntentSucceeded, intent, app.IntentSucceeded, "")
	good := e.provider.sign(ev, t0)
	stranger := newProvider()
	stranger.secret = []byte("someone else")
	forged := stranger.sign(ev, t0)
	tampered := good
	tampered.body = []byte(string(good.body[:len(good.body)-1]) + " }")

	tests := []struct {
		name string
		d    delivery
		kind apperr.Kind
	}{
		{"signed with another secret", forged, apperr.KindPermissionDenied},
		{"body changed after signing", tampered, apperr.KindPermissionDenied},
		{"no signature", delivery{body: good.body}, apperr.KindPermissionDenied},
		{"replayed six minutes later", e.provider.sign(ev, t0.Add(-6*time.Minute)), apperr.KindPermissionDenied},
		{"signed too far ahead", e.provider.sign(ev, t0.Add(6*time.Minute)), apperr.KindPermissionDenied},
	}
	for _, tt := range tests {
		if _, err := e.w.HandleProviderWebhook(ctx, tt.d.signature, tt.d.body); !apperr.IsKind(err, tt.kind) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
		}
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 0 {
		t.Errorf("refused deliveries credited %d", net)
	}
	if c := e.count(t, `SELECT count(*) FROM provider_events`); c != 0 {
		t.Errorf("refused deliveries recorded %d events", c)
	}
	// Four minutes old is inside the window and credits.
	d := e.provider.sign(ev, t0.Add(-4*time.Minute))
	if ok, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil || !ok {
		t.Errorf("a delivery four minutes old: %v, %v", ok, err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 700 {
		t.Errorf("wallet holds %d, want 700", net)
	}
}

func TestTopUpFailuresAndEventsOutOfOrder(t *testing.T) {
	e := newWallets(t)
	tu, intent := e.topUp(t, buyer, "k", 900)
	deliver := func(id, typ string, status app.IntentStatus, failure string) {
		t.Helper()
		d := e.provider.sign(e.provider.intentEvent(id, typ, intent, status, failure), t0)
		if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	state := func() wallet.TopUp {
		t.Helper()
		got, err := e.w.GetTopUp(ctx, buyer, tu.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	steps := []struct {
		name      string
		id, typ   string
		status    app.IntentStatus
		failure   string
		wantState wallet.TopUpState
		wantNet   int64
		wantFails int
	}{
		{"declined card", "evt_1", app.EventIntentFailed, app.IntentFailed, "card_declined", wallet.TopUpFailed, 0, 1},
		{"insufficient funds on a retry", "evt_2", app.EventIntentFailed, app.IntentFailed, "insufficient_funds", wallet.TopUpFailed, 0, 1},
		{"another card succeeds", "evt_3", app.EventIntentSucceeded, app.IntentSucceeded, "", wallet.TopUpSucceeded, 900, 1},
		{"a stale processing event", "evt_0", "payment_intent.processing", app.IntentProcessing, "", wallet.TopUpSucceeded, 900, 1},
		{"a stale failure", "evt_1b", app.EventIntentFailed, app.IntentFailed, "card_declined", wallet.TopUpSucceeded, 900, 1},
	}
	for _, s := range steps {
		deliver(s.id, s.typ, s.status, s.failure)
		got := state()
		net, _ := e.balance(t, walletRef(buyer.Subject, "USD"))
		if got.State != s.wantState || net != s.wantNet || e.outboxCount(t, app.SubjectTopUpFailed) != s.wantFails {
			t.Errorf("%s: state %s, wallet %d, %d failure events", s.name, got.State, net, e.outboxCount(t, app.SubjectTopUpFailed))
		}
	}
	if got := state(); got.FailureCode != "" {
		t.Errorf("a succeeded top-up keeps failure code %q", got.FailureCode)
	}
	e.assertBooksBalance(t)

	// A success whose amount differs from the top-up is refused and
	// recorded nowhere, so the provider delivers it again.
	_, other := e.topUp(t, buyer, "k2", 100)
	other.Amount = 1000
	d := e.provider.sign(e.provider.intentEvent("evt_x", app.EventIntentSucceeded, other, app.IntentSucceeded, ""), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("mismatched amount: %v", err)
	}
	// An event about an intent that is not ours is remembered and ignored.
	stray := app.Intent{ID: "pi_x", Amount: 5, Currency: "USD", Reference: "not-a-top-up"}
	d = e.provider.sign(e.provider.intentEvent("evt_y", app.EventIntentSucceeded, stray, app.IntentSucceeded, ""), t0)
	if ok, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil || !ok {
		t.Errorf("stray event: %v, %v", ok, err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 900 {
		t.Errorf("wallet holds %d, want 900", net)
	}
}

func TestTopUpRetriedAfterTheProviderWasDown(t *testing.T) {
	e := newWallets(t)
	e.provider.intentsUnavailable = 1
	in := wallet.TopUpInput{Amount: 300, Currency: "EUR", IdempotencyKey: "k"}
	if _, err := e.w.CreateTopUp(ctx, buyer, in); !apperr.IsKind(err, apperr.KindUnavailable) {
		t.Fatalf("provider down: %v", err)
	}
	got, err := e.w.CreateTopUp(ctx, buyer, in)
	if err != nil || got.IntentID == "" {
		t.Fatalf("retry: %+v, %v", got, err)
	}
	if again, err := e.w.CreateTopUp(ctx, buyer, in); err != nil || again.ID != got.ID || again.IntentID != got.IntentID {
		t.Errorf("second retry: %+v, %v", again, err)
	}
	if n := e.count(t, `SELECT count(*) FROM top_ups`); n != 1 || len(e.provider.intents) != 1 {
		t.Errorf("%d top-ups and %d intents after the retries, want 1 and 1", n, len(e.provider.intents))
	}
}

// crashingStore fails the first ApplyProviderEvent, as a process that
// stops after the ledger's commit and before the event's record does.
type crashingStore struct {
	app.WalletStore
	crashes int
}

func (s *crashingStore) ApplyProviderEvent(ctx context.Context, ev app.ProviderEventRecord, apply func(app.WalletTx) error) (bool, error) {
	if s.crashes > 0 {
		s.crashes--
		return false, errors.New("connection lost")
	}
	return s.WalletStore.ApplyProviderEvent(ctx, ev, apply)
}

func TestRedeliveryAfterACrashBetweenLedgerAndRecordCreditsOnce(t *testing.T) {
	e := newWallets(t)
	store := &crashingStore{WalletStore: postgres.NewWallets(postgres.New(e.pool)), crashes: 1}
	w := app.NewWallets(store, e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return t0 }))
	tu, err := w.CreateTopUp(ctx, buyer, wallet.TopUpInput{Amount: 640, Currency: "USD", IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	intent := app.Intent{ID: tu.IntentID, Amount: 640, Currency: "USD", Reference: tu.ID}
	d := e.provider.sign(e.provider.intentEvent("evt_1", app.EventIntentSucceeded, intent, app.IntentSucceeded, ""), t0)
	if _, err := w.HandleProviderWebhook(ctx, d.signature, d.body); err == nil {
		t.Fatal("the crashed delivery was acknowledged")
	}
	// The ledger committed; the top-up and the event's record did not.
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 640 {
		t.Errorf("wallet after the crash: %d", net)
	}
	if got, _ := w.GetTopUp(ctx, buyer, tu.ID); got.State != wallet.TopUpPending {
		t.Errorf("top-up after the crash: %s", got.State)
	}
	// The provider delivers again, as it does until acknowledged.
	if ok, err := w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil || !ok {
		t.Fatalf("redelivery: %v, %v", ok, err)
	}
	if net, _ := e.balance(t, walletRef(buyer.Subject, "USD")); net != 640 {
		t.Errorf("wallet after the redelivery: %d, want 640", net)
	}
	if got, _ := w.GetTopUp(ctx, buyer, tu.ID); got.State != wallet.TopUpSucceeded {
		t.Errorf("top-up after the redelivery: %s", got.State)
	}
	if n := e.outboxCount(t, app.SubjectWalletToppedUp); n != 1 {
		t.Errorf("%d topped-up events", n)
	}
	e.assertBooksBalance(t)
}

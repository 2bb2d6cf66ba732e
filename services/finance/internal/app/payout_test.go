package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

func payableRef(org string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindSupplierPayable, Owner: ledger.Owner{Type: ledger.OwnerOrganization, ID: org}, Currency: "EUR"}
}

// fundPayable credits a supplier's payable as a settlement would.
func (e walletsEnv) fundPayable(t *testing.T, org string, amount int64) {
	t.Helper()
	e.creditPayable(t, org, "fund:"+org, amount)
}

// fundedSupplier is a new supplier organization whose payable holds amount,
// and its owner.
func (e walletsEnv) fundedSupplier(t *testing.T, amount int64) (string, auth.Caller) {
	t.Helper()
	org := uuid.NewString()
	e.fundPayable(t, org, amount)
	return org, orgMember(auth.RoleSupplier, auth.OrgRoleOwner, org)
}

// creditPayable credits a supplier's payable as the settlement key does.
func (e walletsEnv) creditPayable(t *testing.T, org, key string, amount int64) {
	t.Helper()
	_, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: key, Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: "EUR"},
		Credit: payableRef(org), Amount: amount, Currency: "EUR", Code: ledger.CodeSettlementGoods, Reference: "settlement", Phase: ledger.PhasePosted,
	}}})
	if err != nil {
		t.Error(err)
	}
}

func (e walletsEnv) deliverPayout(t *testing.T, eventID, typ, payoutID string, status app.PayoutStatus) {
	t.Helper()
	d := e.provider.sign(e.provider.payoutEvent(eventID, typ, payoutID, status), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
		t.Fatalf("%s: %v", eventID, err)
	}
}

func TestPayouts(t *testing.T) {
	e := newWallets(t)
	org := uuid.NewString()
	owner := orgMember(auth.RoleSupplier, auth.OrgRoleOwner, org)
	staff := orgMember(auth.RoleSupplier, auth.OrgRoleStaff, org)
	e.fundPayable(t, org, 10_000)
	pay := func(key string, amount int64) (wallet.Payout, error) {
		return e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: amount, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: key})
	}
	check := func(name string, wantNet, wantPending int64) {
		t.Helper()
		if net, pending := e.balance(t, payableRef(org)); net != wantNet || pending != wantPending {
			t.Errorf("%s: payable %d with %d reserved, want %d with %d", name, net, pending, wantNet, wantPending)
		}
		e.assertBooksBalance(t)
	}

	// Paid: reserved, sent, then posted by the webhook.
	p1, err := pay("p-1", 3_000)
	if err != nil || p1.State != wallet.PayoutSent || p1.ProviderPayoutID == "" {
		t.Fatalf("payout: %+v, %v", p1, err)
	}
	check("sent", 10_000, 3_000)
	again, err := pay("p-1", 3_000)
	if err != nil || again.ID != p1.ID || e.provider.payoutCalls != 1 {
		t.Errorf("retry: %+v, %v, %d provider calls", again, err, e.provider.payoutCalls)
	}
	if _, err := pay("p-1", 3_001); !errors.Is(err, app.ErrPayoutKeyReused) {
		t.Errorf("same key, other amount: %v", err)
	}
	e.deliverPayout(t, "evt_p1", app.EventPayoutPaid, p1.ID, app.PayoutPaid)
	e.deliverPayout(t, "evt_p1", app.EventPayoutPaid, p1.ID, app.PayoutPaid)
	check("paid", 7_000, 0)
	if e.outboxCount(t, app.SubjectPayoutSent) != 1 {
		t.Errorf("%d payout.sent events", e.outboxCount(t, app.SubjectPayoutSent))
	}
	// (A failure delivered after the payment is the bank sending it back:
	// TestAPaidPayoutTheBankSendsBackIsReturned.)

	// Failed at the bank: the reservation is voided.
	p2, err := pay("p-2", 2_000)
	if err != nil {
		t.Fatal(err)
	}
	check("second reserved", 7_000, 2_000)
	e.deliverPayout(t, "evt_p2", app.EventPayoutFailed, p2.ID, app.PayoutFailed)
	check("failed", 7_000, 0)
	if e.outboxCount(t, app.SubjectPayoutFailed) != 1 {
		t.Errorf("%d payout.failed events", e.outboxCount(t, app.SubjectPayoutFailed))
	}

	// More than the payable holds: refused, nothing reserved, recorded failed.
	if _, err := pay("p-3", 7_001); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("overdraw: %v", err)
	}
	check("overdraw", 7_000, 0)

	// The provider is down: the payout stays reserved until the worker
	// finds it.
	e.provider.unavailable = 2
	p4, err := pay("p-4", 1_000)
	if err != nil || p4.State != wallet.PayoutReserved {
		t.Fatalf("payout while the provider is down: %+v, %v", p4, err)
	}
	if n, err := e.w.RetryPayouts(ctx, 0, 10); err != nil || n != 1 {
		t.Errorf("first retry: %d, %v", n, err)
	}
	if n, err := e.w.RetryPayouts(ctx, 0, 10); err != nil || n != 1 {
		t.Errorf("second retry: %d, %v", n, err)
	}
	// Sent now: the worker only asks the provider how it ended.
	if n, err := e.w.RetryPayouts(ctx, 0, 10); err != nil || n != 1 {
		t.Errorf("retry of the sent payout: %d, %v", n, err)
	}
	list, _, err := e.w.ListPayouts(ctx, staff, org, 0, "")
	if err != nil || len(list) != 4 {
		t.Fatalf("list: %d payouts, %v", len(list), err)
	}
	states := map[string]wallet.PayoutState{}
	for _, p := range list {
		states[p.IdempotencyKey] = p.State
	}
	want := map[string]wallet.PayoutState{"p-1": wallet.PayoutPaid, "p-2": wallet.PayoutFailed, "p-3": wallet.PayoutFailed, "p-4": wallet.PayoutSent}
	for k, s := range want {
		if states[k] != s {
			t.Errorf("payout %s is %s, want %s", k, states[k], s)
		}
	}
	check("after the worker", 7_000, 1_000)

	// The provider refuses the destination: failed and voided at once.
	e.provider.refusePayouts = true
	p5, err := pay("p-5", 500)
	if err != nil || p5.State != wallet.PayoutFailed {
		t.Errorf("refused payout: %+v, %v", p5, err)
	}
	check("refused", 7_000, 1_000)

	// Who may do what.
	stranger := orgMember(auth.RoleSupplier, auth.OrgRoleOwner, uuid.NewString())
	tests := []struct {
		name string
		err  error
	}{
		{"staff pays out", func() error {
			_, err := e.w.CreatePayout(ctx, staff, org, wallet.PayoutInput{Amount: 1, Currency: "EUR", Destination: "x", IdempotencyKey: "s"})
			return err
		}()},
		{"another supplier pays out", func() error {
			_, err := e.w.CreatePayout(ctx, stranger, org, wallet.PayoutInput{Amount: 1, Currency: "EUR", Destination: "x", IdempotencyKey: "s"})
			return err
		}()},
		{"another supplier lists", func() error { _, _, err := e.w.ListPayouts(ctx, stranger, org, 0, ""); return err }()},
		{"a buyer reads the payable", func() error { _, err := e.w.SupplierPayable(ctx, buyer, org); return err }()},
	}
	for _, tt := range tests {
		if !apperr.IsKind(tt.err, apperr.KindPermissionDenied) {
			t.Errorf("%s: %v", tt.name, tt.err)
		}
	}
	for _, c := range []auth.Caller{staff, admin} {
		accounts, err := e.w.SupplierPayable(ctx, c, org)
		if err != nil || len(accounts) != 1 || accounts[0].Balance.Available() != 6_000 {
			t.Errorf("payable read by %s: %+v, %v", c.Subject, accounts, err)
		}
	}
}

func TestPayoutListPages(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 100)
	for i := range 5 {
		if _, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1, Currency: "EUR", Destination: "x", IdempotencyKey: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	token := ""
	for pages := 0; ; pages++ {
		list, next, err := e.w.ListPayouts(ctx, owner, org, 2, token)
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, p := range list {
			seen[p.ID] = true
		}
		if next == "" {
			break
		}
		token = next
	}
	if len(seen) != 5 {
		t.Errorf("pages served %d distinct payouts, want 5", len(seen))
	}
	if _, _, err := e.w.ListPayouts(ctx, owner, org, 2, "garbage"); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("bad token: %v", err)
	}
	// A token built by hand (its checksum is no secret) naming no payout.
	forged := paging.EncodeFor(org, app.PayoutCursor{T: t0, I: "x"})
	if _, _, err := e.w.ListPayouts(ctx, owner, org, 2, forged); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a forged token: %v, want InvalidArgument", err)
	}
	// A page token of one supplier's list is refused for another's.
	_, token, err := e.w.ListPayouts(ctx, admin, org, 2, "")
	if err != nil || token == "" {
		t.Fatalf("first page: token %q, %v", token, err)
	}
	other, _ := e.fundedSupplier(t, 100)
	if _, _, err := e.w.ListPayouts(ctx, admin, other, 2, token); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("another supplier's token: %v, want InvalidArgument", err)
	}
}

func TestPayoutWorkerFinishesWhatWasLeft(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)

	// The process stopped right after recording the payout: nothing is
	// reserved, the provider knows nothing.
	store := postgres.NewWallets(postgres.New(e.pool))
	left, err := wallet.NewPayout(uuid.NewString(), org, owner.Subject, wallet.PayoutInput{Amount: 1_200, Currency: "EUR", Destination: "x", IdempotencyKey: "crash"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.InsertPayout(ctx, left); err != nil {
		t.Fatal(err)
	}
	// Our API key is refused: not the payout's fault, so it waits reserved
	// instead of failing.
	e.provider.badCredentials = true
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 800, Currency: "EUR", Destination: "x", IdempotencyKey: "creds"})
	if err != nil || p.State != wallet.PayoutReserved {
		t.Fatalf("payout with refused credentials: %+v, %v", p, err)
	}
	if n, err := e.w.RetryPayouts(ctx, 0, 10); err != nil || n != 2 {
		t.Errorf("retry with the credentials still refused: %d, %v", n, err)
	}
	e.provider.badCredentials = false
	if n, err := e.w.RetryPayouts(ctx, 0, 10); err != nil || n != 2 {
		t.Errorf("retry once fixed: %d, %v", n, err)
	}
	for _, id := range []string{left.ID, p.ID} {
		got, err := store.Payout(ctx, id)
		if err != nil || got.State != wallet.PayoutSent || got.PendingTransferID == "" || got.ProviderPayoutID == "" {
			t.Errorf("payout %s after the worker: %+v, %v", id, got, err)
		}
	}
	if net, pending := e.balance(t, payableRef(org)); net != 5_000 || pending != 2_000 {
		t.Errorf("payable %d with %d reserved, want 5000 with 2000", net, pending)
	}
	// Each payout reserved once, whatever the number of attempts.
	for _, id := range []string{left.ID, p.ID} {
		ts, err := e.ledger.TransfersByReference(ctx, id)
		if err != nil || len(ts) != 1 || ts[0].Phase != ledger.PhasePending {
			t.Errorf("payout %s's transfers: %+v, %v", id, ts, err)
		}
	}
}

// Deliveries saying paid and deliveries saying failed race for one payout.
// The ledger lets one completion win. Failed first: the payout failed, and
// the paid deliveries, delivered again, change nothing. Paid first: the
// failures delivered after it are the bank sending the payment back, and
// the payout is returned, its amount back in the payable, once. Either way
// each event is written once and the payable ends whole.
func TestConcurrentPaidAndFailedWebhooksAgree(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 1_000)
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 400, Currency: "EUR", Destination: "x", IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	const each = 20
	var deliveries []delivery
	for i := range each {
		deliveries = append(deliveries,
			e.provider.sign(e.provider.payoutEvent(fmt.Sprintf("evt_paid_%d", i), app.EventPayoutPaid, p.ID, app.PayoutPaid), t0),
			e.provider.sign(e.provider.payoutEvent(fmt.Sprintf("evt_failed_%d", i), app.EventPayoutFailed, p.ID, app.PayoutFailed), t0))
	}
	errs := make([]error, len(deliveries))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, d := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.w.HandleProviderWebhook(ctx, d.signature, d.body)
		}()
	}
	close(start)
	wg.Wait()
	// What failed is delivered again, as the provider does.
	for i, d := range deliveries {
		if errs[i] != nil {
			if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
				t.Errorf("redelivery %d: %v", i, err)
			}
		}
	}
	got, _, err := e.w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("payouts: %v, %v", got, err)
	}
	sent, failed, returned := e.outboxCount(t, app.SubjectPayoutSent), e.outboxCount(t, app.SubjectPayoutFailed), e.outboxCount(t, app.SubjectPayoutReturned)
	net, pending := e.balance(t, payableRef(org))
	switch got[0].State {
	case wallet.PayoutReturned:
		if net != 1_000 || pending != 0 || sent != 1 || failed != 0 || returned != 1 {
			t.Errorf("returned: payable %d (%d reserved), %d sent, %d failed and %d returned events", net, pending, sent, failed, returned)
		}
	case wallet.PayoutFailed:
		if net != 1_000 || pending != 0 || sent != 0 || failed != 1 || returned != 0 {
			t.Errorf("failed: payable %d (%d reserved), %d sent, %d failed and %d returned events", net, pending, sent, failed, returned)
		}
	default:
		t.Errorf("payout left %s", got[0].State)
	}
	if n := e.count(t, `SELECT count(*) FROM provider_events`); n != len(deliveries) {
		t.Errorf("%d of %d events recorded", n, len(deliveries))
	}
	e.assertBooksBalance(t)
}

// A payout whose webhook never comes (lost, or the provider gave up) is
// asked about by the worker: pending, it waits; paid, the reservation is
// posted with its event, exactly once, and the webhook arriving after that
// changes nothing.
func TestPayoutWithoutItsWebhookIsAskedFor(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: "quiet"})
	if err != nil || p.State != wallet.PayoutSent {
		t.Fatalf("payout: %+v, %v", p, err)
	}
	state := func() wallet.Payout {
		t.Helper()
		got, err := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if _, err := e.w.RetryPayouts(ctx, 0, 10); err != nil || state().State != wallet.PayoutSent {
		t.Fatalf("still pending at the provider: %+v, %v", state(), err)
	}
	if net, pending := e.balance(t, payableRef(org)); net != 5_000 || pending != 1_000 {
		t.Errorf("pending payout: payable %d with %d reserved", net, pending)
	}

	e.provider.settlePayout(p.ID, app.PayoutPaid)
	for range 2 {
		if _, err := e.w.RetryPayouts(ctx, 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	if got := state(); got.State != wallet.PayoutPaid {
		t.Errorf("after the provider paid it: %+v", got)
	}
	e.deliverPayout(t, "evt_quiet_late", app.EventPayoutPaid, p.ID, app.PayoutPaid)
	if net, pending := e.balance(t, payableRef(org)); net != 4_000 || pending != 0 {
		t.Errorf("paid payout: payable %d with %d reserved, want 4000 with 0", net, pending)
	}
	if n := e.outboxCount(t, app.SubjectPayoutSent); n != 1 {
		t.Errorf("%d payout.sent events, want 1", n)
	}
	e.assertBooksBalance(t)
}

// A payout paid, then sent back by the bank (the provider's failure after
// its payment, as Stripe reports a returned payout): its amount goes back
// to the payable, once however often the failure is delivered, and the
// payout is returned. Before, the failure was taken for a late event and
// the supplier's money was gone.
func TestAPaidPayoutTheBankSendsBackIsReturned(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 1_000)
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 400, Currency: "EUR", Destination: "x", IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	e.deliverPayout(t, "evt_paid", app.EventPayoutPaid, p.ID, app.PayoutPaid)
	if net, _ := e.balance(t, payableRef(org)); net != 600 {
		t.Fatalf("payable after the payment: %d, want 600", net)
	}
	e.deliverPayout(t, "evt_returned", app.EventPayoutFailed, p.ID, app.PayoutFailed)
	e.deliverPayout(t, "evt_returned_again", app.EventPayoutFailed, p.ID, app.PayoutFailed)
	got, _, err := e.w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil || len(got) != 1 || got[0].State != wallet.PayoutReturned {
		t.Fatalf("payouts: %+v, %v; want one returned", got, err)
	}
	if net, _ := e.balance(t, payableRef(org)); net != 1_000 {
		t.Errorf("payable after the return: %d, want the 1000 back", net)
	}
	if n := e.outboxCount(t, app.SubjectPayoutReturned); n != 1 {
		t.Errorf("%d %s events, want 1", n, app.SubjectPayoutReturned)
	}
	e.deliverPayout(t, "evt_paid_late", app.EventPayoutPaid, p.ID, app.PayoutPaid)
	if net, _ := e.balance(t, payableRef(org)); net != 1_000 {
		t.Errorf("a late paid event moved the payable to %d", net)
	}
	e.assertBooksBalance(t)
}

// A payout whose reservation was posted (the provider paid it) by a run
// that died before marking it paid, then sent back by the bank: the next
// look at it finds it failed at the provider. Its reservation cannot be
// voided any more, and the money, which came back to the provider, goes
// back to the payable, the payout paid then returned. Before, every look
// tried the void, was refused, and the payout stayed sent with the
// supplier short of it.
func TestAPayoutPostedButNotMarkedThenReturnedComesBack(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 1_000)
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 400, Currency: "EUR", Destination: "x", IdempotencyKey: "k"})
	if err != nil || p.State != wallet.PayoutSent {
		t.Fatalf("payout: %+v, %v", p, err)
	}
	// What the run that died had done: the post, not the record.
	if _, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: "payout-post:" + p.ID,
		Transfers: []ledger.TransferSpec{{PendingID: p.PendingTransferID, Phase: ledger.PhasePostPending, Code: ledger.CodePayout, Reference: p.ID}}}); err != nil {
		t.Fatal(err)
	}
	e.provider.settlePayout(p.ID, app.PayoutFailed)
	for range 2 {
		if _, err := e.w.RetryPayouts(ctx, 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	e.deliverPayout(t, "evt_returned_late", app.EventPayoutFailed, p.ID, app.PayoutFailed)
	got, err := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, p.ID)
	if err != nil || got.State != wallet.PayoutReturned {
		t.Fatalf("payout: %+v, %v; want returned", got, err)
	}
	if net, pending := e.balance(t, payableRef(org)); net != 1_000 || pending != 0 {
		t.Errorf("payable %d with %d reserved, want the 1000 back and nothing reserved", net, pending)
	}
	if sent, returned := e.outboxCount(t, app.SubjectPayoutSent), e.outboxCount(t, app.SubjectPayoutReturned); sent != 1 || returned != 1 {
		t.Errorf("%d payout.sent and %d payout.returned events, want one each", sent, returned)
	}
	e.assertBooksBalance(t)
}

// racingReserve is a ledger on which the first reservation of a payout is
// refused (the payable short), and refused runs before that refusal
// reaches its caller. With release set, a later reservation signals
// entered and waits for release before it goes to the ledger.
type racingReserve struct {
	app.Ledger
	refused          func()
	entered, release chan struct{}
	calls            atomic.Int32
	// voidsDown fails that many voids as a ledger that cannot be reached.
	voidsDown atomic.Int32
}

func (l *racingReserve) Execute(ctx context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error) {
	if strings.HasPrefix(cmd.IdempotencyKey, "payout-void:") && l.voidsDown.Add(-1) >= 0 {
		return ledger.Result{}, apperr.Unavailable("the ledger is not reachable")
	}
	if !strings.HasPrefix(cmd.IdempotencyKey, "payout:") {
		return l.Ledger.Execute(ctx, cmd, events...)
	}
	n := l.calls.Add(1)
	if n > 1 && l.release != nil {
		close(l.entered)
		<-l.release
	}
	res, err := l.Ledger.Execute(ctx, cmd, events...)
	if n == 1 && err != nil {
		l.refused()
	}
	return res, err
}

// Two attempts at one payout (a client's retry with its key, the worker)
// race a settlement: the first is refused for want of funds, the second,
// after the payable was credited, reserves. Whichever records its outcome
// first, the payout ends consistent with the ledger: reserved and sent
// when the reservation was recorded first (the refused attempt does not
// fail it under the other's reservation), failed with nothing reserved
// when the failure was (the late reservation is voided).
func TestAPayoutRefusedThenReservedByARacingAttemptAgreesWithTheLedger(t *testing.T) {
	for _, failureFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("failure recorded first %v", failureFirst), func(t *testing.T) {
			e := newWallets(t)
			org, owner := e.fundedSupplier(t, 100)
			l := &racingReserve{Ledger: e.ledger}
			if failureFirst {
				l.entered, l.release = make(chan struct{}), make(chan struct{})
			}
			w := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), l, e.provider, app.WithWalletsClock(func() time.Time { return t0 }))
			in := wallet.PayoutInput{Amount: 400, Currency: "EUR", Destination: "x", IdempotencyKey: "k"}
			second := make(chan error, 1)
			l.refused = func() {
				e.creditPayable(t, org, "settled", 900)
				if !failureFirst {
					_, err := w.CreatePayout(ctx, owner, org, in)
					second <- err
					return
				}
				go func() {
					_, err := w.CreatePayout(ctx, owner, org, in)
					second <- err
				}()
				<-l.entered // the second attempt read the payout requested
			}
			if _, err := w.CreatePayout(ctx, owner, org, in); !errors.Is(err, ledger.ErrInsufficientFunds) {
				t.Fatalf("the first attempt: %v, want insufficient funds", err)
			}
			if failureFirst {
				close(l.release)
			}
			if err := <-second; err != nil {
				t.Fatalf("the second attempt: %v", err)
			}
			got, _, err := w.ListPayouts(ctx, owner, org, 0, "")
			if err != nil || len(got) != 1 {
				t.Fatalf("payouts: %+v, %v", got, err)
			}
			p := got[0]
			net, pending := e.balance(t, payableRef(org))
			switch {
			case failureFirst && (p.State != wallet.PayoutFailed || pending != 0 || net != 1_000):
				t.Errorf("payout %s, payable %d with %d reserved; want failed, 1000 with nothing reserved", p.State, net, pending)
			case !failureFirst && (p.State != wallet.PayoutSent || pending != 400 || net != 1_000):
				t.Errorf("payout %s, payable %d with %d reserved; want sent, 1000 with 400 reserved", p.State, net, pending)
			}
			e.assertBooksBalance(t)
		})
	}
}

// A payout paid, then sent back by the bank, whose failure webhook never
// reaches us: the payout worker asks the provider about paid payouts and
// returns it, once, however often it asks; a payout still paid is only
// marked asked. Before, nothing asked after payout.paid, and the supplier
// was short of the amount.
func TestAPaidPayoutSentBackWithoutItsWebhookIsReturned(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 1_000)
	pay := func(key string) wallet.Payout { return e.paidPayout(t, owner, org, key, 400) }
	back, kept := pay("back"), pay("kept")
	if _, err := e.pool.Exec(ctx, `UPDATE payouts SET created_at = created_at - interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.w.CheckPayoutReturns(ctx, app.PayoutReturnWatch, 10); err != nil || n != 0 {
		t.Fatalf("nothing sent back yet: %d returned, %v", n, err)
	}
	e.provider.settlePayout(back.ID, app.PayoutFailed)
	// Asked a moment ago, a day after it was made: not due again until a
	// tenth of that has passed.
	if n, err := e.w.CheckPayoutReturns(ctx, app.PayoutReturnWatch, 10); err != nil || n != 0 {
		t.Fatalf("asked again at once: %d returned, %v", n, err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE payouts SET return_checked_at = return_checked_at - interval '3 hours'`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.w.CheckPayoutReturns(ctx, app.PayoutReturnWatch, 10); err != nil || n != 1 {
		t.Fatalf("%d returned, %v; want 1", n, err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE payouts SET return_checked_at = NULL`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.w.CheckPayoutReturns(ctx, app.PayoutReturnWatch, 10); err != nil || n != 0 {
		t.Fatalf("asked again: %d returned, %v; want none (the returned one is no longer paid)", n, err)
	}
	e.deliverPayout(t, "evt_returned_late", app.EventPayoutFailed, back.ID, app.PayoutFailed)
	states := map[string]wallet.PayoutState{}
	got, _, err := e.w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		states[p.ID] = p.State
	}
	if states[back.ID] != wallet.PayoutReturned || states[kept.ID] != wallet.PayoutPaid {
		t.Errorf("states %v: want %s returned, %s paid", states, back.ID, kept.ID)
	}
	if net, pending := e.balance(t, payableRef(org)); net != 600 || pending != 0 {
		t.Errorf("payable %d with %d reserved, want 600 (one payout back) and nothing reserved", net, pending)
	}
	if n := e.outboxCount(t, app.SubjectPayoutReturned); n != 1 {
		t.Errorf("%d %s events, want 1", n, app.SubjectPayoutReturned)
	}
	e.assertBooksBalance(t)
}

// The return checks ask about each paid payout in turn: one the provider
// does not know is marked asked like any other and waits its turn, not
// ahead of every round for ever; a provider that is down ends the round at
// its first failure instead of being asked about every payout.
func TestPayoutReturnChecksTakeTurnsAndStopWhenTheProviderIsDown(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 1_000)
	pay := func(key string) wallet.Payout { return e.paidPayout(t, owner, org, key, 100) }
	unknown, back := pay("unknown"), pay("back")
	// The first made is unknown to the provider now; the second came back.
	if _, err := e.pool.Exec(ctx, `UPDATE payouts SET created_at = created_at - interval '1 day' - (CASE WHEN id = $1 THEN interval '1 minute' ELSE interval '0' END)`, unknown.ID); err != nil {
		t.Fatal(err)
	}
	e.provider.mu.Lock()
	delete(e.provider.payouts, "payout:"+unknown.ID)
	e.provider.mu.Unlock()
	e.provider.settlePayout(back.ID, app.PayoutFailed)
	for round := range 2 {
		if _, err := e.w.CheckPayoutReturns(ctx, app.PayoutReturnWatch, 1); err != nil && round == 1 {
			t.Fatal(err)
		}
	}
	got, err := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, back.ID)
	if err != nil || got.State != wallet.PayoutReturned {
		t.Fatalf("the payout sent back: %+v, %v; want returned in the second round", got.State, err)
	}

	more := []wallet.Payout{pay("a"), pay("b"), pay("c")}
	if _, err := e.pool.Exec(ctx, `UPDATE payouts SET created_at = created_at - interval '1 day', return_checked_at = NULL WHERE state = 'paid'`); err != nil {
		t.Fatal(err)
	}
	e.provider.mu.Lock()
	e.provider.readsDown, e.provider.payoutReads = true, 0
	e.provider.mu.Unlock()
	if _, err := e.w.CheckPayoutReturns(ctx, app.PayoutReturnWatch, 10); err == nil {
		t.Error("a round with the provider down reported no error")
	}
	if e.provider.payoutReads != 1 {
		t.Errorf("the provider, down, was asked about %d of %d payouts in the round, want 1", e.provider.payoutReads, len(more)+1)
	}
}

// A late reservation whose void fails (the ledger out of reach, or a crash
// before it) is kept on the failed payout, and the payout worker voids it:
// the supplier's money is not left reserved for a payout that will never
// be sent.
func TestALateReservationWhoseVoidFailedIsVoidedByTheWorker(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 100)
	l := &racingReserve{Ledger: e.ledger, entered: make(chan struct{}), release: make(chan struct{})}
	l.voidsDown.Store(1)
	w := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), l, e.provider, app.WithWalletsClock(func() time.Time { return t0 }))
	in := wallet.PayoutInput{Amount: 400, Currency: "EUR", Destination: "x", IdempotencyKey: "k"}
	second := make(chan error, 1)
	l.refused = func() {
		e.creditPayable(t, org, "settled", 900)
		go func() {
			_, err := w.CreatePayout(ctx, owner, org, in)
			second <- err
		}()
		<-l.entered
	}
	if _, err := w.CreatePayout(ctx, owner, org, in); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("the first attempt: %v, want insufficient funds", err)
	}
	close(l.release)
	if err := <-second; !apperr.IsKind(err, apperr.KindUnavailable) {
		t.Fatalf("the second attempt, its void failing: %v, want Unavailable", err)
	}
	if _, pending := e.balance(t, payableRef(org)); pending != 400 {
		t.Fatalf("%d reserved after the void failed, want the 400 of the late reservation", pending)
	}
	if _, err := w.RetryPayouts(ctx, 0, 10); err != nil {
		t.Fatal(err)
	}
	got, _, err := w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil || len(got) != 1 || got[0].State != wallet.PayoutFailed || got[0].PendingTransferID != "" {
		t.Fatalf("payouts: %+v, %v; want one failed with nothing reserved", got, err)
	}
	if net, pending := e.balance(t, payableRef(org)); net != 1_000 || pending != 0 {
		t.Errorf("payable %d with %d reserved, want 1000 with nothing reserved", net, pending)
	}
	e.assertBooksBalance(t)
}

// paidPayout makes a payout of amount for org and delivers its payout.paid.
func (e walletsEnv) paidPayout(t *testing.T, owner auth.Caller, org, key string, amount int64) wallet.Payout {
	t.Helper()
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: amount, Currency: "EUR", Destination: "x", IdempotencyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	e.deliverPayout(t, "evt_paid_"+key, app.EventPayoutPaid, p.ID, app.PayoutPaid)
	return p
}

// A provider answering that another request holds the payout's idempotency
// key (HTTP 409) may have paid that one out: the payout stays reserved, the
// worker reports it each round and sends it once the provider takes it.
// Before, it was failed and its money given back to the payable, which the
// supplier could then be paid a second time.
func TestAPayoutWhoseKeyTheProviderHoldsStaysReserved(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)
	e.provider.keyTaken = true
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: "k"})
	if err != nil || p.State != wallet.PayoutReserved {
		t.Fatalf("payout = %+v, %v; want it reserved and no error for the caller", p, err)
	}
	if _, err := e.w.RetryPayouts(ctx, 0, 10); err == nil || !strings.Contains(err.Error(), "idempotency key") {
		t.Errorf("worker round = %v, want the taken key reported", err)
	}
	if net, pending := e.balance(t, payableRef(org)); net != 5_000 || pending != 1_000 {
		t.Errorf("payable %d with %d reserved, want 5000 with 1000", net, pending)
	}
	e.provider.keyTaken = false
	if _, err := e.w.RetryPayouts(ctx, 0, 10); err != nil {
		t.Fatal(err)
	}
	got, err := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, p.ID)
	if err != nil || got.State != wallet.PayoutSent {
		t.Fatalf("payout once the provider takes it = %+v, %v; want sent", got, err)
	}
	e.assertBooksBalance(t)
}

// A payout whose earlier call to the provider went unanswered is not asked
// again once the provider may have forgotten the call's idempotency key (a
// day): a new request under it could pay the supplier twice. It stays
// reserved and the worker reports it each round. Before, the worker sent it
// again whenever the provider answered, however late.
func TestAPayoutUnansweredForADayIsNotSentAgain(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)
	e.provider.unavailable = 1
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: "k"})
	if err != nil || p.State != wallet.PayoutReserved {
		t.Fatalf("payout = %+v, %v; want it reserved", p, err)
	}
	calls := e.provider.payoutCalls
	late := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider,
		app.WithWalletsClock(func() time.Time { return t0.Add(25 * time.Hour) }))
	if _, err := late.RetryPayouts(ctx, 0, 10); err == nil || !strings.Contains(err.Error(), "idempotency key") {
		t.Errorf("worker round a day later = %v, want the payout reported", err)
	}
	if e.provider.payoutCalls != calls {
		t.Errorf("the provider was asked again %d times", e.provider.payoutCalls-calls)
	}
	got, err := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, p.ID)
	if err != nil || got.State != wallet.PayoutReserved {
		t.Fatalf("payout = %+v, %v; want it still reserved", got, err)
	}
	// Within the day it is sent again, as before (the round a day later
	// touched it: a day later it is due).
	if _, err := e.w.RetryPayouts(ctx, -25*time.Hour, 10); err != nil {
		t.Fatal(err)
	}
	if got, _ := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, p.ID); got.State != wallet.PayoutSent {
		t.Errorf("payout retried within the day is %s, want sent", got.State)
	}
	e.assertBooksBalance(t)
}

// stopsAfterTheCall is the wallet store of a process that dies once its
// call to the provider went out, before the answer is recorded.
type stopsAfterTheCall struct {
	app.WalletStore
	provider *provider
}

func (s stopsAfterTheCall) UpdatePayout(ctx context.Context, id string, change app.PayoutChange) (wallet.Payout, error) {
	s.provider.mu.Lock()
	called := s.provider.payoutCalls > 0
	s.provider.mu.Unlock()
	if called {
		return wallet.Payout{}, errors.New("process stopped")
	}
	return s.WalletStore.UpdatePayout(ctx, id, change)
}

// A payout whose call reached the provider, the process stopping before
// the answer was recorded, counts that call: a day later, when the
// provider may have forgotten the call's key, it is not sent again.
// Before, the call was counted only once answered, and the worker sent it
// again a day later: a second payment of one reservation.
func TestAPayoutCalledJustBeforeACrashIsNotSentAgainADayLater(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)
	store := postgres.NewWallets(postgres.New(e.pool))
	dying := app.NewWallets(stopsAfterTheCall{store, e.provider}, e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return t0 }))
	if _, err := dying.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: "k"}); err == nil {
		t.Fatal("the payout's answer was recorded by a process that stopped")
	}
	if e.provider.payoutCalls != 1 {
		t.Fatalf("%d provider calls, want the one that went out", e.provider.payoutCalls)
	}
	late := app.NewWallets(store, e.ledger, e.provider, app.WithWalletsClock(func() time.Time { return t0.Add(25 * time.Hour) }))
	if _, err := late.RetryPayouts(ctx, 0, 10); err == nil || !strings.Contains(err.Error(), "idempotency key") {
		t.Errorf("worker round a day later = %v, want the payout reported", err)
	}
	if e.provider.payoutCalls != 1 {
		t.Errorf("the provider was asked %d times, want once", e.provider.payoutCalls)
	}
	e.assertBooksBalance(t)
}

// Payouts left for an operator (unanswered longer than the provider keeps
// their key) go to the back of the worker's queue each round: however many
// there are, the payouts behind them are still sent. Before, they kept
// their place at its head, and once they filled a round nothing else was
// ever sent, polled or voided.
func TestPayoutsLeftForAnOperatorDoNotHoldTheWorker(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)
	e.provider.unavailable = 2
	for _, key := range []string{"a", "b"} {
		if p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: key}); err != nil || p.State != wallet.PayoutReserved {
			t.Fatalf("payout %s = %+v, %v; want it reserved", key, p, err)
		}
	}
	now := t0.Add(25 * time.Hour)
	late := app.NewWallets(postgres.NewWallets(postgres.New(e.pool)), e.ledger, e.provider,
		app.WithWalletsClock(func() time.Time { return now }))
	e.provider.unavailable = 1
	behind, err := late.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: "c"})
	if err != nil || behind.State != wallet.PayoutReserved {
		t.Fatalf("payout behind = %+v, %v; want it reserved", behind, err)
	}
	for range 2 {
		now = now.Add(time.Minute)
		if _, err := late.RetryPayouts(ctx, 0, 2); err == nil || !strings.Contains(err.Error(), "idempotency key") {
			t.Errorf("worker round = %v, want the payouts left for an operator reported", err)
		}
	}
	got, err := postgres.NewWallets(postgres.New(e.pool)).Payout(ctx, behind.ID)
	if err != nil || got.State != wallet.PayoutSent {
		t.Fatalf("the payout behind two left for an operator is %s (%v) after two rounds of two, want sent", got.State, err)
	}
	e.assertBooksBalance(t)
}

// A provider's report on a payout that is not of what was sent (another
// amount, or another provider payout under our reference) is refused, and
// moves nothing; the genuine report then applies. Before, it posted or
// voided the reservation whatever it said.
func TestAPayoutReportNotOfWhatWasSentIsRefused(t *testing.T) {
	e := newWallets(t)
	org, owner := e.fundedSupplier(t, 5_000)
	p, err := e.w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1_000, Currency: "EUR", Destination: "DE89 3704", IdempotencyKey: "k"})
	if err != nil || p.State != wallet.PayoutSent {
		t.Fatalf("payout = %+v, %v", p, err)
	}
	for name, change := range map[string]func(*app.Payout){
		"another amount":          func(po *app.Payout) { po.Amount = 999 },
		"another currency":        func(po *app.Payout) { po.Currency = "USD" },
		"another provider payout": func(po *app.Payout) { po.ID = "po_other" },
	} {
		for _, typ := range []string{app.EventPayoutPaid, app.EventPayoutFailed} {
			status := app.PayoutPaid
			if typ == app.EventPayoutFailed {
				status = app.PayoutFailed
			}
			ev := e.provider.payoutEvent("evt_"+name+typ, typ, p.ID, status)
			change(ev.Payout)
			d := e.provider.sign(ev, t0)
			if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
				t.Errorf("%s, %s: %v, want FailedPrecondition", name, typ, err)
			}
			if net, pending := e.balance(t, payableRef(org)); net != 5_000 || pending != 1_000 {
				t.Errorf("%s, %s: payable %d with %d reserved, want 5000 with 1000", name, typ, net, pending)
			}
		}
	}
	e.deliverPayout(t, "evt_paid", app.EventPayoutPaid, p.ID, app.PayoutPaid)
	if net, pending := e.balance(t, payableRef(org)); net != 4_000 || pending != 0 {
		t.Errorf("after the genuine report: payable %d with %d reserved, want 4000 with 0", net, pending)
	}
	e.assertBooksBalance(t)
}

// earn credits a supplier's USD payable as a settlement would.
func (k escrowKit) earn(t *testing.T, org string, amount int64) {
	t.Helper()
	if _, err := k.ledger.Execute(ctx, ledger.Command{IdempotencyKey: "earned:" + org, Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: "USD"},
		Credit: escrow.SupplierPayable(org, "USD"), Amount: amount, Currency: "USD", Code: ledger.CodeSettlementGoods, Reference: "earned", Phase: ledger.PhasePosted,
	}}}); err != nil {
		t.Fatal(err)
	}
}

// clawBackWaitsThenEarns has org's sub-order s-2 settled at 100.00 (95.00
// to its payable), all of it paid out, a claw-back of 20.00 waiting for the
// payable, and then 50.00 earned.
func (k escrowKit) clawBackWaitsThenEarns(t *testing.T, org string) {
	t.Helper()
	k.payTwoUSD(t, org)
	k.settle(t, "s-2", 10000, "USD")
	k.payOut(t, org, "USD", 9500, "payout-0")
	if r, err := k.e.RefundSubOrder(ctx, svcs, "s-2", "r-w", 2000, "USD"); err != nil || !r.Waiting {
		t.Fatalf("claw-back on an empty payable: %+v, %v", r, err)
	}
	k.earn(t, org, 5000)
}

// A payout leaves the supplier's payable what the claw-backs waiting for it
// need: before, a supplier whose claw-back waited for its payable could pay
// out each new earning before the retry run took it, and the buyer's refund
// waited for as long as the supplier kept withdrawing.
func TestAPayoutLeavesWhatWaitingClawBacksNeed(t *testing.T) {
	k := newEscrowKit(t)
	w := app.NewWallets(postgres.NewWallets(postgres.New(k.pool)), k.ledger, newProvider(), app.WithWalletsClock(func() time.Time { return t0 }))
	org := uuid.NewString()
	owner := orgMember(auth.RoleSupplier, auth.OrgRoleOwner, org)
	pay := func(key string, amount int64) (wallet.Payout, error) {
		return w.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: amount, Currency: "USD", Destination: "DE89 3704", IdempotencyKey: key})
	}
	payable := escrow.SupplierPayable(org, "USD")

	// 30.00 may leave, 20.00 stays for the buyer.
	k.clawBackWaitsThenEarns(t, org)
	_, err := pay("too-much", 3001)
	var refusal *apperr.Error
	if !errors.As(err, &refusal) || refusal.Kind != apperr.KindFailedPrecondition || refusal.Reason != wallet.ReasonClawBackWaiting ||
		refusal.Metadata[wallet.MetadataPayable] != "3000" {
		t.Fatalf("payout of 30.01 with 20.00 of 50.00 owed to a buyer: %v; want FailedPrecondition %s with 3000 available", err, wallet.ReasonClawBackWaiting)
	}
	list, _, err := w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil || len(list) != 1 || list[0].State != wallet.PayoutFailed || list[0].FailureCode != wallet.FailureClawBackWaiting || list[0].PendingTransferID != "" {
		t.Fatalf("the refused payout: %+v, %v; want failed (%s) without a reservation", list, err, wallet.FailureClawBackWaiting)
	}
	if p, err := pay("the-rest", 3000); err != nil || p.State != wallet.PayoutSent {
		t.Fatalf("payout of what the claw-back leaves: %+v, %v", p, err)
	}

	// The claw-back goes through (19.00 from the payable, 1.00 of
	// commission given back), and nothing holds the payable any more.
	if n, err := k.e.RetryWaitingRefunds(ctx, svcs, 10); err != nil || n != 1 {
		t.Fatalf("retry of the waiting claw-back: %d, %v", n, err)
	}
	if got := k.net(t, payable); got != 3100 {
		t.Errorf("payable holds %d after the claw-back, want 3100 (3000 of it reserved)", got)
	}
	if p, err := pay("after", 100); err != nil || p.State != wallet.PayoutSent {
		t.Errorf("payout once nothing waits: %+v, %v", p, err)
	}
	k.balanced(t)
}

// waitingUnreadable is a wallet store whose claw-back read fails, as with
// the database away for a moment.
type waitingUnreadable struct{ app.WalletStore }

func (waitingUnreadable) WaitingClawBacks(context.Context, string, string) (int64, error) {
	return 0, errors.New("the database is away")
}

// A payout whose claw-back check cannot run (the database away) is not
// failed: it stays requested, and the worker sends it once the check runs.
// Only the check's refusal fails it.
func TestAPayoutWhoseClawBackCheckFailsIsAskedAgain(t *testing.T) {
	k := newEscrowKit(t)
	store := postgres.NewWallets(postgres.New(k.pool))
	provider := newProvider()
	clock := app.WithWalletsClock(func() time.Time { return t0 })
	away := app.NewWallets(waitingUnreadable{store}, k.ledger, provider, clock)
	w := app.NewWallets(store, k.ledger, provider, clock)
	org := uuid.NewString()
	owner := orgMember(auth.RoleSupplier, auth.OrgRoleOwner, org)
	k.clawBackWaitsThenEarns(t, org)
	if _, err := away.CreatePayout(ctx, owner, org, wallet.PayoutInput{Amount: 1000, Currency: "USD", Destination: "DE89 3704", IdempotencyKey: "k"}); err == nil || errors.Is(err, wallet.ErrClawBackWaiting) {
		t.Fatalf("the check could not run: %v; want its error", err)
	}
	list, _, err := w.ListPayouts(ctx, owner, org, 0, "")
	if err != nil || len(list) != 1 || list[0].State != wallet.PayoutRequested {
		t.Fatalf("the payout: %+v, %v; want requested", list, err)
	}
	if n, err := w.RetryPayouts(ctx, 0, 10); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if list, _, _ = w.ListPayouts(ctx, owner, org, 0, ""); list[0].State != wallet.PayoutSent {
		t.Errorf("the payout after the retry: %s, want sent", list[0].State)
	}
}

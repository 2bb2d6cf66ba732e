package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// stopsBeforeMarking is the escrow store of a process that dies right
// after a settlement's ledger command committed, before the record says so.
type stopsBeforeMarking struct{ *postgres.Store }

var errStopped = errors.New("process stopped")

func (stopsBeforeMarking) MarkSettled(context.Context, escrow.Record) error { return errStopped }

// A settlement whose ledger command committed but whose record was never
// marked (the process stopped in between) is finished by the retry from
// what the ledger holds: the money moved once, the record says what it did,
// and a retry at another price is still refused.
func TestSettlementInterruptedBeforeItsRecordIsFinishedByTheRetry(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	dying := app.NewEscrows(k.fin, k.ledger, stopsBeforeMarking{postgres.New(k.pool)}, escrow.DefaultCommissionBps)
	if _, err := dying.SettleSubOrder(ctx, svcs, "s-1", 8000, "USD"); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted settlement: %v", err)
	}
	payable, wallet := escrow.SupplierPayable("org-1", "USD"), escrow.BuyerWallet("buyer-1", "USD")
	if got := k.net(t, payable); got != 7600 {
		t.Fatalf("the ledger command did not commit: supplier payable %d", got)
	}

	for range 2 {
		res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 8000, "USD")
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		r := res.Record
		if res.TopUp != nil || r.State != escrow.StateSettled || r.SettledGoods != 8000 || r.SupplierNet != 7600 || r.Commission != 400 || r.Refunded != 2000 {
			t.Errorf("retry answered %+v", res)
		}
	}
	if got, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-1"); err != nil || got.State != escrow.StateSettled || got.SupplierNet != 7600 {
		t.Errorf("record after the retry: %+v, %v", got, err)
	}
	if p, w := k.net(t, payable), k.net(t, wallet); p != 7600 || w != 42000 {
		t.Errorf("money moved again: supplier payable %d, wallet %d", p, w)
	}
	if _, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 9000, "USD"); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("retry at another price: %v", err)
	}
	k.balanced(t)
}

// A settlement at goods 0 (everything returned) interrupted before its
// record is found in the ledger too, by the recovery and by the retry: it
// moved no goods or commission, but its remainder back is its own. Before,
// neither found it: the recovery left the escrow held, and the retry,
// planned again on the emptied escrow, recorded nothing given back.
func TestSettlementAtNothingInterruptedIsFinishedFromTheLedger(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 4000)
	if _, err := k.e.PayFreightLeg(ctx, svcs, escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "carrier-1", Amount: 2500, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	dying := app.NewEscrows(k.fin, k.ledger, stopsBeforeMarking{postgres.New(k.pool)}, escrow.DefaultCommissionBps)
	if _, err := dying.SettleSubOrder(ctx, svcs, "s-1", 0, "USD"); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted settlement: %v", err)
	}
	wallet := k.net(t, escrow.BuyerWallet("buyer-1", "USD"))
	if n, err := k.e.FinishUnmarkedSettlements(ctx, -time.Second, 10); err != nil || n != 1 {
		t.Fatalf("FinishUnmarkedSettlements = %d, %v; want 1", n, err)
	}
	if got, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-1"); err != nil || got.State != escrow.StateSettled || got.Refunded != 1500 {
		t.Fatalf("record after the recovery: %+v, %v; want settled, 1500 back", got, err)
	}
	for range 2 {
		res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 0, "USD")
		if err != nil || res.TopUp != nil || res.Record.State != escrow.StateSettled || res.Record.Refunded != 1500 {
			t.Fatalf("retry: %+v, %v; want the settlement at nothing, 1500 back", res, err)
		}
	}
	if w := k.net(t, escrow.BuyerWallet("buyer-1", "USD")); w != wallet {
		t.Errorf("the wallet moved on the retries: %d, was %d", w, wallet)
	}
	k.balanced(t)
}

// A settlement committed in the ledger whose record was never marked, and
// whose caller never asks again (its event went out with the command, so
// orders completed the sub-order), is marked by the recovery from what the
// ledger holds: left held, the escrow refused the sub-order's later
// refunds for good. An escrow held with no settlement is left alone.
func TestSettlementNeverAskedAgainIsMarkedByTheRecovery(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	k.payUSD(t, "o-2", "s-2", 10000)
	dying := app.NewEscrows(k.fin, k.ledger, stopsBeforeMarking{postgres.New(k.pool)}, escrow.DefaultCommissionBps)
	if _, err := dying.SettleSubOrder(ctx, svcs, "s-1", 8000, "USD"); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted settlement: %v", err)
	}
	if n, err := k.e.FinishUnmarkedSettlements(ctx, -time.Second, 10); err != nil || n != 1 {
		t.Fatalf("FinishUnmarkedSettlements = %d, %v; want 1", n, err)
	}
	got, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-1")
	if err != nil || got.State != escrow.StateSettled || got.SettledGoods != 8000 || got.SupplierNet != 7600 || got.Commission != 400 || got.Refunded != 2000 {
		t.Fatalf("record after the recovery: %+v, %v", got, err)
	}
	if other, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-2"); err != nil || other.State != escrow.StateHeld {
		t.Errorf("the escrow never settled: %+v, %v; want held", other, err)
	}
	if n, err := k.e.FinishUnmarkedSettlements(ctx, -time.Second, 10); err != nil || n != 0 {
		t.Errorf("a second round marked %d (%v)", n, err)
	}
	if p := k.net(t, escrow.SupplierPayable("org-1", "USD")); p != 7600 {
		t.Errorf("money moved again: supplier payable %d", p)
	}
	k.balanced(t)
}

// stopsBeforeRecords is the store of a process that dies right after a
// checkout's ledger command committed, before its escrow records.
type stopsBeforeRecords struct{ *postgres.Store }

func (stopsBeforeRecords) InsertEscrows(context.Context, []escrow.Record) error { return errStopped }

// A checkout paid in the ledger whose escrow records were never written is
// finished by its replay even after its quote expired: the money moved
// once, at the quoted rate, and the records exist. A checkout never paid
// with that expired quote is still refused.
func TestCheckoutInterruptedBeforeItsRecordsIsFinishedByTheReplayAfterItsQuoteExpired(t *testing.T) {
	now := t0
	policy := fx.DefaultPolicy()
	policy.SpreadBps = 0
	k := newEscrowKitOn(t, func() time.Time { return now }, policy)
	pool, fin, l := k.pool, k.fin, k.ledger
	if _, err := fin.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "USD", To: "EUR", Rate: "0.92", Source: "ecb"}); err != nil {
		t.Fatal(err)
	}
	q, err := fin.QuoteConversion(ctx, svcs, fx.QuoteInput{From: "USD", To: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	checkout := app.CheckoutInput{OrderID: "o-1", BuyerID: "buyer-1", BuyerCurrency: "USD", QuoteIDs: map[string]string{"EUR": q.ID},
		Shares: []escrow.Share{{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 9200}}}
	dying := app.NewEscrows(fin, l, stopsBeforeRecords{postgres.New(pool)}, escrow.DefaultCommissionBps)
	if _, err := dying.PayCheckout(ctx, svcs, checkout); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted checkout: %v", err)
	}
	wallet := escrow.BuyerWallet("buyer-1", "USD")
	if got := k.net(t, wallet); got != 40000 {
		t.Fatalf("the ledger command did not commit: wallet %d", got)
	}
	now = now.Add(policy.QuoteTTL + time.Minute)
	paid, err := k.e.PayCheckout(ctx, svcs, checkout)
	if err != nil || !paid.Replayed || paid.Total != 10000 {
		t.Fatalf("replay after the quote expired: %+v, %v", paid, err)
	}
	if got := k.net(t, wallet); got != 40000 {
		t.Errorf("the replay moved money again: wallet %d", got)
	}
	if r, balance, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-1"); err != nil || r.Escrowed != 9200 || balance != 9200 {
		t.Errorf("escrow record after the replay: %+v, %d, %v", r, balance, err)
	}
	other := checkout
	other.OrderID, other.Shares = "o-2", []escrow.Share{{SubOrderID: "s-2", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 920}}
	if _, err := k.e.PayCheckout(ctx, svcs, other); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("a new checkout with an expired quote: %v", err)
	}
}

// stopsAfterTopUpPayment is the store of a process that dies right after a
// top-up request's payment committed in the ledger: before the request is
// marked paid (marked false), or just after (marked true), and in both
// cases before the settlement.
type stopsAfterTopUpPayment struct {
	*postgres.Store
	marked bool
}

func (s stopsAfterTopUpPayment) MarkTopUpPaid(ctx context.Context, id string, at time.Time) error {
	if s.marked {
		if err := s.Store.MarkTopUpPaid(ctx, id, at); err != nil {
			return err
		}
	}
	return errStopped
}

// A top-up request whose payment committed but whose settlement never ran
// (the process stopped in between) is finished, the buyer charged once: by
// the payer's retry, which answers the settlement, or, when nobody calls
// again, by the recovery that finance runs. A request nobody paid is left
// to the buyer.
func TestTopUpPaidButNotSettledIsFinished(t *testing.T) {
	for _, tc := range []struct {
		name          string
		marked, retry bool
	}{
		{"stopped before marking, the payer retries", false, true},
		{"stopped after marking, the payer retries", true, true},
		{"stopped before marking, nobody calls again", false, false},
		{"stopped after marking, nobody calls again", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newEscrowKit(t)
			k.fund(t, "buyer-1", "USD", 50000, "fund-1")
			for _, sub := range []string{"s-1", "s-2"} {
				k.payUSD(t, "o-"+sub, sub, 10000)
			}
			short := map[string]escrow.TopUp{}
			for _, sub := range []string{"s-1", "s-2"} {
				res, err := k.e.SettleSubOrder(ctx, svcs, sub, 12000, "USD")
				if err != nil || res.TopUp == nil || res.TopUp.Amount != 2000 {
					t.Fatalf("settling %s short: %+v, %v", sub, res, err)
				}
				short[sub] = *res.TopUp
			}
			dying := app.NewEscrows(k.fin, k.ledger, stopsAfterTopUpPayment{postgres.New(k.pool), tc.marked}, escrow.DefaultCommissionBps)
			if _, err := dying.PayTopUp(ctx, svcs, short["s-1"].ID); !errors.Is(err, errStopped) {
				t.Fatalf("interrupted top-up payment: %v", err)
			}
			wallet, payable := escrow.BuyerWallet("buyer-1", "USD"), escrow.SupplierPayable("org-1", "USD")
			if w := k.net(t, wallet); w != 50000-2*10000-2000 {
				t.Fatalf("the payment did not commit: wallet %d", w)
			}
			// Operators see it (paid at t0, long ago); the request nobody
			// paid is not counted.
			unsettled := func(ctx context.Context) ([]service.FailingSteps, error) {
				return postgres.New(k.pool).FailingTopUps(ctx, app.TopUpPaymentKeyPrefix)
			}
			if got := testkit.FailingSteps(t, unsettled); got["unsettled"].Count != 1 || len(got) != 1 {
				t.Errorf("failing top-ups = %+v, want the interrupted one", got)
			}

			if tc.retry {
				res, err := k.e.PayTopUp(ctx, svcs, short["s-1"].ID)
				if err != nil || res.Record.State != escrow.StateSettled || res.Record.SettledGoods != 12000 || res.TopUp != nil {
					t.Fatalf("the payer's retry answered %+v, %v; want the sub-order settled", res, err)
				}
			} else {
				// Paid up to now: the recovery's age is the interval it waits.
				if n, err := k.e.FinishInterruptedTopUps(ctx, -time.Second, 10); err != nil || n != 1 {
					t.Fatalf("recovery finished %d, %v; want the paid one only", n, err)
				}
			}
			if r, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-1"); err != nil || r.State != escrow.StateSettled || r.SupplierNet+r.Commission != 12000 {
				t.Errorf("s-1 after it was finished: %+v, %v", r, err)
			}
			if r, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "s-2"); err != nil || r.State != escrow.StateHeld {
				t.Errorf("s-2, whose request nobody paid: %+v, %v; want held", r, err)
			}
			// Once finished, nothing is left to recover and a retry moves
			// nothing.
			if n, err := k.e.FinishInterruptedTopUps(ctx, -time.Second, 10); err != nil || n != 0 {
				t.Errorf("recovery again finished %d, %v", n, err)
			}
			if got := testkit.FailingSteps(t, unsettled); len(got) != 0 {
				t.Errorf("failing top-ups once finished = %+v", got)
			}
			if _, err := k.e.PayTopUp(ctx, svcs, short["s-1"].ID); err != nil {
				t.Errorf("paying again: %v", err)
			}
			if w, p := k.net(t, wallet), k.net(t, payable); w != 50000-2*10000-2000 || p != 12000-600 {
				t.Errorf("wallet %d and payable %d, want %d and %d: the buyer charged once, the supplier paid once", w, p, 50000-2*10000-2000, 12000-600)
			}
			k.balanced(t)
		})
	}
}

// A paid top-up request whose sub-order is short again (a freight leg paid
// from escrow after the payment, the settlement then asking for more) is
// not the recovery's: the new request is the buyer's to pay, and paying it
// settles.
func TestTopUpRecoveryLeavesAnEscrowShortAgainToTheBuyer(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	first, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 12000, "USD")
	if err != nil || first.TopUp == nil {
		t.Fatalf("settling short: %+v, %v", first, err)
	}
	dying := app.NewEscrows(k.fin, k.ledger, stopsAfterTopUpPayment{postgres.New(k.pool), true}, escrow.DefaultCommissionBps)
	if _, err := dying.PayTopUp(ctx, svcs, first.TopUp.ID); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted top-up payment: %v", err)
	}
	if _, err := k.e.PayFreightLeg(ctx, svcs, escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "c-1", Amount: 500, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	again, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 12000, "USD")
	if err != nil || again.TopUp == nil || again.TopUp.Amount != 500 {
		t.Fatalf("settling short again: %+v, %v; want a request for 500", again, err)
	}
	if n, err := k.e.FinishInterruptedTopUps(ctx, -time.Second, 10); err != nil || n != 0 {
		t.Fatalf("recovery took on %d, %v; want none while the buyer is asked again", n, err)
	}
	res, err := k.e.PayTopUp(ctx, svcs, again.TopUp.ID)
	if err != nil || res.Record.State != escrow.StateSettled {
		t.Fatalf("paying the second request: %+v, %v", res, err)
	}
	if w := k.net(t, escrow.BuyerWallet("buyer-1", "USD")); w != 50000-10000-2000-500 {
		t.Errorf("wallet %d, want %d", w, 50000-10000-2000-500)
	}
	k.balanced(t)
}

// A top-up request's payment committed but not marked (the process
// stopped), then its sub-order settled at the request's price by another
// call whose record was not marked either (stopped again): the ledger holds
// both. The payer's retry finishes both from the ledger, charging nothing
// more, rather than taking the request for one a settlement made moot.
func TestATopUpPaidThenSettledWithNeitherMarkedIsFinished(t *testing.T) {
	k := newEscrowKit(t)
	k.fund(t, "buyer-1", "USD", 50000, "fund-1")
	k.payUSD(t, "o-1", "s-1", 10000)
	res, err := k.e.SettleSubOrder(ctx, svcs, "s-1", 12000, "USD")
	if err != nil || res.TopUp == nil {
		t.Fatalf("settling short: %+v, %v", res, err)
	}
	paying := app.NewEscrows(k.fin, k.ledger, stopsAfterTopUpPayment{postgres.New(k.pool), false}, escrow.DefaultCommissionBps)
	if _, err := paying.PayTopUp(ctx, svcs, res.TopUp.ID); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted top-up payment: %v", err)
	}
	settling := app.NewEscrows(k.fin, k.ledger, stopsBeforeMarking{postgres.New(k.pool)}, escrow.DefaultCommissionBps)
	if _, err := settling.SettleSubOrder(ctx, svcs, "s-1", 12000, "USD"); !errors.Is(err, errStopped) {
		t.Fatalf("interrupted settlement: %v", err)
	}
	wallet := escrow.BuyerWallet("buyer-1", "USD")
	before := k.net(t, wallet)
	done, err := k.e.PayTopUp(ctx, buyer, res.TopUp.ID)
	if err != nil || done.Record.State != escrow.StateSettled || done.Record.SettledGoods != 12000 {
		t.Fatalf("the payer's retry: %+v, %v; want the sub-order settled at 12000", done, err)
	}
	if got := k.net(t, wallet); got != before {
		t.Errorf("the retry moved %d from the wallet, want nothing", before-got)
	}
	k.balanced(t)
}

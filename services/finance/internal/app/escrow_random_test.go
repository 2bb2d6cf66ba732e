package app_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// randomOps is how many operations TestEscrowRandomized runs; -short runs
// fewer.
const randomOps = 10_000

// TestEscrowRandomized runs random escrow commands (every command, random
// amounts and currencies, retries with the same key, bursts of concurrent
// callers) and checks after every step that each currency's balances sum to
// zero, that no account other than an external one breaks its flags, and
// that a retry moved nothing. ESCROW_RANDOM_SEED reproduces a run.
func TestEscrowRandomized(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ESCROW_RANDOM_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ESCROW_RANDOM_SEED: %v", err)
		}
	}
	t.Logf("ESCROW_RANDOM_SEED=%d", seed)
	ops := randomOps
	if testing.Short() {
		ops = 1000
	}
	k := newEscrowKit(t)
	w := &world{t: t, k: k, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), quotes: map[[2]string]string{}}
	w.setup()
	for step := 0; step < ops; {
		if step > 0 && step%250 == 0 {
			step += w.burst(step)
		} else {
			w.step(step)
			step++
		}
		w.check(step)
	}
	t.Logf("%d operations: %d succeeded, %d refused, %d retries", ops, w.ok, w.refused, w.retries)
}

var randomCurrencies = []string{"USD", "EUR", "JPY"}

type subOrder struct {
	id, org, currency, buyer, buyerCurrency string
}

// world is the randomized test's model: what exists, and the commands that
// succeeded, to retry.
type world struct {
	t      *testing.T
	k      escrowKit
	rng    *rand.Rand
	mu     sync.Mutex
	quotes map[[2]string]string
	subs   []subOrder
	topUps []string
	done   []func() error // retries of commands that moved money
	// transfers is the ledger's transfer count at the last check; still
	// names what the step did when it must have moved nothing.
	transfers int64
	still     string
	n         int
	ok        int
	refused   int
	retries   int
}

func (w *world) setup() {
	rates := map[[2]string]string{
		{"USD", "EUR"}: "0.92", {"EUR", "USD"}: "1.087", {"USD", "JPY"}: "151.5",
		{"JPY", "USD"}: "0.0066", {"EUR", "JPY"}: "164.7", {"JPY", "EUR"}: "0.00607",
	}
	for pair, r := range rates {
		if _, err := w.k.fin.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: pair[0], To: pair[1], Rate: r, Source: "ecb"}); err != nil {
			w.t.Fatal(err)
		}
		q, err := w.k.fin.QuoteConversion(ctx, svcs, fx.QuoteInput{From: pair[0], To: pair[1]})
		if err != nil {
			w.t.Fatal(err)
		}
		w.quotes[pair] = q.ID
	}
}

func (w *world) id(prefix string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	return fmt.Sprintf("%s-%d", prefix, w.n)
}

func (w *world) pick(n int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rng.IntN(n)
}

func (w *world) amount(max int64) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return 1 + w.rng.Int64N(max)
}

func (w *world) anySub() (subOrder, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.subs) == 0 {
		return subOrder{}, false
	}
	return w.subs[w.rng.IntN(len(w.subs))], true
}

// op is one random command; it returns a retry of itself when it moved
// money and retrying must move nothing (nil otherwise).
func (w *world) op() (func() error, error) {
	buyerID := fmt.Sprintf("buyer-%d", w.pick(5))
	switch r := w.pick(100); {
	case r < 15: // fund a wallet
		cur, key := randomCurrencies[w.pick(3)], w.id("fund")
		amount := w.amount(2_000_000)
		f := func() error { w.k.fund(w.t, buyerID, cur, amount, key); return nil }
		return f, f()
	case r < 35: // pay a checkout
		bcur := randomCurrencies[w.pick(3)]
		in := app.CheckoutInput{OrderID: w.id("order"), BuyerID: buyerID, BuyerCurrency: bcur, QuoteIDs: map[string]string{}}
		for range 1 + w.pick(3) {
			scur := randomCurrencies[w.pick(3)]
			if scur != bcur {
				in.QuoteIDs[scur] = w.quotes[[2]string{bcur, scur}]
			}
			in.Shares = append(in.Shares, escrow.Share{SubOrderID: w.id("sub"), SupplierOrgID: fmt.Sprintf("org-%d", w.pick(4)), SupplierCurrency: scur, Amount: w.amount(60_000)})
		}
		res, err := w.k.e.PayCheckout(ctx, svcs, in)
		if err != nil {
			return nil, err
		}
		w.mu.Lock()
		for _, s := range res.Shares {
			w.subs = append(w.subs, subOrder{id: s.SubOrderID, org: s.SupplierOrgID, currency: s.SupplierCurrency, buyer: buyerID, buyerCurrency: bcur})
		}
		w.mu.Unlock()
		return func() error {
			again, err := w.k.e.PayCheckout(ctx, svcs, in)
			if err == nil && !again.Replayed {
				return fmt.Errorf("checkout %s retried without a replay", in.OrderID)
			}
			return err
		}, nil
	case r < 50: // a freight leg
		s, ok := w.anySub()
		if !ok {
			return nil, nil
		}
		leg := escrow.FreightLeg{SubOrderID: s.id, LegID: w.id("leg"), CarrierID: fmt.Sprintf("carrier-%d", w.pick(3)), Amount: w.amount(20_000), Currency: s.currency}
		_, err := w.k.e.PayFreightLeg(ctx, svcs, leg)
		return func() error { _, err := w.k.e.PayFreightLeg(ctx, svcs, leg); return err }, err
	case r < 65: // settle
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
			w.mu.Lock()
			w.topUps = append(w.topUps, res.TopUp.ID)
			w.mu.Unlock()
			return nil, nil
		}
		goods = res.Record.SettledGoods
		return func() error { _, err := w.k.e.SettleSubOrder(ctx, svcs, s.id, goods, s.currency); return err }, nil
	case r < 72: // pay a top-up
		w.mu.Lock()
		if len(w.topUps) == 0 {
			w.mu.Unlock()
			return nil, nil
		}
		id := w.topUps[w.rng.IntN(len(w.topUps))]
		w.mu.Unlock()
		_, err := w.k.e.PayTopUp(ctx, svcs, id)
		return func() error { _, err := w.k.e.PayTopUp(ctx, svcs, id); return err }, err
	case r < 85: // refund or claw back
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
	case r < 88: // retry waiting claw-backs
		_, err := w.k.e.RetryWaitingRefunds(ctx, svcs, 5)
		return nil, err
	case r < 94: // a coupon
		s, ok := w.anySub()
		if !ok {
			return nil, nil
		}
		coupon, amount := w.id("coupon"), w.amount(5_000)
		_, err := w.k.e.FundCoupon(ctx, svcs, s.id, coupon, amount, s.currency)
		return func() error { _, err := w.k.e.FundCoupon(ctx, svcs, s.id, coupon, amount, s.currency); return err }, err
	default: // a partner settlement line
		gross := w.amount(100_000)
		in := app.PartnerCreditInput{PartnerID: fmt.Sprintf("partner-%d", w.pick(2)), LineID: w.id("line"), SupplierOrgID: fmt.Sprintf("org-%d", w.pick(4)),
			Currency: randomCurrencies[w.pick(3)], Gross: gross, Fees: w.amount(gross) / 10}
		_, err := w.k.e.CreditPartnerSettlement(ctx, svcs, in)
		return func() error { _, err := w.k.e.CreditPartnerSettlement(ctx, svcs, in); return err }, err
	}
}

// expected reports whether err is a refusal the commands may give on
// random input: a state or input problem (settling a settled sub-order at
// another price is AlreadyExists, racing a settlement Aborted), never an
// internal failure.
func expected(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.KindFailedPrecondition, apperr.KindInvalid, apperr.KindNotFound, apperr.KindAlreadyExists, apperr.KindAborted:
		return true
	}
	return false
}

// step runs one command, or retries an earlier one; check then verifies
// that a retry or a refusal moved nothing.
func (w *world) step(step int) {
	w.t.Helper()
	if len(w.done) > 0 && w.pick(100) < 15 {
		retry := w.done[w.pick(len(w.done))]
		if err := retry(); err != nil {
			w.t.Fatalf("step %d: retry: %v", step, err)
		}
		w.still = "a retry"
		w.retries++
		return
	}
	retry, err := w.op()
	switch {
	case err != nil && !expected(err):
		w.t.Fatalf("step %d: %v", step, err)
	case err != nil:
		w.still = "a refused command (" + err.Error() + ")"
		w.refused++
	default:
		w.ok++
		if retry != nil {
			w.done = append(w.done, retry)
		}
	}
}

// burst runs concurrent callers: random commands, and each one's retry at
// the same moment from another caller. It returns how many commands ran.
func (w *world) burst(step int) int {
	const callers = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*callers)
	for range callers {
		wg.Go(func() {
			retry, err := w.op()
			if err != nil && !expected(err) {
				errs <- err
				return
			}
			if retry != nil {
				if err := retry(); err != nil && !expected(err) {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		w.t.Fatalf("step %d: concurrent caller: %v", step, err)
	}
	return callers
}

// check asserts the book's invariants: every currency sums to zero (the
// trial balance) and no account but an external one breaks its flags.
func (w *world) check(step int) {
	w.t.Helper()
	lines, err := w.k.ledger.TrialBalance(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	sum := map[string]int64{}
	for _, l := range lines {
		sum[l.Currency] += l.CreditsPosted - l.DebitsPosted
	}
	for cur, s := range sum {
		if s != 0 {
			w.t.Fatalf("step %d: %s balances sum to %d", step, cur, s)
		}
	}
	var broken int
	var example string
	var transfers int64
	err = w.k.pool.QueryRow(ctx, `SELECT count(*), coalesce(min(kind || ' ' || owner_id || ' ' || currency), ''),
			(SELECT count(*) FROM ledger_transfers)
		FROM ledger_accounts
		WHERE flags & $1 = 0 AND (
			(flags & $2 <> 0 AND debits_posted + debits_pending > credits_posted) OR
			(flags & $3 <> 0 AND credits_posted + credits_pending > debits_posted))`,
		int32(ledger.FlagExternal), int32(ledger.FlagDebitsMustNotExceedCredits), int32(ledger.FlagCreditsMustNotExceedDebits)).Scan(&broken, &example, &transfers)
	if err != nil {
		w.t.Fatal(err)
	}
	if w.still != "" && transfers != w.transfers {
		w.t.Fatalf("step %d: %s moved money: %d transfers became %d", step, w.still, w.transfers, transfers)
	}
	w.still, w.transfers = "", transfers
	if broken > 0 {
		w.t.Fatalf("step %d: %d accounts break their flags, e.g. %s", step, broken, example)
	}
}

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
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// randomOps is how many operations TestFinanceRandomized runs; -short runs
// fewer.
const randomOps = 10_000

// TestFinanceRandomized runs random money commands, every one finance has
// (top-ups into wallets and deposits with the provider's webhooks —
// success, failure, duplicate and stale deliveries —, deposit debits,
// supplier payouts and their webhooks, checkouts paid from wallets and from
// merchants' deposits, freight legs,
// settlements, top-up requests, refunds and claw-backs, coupons, partner
// lines and withdrawals), with random amounts and currencies, retries with
// the same key and bursts of concurrent callers, and checks after every
// step that each currency's balances sum to zero, that no account other
// than an external one breaks its flags, and that a retry moved nothing.
// FINANCE_RANDOM_SEED reproduces a run.
func TestFinanceRandomized(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FINANCE_RANDOM_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("FINANCE_RANDOM_SEED: %v", err)
		}
	}
	t.Logf("FINANCE_RANDOM_SEED=%d", seed)
	ops := randomOps
	if testing.Short() {
		ops = 1000
	}
	w := newWorld(t, seed)
	for step := 0; step < ops; {
		if step > 0 && step%250 == 0 {
			step += w.burst(step)
		} else {
			w.step(step)
			step++
		}
		w.check(step)
	}
	w.depositEventsAddUp()
	w.topUpsMatchTheProvider()
	t.Logf("%d operations: %d succeeded, %d refused, %d retries; %d top-ups settled by the check", ops, w.ok, w.refused, w.retries, w.topUpsSettled)
	for _, o := range randomOpsTable {
		t.Logf("%-22s %6d ran, %6d succeeded", o.name, w.ran[o.name], w.succeeded[o.name])
	}
}

var randomCurrencies = []string{"USD", "EUR", "JPY"}

type subOrder struct {
	id, org, currency, buyer, buyerCurrency string
}

// fundedCoupon is a coupon that paid into a sub-order's escrow.
type fundedCoupon struct {
	sub    subOrder
	coupon string
	// amount is what it was last set to: its caller's retry asks that.
	amount *int64
}

// sentPayout is a payout the provider has, waiting for its webhook.
type sentPayout struct{ id string }

// world is the randomized test's model: what exists, and the commands that
// succeeded, to retry.
type world struct {
	t        *testing.T
	k        escrowKit
	wallets  *app.Wallets
	provider *provider
	rng      *rand.Rand
	mu       sync.Mutex
	quotes   map[[2]string]string
	// suppliers and merchants are organizations (ids the wallet commands
	// parse); partners are partner platforms.
	suppliers, merchants []string
	subs                 []subOrder
	coupons              []fundedCoupon
	topUpRequests        []string
	// topUps are provider top-ups (wallet and deposit) whose webhook may
	// still come; payouts the payouts the provider has.
	topUps  []app.Intent
	payouts []sentPayout
	done    []func() error // retries of commands that moved money
	// reused are calls that reuse a key of a command that moved money with
	// another body.
	reused []func() error
	// transfers is the ledger's transfer count at the last check; still
	// names what the step did when it must have moved nothing.
	transfers int64
	still     string
	// now is the wallets' clock, moved on by opTimePasses so top-ups age
	// into CheckTopUps' abandonment and watch.
	now time.Time
	// topUpsSettled counts the top-ups CheckTopUps credited or failed.
	topUpsSettled  int
	n              int
	ok             int
	refused        int
	retries        int
	ran, succeeded map[string]int
}

func newWorld(t *testing.T, seed uint64) *world {
	k := newEscrowKit(t)
	p := newProvider()
	w := &world{
		t: t, k: k, provider: p, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), quotes: map[[2]string]string{},
		now: t0, ran: map[string]int{}, succeeded: map[string]int{},
	}
	w.wallets = app.NewWallets(postgres.NewWallets(postgres.New(k.pool)), k.ledger, p, app.WithWalletsClock(w.clock))
	for i := range 4 {
		w.suppliers = append(w.suppliers, fmt.Sprintf("00000000-0000-4000-8000-%012d", 100+i))
	}
	for i := range 2 {
		w.merchants = append(w.merchants, fmt.Sprintf("00000000-0000-4000-8000-%012d", 200+i))
	}
	w.setup()
	return w
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

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
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

func (w *world) currency() string { return randomCurrencies[w.pick(len(randomCurrencies))] }

func (w *world) supplier() string { return w.suppliers[w.pick(len(w.suppliers))] }

func (w *world) anyCoupon() (fundedCoupon, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.coupons) == 0 {
		return fundedCoupon{}, false
	}
	return w.coupons[w.rng.IntN(len(w.coupons))], true
}

func (w *world) anySub() (subOrder, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.subs) == 0 {
		return subOrder{}, false
	}
	return w.subs[w.rng.IntN(len(w.subs))], true
}

// anyOf returns a random element of *list (under the world's lock), and
// removes it when take is set.
func anyOf[T any](w *world, list *[]T, take bool) (T, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var zero T
	if len(*list) == 0 {
		return zero, false
	}
	i := w.rng.IntN(len(*list))
	v := (*list)[i]
	if take {
		*list = append((*list)[:i], (*list)[i+1:]...)
	}
	return v, true
}

func (w *world) add(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
}

// randomOp is one kind of command and how often it is drawn.
type randomOp struct {
	name   string
	weight int
	// run runs it once; it returns a retry of itself when it moved money
	// (or changed state) and retrying must move nothing, nil otherwise.
	run func(w *world) (func() error, error)
}

// op draws a random command and runs it.
func (w *world) op() (func() error, error) {
	total := 0
	for _, o := range randomOpsTable {
		total += o.weight
	}
	r := w.pick(total)
	for _, o := range randomOpsTable {
		if r < o.weight {
			retry, err := o.run(w)
			w.add(func() {
				w.ran[o.name]++
				if err == nil {
					w.succeeded[o.name]++
				}
			})
			return retry, err
		}
		r -= o.weight
	}
	panic("unreachable")
}

// expected reports whether err is a refusal the commands may give on
// random input: a state or input problem (settling a settled sub-order at
// another price is AlreadyExists, racing a settlement Aborted, a stale
// webhook PermissionDenied), never an internal failure.
func expected(err error) bool {
	if staleRefusal(err) {
		return true
	}
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

// depositEventsAddUp asserts that every movement of a merchant's deposit
// said finance.deposit.changed once: per deposit, the events' changes add
// up to its balance.
func (w *world) depositEventsAddUp() {
	w.t.Helper()
	said := map[ledger.AccountRef]int64{}
	for _, ev := range w.k.depositChanges(w.t) {
		said[escrow.MerchantDeposit(ev.GetOrganizationId(), ev.GetChange().GetCurrencyCode())] += ev.GetChange().GetAmountMinor()
	}
	for _, org := range w.merchants {
		for _, cur := range randomCurrencies {
			ref := escrow.MerchantDeposit(org, cur)
			if got := w.k.net(w.t, ref); got != said[ref] {
				w.t.Errorf("deposit %s %s holds %d, its events say %d", org, cur, got, said[ref])
			}
		}
	}
}

// topUpsMatchTheProvider lets time pass until every top-up is past its
// abandonment age and its failed watch, runs the check until it has nothing
// left to ask, and asserts that nothing was lost either way: a top-up is
// credited exactly when the provider holds its intent paid, and every other
// intent is canceled at the provider, so no payment can come unseen.
func (w *world) topUpsMatchTheProvider() {
	w.t.Helper()
	for round := 1; ; round++ {
		w.add(func() { w.now = w.now.Add(2 * app.FailedTopUpWatch) })
		settled, err := w.wallets.CheckTopUps(ctx, 0, 1000)
		if err != nil {
			w.t.Fatalf("checking top-ups: %v", err)
		}
		w.topUpsSettled += settled
		var open int
		var example string
		if err := w.k.pool.QueryRow(ctx, `SELECT count(*), coalesce(min(state || ' ' || intent_id), '') FROM top_ups
			WHERE intent_id <> '' AND (state = 'pending' OR state = 'failed' AND NOT intent_closed)`).Scan(&open, &example); err != nil {
			w.t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if round == 20 {
			w.t.Fatalf("after 20 rounds of the top-up check %d top-ups are still open, e.g. %s", open, example)
		}
	}
	w.check(-1)
	rows, err := w.k.pool.Query(ctx, `SELECT id, intent_id, state FROM top_ups WHERE intent_id <> ''`)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, intentID, state string
		if err := rows.Scan(&id, &intentID, &state); err != nil {
			w.t.Fatal(err)
		}
		n++
		in, err := w.provider.GetIntent(ctx, intentID)
		if err != nil {
			w.t.Fatal(err)
		}
		credited := wallet.TopUpState(state) == wallet.TopUpSucceeded
		switch {
		case credited != (in.Status == app.IntentSucceeded):
			w.t.Errorf("top-up %s is %s, its intent %s at the provider", id, state, in.Status)
		case !credited && in.Status != app.IntentCanceled:
			w.t.Errorf("top-up %s is %s, its intent still %s at the provider (payable unseen)", id, state, in.Status)
		}
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Logf("%d top-ups match the provider", n)
}

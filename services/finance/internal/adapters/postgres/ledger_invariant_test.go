package postgres_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// invariantModel generates random commands and remembers what it needs to
// generate retries, posts and voids. It is used from one goroutine; the
// commands of a round run concurrently.
type invariantModel struct {
	rng      *rand.Rand
	seq      int
	done     []ledger.Command // commands that succeeded, for retries
	results  map[string]ledger.Result
	pendings []string
	now      func() time.Time
}

var invCurrencies = []string{"USD", "EUR", "JPY"}

func (m *invariantModel) pick(n int) int { return m.rng.IntN(n) }

func (m *invariantModel) cur() string { return invCurrencies[m.pick(len(invCurrencies))] }

func (m *invariantModel) amount() int64 {
	switch m.pick(10) {
	case 0:
		return 1
	case 1:
		return 1 + m.rng.Int64N(1_000_000)
	default:
		return 1 + m.rng.Int64N(5_000)
	}
}

func (m *invariantModel) user(cur string) ledger.AccountRef {
	return wallet(fmt.Sprintf("u%d", m.pick(6)), cur)
}

func (m *invariantModel) order(cur string) ledger.AccountRef {
	return escrow(fmt.Sprintf("o%d", m.pick(6)), cur)
}

func (m *invariantModel) platform(kind ledger.Kind, cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: kind, Owner: ledger.Owner{Type: ledger.OwnerPlatform, ID: "platform"}, Currency: cur}
}

func (m *invariantModel) supplier(cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindSupplierPayable, Owner: ledger.Owner{Type: ledger.OwnerOrganization, ID: fmt.Sprintf("s%d", m.pick(3))}, Currency: cur}
}

func (m *invariantModel) payout(cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindPayout, Owner: ledger.Owner{Type: ledger.OwnerPlatform, ID: "bank"}, Currency: cur}
}

// step is one generated command and what its answer must look like.
type step struct {
	cmd ledger.Command
	// retryOf is set for a retry of an earlier successful command: it must
	// replay that command's result.
	retryOf *ledger.Result
	// want is the only error kind allowed besides success (0: any of the
	// ledger's refusals).
	want apperr.Kind
}

func (m *invariantModel) next() step {
	m.seq++
	key := fmt.Sprintf("k%d", m.seq)
	cur := m.cur()
	tr := func(d, c ledger.AccountRef, code ledger.Code) ledger.TransferSpec {
		s := posted(d, c, m.amount())
		s.Code = code
		return s
	}
	switch r := m.pick(100); {
	case r < 15:
		return step{cmd: cmd(key, tr(provider(cur), m.user(cur), ledger.CodeTopUp))}
	case r < 30:
		return step{cmd: cmd(key, tr(m.user(cur), m.order(cur), ledger.CodePayment))}
	case r < 38: // a conversion: two currencies through their FX clearing accounts
		other := invCurrencies[(currencyIndex(cur)+1)%len(invCurrencies)]
		return step{cmd: cmd(key, tr(m.user(cur), m.platform(ledger.KindFXClearing, cur), ledger.CodeConversion),
			tr(m.platform(ledger.KindFXClearing, other), m.order(other), ledger.CodeConversion))}
	case r < 46: // settlement: escrow → supplier, commission, refund
		o := m.order(cur)
		return step{cmd: cmd(key, tr(o, m.supplier(cur), ledger.CodeSettlementGoods),
			tr(o, m.platform(ledger.KindPlatformRevenue, cur), ledger.CodeCommission),
			tr(o, m.user(cur), ledger.CodeEscrowRefund))}
	case r < 50:
		return step{cmd: cmd(key, tr(m.platform(ledger.KindCouponExpense, cur), m.order(cur), ledger.CodeCoupon))}
	case r < 53: // a coupon reversed: may exceed what was spent
		return step{cmd: cmd(key, tr(m.order(cur), m.platform(ledger.KindCouponExpense, cur), ledger.CodeCoupon))}
	case r < 57:
		return step{cmd: cmd(key, tr(m.supplier(cur), m.payout(cur), ledger.CodePayout))}
	case r < 68:
		s := tr(m.user(cur), m.order(cur), ledger.CodePayment)
		s.Phase = ledger.PhasePending
		if m.pick(2) == 0 {
			s.ExpiresAt = m.now().Add(time.Duration(1+m.pick(120)) * time.Minute)
		}
		return step{cmd: cmd(key, s)}
	case r < 78 && len(m.pendings) > 0:
		id := m.pendings[m.pick(len(m.pendings))]
		s := ledger.TransferSpec{Phase: ledger.PhaseVoidPending, PendingID: id}
		if m.pick(3) > 0 {
			s = ledger.TransferSpec{Phase: ledger.PhasePostPending, PendingID: id, Amount: int64(m.pick(3)) * m.amount() / 2}
		}
		return step{cmd: cmd(key, s)}
	case r < 86 && len(m.done) > 0:
		c := m.done[m.pick(len(m.done))]
		res := m.results[c.IdempotencyKey]
		return step{cmd: c, retryOf: &res}
	case r < 90 && len(m.done) > 0:
		c := m.done[m.pick(len(m.done))]
		// The same transfers with another reference: another body for sure.
		changed := ledger.Command{IdempotencyKey: c.IdempotencyKey, Transfers: slices.Clone(c.Transfers)}
		changed.Transfers[0].Reference += "-changed"
		return step{cmd: changed, want: apperr.KindAlreadyExists}
	case r < 93: // an overflow: a huge top-up of an account that already holds a lot
		big := wallet("whale", "USD")
		whale := ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: fmt.Sprintf("whale-%d", m.seq)}, Currency: "USD"}
		return step{cmd: cmd(key, posted(whale, big, math.MaxInt64/2+1))}
	default: // bad input
		bad := tr(provider(cur), m.user(cur), ledger.CodeTopUp)
		switch m.pick(3) {
		case 0:
			bad.Amount = -m.amount() + 1
		case 1:
			bad.Credit.Currency = invCurrencies[(currencyIndex(cur)+1)%len(invCurrencies)]
		default:
			bad.Currency, bad.Debit.Currency, bad.Credit.Currency = "ZZZ", "ZZZ", "ZZZ"
		}
		return step{cmd: cmd(key, bad), want: apperr.KindInvalid}
	}
}

func currencyIndex(cur string) int {
	for i, c := range invCurrencies {
		if c == cur {
			return i
		}
	}
	return 0
}

// TestLedgerInvariantRandomized runs ≥ 10,000 random commands (top-ups,
// payments, conversions, settlements, coupons, payouts, pending transfers
// posted, voided and expired, overdrafts, overflows, bad input, retries with
// the same key and the same or a changed body) against PostgreSQL, a few at
// a time from concurrent goroutines, and after every round checks the book:
// every currency sums to zero (posted and pending), no account breaks its
// flags, every balance is the sum of its transfers, and retries moved
// nothing. LEDGER_INVARIANT_SEED reproduces a run.
func TestLedgerInvariantRandomized(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LEDGER_INVARIANT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("LEDGER_INVARIANT_SEED: %v", err)
		}
	}
	t.Logf("seed %d (LEDGER_INVARIANT_SEED=%d reproduces the commands; concurrency may order them differently)", seed, seed)
	commands := 10_000
	if testing.Short() {
		commands = 1_000
	}
	// One batch at a time (the default), and several small batches at once
	// (LEDGER_BATCH_CONCURRENCY > 1), whose transactions meet on shared
	// accounts' row locks and idempotency keys.
	for _, tt := range []struct {
		name              string
		size, concurrency int
		commands          int
	}{
		{"one batch at a time", 0, 0, commands},
		{"four small batches at once", 3, 4, commands / 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runLedgerInvariant(t, seed, tt.commands, postgres.WithBatching(tt.size, tt.concurrency))
		})
	}
}

// runLedgerInvariant runs commands random commands, a round of up to twelve
// at once, on a ledger with opts, checking the book after every round.
func runLedgerInvariant(t *testing.T, seed uint64, commands int, opts ...postgres.LedgerOption) {
	l, clk, pool := newLedger(t, opts...)
	m := &invariantModel{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), results: map[string]ledger.Result{}, now: clk.Now}
	wantTransfers := 0
	for ran, round := 0, 0; ran < commands; round++ {
		if round%50 == 49 {
			clk.Advance(10 * time.Minute)
			n, err := l.ExpirePending(ctx, 1000)
			if err != nil {
				t.Fatalf("round %d: expire: %v", round, err)
			}
			wantTransfers += n
		}
		steps := make([]step, 1+m.pick(12))
		for i := range steps {
			steps[i] = m.next()
		}
		results := make([]ledger.Result, len(steps))
		errs := make([]error, len(steps))
		var wg sync.WaitGroup
		for i, s := range steps {
			wg.Go(func() { results[i], errs[i] = l.Execute(ctx, s.cmd) })
		}
		wg.Wait()
		ran += len(steps)
		for i, s := range steps {
			res, err := results[i], errs[i]
			where := fmt.Sprintf("round %d, command %s %+v", round, s.cmd.IdempotencyKey, s.cmd.Transfers)
			switch {
			case s.retryOf != nil:
				if err != nil || !res.Replayed || len(res.Transfers) != len(s.retryOf.Transfers) || res.Transfers[0].ID != s.retryOf.Transfers[0].ID {
					t.Fatalf("%s: a retry answered %+v, %v; first %+v", where, res, err, *s.retryOf)
				}
				continue
			case s.want != 0:
				if apperr.KindOf(err) != s.want {
					t.Fatalf("%s: err %v, want %v", where, err, s.want)
				}
				continue
			case err != nil:
				var e *apperr.Error
				if !errors.As(err, &e) || (e.Kind != apperr.KindFailedPrecondition && e.Kind != apperr.KindNotFound) {
					t.Fatalf("%s: unexpected error %v", where, err)
				}
				continue
			}
			if res.Replayed {
				t.Fatalf("%s: a fresh key replayed", where)
			}
			wantTransfers += len(res.Transfers)
			m.done = append(m.done, s.cmd)
			m.results[s.cmd.IdempotencyKey] = res
			for _, tr := range res.Transfers {
				if tr.Phase == ledger.PhasePending {
					m.pendings = append(m.pendings, tr.ID)
				}
			}
		}
		checkBook(t, pool, round, wantTransfers, round%25 == 0)
	}
	if len(m.done) < commands/4 {
		t.Errorf("only %d of %d commands succeeded: the generator refuses too much to test much", len(m.done), commands)
	}
}

// checkBook fails the test when the stored book breaks an invariant; deep
// also recomputes every balance from the transfers.
func checkBook(t *testing.T, pool *pgxpool.Pool, round, wantTransfers int, deep bool) {
	t.Helper()
	if n := count(t, pool, `SELECT count(*) FROM ledger_transfers`); n != wantTransfers {
		t.Fatalf("round %d: %d transfers stored, %d acknowledged: a retry or a refusal moved money", round, n, wantTransfers)
	}
	if n := count(t, pool, `SELECT count(*) FROM (SELECT currency FROM ledger_accounts GROUP BY currency
		HAVING sum(credits_posted) <> sum(debits_posted) OR sum(credits_pending) <> sum(debits_pending)) c`); n != 0 {
		t.Fatalf("round %d: %d currencies do not sum to zero", round, n)
	}
	if n := count(t, pool, `SELECT count(*) FROM ledger_accounts WHERE
		(flags & `+strconv.Itoa(int(ledger.FlagExternal))+`) = 0 AND (
		((flags & `+strconv.Itoa(int(ledger.FlagDebitsMustNotExceedCredits))+`) <> 0 AND debits_posted + debits_pending > credits_posted) OR
		((flags & `+strconv.Itoa(int(ledger.FlagCreditsMustNotExceedDebits))+`) <> 0 AND credits_posted + credits_pending > debits_posted))`); n != 0 {
		t.Fatalf("round %d: %d accounts break their flags", round, n)
	}
	if !deep {
		return
	}
	if n := count(t, pool, `WITH moves AS (
			SELECT debit_account AS account, amount AS dp, 0 AS cp, 0 AS dpe, 0 AS cpe FROM ledger_transfers WHERE phase IN ('posted', 'post_pending')
			UNION ALL SELECT credit_account, 0, amount, 0, 0 FROM ledger_transfers WHERE phase IN ('posted', 'post_pending')
			UNION ALL SELECT p.debit_account, 0, 0, p.amount, 0 FROM ledger_transfers p WHERE p.phase = 'pending'
				AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)
			UNION ALL SELECT p.credit_account, 0, 0, 0, p.amount FROM ledger_transfers p WHERE p.phase = 'pending'
				AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)),
		sums AS (SELECT account, sum(dp) dp, sum(cp) cp, sum(dpe) dpe, sum(cpe) cpe FROM moves GROUP BY account)
		SELECT count(*) FROM ledger_accounts a LEFT JOIN sums s ON s.account = a.id
		WHERE a.debits_posted <> coalesce(s.dp, 0) OR a.credits_posted <> coalesce(s.cp, 0)
		   OR a.debits_pending <> coalesce(s.dpe, 0) OR a.credits_pending <> coalesce(s.cpe, 0)`); n != 0 {
		t.Fatalf("round %d: %d accounts' balances are not the sum of their transfers", round, n)
	}
}

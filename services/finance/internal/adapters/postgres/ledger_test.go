package postgres_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

func newLedger(t testing.TB, opts ...postgres.LedgerOption) (*postgres.Ledger, *testkit.Clock, *pgxpool.Pool) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	c := testkit.NewClock(t0)
	return postgres.NewLedger(pool, append([]postgres.LedgerOption{postgres.WithLedgerClock(c.Now)}, opts...)...), c, pool
}

func wallet(user, cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: ledger.Owner{Type: ledger.OwnerUser, ID: user}, Currency: cur}
}

func provider(cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: cur}
}

func escrow(order, cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindEscrow, Owner: ledger.Owner{Type: ledger.OwnerOrder, ID: order}, Currency: cur}
}

func posted(debit, credit ledger.AccountRef, amount int64) ledger.TransferSpec {
	return ledger.TransferSpec{Debit: debit, Credit: credit, Amount: amount, Currency: debit.Currency, Code: ledger.CodeTopUp, Reference: "ref-1", Phase: ledger.PhasePosted}
}

func cmd(key string, specs ...ledger.TransferSpec) ledger.Command {
	return ledger.Command{IdempotencyKey: key, Transfers: specs}
}

func mustExec(t testing.TB, l *postgres.Ledger, c ledger.Command) ledger.Result {
	t.Helper()
	res, err := l.Execute(ctx, c)
	if err != nil {
		t.Fatalf("execute %s: %v", c.IdempotencyKey, err)
	}
	return res
}

func balanceOf(t testing.TB, l *postgres.Ledger, ref ledger.AccountRef) ledger.Balance {
	t.Helper()
	a, err := l.AccountByRef(ctx, ref)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return ledger.Balance{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

func count(t testing.TB, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLedgerTopUpAndPayment(t *testing.T) {
	l, _, _ := newLedger(t)
	top := mustExec(t, l, cmd("top-up-1", posted(provider("USD"), wallet("u1", "USD"), 10_000)))
	pay := posted(wallet("u1", "USD"), escrow("o1", "USD"), 2_500)
	pay.Code, pay.Reference = ledger.CodePayment, "order-1"
	res := mustExec(t, l, cmd("pay-1", pay))

	if res.Replayed || len(res.Transfers) != 1 || res.Transfers[0].Amount != 2_500 || res.Transfers[0].Phase != ledger.PhasePosted {
		t.Fatalf("result = %+v", res)
	}
	w, err := l.AccountByRef(ctx, wallet("u1", "USD"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Balance.Net() != 7_500 || w.Flags != ledger.FlagDebitsMustNotExceedCredits {
		t.Errorf("wallet = %+v", w)
	}
	if got := res.Transfers[0].DebitBalance; got != w.Balance {
		t.Errorf("balance after payment on the transfer = %+v, account %+v", got, w.Balance)
	}
	p, err := l.AccountByRef(ctx, provider("USD"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Balance.Net() != -10_000 || !p.Flags.Has(ledger.FlagExternal) {
		t.Errorf("provider = %+v", p)
	}
	got, err := l.Transfer(ctx, top.Transfers[0].ID)
	if err != nil || got.Amount != 10_000 || got.CreditAccount != w.ID || got.CommandID != top.CommandID {
		t.Errorf("Transfer = %+v, %v", got, err)
	}
	byRef, err := l.TransfersByReference(ctx, "order-1")
	if err != nil || len(byRef) != 1 || byRef[0].ID != res.Transfers[0].ID {
		t.Errorf("TransfersByReference = %+v, %v", byRef, err)
	}
	accts, err := l.AccountsOf(ctx, ledger.Owner{Type: ledger.OwnerUser, ID: "u1"}, ledger.KindBuyerWallet)
	if err != nil || len(accts) != 1 || accts[0].ID != w.ID {
		t.Errorf("AccountsOf = %+v, %v", accts, err)
	}
	lines, err := l.TrialBalance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var net int64
	for _, line := range lines {
		net += line.CreditsPosted - line.DebitsPosted
	}
	if len(lines) != 3 || net != 0 {
		t.Errorf("trial balance = %+v (net %d)", lines, net)
	}
}

func TestLedgerIdempotency(t *testing.T) {
	l, _, pool := newLedger(t)
	c := cmd("top-up-1", posted(provider("USD"), wallet("u1", "USD"), 10_000))
	first := mustExec(t, l, c)
	again := mustExec(t, l, c)
	if !again.Replayed || again.CommandID != first.CommandID || len(again.Transfers) != 1 || again.Transfers[0].ID != first.Transfers[0].ID {
		t.Errorf("replay = %+v, first %+v", again, first)
	}
	if again.Transfers[0].CreatedAt != first.Transfers[0].CreatedAt || again.Transfers[0].DebitBalance != first.Transfers[0].DebitBalance {
		t.Errorf("replayed transfer %+v differs from first %+v", again.Transfers[0], first.Transfers[0])
	}
	if b := balanceOf(t, l, wallet("u1", "USD")); b.Net() != 10_000 {
		t.Errorf("a retry moved money: wallet %+v", b)
	}
	_, err := l.Execute(ctx, cmd("top-up-1", posted(provider("USD"), wallet("u1", "USD"), 10_001)))
	if apperr.KindOf(err) != apperr.KindAlreadyExists || !errors.Is(err, ledger.ErrIdempotencyKeyReused) || !strings.Contains(err.Error(), `"top-up-1"`) {
		t.Errorf("same key, other body: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM ledger_transfers`); n != 1 {
		t.Errorf("%d transfers, want 1", n)
	}
}

func TestLedgerConcurrentRetriesMoveOnce(t *testing.T) {
	l, _, pool := newLedger(t)
	c := cmd("top-up-1", posted(provider("USD"), wallet("u1", "USD"), 10_000))
	var wg sync.WaitGroup
	results := make([]ledger.Result, 20)
	errs := make([]error, len(results))
	for i := range results {
		wg.Go(func() { results[i], errs[i] = l.Execute(ctx, c) })
	}
	wg.Wait()
	fresh := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !r.Replayed {
			fresh++
		}
		if r.Transfers[0].ID != results[0].Transfers[0].ID {
			t.Errorf("call %d got transfer %s, call 0 %s", i, r.Transfers[0].ID, results[0].Transfers[0].ID)
		}
	}
	if fresh != 1 || count(t, pool, `SELECT count(*) FROM ledger_transfers`) != 1 {
		t.Errorf("%d fresh executions, want 1", fresh)
	}
}

func TestLedgerRefusalsMoveNothing(t *testing.T) {
	max := posted(provider("USD"), wallet("rich", "USD"), math.MaxInt64)
	cases := []struct {
		name     string
		setup    []ledger.Command
		cmd      ledger.Command
		kind     apperr.Kind
		is       error
		contains string
	}{
		{
			name:     "insufficient funds names the shortfall",
			setup:    []ledger.Command{cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000))},
			cmd:      cmd("k", posted(wallet("u1", "USD"), escrow("o1", "USD"), 2_234)),
			kind:     apperr.KindFailedPrecondition,
			is:       ledger.ErrInsufficientFunds,
			contains: "short by 12.34 USD",
		},
		{
			name:  "a later transfer of the command refused undoes the earlier",
			setup: []ledger.Command{cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000))},
			cmd: cmd("k", posted(wallet("u1", "USD"), escrow("o1", "USD"), 600),
				posted(wallet("u1", "USD"), escrow("o2", "USD"), 600)),
			kind:     apperr.KindFailedPrecondition,
			is:       ledger.ErrInsufficientFunds,
			contains: "transfers[1]: insufficient funds",
		},
		{
			name:  "balance overflow",
			setup: []ledger.Command{cmd("s1", max)},
			cmd:   cmd("k", posted(provider("USD"), wallet("rich", "USD"), 1)),
			kind:  apperr.KindFailedPrecondition,
			is:    ledger.ErrBalanceOverflow,
		},
		{
			name: "mismatched currency",
			cmd: cmd("k", ledger.TransferSpec{Debit: provider("USD"), Credit: wallet("u1", "EUR"), Amount: 5, Currency: "USD",
				Code: ledger.CodeTopUp, Phase: ledger.PhasePosted}),
			kind:     apperr.KindInvalid,
			contains: "transfers[0].credit.currency",
		},
		{
			name:     "unknown currency",
			cmd:      cmd("k", posted(provider("ABC"), wallet("u1", "ABC"), 5)),
			kind:     apperr.KindInvalid,
			contains: "transfers[0].currency",
		},
		{
			name:     "zero amount",
			cmd:      cmd("k", posted(provider("USD"), wallet("u1", "USD"), 0)),
			kind:     apperr.KindInvalid,
			contains: "transfers[0].amount",
		},
		{
			name:     "negative amount",
			cmd:      cmd("k", posted(provider("USD"), wallet("u1", "USD"), -5)),
			kind:     apperr.KindInvalid,
			contains: "transfers[0].amount",
		},
		{
			name:  "unknown pending transfer",
			setup: []ledger.Command{cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000))},
			cmd:   cmd("k", ledger.TransferSpec{Phase: ledger.PhaseVoidPending, PendingID: "0190a000-0000-7000-8000-000000000000"}),
			kind:  apperr.KindNotFound,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _, pool := newLedger(t)
			for _, c := range tc.setup {
				mustExec(t, l, c)
			}
			transfers := count(t, pool, `SELECT count(*) FROM ledger_transfers`)
			before := balanceOf(t, l, wallet("u1", "USD"))
			_, err := l.Execute(ctx, tc.cmd)
			if apperr.KindOf(err) != tc.kind || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("err = %v, want kind %v containing %q", err, tc.kind, tc.contains)
			}
			if got := count(t, pool, `SELECT count(*) FROM ledger_transfers`); got != transfers {
				t.Errorf("%d transfers after a refusal, want %d", got, transfers)
			}
			if after := balanceOf(t, l, wallet("u1", "USD")); after != before {
				t.Errorf("wallet %+v after a refusal, was %+v", after, before)
			}
			if n := count(t, pool, `SELECT count(*) FROM ledger_commands WHERE idempotency_key = 'k'`); n != 0 {
				t.Errorf("a refused command kept its key")
			}
		})
	}
}

func TestLedgerInsufficientFundsDetail(t *testing.T) {
	l, _, _ := newLedger(t)
	mustExec(t, l, cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000)))
	_, err := l.Execute(ctx, cmd("k", posted(wallet("u1", "USD"), escrow("o1", "USD"), 2_234)))
	var e *apperr.Error
	if !errors.As(err, &e) || e.Metadata[ledger.MetadataShortfall] != "1234" || e.Metadata[ledger.MetadataCurrency] != "USD" {
		t.Errorf("err = %#v", err)
	}
}

func TestLedgerClosedAccount(t *testing.T) {
	l, _, _ := newLedger(t)
	res := mustExec(t, l, cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000)))
	walletID := res.Transfers[0].CreditAccount
	if _, err := l.CloseAccount(ctx, walletID); !errors.Is(err, ledger.ErrAccountNotEmpty) {
		t.Fatalf("closing a funded wallet: %v", err)
	}
	mustExec(t, l, cmd("s2", posted(wallet("u1", "USD"), provider("USD"), 1_000)))
	a, err := l.CloseAccount(ctx, walletID)
	if err != nil || !a.Closed() {
		t.Fatalf("close = %+v, %v", a, err)
	}
	again, err := l.CloseAccount(ctx, walletID)
	if err != nil || !again.ClosedAt.Equal(a.ClosedAt) {
		t.Errorf("closing again = %+v, %v", again, err)
	}
	_, err = l.Execute(ctx, cmd("s3", posted(provider("USD"), wallet("u1", "USD"), 5)))
	if !errors.Is(err, ledger.ErrAccountClosed) || !strings.Contains(err.Error(), walletID) {
		t.Errorf("transfer to a closed account: %v", err)
	}
	if _, err := l.CloseAccount(ctx, "0190a000-0000-7000-8000-000000000000"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("close unknown: %v", err)
	}
}

func TestLedgerEventsCommitWithTheCommand(t *testing.T) {
	l, _, pool := newLedger(t)
	ev := outbox.Message{Subject: "finance.payment.captured", Payload: &financev1.PaymentCaptured{}}
	if _, err := l.Execute(ctx, cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000)), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Execute(ctx, cmd("s1", posted(provider("USD"), wallet("u1", "USD"), 1_000)), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Execute(ctx, cmd("s2", posted(wallet("u1", "USD"), escrow("o1", "USD"), 5_000)), ev); err == nil {
		t.Fatal("overdraft accepted")
	}
	if n := count(t, pool, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("%d outbox rows, want 1: a replay or a refusal wrote events", n)
	}
}

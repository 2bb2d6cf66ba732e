package postgres_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

func pending(debit, credit ledger.AccountRef, amount int64, expires time.Time) ledger.TransferSpec {
	s := posted(debit, credit, amount)
	s.Phase, s.ExpiresAt, s.Code = ledger.PhasePending, expires, ledger.CodePayment
	return s
}

func post(id string, amount int64) ledger.TransferSpec {
	return ledger.TransferSpec{Phase: ledger.PhasePostPending, PendingID: id, Amount: amount}
}

func void(id string) ledger.TransferSpec {
	return ledger.TransferSpec{Phase: ledger.PhaseVoidPending, PendingID: id}
}

func TestLedgerTwoPhase(t *testing.T) {
	l, clk, _ := newLedger(t)
	mustExec(t, l, cmd("fund", posted(provider("USD"), wallet("u1", "USD"), 1_000)))
	hold := mustExec(t, l, cmd("hold", pending(wallet("u1", "USD"), escrow("o1", "USD"), 700, t0.Add(time.Hour)))).Transfers[0]
	if b := balanceOf(t, l, wallet("u1", "USD")); b.DebitsPending != 700 || b.Available() != 300 || b.Net() != 1_000 {
		t.Fatalf("wallet after hold = %+v", b)
	}
	// The reservation counts against the limit.
	if _, err := l.Execute(ctx, cmd("over", posted(wallet("u1", "USD"), escrow("o2", "USD"), 301))); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("spending reserved money: %v", err)
	}
	if _, err := l.Execute(ctx, cmd("too-much", post(hold.ID, 701))); !errors.Is(err, ledger.ErrPostExceedsPending) {
		t.Fatalf("posting more than reserved: %v", err)
	}
	p := mustExec(t, l, cmd("post", post(hold.ID, 400))).Transfers[0]
	if p.Amount != 400 || p.PendingID != hold.ID || p.DebitAccount != hold.DebitAccount || p.Code != ledger.CodePayment || p.Reference != hold.Reference {
		t.Errorf("post = %+v", p)
	}
	if b := balanceOf(t, l, wallet("u1", "USD")); b.DebitsPending != 0 || b.Net() != 600 {
		t.Errorf("wallet after a partial post = %+v (the rest is released)", b)
	}
	if b := balanceOf(t, l, escrow("o1", "USD")); b.CreditsPending != 0 || b.Net() != 400 {
		t.Errorf("escrow after a partial post = %+v", b)
	}
	for _, s := range []ledger.TransferSpec{post(hold.ID, 0), void(hold.ID)} {
		if _, err := l.Execute(ctx, cmd("again-"+string(s.Phase), s)); !errors.Is(err, ledger.ErrPendingResolved) {
			t.Errorf("%s of a posted pending transfer: %v", s.Phase, err)
		}
	}
	if _, err := l.Execute(ctx, cmd("not-pending", void(p.ID))); !errors.Is(err, ledger.ErrNotPending) {
		t.Errorf("void of a post: %v", err)
	}

	// A void releases everything; expiry stops a post.
	h2 := mustExec(t, l, cmd("hold2", pending(wallet("u1", "USD"), escrow("o1", "USD"), 100, time.Time{}))).Transfers[0]
	mustExec(t, l, cmd("void2", void(h2.ID)))
	h3 := mustExec(t, l, cmd("hold3", pending(wallet("u1", "USD"), escrow("o1", "USD"), 200, t0.Add(time.Minute)))).Transfers[0]
	if b := balanceOf(t, l, wallet("u1", "USD")); b.DebitsPending != 200 || b.Net() != 600 {
		t.Errorf("wallet = %+v", b)
	}
	clk.Advance(time.Minute)
	if _, err := l.Execute(ctx, cmd("late", post(h3.ID, 0))); !errors.Is(err, ledger.ErrPendingExpired) {
		t.Errorf("posting an expired transfer: %v", err)
	}
	n, err := l.ExpirePending(ctx, 10)
	if err != nil || n != 1 {
		t.Fatalf("ExpirePending = %d, %v", n, err)
	}
	if n, err := l.ExpirePending(ctx, 10); err != nil || n != 0 {
		t.Errorf("second sweep = %d, %v", n, err)
	}
	if b := balanceOf(t, l, wallet("u1", "USD")); b.DebitsPending != 0 || b.Net() != 600 {
		t.Errorf("wallet after expiry = %+v", b)
	}
	if b := balanceOf(t, l, escrow("o1", "USD")); b.CreditsPending != 0 || b.Net() != 400 {
		t.Errorf("escrow after expiry = %+v", b)
	}
}

func TestPendingResolvesExactlyOnce(t *testing.T) {
	l, _, pool := newLedger(t)
	mustExec(t, l, cmd("fund", posted(provider("USD"), wallet("u1", "USD"), 1_000)))
	hold := mustExec(t, l, cmd("hold", pending(wallet("u1", "USD"), escrow("o1", "USD"), 700, time.Time{}))).Transfers[0]
	const callers = 100
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		spec := post(hold.ID, 0)
		if i%2 == 1 {
			spec = void(hold.ID)
		}
		wg.Go(func() { _, errs[i] = l.Execute(ctx, cmd(fmt.Sprintf("resolve-%d", i), spec)) })
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ledger.ErrPendingResolved):
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d callers completed the pending transfer, want exactly 1", wins)
	}
	if n := count(t, pool, `SELECT count(*) FROM ledger_transfers WHERE pending_id IS NOT NULL`); n != 1 {
		t.Errorf("%d resolutions stored", n)
	}
	w, e := balanceOf(t, l, wallet("u1", "USD")), balanceOf(t, l, escrow("o1", "USD"))
	if w.DebitsPending != 0 || e.CreditsPending != 0 || w.Net()+e.Net() != 1_000 {
		t.Errorf("wallet %+v escrow %+v", w, e)
	}
}

func TestLedgerBalanceAtAndStatement(t *testing.T) {
	l, clk, _ := newLedger(t)
	var ids []string
	for i := range 7 {
		clk.Advance(time.Minute)
		r := mustExec(t, l, cmd(fmt.Sprintf("t%d", i), posted(provider("USD"), wallet("u1", "USD"), int64(100*(i+1)))))
		ids = append(ids, r.Transfers[0].ID)
	}
	w, err := l.AccountByRef(ctx, wallet("u1", "USD"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		at   time.Time
		want int64
	}{
		{t0, 0},
		{t0.Add(time.Minute), 100},
		{t0.Add(90 * time.Second), 100},
		{t0.Add(3 * time.Minute), 600},
		{t0.Add(time.Hour), 2_800},
	}
	for _, tc := range cases {
		b, err := l.BalanceAt(ctx, w.ID, tc.at)
		if err != nil || b.Net() != tc.want {
			t.Errorf("BalanceAt(%s) = %+v, %v; want net %d", tc.at, b, err, tc.want)
		}
	}
	if _, err := l.BalanceAt(ctx, "0190a000-0000-7000-8000-000000000000", t0); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("BalanceAt of an unknown account: %v", err)
	}

	var got []string
	token := ""
	for page := 0; ; page++ {
		ts, next, err := l.Statement(ctx, w.ID, 3, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range ts {
			got = append(got, tr.ID)
		}
		if next == "" {
			break
		}
		if page > 5 {
			t.Fatal("statement does not end")
		}
		token = next
	}
	if len(got) != len(ids) {
		t.Fatalf("statement has %d transfers, want %d", len(got), len(ids))
	}
	for i := range got {
		if got[i] != ids[len(ids)-1-i] {
			t.Errorf("statement[%d] = %s, want %s (newest first)", i, got[i], ids[len(ids)-1-i])
		}
	}
	p, err := l.AccountByRef(ctx, provider("USD"))
	if err != nil {
		t.Fatal(err)
	}
	_, next, err := l.Statement(ctx, w.ID, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Statement(ctx, p.ID, 2, next); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("another account's page token: %v", err)
	}
}

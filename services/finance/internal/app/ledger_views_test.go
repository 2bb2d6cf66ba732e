package app_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestLedgerViews(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	l := postgres.NewLedger(pool, postgres.WithLedgerClock(func() time.Time { return t0 }))
	v := app.NewLedgerViews(l)
	walletRef := ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: ledger.Owner{Type: ledger.OwnerUser, ID: "buyer-1"}, Currency: "USD"}
	res, err := l.Execute(ctx, ledger.Command{IdempotencyKey: "top-up", Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: "USD"},
		Credit: walletRef, Amount: 1_000, Currency: "USD", Code: ledger.CodeTopUp, Phase: ledger.PhasePosted,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Transfers[0]
	calls := map[string]func(auth.Caller) error{
		"account": func(c auth.Caller) error { _, err := v.Account(ctx, c, tr.CreditAccount); return err },
		"lookup":  func(c auth.Caller) error { _, err := v.LookupAccount(ctx, c, walletRef); return err },
		"balance": func(c auth.Caller) error { _, err := v.BalanceAt(ctx, c, tr.CreditAccount, t0); return err },
		"statement": func(c auth.Caller) error {
			_, _, err := v.Statement(ctx, c, tr.CreditAccount, 0, "")
			return err
		},
		"transfer": func(c auth.Caller) error { _, err := v.Transfer(ctx, c, tr.ID); return err },
		"trial":    func(c auth.Caller) error { _, err := v.TrialBalance(ctx, c); return err },
	}
	for name, call := range calls {
		for _, tc := range []struct {
			who  string
			c    auth.Caller
			kind apperr.Kind
		}{
			{"admin", admin, apperr.KindUnknown},
			{"buyer", buyer, apperr.KindPermissionDenied},
			{"service", svcs, apperr.KindPermissionDenied},
		} {
			if err := call(tc.c); apperr.KindOf(err) != tc.kind || (tc.kind == apperr.KindUnknown && err != nil) {
				t.Errorf("%s by %s: %v", name, tc.who, err)
			}
		}
	}
	b, err := v.BalanceAt(ctx, admin, tr.CreditAccount, t0)
	if err != nil || b.Net() != 1_000 {
		t.Errorf("balance at t0 = %+v, %v", b, err)
	}
	_, err = v.LookupAccount(ctx, admin, ledger.AccountRef{Kind: "vault", Owner: ledger.Owner{Type: ledger.OwnerUser}, Currency: "usd"})
	if apperr.KindOf(err) != apperr.KindInvalid || len(err.(*apperr.Error).Violations) != 3 {
		t.Errorf("bad lookup: %v", err)
	}
	if _, err := v.BalanceAt(ctx, admin, tr.CreditAccount, time.Time{}); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("balance without an instant: %v", err)
	}
}

package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// walletsEnv is the wallet use cases over a fresh database with the
// postgres ledger, and the provider double.
type walletsEnv struct {
	w        *app.Wallets
	pool     *pgxpool.Pool
	ledger   app.Ledger
	provider *provider
}

func newWallets(t *testing.T) walletsEnv {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	l, p := postgres.NewLedger(pool, postgres.WithLedgerClock(func() time.Time { return t0 })), newProvider()
	w := app.NewWallets(postgres.NewWallets(postgres.New(pool)), l, p, app.WithWalletsClock(func() time.Time { return t0 }))
	return walletsEnv{w: w, pool: pool, ledger: l, provider: p}
}

func orgMember(role, orgRole string, org string) auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{role}, OrganizationID: org, OrganizationRole: orgRole}
}

// balance returns an account's net posted balance and its pending debits.
func (e walletsEnv) balance(t *testing.T, ref ledger.AccountRef) (net, pendingDebits int64) {
	t.Helper()
	a, err := e.ledger.AccountByRef(ctx, ref)
	if err != nil {
		return 0, 0
	}
	return a.Balance.Net(), a.Balance.DebitsPending
}

// assertBooksBalance checks that every currency nets to zero.
func (e walletsEnv) assertBooksBalance(t *testing.T) {
	t.Helper()
	lines, err := e.ledger.TrialBalance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]int64{}
	for _, l := range lines {
		sums[l.Currency] += l.CreditsPosted - l.DebitsPosted
	}
	for cur, s := range sums {
		if s != 0 {
			t.Errorf("trial balance in %s is %d, not zero", cur, s)
		}
	}
}

// count returns a count query's answer.
func (e walletsEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e walletsEnv) outboxCount(t *testing.T, subject string) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM outbox WHERE subject = $1`, subject)
}

func walletRef(user, currency string) ledger.AccountRef {
	return ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: ledger.Owner{Type: ledger.OwnerUser, ID: user}, Currency: currency}
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// Payouts not yet sent to the provider are failing steps, counted from
// their request; a sent one waiting for the provider's result, or a
// finished one, is not.
func TestUnsentPayoutsAreFailingSteps(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	wallets := postgres.NewWallets(postgres.New(pool))
	if got := testkit.FailingSteps(t, wallets.FailingPayouts); len(got) != 0 {
		t.Fatalf("failing payouts of none = %+v", got)
	}
	payout := func(state string, age time.Duration) {
		t.Helper()
		at, id := time.Now().Add(-age), uuid.New()
		if _, err := pool.Exec(context.Background(), `INSERT INTO payouts (id, organization_id, created_by, idempotency_key, amount, currency,
			destination, state, created_at, updated_at) VALUES ($1, 'org', 'admin', $2, 100, 'EUR', 'iban', $3, $4, $4)`,
			id, id.String(), state, at); err != nil {
			t.Fatal(err)
		}
	}
	payout("requested", time.Hour)
	payout("reserved", time.Minute)
	payout("sent", 48*time.Hour)
	payout("paid", 72*time.Hour)
	got := testkit.FailingSteps(t, wallets.FailingPayouts)
	if got["unsent"].Count != 2 || got["unsent"].Longest < 59*time.Minute || got["unsent"].Longest > 2*time.Hour || len(got) != 1 {
		t.Fatalf("failing payouts = %+v; want the two unsent, the oldest an hour", got)
	}
}

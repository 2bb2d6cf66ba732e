package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// Migration 00014 moves the commission rates stored under an organization
// id spelt otherwise (capitals, spaces, braces, no hyphens, a urn:uuid:
// prefix) to its canonical id, which settlement looks up; where one is
// stored under two spellings, the one set last stays. A key that is no UUID
// is left as it is.
func TestCommissionRatesMoveToTheCanonicalID(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "finance", migrations.FS, "00014"))
	typed, both, braced, bare := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	at := time.Now().UTC()
	for _, r := range []struct {
		org string
		bps int64
		at  time.Time
	}{
		{" " + strings.ToUpper(typed) + " ", 700, at},
		{both, 300, at.Add(-time.Hour)},
		{strings.ToUpper(both), 900, at},
		{"org-1", 100, at},
		{"{" + braced + "}", 400, at},
		{"urn:uuid:" + strings.ReplaceAll(strings.ToUpper(bare), "-", ""), 500, at},
	} {
		if _, err := pool.Exec(ctx, `INSERT INTO commission_rates (supplier_org_id, bps, set_by, set_at) VALUES ($1, $2, 'admin', $3)`,
			r.org, r.bps, r.at); err != nil {
			t.Fatal(err)
		}
	}
	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(pool)
	for org, want := range map[string]int64{typed: 700, both: 900, "org-1": 100, braced: 400, bare: 500} {
		bps, ok, err := store.CommissionBps(ctx, org)
		if err != nil || !ok || bps != want {
			t.Errorf("%s: %d (found %v), %v; want %d", org, bps, ok, err, want)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM commission_rates`).Scan(&n); err != nil || n != 5 {
		t.Errorf("%d rates stored, %v; want 5", n, err)
	}
}

package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// A ledger started on an empty database keeps reaching its accounts through
// their indexes once thousands are open: the batch's lock and balance writes
// are planned with the lists they are given, not once per connection while
// the ledger held a few accounts (plans that scan every account for each
// batch until an ANALYZE happens to replace them).
func TestBatchesUseIndexesAsTheLedgerGrows(t *testing.T) {
	db := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	// Statistics of an empty ledger, as a new database's first ANALYZE
	// leaves them.
	if _, err := db.Exec(ctx, `ANALYZE ledger_accounts`); err != nil {
		t.Fatal(err)
	}
	cfg := db.Config()
	cfg.MaxConns = 1 // every batch on the one connection, where a plan would be cached
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	l := postgres.NewLedger(pool)
	topUps := func(from, n int) {
		for i := from; i < from+n; i++ {
			mustExec(t, l, cmd(fmt.Sprintf("top-up-%d", i), posted(provider("USD"), wallet(fmt.Sprintf("u%d", i), "USD"), 100)))
		}
	}
	// More batches than the five after which PostgreSQL may settle on a
	// cached generic plan.
	topUps(0, 8)
	if _, err := db.Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, currency, flags, created_at)
		SELECT gen_random_uuid(), 'buyer_wallet', 'user', 'grown-' || i, 'USD', 0, now() FROM generate_series(1, 20000) i`); err != nil {
		t.Fatal(err)
	}
	scans := func() (seq, idx int64) { return testkit.TableScans(t, db, "ledger_accounts") }
	// A backend sends its scan counts at the end of a transaction at most
	// once a second: a batch a second after the small ledger's last one
	// sends those, and the count starts after it.
	time.Sleep(1100 * time.Millisecond)
	topUps(50, 1)
	seq0, idx0 := scans()
	const batches = 10
	topUps(100, batches)
	// One more batch a second later sends the ten batches' counts; each
	// read its accounts twice (before and after opening the wallet) and
	// wrote their balances.
	time.Sleep(1100 * time.Millisecond)
	topUps(200, 1)
	seq, idx := scans()
	if seq-seq0+idx-idx0 < 2*batches {
		t.Fatalf("the ledger's scans were not reported: %d sequential, %d index", seq-seq0, idx-idx0)
	}
	if seq-seq0 >= batches/2 {
		t.Fatalf("%d sequential scans of 20,000 accounts over %d batches: the batches kept plans made for an empty ledger", seq-seq0, batches)
	}
}

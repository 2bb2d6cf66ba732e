package pg_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var serviceMigrations = fstest.MapFS{
	"00001_things.sql": {Data: []byte("-- +goose Up\nCREATE TABLE things (id int PRIMARY KEY, n int NOT NULL);\n-- +goose Down\nDROP TABLE things;\n")},
}

func TestMigrateConcurrentReplicasMigrateOnce(t *testing.T) {
	// An empty database, as a freshly provisioned service has.
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-empty"})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DROP TABLE outbox, inbox, crossdock_kit_db_version`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = pg.Migrate(ctx, pool, serviceMigrations) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent migrate: %v", err)
	}
	for _, table := range []string{"outbox", "inbox", "things"} {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing after migrate (err %v)", table, err)
		}
	}
	var applied int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id = 1`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 1 {
		t.Errorf("service migration 1 recorded %d times", applied)
	}
	// Running again is a no-op.
	if err := pg.Migrate(ctx, pool, serviceMigrations); err != nil {
		t.Fatal(err)
	}
}

func TestInTxRetriesSerializationFailures(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO things VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	// Serializable read-modify-write increments from many goroutines: without
	// retries some would fail with 40001; with them every increment lands.
	const workers, each = 8, 10
	var attempts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- increment(ctx, pool, &attempts)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("increment: %v", err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT n FROM things WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != workers*each {
		t.Errorf("n = %d, want %d", n, workers*each)
	}
	if attempts.Load() <= workers*each {
		t.Logf("no serialization conflict happened (%d attempts); the retry path was not exercised", attempts.Load())
	}
}

func increment(ctx context.Context, pool *pgxpool.Pool, attempts *atomic.Int64) error {
	return pg.InTxWith(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		attempts.Add(1)
		var n int
		if err := tx.QueryRow(ctx, `SELECT n FROM things WHERE id = 1`).Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE things SET n = $1 WHERE id = 1`, n+1)
		return err
	})
}

func TestIsRetryable(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	_, err := pool.Exec(context.Background(), `DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$`)
	if !pg.IsRetryable(err) {
		t.Errorf("40001 not retryable: %v", err)
	}
	_, err = pool.Exec(context.Background(), `INSERT INTO things VALUES (7, 1), (7, 2)`)
	if pg.IsRetryable(err) || !pg.IsUniqueViolation(err, "things_pkey") || pg.IsUniqueViolation(err, "other") {
		t.Errorf("unique violation misclassified: %v", err)
	}
}

package pg_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// A migration that cannot get its table's lock (a long query holds it)
// fails after MigrationLockTimeout instead of waiting, with every later
// query of the table queued behind it; once the table is free it applies.
func TestMigrationGivesUpOnABusyTable(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-busy", FS: serviceMigrations})
	ctx := context.Background()
	shortMigrationLocks(t)
	next := fstest.MapFS{
		"00001_things.sql": serviceMigrations["00001_things.sql"],
		"00002_more.sql":   {Data: []byte("-- +goose Up\nALTER TABLE things ADD COLUMN m int;\n-- +goose Down\nALTER TABLE things DROP COLUMN m;\n")},
	}
	reading, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reading.Rollback(ctx) }()
	if _, err := reading.Exec(ctx, `SELECT count(*) FROM things`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pg.Migrate(ctx, pool, next) }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the migration still waits for the table a query holds")
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
		t.Fatalf("migrating a table a query holds: %v, want lock_not_available", err)
	}
	if err := reading.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx, pool, next); err != nil {
		t.Fatalf("the table free: %v", err)
	}
	var timeout string
	if err := pool.QueryRow(ctx, `SHOW lock_timeout`).Scan(&timeout); err != nil || timeout != "0" {
		t.Errorf("the service's own connections wait %q for locks (%v), want them left as they were", timeout, err)
	}
}

// An index built concurrently in a migration without a transaction (the
// pattern ADR 0004 gives, lock_timeout lifted for the build) waits for a
// transaction writing its table for as long as that takes, rather than
// failing at MigrationLockTimeout and building again from the start at
// every retry; it applies once the writer ends, and the index is valid.
func TestAConcurrentIndexMigrationWaitsForOlderWriters(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-concurrent-index", FS: serviceMigrations})
	ctx := context.Background()
	shortMigrationLocks(t)
	next := fstest.MapFS{
		"00001_things.sql": serviceMigrations["00001_things.sql"],
		"00002_things_index.sql": {Data: []byte(`-- +goose NO TRANSACTION
-- +goose Up
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS things_by_n;
CREATE INDEX CONCURRENTLY things_by_n ON things (n);
RESET lock_timeout;
-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS things_by_n;
`)},
	}
	writing, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = writing.Rollback(ctx) }()
	if _, err := writing.Exec(ctx, `INSERT INTO things VALUES (7, 0)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pg.Migrate(ctx, pool, next) }()
	select {
	case err := <-done:
		t.Fatalf("the concurrent build ended (%v) while an older writer was open, want it waiting", err)
	case <-time.After(5 * pg.MigrationLockTimeout):
	}
	if err := writing.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the concurrent build once the writer ended: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the concurrent build still waits after the writer ended")
	}
	var valid bool
	if err := pool.QueryRow(ctx, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'things_by_n'::regclass`).Scan(&valid); err != nil || !valid {
		t.Errorf("the index is valid %v (%v), want a valid index", valid, err)
	}
}

func TestInTxRetriesSerializationFailures(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := pool.Exec(ctx, `INSERT INTO things VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	// Serializable read-modify-write increments from many goroutines on one
	// row: many attempts lose with 40001, and every increment must still land,
	// however many times it has to be retried.
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
	t.Logf("%d increments took %d attempts", workers*each, attempts.Load())
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

// raise makes the database fail the transaction with the given SQLSTATE, as a
// lost serialization race or a deadlock would.
func raise(ctx context.Context, tx pgx.Tx, code string) error {
	_, err := tx.Exec(ctx, `SELECT crossdock_test_raise($1)`, code)
	return err
}

// raiseFunction creates crossdock_test_raise(code), which raises an error
// with that SQLSTATE.
func raiseFunction(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `CREATE FUNCTION crossdock_test_raise(code text) RETURNS void
		LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = code; END $$`); err != nil {
		t.Fatal(err)
	}
}

func TestInTxRetryPolicy(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	raiseFunction(t, pool)
	cases := []struct {
		name     string
		code     string // the SQLSTATE of the injected failures
		failures int    // how many attempts fail before one succeeds
		budget   time.Duration
		// wantAttempts is how many times fn runs; wantCode the SQLSTATE the caller sees ("" for success).
		wantAttempts int
		wantCode     string
	}{
		{"serialization failures are retried past any fixed count", "40001", 12, time.Minute, 13, ""},
		{"deadlocks are retried", "40P01", 3, time.Minute, 4, ""},
		{"a unique violation is not retried", "23505", 12, time.Minute, 1, "23505"},
		{"a check violation is not retried", "23514", 12, time.Minute, 1, "23514"},
		{"the budget ends the retries", "40001", 1 << 30, time.Second, -1, "40001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			attempts := 0
			err := pg.InTxRetrying(ctx, pool, pgx.TxOptions{}, tc.budget, func(tx pgx.Tx) error {
				attempts++
				if attempts <= tc.failures {
					return raise(ctx, tx, tc.code)
				}
				return nil
			})
			var pgErr *pgconn.PgError
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tc.wantCode != "" && (!errors.As(err, &pgErr) || pgErr.Code != tc.wantCode):
				t.Fatalf("err = %v, want SQLSTATE %s", err, tc.wantCode)
			}
			if tc.wantAttempts >= 0 && attempts != tc.wantAttempts {
				t.Errorf("fn ran %d times, want %d", attempts, tc.wantAttempts)
			}
			if tc.wantAttempts < 0 && attempts < 2 {
				t.Errorf("fn ran %d times, want retries within the budget", attempts)
			}
		})
	}
}

func TestInTxStopsRetryingWhenTheContextEnds(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	raiseFunction(t, pool)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const cancelAfter = 3
	attempts := 0
	err := pg.InTxRetrying(ctx, pool, pgx.TxOptions{}, 0, func(tx pgx.Tx) error {
		attempts++
		err := raise(ctx, tx, "40001")
		if attempts == cancelAfter {
			cancel()
		}
		return err
	})
	if !errors.Is(err, context.Canceled) || !pg.IsRetryable(err) {
		t.Errorf("err = %v, want the serialization failure joined with context.Canceled", err)
	}
	if attempts != cancelAfter {
		t.Errorf("fn ran %d times, want %d: retries go on after the context ended", attempts, cancelAfter)
	}
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

// DATABASE_MAX_CONNS caps the pool; zero keeps pgx's default, and a pool too
// small for the relay, a consumer and a request is refused.
func TestPoolSize(t *testing.T) {
	tests := []struct {
		name    string
		cfg     pg.Config
		want    int32
		invalid bool
	}{
		{"configured", pg.Config{URL: "postgres://u@127.0.0.1:1/db", MaxConns: 7}, 7, false},
		{"too small", pg.Config{URL: "postgres://u@127.0.0.1:1/db", MaxConns: 2}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err != nil) != tt.invalid {
				t.Errorf("Validate = %v, want invalid %v", err, tt.invalid)
			}
			pool, err := pg.NewPool(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			if got := pool.Config().MaxConns; got != tt.want {
				t.Errorf("MaxConns = %d, want %d", got, tt.want)
			}
		})
	}
	if _, err := pg.NewPool(context.Background(), pg.Config{URL: "postgres://u:secret@[bad"}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: %v, want an error without the password", err)
	}
}

// shortMigrationLocks makes migrations give up on a lock after 200 ms for
// the rest of the test, so a test of the bound does not wait the real 3 s.
func shortMigrationLocks(t *testing.T) {
	t.Helper()
	was := pg.MigrationLockTimeout
	pg.MigrationLockTimeout = 200 * time.Millisecond
	t.Cleanup(func() { pg.MigrationLockTimeout = was })
}

// A statement whose context ends is cancelled at the server, and its
// transaction's locks go with it: a caller retrying after its deadline finds
// the row free. The inbox's ack-wait bound and every request deadline rely
// on it: the pool closes such a connection and pgx sends the server a cancel
// request as it does; a pool that only closed the socket would leave the
// server running the statement to its end (here half a minute), holding the
// row, every retry waiting behind it.
func TestAStatementWhoseContextEndsIsCancelledAtTheServer(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := pgx.BeginFunc(short, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(short, `INSERT INTO things VALUES (1, 1)`); err != nil {
			return err
		}
		_, err := tx.Exec(short, `SELECT pg_sleep(30)`)
		return err
	})
	if err == nil {
		t.Fatal("the statement outlived its context")
	}
	retry, cancelRetry := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelRetry()

	if _, err := pool.Exec(retry, `INSERT INTO things VALUES (1, 2)`); err != nil {
		t.Fatalf("the retry, behind the cancelled transaction: %v", err)
	}
}

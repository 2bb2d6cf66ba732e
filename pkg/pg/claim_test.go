package pg_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
)

var keyMigrations = fstest.MapFS{
	"00001_keys.sql": {Data: []byte("-- +goose Up\nCREATE TABLE keys (key text PRIMARY KEY, result text NOT NULL);\n-- +goose Down\nDROP TABLE keys;\n")},
}

// The first claim of a key inserts it; a later one reads what the first
// recorded; one racing an uncommitted first waits for it and then reads
// its result, or claims the key itself when the first rolled back.
func TestClaim(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-keys", FS: keyMigrations})
	claim := func(q pg.Querier, key, result string) (bool, string, error) {
		var stored string
		claimed, err := pg.Claim(ctx, q, `INSERT INTO keys (key, result) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, []any{key, result},
			`SELECT result FROM keys WHERE key = $1`, []any{key}, &stored)
		return claimed, stored, err
	}
	if claimed, _, err := claim(pool, "k1", "first"); err != nil || !claimed {
		t.Fatalf("first claim = %v, %v", claimed, err)
	}
	if claimed, stored, err := claim(pool, "k1", "second"); err != nil || claimed || stored != "first" {
		t.Fatalf("second claim = %v %q, %v; want the first's result", claimed, stored, err)
	}

	for _, commit := range []bool{true, false} {
		key := map[bool]string{true: "k2", false: "k3"}[commit]
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if claimed, _, err := claim(tx, key, "first"); err != nil || !claimed {
			t.Fatalf("claim in a transaction = %v, %v", claimed, err)
		}
		type answer struct {
			claimed bool
			stored  string
			err     error
		}
		racing := make(chan answer, 1)
		go func() {
			claimed, stored, err := claim(pool, key, "racing")
			racing <- answer{claimed, stored, err}
		}()
		testkit.AwaitLockWaiter(t, pool)
		select {
		case a := <-racing:
			t.Fatalf("a racing claim answered %+v before the first committed", a)
		default:
		}
		end := tx.Commit
		if !commit {
			end = func(ctx context.Context) error { return tx.Rollback(ctx) }
		}
		if err := end(ctx); err != nil && err != pgx.ErrTxClosed {
			t.Fatal(err)
		}
		a := <-racing
		switch {
		case a.err != nil:
			t.Fatal(a.err)
		case commit && (a.claimed || a.stored != "first"):
			t.Errorf("racing a committed claim = %+v, want the first's result", a)
		case !commit && !a.claimed:
			t.Errorf("racing a rolled back claim = %+v, want it claimed", a)
		}
	}
}

// InsertOrRead answers the row it inserted, and for a key stored before the
// row the first use stored, unchanged.
func TestInsertOrRead(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-insert-or-read", FS: keyMigrations})
	store := func(key, result string) (string, bool, error) {
		return pg.InsertOrRead(ctx, pool, func(r pgx.Row) (string, error) {
			var s string
			return s, r.Scan(&s)
		}, `INSERT INTO keys (key, result) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING result`, []any{key, result},
			`SELECT result FROM keys WHERE key = $1`, key)
	}
	if got, inserted, err := store("k1", "first"); err != nil || !inserted || got != "first" {
		t.Fatalf("first = %q %v, %v", got, inserted, err)
	}
	if got, inserted, err := store("k1", "second"); err != nil || inserted || got != "first" {
		t.Fatalf("again = %q %v, %v; want the first's row", got, inserted, err)
	}
	if got, inserted, err := store("k2", "other"); err != nil || !inserted || got != "other" {
		t.Fatalf("another key = %q %v, %v", got, inserted, err)
	}
	if _, _, err := pg.InsertOrRead(ctx, pool, func(r pgx.Row) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `INSERT INTO missing (key) VALUES ($1) RETURNING key`, []any{"k"}, `SELECT 1`); err == nil {
		t.Fatal("an insert that fails = nil error")
	}
}

// QueryMap reads key and value columns into a map, and reports a query or
// scan that fails.
func TestQueryMap(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-query-map", FS: keyMigrations})
	if _, err := pool.Exec(ctx, `INSERT INTO keys (key, result) VALUES ('a', '1'), ('b', '2')`); err != nil {
		t.Fatal(err)
	}
	got, err := pg.QueryMap[string, string](ctx, pool, `SELECT key, result FROM keys`)
	if err != nil || len(got) != 2 || got["a"] != "1" || got["b"] != "2" {
		t.Fatalf("map = %v, %v", got, err)
	}
	if _, err := pg.QueryMap[string, int64](ctx, pool, `SELECT key, result FROM keys`); err == nil {
		t.Error("text scanned into an integer = nil error")
	}
	if _, err := pg.QueryMap[string, string](ctx, pool, `SELECT key FROM missing`); err == nil {
		t.Error("a query that fails = nil error")
	}
}

package pg_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// thing is the aggregate of the Update tests: one row of table things.
type thing struct{ ID, N int }

var things = pg.Repository[int, thing]{
	Lock: func(ctx context.Context, q pg.Querier, id int) (thing, error) {
		t := thing{ID: id}
		err := q.QueryRow(ctx, `SELECT n FROM things WHERE id = $1 FOR UPDATE`, id).Scan(&t.N)
		return t, pg.NoRows(err, apperr.NotFound("thing", "x"))
	},
	Save: func(ctx context.Context, q pg.Querier, t thing) error {
		tag, err := q.Exec(ctx, `UPDATE things SET n = $2 WHERE id = $1`, t.ID, t.N)
		return pg.Affected(tag, err, apperr.NotFound("thing", "x"))
	},
}

// incrementThing is a change that adds one and announces the new value.
func incrementThing(t *thing) ([]outbox.Message, error) {
	t.N++
	return outbox.Of("test.thing.incremented", wrapperspb.Int64(int64(t.N))), nil
}

func countOf(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRepositoryUpdate(t *testing.T) {
	refused := errors.New("refused")
	for _, tt := range []struct {
		name   string
		id     int
		change pg.Change[thing]
		inTx   bool // run in a caller's transaction that commits
		want   error
		n      int // the row's n afterwards
		events int // outbox rows afterwards
	}{
		{name: "applies, saves and emits on the pool", id: 1, change: incrementThing, n: 1, events: 1},
		{name: "joins the caller's transaction", id: 1, change: incrementThing, inTx: true, n: 1, events: 1},
		{name: "a refused change saves and emits nothing", id: 1, want: refused, change: func(t *thing) ([]outbox.Message, error) {
			t.N = 99
			return outbox.Of("test.thing.incremented", wrapperspb.Int64(99)), refused
		}},
		{name: "a missing aggregate is the domain's error", id: 2, change: incrementThing, want: apperr.NotFound("thing", "x")},
		{name: "no events is fine", id: 1, n: 5, change: func(t *thing) ([]outbox.Message, error) { t.N = 5; return nil, nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
			ctx := context.Background()
			if _, err := pool.Exec(ctx, `INSERT INTO things (id, n) VALUES (1, 0)`); err != nil {
				t.Fatal(err)
			}
			var got thing
			var err error
			if tt.inTx {
				err = pg.InTx(ctx, pool, func(tx pgx.Tx) error {
					got, err = things.Update(ctx, tx, tt.id, tt.change)
					return err
				})
			} else {
				got, err = things.Update(ctx, pool, tt.id, tt.change)
			}
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Update = %v, want %v", err, tt.want)
			}
			if err == nil && got.N != tt.n {
				t.Errorf("returned n = %d, want %d", got.N, tt.n)
			}
			if n := countOf(t, pool, `SELECT n FROM things WHERE id = 1`); n != tt.n {
				t.Errorf("stored n = %d, want %d", n, tt.n)
			}
			if n := countOf(t, pool, `SELECT count(*) FROM outbox`); n != tt.events {
				t.Errorf("%d outbox rows, want %d", n, tt.events)
			}
		})
	}
}

func TestRepositoryUpdateRollsBackWithTheCaller(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO things (id, n) VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	later := errors.New("a later step failed")
	err := pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := things.Update(ctx, tx, 1, incrementThing); err != nil {
			return err
		}
		return later
	})
	if !errors.Is(err, later) {
		t.Fatalf("InTx = %v", err)
	}
	if n := countOf(t, pool, `SELECT n + (SELECT count(*) FROM outbox) FROM things WHERE id = 1`); n != 0 {
		t.Fatal("the update or its event outlived the caller's rollback")
	}
}

// TestRepositoryUpdateSerializesWriters proves the lock: concurrent
// read-modify-writes of one row lose no update and emit one event each.
func TestRepositoryUpdateSerializesWriters(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-things", FS: serviceMigrations})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO things (id, n) VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = things.Update(ctx, pool, 1, incrementThing) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := countOf(t, pool, `SELECT n FROM things WHERE id = 1`); n != writers {
		t.Errorf("n = %d after %d increments", n, writers)
	}
	if n := countOf(t, pool, `SELECT count(DISTINCT payload) FROM outbox`); n != writers {
		t.Errorf("%d distinct events, want %d", n, writers)
	}
}

func TestRepositoryUpdateNeedsPoolOrTx(t *testing.T) {
	var q pg.Querier = fakeQuerier{}
	if _, err := things.Update(context.Background(), q, 1, incrementThing); err == nil {
		t.Fatal("Update accepted a querier that is neither a pool nor a transaction")
	}
}

// fakeQuerier is a Querier that is neither a pool nor a transaction.
type fakeQuerier struct{ pg.Querier }

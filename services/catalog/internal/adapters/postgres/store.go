// Package postgres is the catalog's PostgreSQL store: one file of SQL per
// aggregate, events written to the outbox in the command's transaction, the
// buyers' search projection kept in step with the products, and database
// constraint violations turned into domain errors.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// Store implements app.Store on a pgx pool: its own repository for reads,
// and pg.Store's InTx and WithTx for commands.
type Store struct {
	repo
	pg.Store[app.Repository]
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{repo: repo{q: pool}, Store: pg.NewStore(pool, func(q pg.Querier, tx pgx.Tx) app.Repository {
		return repo{q: q, tx: tx}
	})}
}

// repo runs the queries on a pool or, inside InTx, on a transaction.
type repo struct {
	q  pg.Querier
	tx pgx.Tx // nil outside a transaction
	// acceptTorn takes a product whose row names a revision its read did
	// not find as it is (untorn's last read, and reads under the row's
	// lock, which cannot tear).
	acceptTorn bool
}

// Emit writes the event to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, subject string, event proto.Message) error {
	return outbox.Emit(ctx, r.tx, subject, event)
}

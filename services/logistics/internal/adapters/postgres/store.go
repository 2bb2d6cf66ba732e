// Package postgres is the logistics service's PostgreSQL store: one file of
// SQL per aggregate, events written to the outbox in the command's
// transaction, and missing rows turned into domain errors.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
)

// Store implements app.Store on a pgx pool.
type Store struct {
	repo
	pg.Store[app.Repository]
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool that seals carriers' credentials under keys.
func New(pool *pgxpool.Pool, keys *kek.Ring) *Store {
	return &Store{repo: repo{q: pool, keys: keys}, Store: pg.NewStore(pool, func(q pg.Querier, tx pgx.Tx) app.Repository {
		return repo{q: q, tx: tx, keys: keys}
	})}
}

// repo runs the queries on a pool or, inside InTx, on a transaction.
type repo struct {
	q    pg.Querier
	tx   pgx.Tx    // nil outside a transaction
	keys *kek.Ring // seals carriers' credentials at rest
}

// Emit writes the events to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, events ...app.Event) error {
	return outbox.EmitAll(ctx, r.tx, events...)
}

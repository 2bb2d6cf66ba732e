// Package postgres is the inventory service's PostgreSQL store: one file of
// SQL per aggregate, events written to the outbox in the command's
// transaction, and missing rows turned into domain errors. Stock rows are
// always locked in (sku_id, warehouse_id) order, the order every transaction
// takes them in, so concurrent commands queue instead of deadlocking.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
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
}

// Emit writes the events to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, events ...app.Event) error {
	return outbox.EmitAll(ctx, r.tx, events...)
}

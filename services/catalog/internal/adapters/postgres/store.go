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

// Store implements app.Store on a pgx pool.
type Store struct {
	repo
	pool *pgxpool.Pool
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{repo: repo{q: pool}, pool: pool}
}

// InTx runs fn in one transaction; serialization failures and deadlocks are
// retried by pg.InTx, so fn must have no effects outside the transaction.
func (s *Store) InTx(ctx context.Context, fn func(app.Repository) error) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return fn(repo{q: tx, tx: tx})
	})
}

// repo runs the queries on a pool or, inside InTx, on a transaction.
type repo struct {
	q  pg.Querier
	tx pgx.Tx // nil outside a transaction
}

// Emit writes the event to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, subject string, event proto.Message) error {
	return outbox.Emit(ctx, r.tx, subject, event)
}

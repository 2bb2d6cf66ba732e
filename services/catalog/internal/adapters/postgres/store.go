// Package postgres is the catalog's PostgreSQL store: one file of SQL per
// aggregate, events written to the outbox in the command's transaction, the
// buyers' search projection kept in step with the products, and database
// constraint violations turned into domain errors.
package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// db is what both a pool and a transaction offer.
type db interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

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
	q  db
	tx pgx.Tx // nil outside a transaction
}

var errNoTx = errors.New("postgres: events can only be emitted inside a transaction")

// Emit writes the event to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, subject string, event proto.Message) error {
	if r.tx == nil {
		return errNoTx
	}
	ev, err := outbox.New(subject, event)
	if err != nil {
		return err
	}
	return outbox.Add(ctx, r.tx, ev)
}

// notFound turns pgx.ErrNoRows into nf, leaving other errors as they are.
func notFound(err error, nf error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nf
	}
	return err
}

// affected returns nf when a write touched no row.
func affected(tag pgconn.CommandTag, err error, nf error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return nf
	}
	return nil
}

package pg

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store hands out a service's repository type R: on the pool for reads, and
// inside a transaction for commands. open builds R from where its queries
// run and the transaction (nil on the pool), so R can refuse writes, such as
// outbox events, that need one. A service's store embeds it next to its
// pool-bound repository.
type Store[R any] struct {
	pool *pgxpool.Pool
	open func(q Querier, tx pgx.Tx) R
}

// NewStore returns a Store on pool.
func NewStore[R any](pool *pgxpool.Pool, open func(q Querier, tx pgx.Tx) R) Store[R] {
	return Store[R]{pool: pool, open: open}
}

// InTx runs fn with the repository in one transaction; serialization
// failures and deadlocks are retried (see InTx), so fn must have no effects
// outside the transaction.
func (s Store[R]) InTx(ctx context.Context, fn func(R) error) error {
	return InTx(ctx, s.pool, func(tx pgx.Tx) error { return fn(s.open(tx, tx)) })
}

// WithTx returns the repository on a transaction someone else owns, such as
// an inbox consumer's, whose processed-event row commits with the handler's
// writes.
func (s Store[R]) WithTx(tx pgx.Tx) R { return s.open(tx, tx) }

// Pool is the store's pool, for work that manages its own transactions.
func (s Store[R]) Pool() *pgxpool.Pool { return s.pool }

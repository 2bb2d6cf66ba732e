package pg

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/retry"
)

// DefaultTxRetryBudget is how long InTx and InTxWith keep retrying a
// transaction that loses serialization races or deadlocks. Under contention
// on one row such a loss is normal, not a fault: the budget is generous so
// that it reaches the caller only when the database is truly stuck, and the
// context's deadline, when sooner, stops the retries first.
const DefaultTxRetryBudget = 30 * time.Second

// Backoff between attempts: doubling from a few milliseconds, so racing
// transactions spread out quickly, capped so a long run of losses still
// retries several times a second.
const (
	txRetryInitialInterval = 2 * time.Millisecond
	txRetryMaxInterval     = 100 * time.Millisecond
)

// InTx runs fn in a transaction and commits it. A serialization failure or a
// deadlock rolls back and runs fn again (so fn must have no effects outside tx),
// with jittered exponential backoff, for up to DefaultTxRetryBudget or until
// ctx ends. Any other error rolls back and is returned at once.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return InTxWith(ctx, pool, pgx.TxOptions{}, fn)
}

// InTxWith is InTx with explicit options, e.g. serializable isolation.
func InTxWith(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return InTxRetrying(ctx, pool, opts, DefaultTxRetryBudget, fn)
}

// InTxRetrying is InTxWith with an explicit retry budget: the total time the
// attempts may take before the last serialization failure or deadlock is
// returned to the caller; zero leaves only ctx to stop them. When ctx ends first, the error joins the last failure with
// ctx's error.
func InTxRetrying(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, budget time.Duration, fn func(pgx.Tx) error) error {
	var last error
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := runTracked(ctx, pool, opts, fn)
		last = err
		if err != nil && !IsRetryable(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(retry.Exponential(txRetryInitialInterval, txRetryMaxInterval)), backoff.WithMaxElapsedTime(budget))
	if err != nil && last != nil && ctx.Err() != nil && !errors.Is(err, last) {
		// The retries stopped on ctx: say what kept failing as well.
		return errors.Join(last, err)
	}
	return err
}

// IsRetryable reports a serialization failure (40001) or deadlock (40P01).
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// IsUniqueViolation reports a unique-constraint violation (23505), optionally on a
// named constraint, so repositories can turn it into a domain conflict.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

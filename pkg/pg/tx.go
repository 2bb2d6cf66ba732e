package pg

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maxTxAttempts bounds the retries of a transaction that keeps losing
// serialization races; past it the caller sees the failure (mapped to Aborted).
const maxTxAttempts = 5

// InTx runs fn in a transaction and commits it. A serialization failure or a
// deadlock rolls back and runs fn again (so fn must have no effects outside tx),
// with a short jittered backoff. Any other error rolls back and is returned.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return InTxWith(ctx, pool, pgx.TxOptions{}, fn)
}

// InTxWith is InTx with explicit options, e.g. serializable isolation.
func InTxWith(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = pgx.BeginTxFunc(ctx, pool, opts, fn)
		if err == nil || !IsRetryable(err) || attempt == maxTxAttempts {
			return err
		}
		backoff := time.Duration(attempt*attempt)*5*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
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

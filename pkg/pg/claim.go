package pg

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Claim records an idempotency key: insert is an INSERT … ON CONFLICT DO
// NOTHING of the key's row, and claimed reports whether it inserted it.
// When it did not (the key was claimed before, or by a concurrent
// transaction, which the insert waits for until it commits or rolls back),
// read, a SELECT of that row, is scanned into dest: what the first use
// recorded.
func Claim(ctx context.Context, q Querier, insert string, insertArgs []any, read string, readArgs []any, dest ...any) (claimed bool, err error) {
	tag, err := q.Exec(ctx, insert, insertArgs...)
	if err != nil {
		return false, fmt.Errorf("claim key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if err := q.QueryRow(ctx, read, readArgs...).Scan(dest...); err != nil {
		return false, fmt.Errorf("read claimed key: %w", err)
	}
	return false, nil
}

// InsertOrRead stores a row once per key: insert is an INSERT … ON CONFLICT
// DO NOTHING RETURNING the row, scanned by scan. When it returns no row, the
// key was taken before (or by a concurrent transaction, which the insert
// waits for), and read, a SELECT of the row holding the key, answers what
// the first use stored. inserted reports which of the two it is.
func InsertOrRead[T any](ctx context.Context, q Querier, scan func(pgx.Row) (T, error), insert string, insertArgs []any, read string, readArgs ...any) (row T, inserted bool, err error) {
	row, err = scan(q.QueryRow(ctx, insert, insertArgs...))
	if err == nil {
		return row, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return row, false, fmt.Errorf("insert: %w", err)
	}
	row, err = scan(q.QueryRow(ctx, read, readArgs...))
	if err != nil {
		return row, false, fmt.Errorf("read the row stored before: %w", err)
	}
	return row, false, nil
}

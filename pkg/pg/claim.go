package pg

import (
	"context"
	"fmt"
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

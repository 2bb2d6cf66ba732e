package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/crossdock/crossdock/services/users/internal/app"
)

// Failures returns the failure records of keys.
func (r repo) Failures(ctx context.Context, keys []string) (map[string]app.FailureRecord, error) {
	rows, err := r.q.Query(ctx, `SELECT key, failures, last_failure, last_success FROM auth_failures WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("read auth failures: %w", err)
	}
	defer rows.Close()
	out := make(map[string]app.FailureRecord, len(keys))
	for rows.Next() {
		var key string
		var n int
		var lastFailure, lastSuccess pgtype.Timestamptz
		if err := rows.Scan(&key, &n, &lastFailure, &lastSuccess); err != nil {
			return nil, fmt.Errorf("read auth failures: %w", err)
		}
		out[key] = app.FailureRecord{Failures: n, LastFailure: lastFailure.Time, LastSuccess: lastSuccess.Time}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read auth failures: %w", err)
	}
	return out, nil
}

// RecordFailure counts a failure on every key in one statement; a count
// whose last failure is older than window starts again.
func (r repo) RecordFailure(ctx context.Context, keys []string, now time.Time, window time.Duration) error {
	_, err := r.q.Exec(ctx, `
		INSERT INTO auth_failures AS f (key, failures, last_failure)
		SELECT k, 1, $2 FROM unnest($1::text[]) AS k
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN f.last_failure IS NULL OR f.last_failure < $2 - $3::interval THEN 1 ELSE f.failures + 1 END,
			last_failure = $2`, keys, now, window)
	if err != nil {
		return fmt.Errorf("record auth failure: %w", err)
	}
	return nil
}

// RecordSuccess clears key's failures and marks the success.
func (r repo) RecordSuccess(ctx context.Context, key string, now time.Time) error {
	_, err := r.q.Exec(ctx, `
		INSERT INTO auth_failures (key, failures, last_success) VALUES ($1, 0, $2)
		ON CONFLICT (key) DO UPDATE SET failures = 0, last_failure = NULL, last_success = $2`, key, now)
	if err != nil {
		return fmt.Errorf("record auth success: %w", err)
	}
	return nil
}

// PruneFailures deletes records idle since before.
func (r repo) PruneFailures(ctx context.Context, before time.Time) (int64, error) {
	tag, err := r.q.Exec(ctx, `DELETE FROM auth_failures WHERE greatest(last_failure, last_success) < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune auth failures: %w", err)
	}
	return tag.RowsAffected(), nil
}

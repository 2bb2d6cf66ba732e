// Package pg holds the PostgreSQL plumbing every service shares: the pgx pool,
// goose migrations applied under an advisory lock, and a transaction helper that
// retries serialization failures.
package pg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/retry"
)

// Connect opens a pool and waits until the database answers or ctx ends, so a
// service that starts before its database keeps trying instead of crashing.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error would echo the URL, password included.
		return nil, fmt.Errorf("pg: DATABASE_URL is not a valid connection string")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var last error
	_, err = backoff.Retry(ctx, func() (struct{}, error) {
		last = pool.Ping(ctx)
		return struct{}{}, last
	}, backoff.WithBackOff(retry.Exponential(250*time.Millisecond, 2*time.Second)), backoff.WithMaxElapsedTime(0))
	if err != nil {
		// Only ctx ends the retries; the last ping says why the database did not answer.
		pool.Close()
		if !errors.Is(last, err) {
			err = errors.Join(last, err)
		}
		return nil, fmt.Errorf("pg: database unreachable: %w", err)
	}
	return pool, nil
}

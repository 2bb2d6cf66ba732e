// Package pg holds the PostgreSQL plumbing every service shares: the pgx pool,
// goose migrations applied under an advisory lock, and a transaction helper that
// retries serialization failures.
package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
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
	for {
		err := pool.Ping(ctx)
		if err == nil {
			return pool, nil
		}
		select {
		case <-ctx.Done():
			pool.Close()
			return nil, fmt.Errorf("pg: database unreachable: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

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

// Config is a service's connection to its own database.
type Config struct {
	URL string `env:"DATABASE_URL,required" secret:"true"`
	// MaxConns caps the pool. Every replica of a service opens up to this
	// many connections, and two more while its migrations run at start
	// (MigrateSet), so replicas × (MaxConns + 2) must stay under the
	// database's max_connections (a manifest rule checks it); pgx's own
	// default follows the node's CPU count, which a pod does not control.
	MaxConns int32 `env:"DATABASE_MAX_CONNS" envDefault:"10"`
}

// Validate refuses a pool too small for the relay, a consumer and a request.
func (c Config) Validate() error {
	if c.MaxConns < 4 {
		return fmt.Errorf("DATABASE_MAX_CONNS must be at least 4, not %d", c.MaxConns)
	}
	return nil
}

// NewPool builds the pool without connecting: it connects on first use, so a
// service starts before its database answers. A zero MaxConns keeps pgx's
// default (configs built in code, tests).
func NewPool(ctx context.Context, c Config) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(c.URL)
	if err != nil {
		// The parse error would echo the URL, password included.
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL connection string")
	}
	if c.MaxConns > 0 {
		cfg.MaxConns = c.MaxConns
	}
	cfg.AfterConnect = afterConnect
	return pgxpool.NewWithConfig(ctx, cfg)
}

// Connect opens a pool and waits until the database answers or ctx ends, so a
// service that starts before its database keeps trying instead of crashing.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := NewPool(ctx, Config{URL: url})
	if err != nil {
		return nil, fmt.Errorf("pg: %w", err)
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

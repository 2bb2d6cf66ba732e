package outbox

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Backlog is what the relay has yet to publish. Its age is what an alert
// watches: a few events waiting is normal, an old one means the relay cannot
// reach NATS or keeps failing on a row.
type Backlog struct {
	// Pending counts unpublished events.
	Pending int64
	// OldestAge is how long the oldest unpublished event has waited; zero
	// when nothing waits.
	OldestAge time.Duration
}

// PendingBacklog measures the outbox's unpublished rows (through the
// partial index on them, so it stays cheap while the backlog is small; it is
// planned at every call, as the relay's statements are, so a plan made
// while the outbox was empty does not count the grown table row by row).
func PendingBacklog(ctx context.Context, pool *pgxpool.Pool) (Backlog, error) {
	var b Backlog
	var age float64
	err := pool.QueryRow(ctx, `SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
		FROM outbox WHERE published_at IS NULL`, planPerCall).Scan(&b.Pending, &age)
	b.OldestAge = time.Duration(max(age, 0) * float64(time.Second))
	return b, err
}

package testkit

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TableScans is how many sequential and index scans of table PostgreSQL
// has counted, read fresh (not from the session's snapshot). A backend
// sends its counts at the end of a transaction at most once a second, or
// when idle for a while: a test counting another session's scans lets a
// second pass and that session finish a transaction before reading.
func TableScans(t testing.TB, pool *pgxpool.Pool, table string) (seq, idx int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = $1`, table).
		Scan(&seq, &idx); err != nil {
		t.Fatal(err)
	}
	return seq, idx
}

package testkit

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
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

// Explain is the plan PostgreSQL makes for sql with args, one line per
// node. With withoutSeqScans, sequential scans are priced out first (on a
// connection of its own), so a "Seq Scan" left in the plan is a table no
// index can serve for that query, whatever the table's size in the test.
func Explain(t testing.TB, pool *pgxpool.Pool, withoutSeqScans bool, sql string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if withoutSeqScans {
		if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = conn.Exec(ctx, `RESET enable_seqscan`) }()
	}
	rows, err := conn.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

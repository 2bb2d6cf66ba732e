package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// AwaitLockWaiter waits until a session of pool's database waits for a lock:
// a test holding a lock in one transaction then knows the racing call it
// started has reached the database and is blocked behind it, rather than
// assuming so after a pause (which a slow machine turns into a test that
// passes without the race).
func AwaitLockWaiter(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
	}
	t.Fatal("no session waited for a lock within 10s")
}

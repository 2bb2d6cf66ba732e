package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// Claiming due steps reads a batch of due ones through the index and
// updates them where they are: no plan of the claim reads the whole table,
// which holds every pending order's deadline and every delivered
// sub-order's automatic completion. (Joined back on the key, the claim was
// planned as a hash of the whole table at this size.)
func TestClaimingStepsDoesNotScanTheTable(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if _, err := pool.Exec(ctx, `INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
		SELECT 'settle', gen_random_uuid(), gen_random_uuid(), $1::timestamptz + (i - 1700) * interval '1 second', $1
		FROM generate_series(1, 2000) i`, now); err != nil { // 1,700 due, 300 later
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE saga_tasks`); err != nil {
		t.Fatal(err)
	}
	plan := testkit.Explain(t, pool, false, claimTasks, now, now.Add(time.Minute), 100)
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("the claim scans the table:\n%s", plan)
	}
}

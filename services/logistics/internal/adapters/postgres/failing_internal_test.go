package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

// The failing-steps probe of the parcels, run at every scrape by every
// replica, has a partial index for each of its counts: with sequential
// scans priced out, no count reads the whole table (before, the refused
// onward bookings' did, whose predicate no index's implied).
func TestFailingShipmentsProbeReadsOnlyIndexes(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "logistics", FS: migrations.FS})
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `EXPLAIN `+failingShipments, 60.0)
	if err != nil {
		t.Fatal(err)
	}
	var plan string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan += line + "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("a count of the probe reads the whole table:\n%s", plan)
	}
}

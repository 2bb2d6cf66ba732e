package postgres

import (
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
	pool := testkit.Database(t, testkit.Migrations{Name: "logistics", FS: migrations.FS})
	plan := testkit.Explain(t, pool, true, failingShipments, 60.0)
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("a count of the probe reads the whole table:\n%s", plan)
	}
}

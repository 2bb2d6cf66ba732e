package postgres

import (
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// A refund's claim reads its sub-order's top-up requests and refunds by
// index while it holds the escrow row's lock: with sequential scans priced
// out, none of its reads goes through a whole table (before, the paid
// top-up requests were found by reading every request).
func TestARefundClaimReadsItsSubOrderByIndex(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	plan := testkit.Explain(t, pool, true, refundClaimReturns, "sub-1", "topup:", "refund-1")
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("a refund's claim reads a whole table:\n%s", plan)
	}
}

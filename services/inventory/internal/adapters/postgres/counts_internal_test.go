package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

// A timed count's read of the moves since it was counted, run under the
// stock rows' locks, reads the journal by time: the index's condition
// bounds the moment, so it reads the day since at most, not the stock's
// whole history (before, only the SKU and warehouse bounded it); and it
// reads only moves of goods on hand, through the index holding those
// alone, not the day's reservations, releases and expiries too.
func TestMovesSinceACountAreReadByTime(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "inventory", FS: migrations.FS})
	since := time.Now().Add(-time.Hour)
	plan := testkit.Explain(t, pool, true, onHandMovedSince, []uuid.UUID{uuid.New()}, []uuid.UUID{uuid.New()}, since, domain.MoveSync, since.Add(-domain.CountAhead))
	if !strings.Contains(plan, "stock_journal_on_hand_moves") || !strings.Contains(plan, "(at >") {
		t.Errorf("the moves since a count are not read by time:\n%s", plan)
	}
}

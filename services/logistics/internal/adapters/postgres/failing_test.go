package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

// The failing-steps probes count the legs finance has not paid (from the
// carrier's confirmation) or refused for good, the bookings without a
// waybill and the picked-up parcels whose stock is not committed, or whose
// commit inventory refused for good; each leaves the count once done.
func TestFailingLegsAndShipmentsAreCounted(t *testing.T) {
	ctx := context.Background()
	o := newOldLogistics(t, "00005")
	if err := pg.Migrate(ctx, o.pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(o.pool, nil)
	if got := testkit.FailingSteps(t, store.FailingLegs); len(got) != 0 {
		t.Fatalf("failing legs of an empty table = %+v", got)
	}

	parcel := o.shipment("outbound", "buyer", uuid.New(), "")
	o.exec(`UPDATE shipments SET waybill = 'YT0' WHERE shipment_id = $1`, parcel)
	unpaid := o.leg(parcel, false)
	o.leg(parcel, true)
	o.exec(`UPDATE freight_legs SET confirmed_at = now() - interval '1 hour' WHERE leg_id = $1`, unpaid)
	got := testkit.FailingSteps(t, store.FailingLegs)
	if got["unpaid"].Count != 1 || got["unpaid"].Longest < 59*time.Minute || got["refused"].Count != 1 || len(got) != 2 {
		t.Fatalf("failing legs = %+v; want one unpaid for an hour, one refused", got)
	}
	if err := store.MarkLegPaid(ctx, o.carrier, unpaid, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, store.FailingLegs); got["unpaid"].Count != 0 || got["refused"].Count != 1 {
		t.Fatalf("failing legs once paid = %+v", got)
	}

	if got := testkit.FailingSteps(t, store.FailingShipments); len(got) != 0 {
		t.Fatalf("failing shipments of parcels in transit = %+v", got)
	}
	// Without a waybill: booked, or moved by the carrier's events after
	// its booking answer was lost, but not cancelled.
	unbooked, moved, cancelled := o.shipment("outbound", "buyer", uuid.New(), ""), o.shipment("outbound", "buyer", uuid.New(), ""),
		o.shipment("outbound", "buyer", uuid.New(), "")
	o.exec(`UPDATE shipments SET status = 'booked' WHERE shipment_id = $1`, unbooked)
	o.exec(`UPDATE shipments SET status = 'delivered' WHERE shipment_id = $1`, moved)
	o.exec(`UPDATE shipments SET status = 'cancelled', cancelled_at = now(), carrier_cancel_done_at = now() WHERE shipment_id = $1`, cancelled)
	picked := o.shipment("outbound", "buyer", uuid.New(), "")
	o.exec(`UPDATE shipments SET waybill = 'YT1', picked_up_at = now(), reservation_id = 'r-1' WHERE shipment_id = $1`, picked)
	got = testkit.FailingSteps(t, store.FailingShipments)
	if got["booking"].Count != 2 || got["stock_commit"].Count != 1 || len(got) != 2 {
		t.Fatalf("failing shipments = %+v; want two bookings, one stock commit", got)
	}
	if err := store.MarkCommitted(ctx, picked); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, store.FailingShipments); got["stock_commit"].Count != 0 || got["booking"].Count != 2 {
		t.Fatalf("failing shipments once committed = %+v", got)
	}

	// A reservation inventory refused for good is counted apart, from the
	// refusal, until an operator settles it (committed by hand).
	refused := o.shipment("outbound", "buyer", uuid.New(), "")
	o.exec(`UPDATE shipments SET waybill = 'YT2', picked_up_at = now(), reservation_id = 'r-2' WHERE shipment_id = $1`, refused)
	if err := store.MarkStockCommitRefused(ctx, refused, "RESERVATION_EXPIRED", time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got = testkit.FailingSteps(t, store.FailingShipments)
	if got["stock_commit_refused"].Count != 1 || got["stock_commit_refused"].Longest < 59*time.Minute || got["stock_commit"].Count != 0 {
		t.Fatalf("failing shipments with a refused commit = %+v; want one refused for an hour, none pending", got)
	}
	if list, err := store.ShipmentsToCommit(ctx, 10); err != nil || len(list) != 0 {
		t.Fatalf("the stock worker's queue holds %d (%v); want the refused one left out", len(list), err)
	}
	o.exec(`UPDATE shipments SET committed = true WHERE shipment_id = $1`, refused)
	if got := testkit.FailingSteps(t, store.FailingShipments); got["stock_commit_refused"].Count != 0 {
		t.Fatalf("failing shipments once settled = %+v", got)
	}
}

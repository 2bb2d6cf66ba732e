package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

// The bookings and cancellations workers' queues give every carrier a
// share of a round: one carrier with a backlog of parcels its calls keep
// failing on (its credentials revoked, say) no longer fills every round,
// leaving another carrier's lost booking, or its live booking of a
// cancelled parcel, never tried.
func TestWorkerQueuesShareARoundBetweenCarriers(t *testing.T) {
	ctx := context.Background()
	o := newOldLogistics(t, "00005")
	if err := pg.Migrate(ctx, o.pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	other := uuid.New()
	o.exec(`INSERT INTO carriers (carrier_id, code, name, created_at, updated_at) VALUES ($1, 'd', 'D', $2, $2)`, other, o.now)
	store := postgres.New(o.pool, nil)
	parcels := func(carrier uuid.UUID, n int, age time.Duration, set string) {
		for range n {
			id := o.shipment("outbound", "buyer", uuid.New(), "")
			o.exec(`UPDATE shipments SET carrier_id = $2, created_at = $3, `+set+` WHERE shipment_id = $1`, id, carrier, o.now.Add(-age))
		}
	}
	parcels(o.carrier, 20, 2*time.Hour, "status = 'booked'")
	parcels(other, 1, time.Hour, "status = 'picked_up'") // its booking answer lost, moved since
	parcels(o.carrier, 20, 2*time.Hour, "status = 'cancelled', waybill = 'YT' || shipment_id, cancelled_at = now() - interval '2 hours'")
	parcels(other, 1, time.Hour, "status = 'cancelled', waybill = 'D1', cancelled_at = now() - interval '1 hour'")

	for name, queue := range map[string]func(context.Context, time.Time, int) ([]domain.Shipment, error){
		"unbooked": store.Unbooked, "uncancelled at the carrier": store.UncancelledAtCarrier,
	} {
		list, err := queue(ctx, o.now, 8)
		if err != nil {
			t.Fatal(err)
		}
		per := map[uuid.UUID]int{}
		for _, sh := range list {
			per[sh.CarrierID]++
		}
		if per[other] != 1 || per[o.carrier] != 2 {
			t.Errorf("%s: a round of 8 holds %d of the backlogged carrier's and %d of the other's; want 2 and 1", name, per[o.carrier], per[other])
		}
	}
}

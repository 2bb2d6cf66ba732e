package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

// Migration 00003 hands the freight of partner orders' parcels booked
// before it to the platform (their buyer says "partner:"), and offers the
// legs finance refused for want of an escrow again; own-store parcels and
// their refused legs are left as they were.
func TestFreightPayerMigration(t *testing.T) {
	ctx := context.Background()
	old := newOldLogistics(t, "00003")
	pool := old.pool
	shipment := func(kind, buyer, returnID string) uuid.UUID { return old.shipment(kind, buyer, uuid.New(), returnID) }
	leg := old.leg
	partner := shipment("outbound", "partner:demo-partner/buyer-1", "")
	own := shipment("outbound", uuid.NewString(), "")
	partnerReturn := shipment("return", "partner:demo-partner/buyer-1", "ret-1")
	partnerLeg, ownLeg := leg(partner, true), leg(own, true)

	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]string{partner: "platform", own: "escrow", partnerReturn: "escrow"} {
		var got string
		if err := pool.QueryRow(ctx, `SELECT freight_payer FROM shipments WHERE shipment_id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("shipment %s: freight payer %q, want %q", id, got, want)
		}
	}
	for id, wantRefused := range map[string]bool{partnerLeg: false, ownLeg: true} {
		var refused bool
		var refusal string
		if err := pool.QueryRow(ctx, `SELECT refused_at IS NOT NULL, refusal FROM freight_legs WHERE leg_id = $1`, id).Scan(&refused, &refusal); err != nil {
			t.Fatal(err)
		}
		if refused != wantRefused || (refusal == "") == wantRefused {
			t.Errorf("leg %s: refused %v (%q), want refused %v", id, refused, refusal, wantRefused)
		}
	}
}

// Migration 00004 hands the freight of exchange replacements booked before
// it to the platform (their sub-order id is the exchange's request, which
// its original's return parcel names) and offers their refused legs, and
// any refused return leg, to finance again; an own-store parcel is left as
// it was.
func TestAfterSaleFreightMigration(t *testing.T) {
	ctx := context.Background()
	old := newOldLogistics(t, "00004")
	pool := old.pool
	shipment := func(kind string, subOrder uuid.UUID, returnID string) uuid.UUID {
		return old.shipment(kind, uuid.NewString(), subOrder, returnID)
	}
	leg := func(shipmentID uuid.UUID) string { return old.leg(shipmentID, true) }
	exchange, original := uuid.New(), uuid.New()
	returned := shipment("return", original, exchange.String())
	replacement := shipment("outbound", exchange, "")
	own := shipment("outbound", original, "")
	replacementLeg, returnLeg, ownLeg := leg(replacement), leg(returned), leg(own)

	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]string{replacement: "platform", own: "escrow", returned: "escrow"} {
		var got string
		if err := pool.QueryRow(ctx, `SELECT freight_payer FROM shipments WHERE shipment_id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("shipment %s: freight payer %q, want %q", id, got, want)
		}
	}
	for id, wantRefused := range map[string]bool{replacementLeg: false, returnLeg: false, ownLeg: true} {
		var refused bool
		if err := pool.QueryRow(ctx, `SELECT refused_at IS NOT NULL FROM freight_legs WHERE leg_id = $1`, id).Scan(&refused); err != nil {
			t.Fatal(err)
		}
		if refused != wantRefused {
			t.Errorf("leg %s: refused %v, want %v", id, refused, wantRefused)
		}
	}
}

// Migration 00006 leaves to the bookings worker the parcels cancelled
// before it whose booking may be live at the carrier: those without a
// waybill (the answer lost) and those the carrier moved after their
// cancellation (its answer stored over it); the others were cancelled at
// the carrier first, and parcels not cancelled have nothing to do.
func TestCarrierCancellationMigration(t *testing.T) {
	ctx := context.Background()
	old := newOldLogistics(t, "00006")
	cancelled := func(waybill string) uuid.UUID {
		id := old.shipment("outbound", uuid.NewString(), uuid.New(), "")
		old.exec(`UPDATE shipments SET status = 'cancelled', cancelled_at = $2, waybill = nullif($3, '') WHERE shipment_id = $1`,
			id, old.now.Add(-time.Hour), waybill)
		return id
	}
	event := func(id uuid.UUID, status string, at time.Time) {
		old.exec(`INSERT INTO tracking_events (carrier_id, event_id, shipment_id, occurred_at, seq, status, leg, location_name,
			description, applied, received_at) VALUES ($1, $2, $3, $4, 1, $5, 'domestic', '', '', false, $4)`,
			old.carrier, uuid.NewString(), id, at, status)
	}
	withoutWaybill, cancelledFirst, movedAfter := cancelled(""), cancelled("W1"), cancelled("W2")
	event(cancelledFirst, "booked", old.now.Add(-2*time.Hour))
	event(movedAfter, "picked_up", old.now.Add(-time.Minute))
	inTransit := old.shipment("outbound", uuid.NewString(), uuid.New(), "")

	if err := pg.Migrate(ctx, old.pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for id, wantDone := range map[uuid.UUID]bool{withoutWaybill: false, cancelledFirst: true, movedAfter: false, inTransit: false} {
		var done bool
		if err := old.pool.QueryRow(ctx, `SELECT carrier_cancel_done_at IS NOT NULL FROM shipments WHERE shipment_id = $1`, id).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done != wantDone {
			t.Errorf("shipment %s: carrier's side done %v, want %v", id, done, wantDone)
		}
	}
}

// oldLogistics is logistics' schema before a migration, with one carrier
// and method for the shipments a test writes the way the old code did.
type oldLogistics struct {
	t               testing.TB
	pool            *pgxpool.Pool
	carrier, method uuid.UUID
	now             time.Time
}

func newOldLogistics(t *testing.T, version string) oldLogistics {
	t.Helper()
	o := oldLogistics{t: t, pool: testkit.Database(t, testkit.MigrationsBefore(t, "logistics", migrations.FS, version)),
		carrier: uuid.New(), method: uuid.New(), now: time.Now()}
	o.exec(`INSERT INTO carriers (carrier_id, code, name, created_at, updated_at) VALUES ($1, 'c', 'C', $2, $2)`, o.carrier, o.now)
	o.exec(`INSERT INTO shipping_methods (method_id, carrier_id, code, name, mode, handling_hours, domestic_km_per_day,
		international_km_per_day, last_mile_km_per_day, created_at, updated_at) VALUES ($1, $2, 'x', 'X', 'express', 1, 1, 1, 1, $3, $3)`, o.method, o.carrier, o.now)
	return o
}

func (o oldLogistics) exec(sql string, args ...any) {
	o.t.Helper()
	if _, err := o.pool.Exec(context.Background(), sql, args...); err != nil {
		o.t.Fatal(err)
	}
}

// shipment writes a parcel in transit.
func (o oldLogistics) shipment(kind, buyer string, subOrder uuid.UUID, returnID string) uuid.UUID {
	id := uuid.New()
	o.exec(`INSERT INTO shipments (shipment_id, kind, sub_order_id, order_id, return_id, buyer_id, supplier_org_id, method_id, carrier_id,
		status, from_address, to_address, lines, weight_g, volume_cm3, declared_minor, declared_currency, goods_minor, goods_currency,
		created_at, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'in_transit', '{}', '{}', '[]', 100, 0, 1, 'EUR', 1, 'EUR', $10, '\x00')`,
		id, kind, subOrder, uuid.New(), returnID, buyer, uuid.New(), o.method, o.carrier, o.now)
	return id
}

// leg writes a confirmed leg, refused by finance when refused.
func (o oldLogistics) leg(shipmentID uuid.UUID, refused bool) string {
	id := uuid.NewString()
	var at *time.Time
	if refused {
		at = &o.now
	}
	o.exec(`INSERT INTO freight_legs (leg_id, carrier_id, shipment_id, kind, amount_minor, currency, confirmed_at, event_id, refused_at, refusal)
		VALUES ($1, $2, $3, 'domestic', 500, 'EUR', $4, $1, $5, CASE WHEN $5::timestamptz IS NULL THEN '' ELSE 'the sub-order has no escrow' END)`,
		id, o.carrier, shipmentID, o.now, at)
	return id
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
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

// Migration 00008 keys legs by their carrier and leg id, and keeps the id
// a leg recorded before it is paid under: finance may have paid it (its
// mark lost) under its bare leg id, so paying it after the migration, or
// its charge brought again, must use that id, never another that would pay
// the carrier twice. Another carrier's leg of the same id is recorded
// beside it and paid under its own.
func TestLegsPerCarrierMigration(t *testing.T) {
	ctx := context.Background()
	old := newOldLogistics(t, "00008")
	parcel := old.shipment("outbound", uuid.NewString(), uuid.New(), "")
	legID := old.leg(parcel, false)
	other := uuid.New()
	old.exec(`INSERT INTO carriers (carrier_id, code, name, created_at, updated_at) VALUES ($1, 'other', 'Other', $2, $2)`, other, old.now)

	if err := pg.Migrate(ctx, old.pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(old.pool, nil)
	charge := func(carrier uuid.UUID) domain.Leg {
		return domain.Leg{LegID: legID, PaymentRef: domain.LegPaymentRef(carrier, legID), ShipmentID: parcel, Kind: domain.LegDomestic,
			Amount: money.MustNew(700, "EUR"), ConfirmedAt: old.now, EventID: uuid.NewString()}
	}
	if isNew, err := store.InsertLeg(ctx, old.carrier, charge(old.carrier)); err != nil || isNew {
		t.Fatalf("the recorded leg's charge again: new %v, %v; want a repeat", isNew, err)
	}
	if isNew, err := store.InsertLeg(ctx, other, charge(other)); err != nil || !isNew {
		t.Fatalf("another carrier's leg of the same id: new %v, %v; want it recorded", isNew, err)
	}
	legs, err := store.UnpaidLegs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[uuid.UUID]string{}
	for _, l := range legs {
		refs[l.CarrierID] = l.Payment().LegID
	}
	want := map[uuid.UUID]string{old.carrier: legID, other: other.String() + ":" + legID}
	if len(refs) != 2 || refs[old.carrier] != want[old.carrier] || refs[other] != want[other] {
		t.Fatalf("legs paid under %v; want %v", refs, want)
	}
	if err := store.MarkLegPaid(ctx, old.carrier, legID, old.now); err != nil {
		t.Fatal(err)
	}
	if legs, err := store.UnpaidLegs(ctx, 10); err != nil || len(legs) != 1 || legs[0].CarrierID != other {
		t.Fatalf("unpaid once the first carrier's leg is paid: %+v, %v; want the other carrier's", legs, err)
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

// Migration 00010 keeps a carrier's feed cursor for the feed it was read
// from: a cursor kept before it came from the sandbox endpoint (the
// default environment), so it stands for that environment and URL, and
// another feed starts from its beginning.
func TestFeedCursorPerEndpointMigration(t *testing.T) {
	ctx := context.Background()
	old := newOldLogistics(t, "00010")
	old.exec(`UPDATE carriers SET endpoints = '[{"Environment":"sandbox","APIURL":"https://sandbox.carrier.test"},{"Environment":"production","APIURL":"https://api.carrier.test"}]' WHERE carrier_id = $1`, old.carrier)
	old.exec(`INSERT INTO carrier_cursors (carrier_id, after_seq, updated_at) VALUES ($1, 4800, $2)`, old.carrier, old.now)
	if err := pg.Migrate(ctx, old.pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(old.pool, kek.MustParse(kek.Generate("k1")))
	for url, want := range map[string]int64{"sandbox https://sandbox.carrier.test": 4800, "production https://api.carrier.test": 0} {
		got, err := store.FeedCursor(ctx, old.carrier, url)
		if err != nil || got != want {
			t.Errorf("cursor of %s: %d, %v; want %d", url, got, err, want)
		}
	}
	if err := store.SaveFeedCursor(ctx, old.carrier, "production https://api.carrier.test", 12, old.now); err != nil {
		t.Fatal(err)
	}
	if got, err := store.FeedCursor(ctx, old.carrier, "sandbox https://sandbox.carrier.test"); err != nil || got != 4800 {
		t.Errorf("the sandbox cursor after the other feed's moved: %d, %v", got, err)
	}
}

// Migration 00014 marks a parcel waiting at the central warehouse (its
// last applied event the arrival there) as last moved by its first
// booking, so its onward booking's events come after it whatever their
// dates; a parcel moved since, or not through the warehouse, is left as
// it was.
func TestLastEventStageBackfill(t *testing.T) {
	ctx := context.Background()
	old := newOldLogistics(t, "00014")
	arrived := old.now.Add(-time.Hour).UTC().Truncate(time.Microsecond)
	waiting, movedOn, direct := old.shipment("outbound", uuid.NewString(), uuid.New(), ""), old.shipment("outbound", uuid.NewString(), uuid.New(), ""),
		old.shipment("outbound", uuid.NewString(), uuid.New(), "")
	old.exec(`UPDATE shipments SET at_central_at = $2, last_event_at = $2 WHERE shipment_id = $1`, waiting, arrived)
	old.exec(`UPDATE shipments SET at_central_at = $2, last_event_at = $3, stage = 2, last_event_stage = 2 WHERE shipment_id = $1`,
		movedOn, arrived, arrived.Add(time.Minute))
	old.exec(`UPDATE shipments SET last_event_at = $2 WHERE shipment_id = $1`, direct, arrived)
	if err := pg.Migrate(ctx, old.pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]int{waiting: 1, movedOn: 2, direct: 0} {
		var got int
		if err := old.pool.QueryRow(ctx, `SELECT last_event_stage FROM shipments WHERE shipment_id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("shipment %s: last event stage %d, want %d", id, got, want)
		}
	}
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

// leg writes a confirmed leg, refused by finance when refused. From
// migration 00008 on it is paid under its id (payment_ref), as the legs
// that migration found are.
func (o oldLogistics) leg(shipmentID uuid.UUID, refused bool) string {
	o.t.Helper()
	id := uuid.NewString()
	var at *time.Time
	if refused {
		at = &o.now
	}
	var paymentRef bool
	if err := o.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_name = 'freight_legs' AND column_name = 'payment_ref')`).Scan(&paymentRef); err != nil {
		o.t.Fatal(err)
	}
	columns, values := "", ""
	if paymentRef {
		columns, values = ", payment_ref", ", $1"
	}
	o.exec(`INSERT INTO freight_legs (leg_id, carrier_id, shipment_id, kind, amount_minor, currency, confirmed_at, event_id, refused_at, refusal`+columns+`)
		VALUES ($1, $2, $3, 'domestic', 500, 'EUR', $4, $1, $5, CASE WHEN $5::timestamptz IS NULL THEN '' ELSE 'the sub-order has no escrow' END`+values+`)`,
		id, o.carrier, shipmentID, o.now, at)
	return id
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

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
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "logistics", migrations.FS, "00003"))
	now := time.Now()
	carrier, method := uuid.New(), uuid.New()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO carriers (carrier_id, code, name, created_at, updated_at) VALUES ($1, 'c', 'C', $2, $2)`, carrier, now)
	exec(`INSERT INTO shipping_methods (method_id, carrier_id, code, name, mode, handling_hours, domestic_km_per_day,
		international_km_per_day, last_mile_km_per_day, created_at, updated_at) VALUES ($1, $2, 'x', 'X', 'express', 1, 1, 1, 1, $3, $3)`, method, carrier, now)
	shipment := func(kind, buyer, returnID string) uuid.UUID {
		id := uuid.New()
		exec(`INSERT INTO shipments (shipment_id, kind, sub_order_id, order_id, return_id, buyer_id, supplier_org_id, method_id, carrier_id,
			status, from_address, to_address, lines, weight_g, volume_cm3, declared_minor, declared_currency, goods_minor, goods_currency,
			created_at, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'in_transit', '{}', '{}', '[]', 100, 0, 1, 'EUR', 1, 'EUR', $10, '\x00')`,
			id, kind, uuid.New(), uuid.New(), returnID, buyer, uuid.New(), method, carrier, now)
		return id
	}
	leg := func(shipmentID uuid.UUID, refused bool) string {
		id := uuid.NewString()
		var at *time.Time
		if refused {
			at = &now
		}
		exec(`INSERT INTO freight_legs (leg_id, carrier_id, shipment_id, kind, amount_minor, currency, confirmed_at, event_id, refused_at, refusal)
			VALUES ($1, $2, $3, 'domestic', 500, 'EUR', $4, $1, $5, CASE WHEN $5::timestamptz IS NULL THEN '' ELSE 'the sub-order has no escrow' END)`,
			id, carrier, shipmentID, now, at)
		return id
	}
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

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// Migration 00009 tracks again, at once, the purchase orders shipped
// before a shipment was told to orders, so the next round records their
// waybill on the local sub-order; held and still placed orders are left
// as they were.
func TestShippedSupplyOrdersTrackedAgain(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "platform-docking", migrations.FS, "00009"))
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	platform, later := uuid.New(), time.Now().Add(time.Hour)
	exec(`INSERT INTO supply_platforms (platform_id, code, name, endpoint, supplier_org_id, erp_client_id, defaults, default_account_id,
		secrets_kid, secrets_sealed, created_at, updated_at) VALUES ($1, 'w', 'W', 'http://w', $2, 'erp', '{}', 'acc', 'k', '\x00', now(), now())`,
		platform, uuid.New())
	order := func(state string) uuid.UUID {
		id := uuid.New()
		exec(`INSERT INTO supply_orders (sub_order_id, platform_id, order_id, lines, account_id, state, platform_order_id, waybill,
			due_at, queued_at, updated_at) VALUES ($1, $2, $3, '[]', 'acc', $4, 'po-1', 'YTO1', $5, now(), now())`,
			id, platform, uuid.New(), state, later)
		return id
	}
	shipped, held, placed := order("shipped"), order("held"), order("placed")

	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]struct {
		state string
		due   bool
	}{shipped: {"placed", true}, held: {"held", false}, placed: {"placed", false}} {
		var state string
		var due bool
		if err := pool.QueryRow(ctx, `SELECT state, due_at <= now() FROM supply_orders WHERE sub_order_id = $1`, id).Scan(&state, &due); err != nil {
			t.Fatal(err)
		}
		if state != want.state || due != want.due {
			t.Errorf("supply order %s: %s, due now %v; want %s, due now %v", id, state, due, want.state, want.due)
		}
	}
}

// Migration 00020 lets one line settle a partner order. Two lines that
// settled one order before it (credited twice) keep their state: the later
// is marked the second settlement of the first, for an operator, and the
// migration goes through; a new second settling line is refused.
func TestOneSettlingLineMarksTheSecondsBefore(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "platform-docking", migrations.FS, "00020"))
	exec := func(sql string, args ...any) error {
		_, err := pool.Exec(ctx, sql, args...)
		return err
	}
	partner := uuid.New()
	if err := exec(`INSERT INTO partners (partner_id, code, name, protocol, endpoint, locales, commission_bps, status, created_at, updated_at)
		VALUES ($1, 'm', 'M', 'standard_grpc', 'http://m', '{en}', 500, 'unverified', now(), now())`, partner); err != nil {
		t.Fatal(err)
	}
	line := func(id, order string, reconciled time.Duration) error {
		return exec(`INSERT INTO settlement_lines (partner_id, line_id, partner_order_id, currency, gross_minor, fees_currency, fees_minor,
			settled_at, raw, state, first_seen_at, reconciled_at) VALUES ($1, $2, $3, 'EUR', 1000, 'EUR', 120, now(), '{}', 'matched', now(), now() - $4::interval)`,
			partner, id, order, reconciled.String())
	}
	for _, l := range []struct {
		id, order  string
		reconciled time.Duration
	}{{"L-2", "PO-1", time.Hour}, {"L-1", "PO-1", 30 * time.Minute}, {"L-3", "PO-2", time.Hour}} {
		if err := line(l.id, l.order, l.reconciled); err != nil {
			t.Fatal(err)
		}
	}
	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatalf("migrating over an order settled twice: %v", err)
	}
	for id, want := range map[string]string{"L-2": "", "L-1": "L-2", "L-3": ""} {
		var of *string
		if err := pool.QueryRow(ctx, `SELECT second_settlement_of FROM settlement_lines WHERE line_id = $1`, id).Scan(&of); err != nil {
			t.Fatal(err)
		}
		if got := pg.OrZero(of); got != want {
			t.Errorf("line %s is the second settlement of %q, want %q", id, got, want)
		}
	}
	if err := line("L-4", "PO-2", 0); !pg.IsUniqueViolation(err, "settlement_lines_one_settling") {
		t.Errorf("a second line settling PO-2: %v, want refused by settlement_lines_one_settling", err)
	}
}

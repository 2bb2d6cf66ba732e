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

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// A waybill's confirmation and a supply order are failing from their first
// failure (an error kept for the next attempt, or held for an operator)
// until they succeed or an operator requeues them; a later failure does not
// restart the count, and a healthy one that is only old is not failing.
func TestFailingWaybillsAndSupplyOrdersCountFromTheFirstFailure(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	trade, supply := postgres.NewTrade(pool), postgres.NewSupply(pool, nil)
	now := time.Now()

	waybill := func() app.Waybill {
		w := app.Waybill{SubOrderID: uuid.New(), PartnerCode: "p", PartnerOrderID: "po", CarrierCode: "YTO", Waybill: "YT1", QueuedAt: now.Add(-time.Hour)}
		if err := postgres.QueueWaybill(ctx, pool, w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	flaky, refused, fine := waybill(), waybill(), waybill()
	save := func(w app.Waybill) {
		t.Helper()
		if err := trade.SaveWaybill(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	flaky.Attempts, flaky.LastError = 1, "partner unavailable"
	save(flaky)
	refused.Held, refused.LastError = true, "another waybill is confirmed for the goods"
	save(refused)
	fine.Attempts = 1
	save(fine)
	time.Sleep(150 * time.Millisecond)
	flaky.Attempts = 2
	save(flaky) // fails again
	got := testkit.FailingSteps(t, trade.FailingWaybills)
	if got["retrying"].Count != 1 || got["retrying"].Longest < 150*time.Millisecond || got["held"].Count != 1 || len(got) != 2 {
		t.Fatalf("failing waybills = %+v; want one retrying since its first failure, one held", got)
	}
	confirmed := time.Now()
	flaky.ConfirmedAt, flaky.LastError = &confirmed, ""
	save(flaky)
	if got := testkit.FailingSteps(t, trade.FailingWaybills); got["retrying"].Count != 0 || got["held"].Count != 1 {
		t.Fatalf("failing waybills after the confirmation = %+v", got)
	}

	platform := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO supply_platforms (platform_id, code, name, endpoint, supplier_org_id, erp_client_id, defaults,
		default_account_id, secrets_kid, secrets_sealed, created_at, updated_at)
		VALUES ($1, 'w', 'W', 'http://w', $2, 'erp', '{}', 'acc', 'k', '\x00', now(), now())`, platform, uuid.New()); err != nil {
		t.Fatal(err)
	}
	order := func() app.SupplyOrder {
		o := app.SupplyOrder{SubOrderID: uuid.New(), PlatformID: platform, OrderID: uuid.New(), AccountID: "acc", State: "placed",
			PlatformOrderID: "po-1", DueAt: now, QueuedAt: now.Add(-72 * time.Hour), UpdatedAt: now}
		if _, err := pool.Exec(ctx, `INSERT INTO supply_orders (sub_order_id, platform_id, order_id, lines, account_id, state, platform_order_id,
			due_at, queued_at, updated_at) VALUES ($1, $2, $3, '[]', 'acc', 'placed', 'po-1', $4, $5, $4)`,
			o.SubOrderID, platform, o.OrderID, now, o.QueuedAt); err != nil {
			t.Fatal(err)
		}
		return o
	}
	tracked, held := order(), order()
	saveOrder := func(o app.SupplyOrder) {
		t.Helper()
		if err := supply.SaveSupplyOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	saveOrder(tracked) // placed three days ago, tracked without trouble
	held.State, held.Problem = "held", "the platform cancelled the purchase order"
	saveOrder(held)
	if got := testkit.FailingSteps(t, supply.FailingSupplyOrders); got["retrying"].Count != 0 || got["held"].Count != 1 || got["held"].Longest > time.Minute {
		t.Fatalf("failing supply orders = %+v; want the held one only, failing since now", got)
	}
	tracked.Problem = "orders did not record the shipment: unavailable"
	saveOrder(tracked)
	if got := testkit.FailingSteps(t, supply.FailingSupplyOrders); got["retrying"].Count != 1 {
		t.Fatalf("failing supply orders = %+v; want the one whose tracking fails", got)
	}
	if _, requeued, err := supply.RequeueHeldSupplyOrder(ctx, platform, held.SubOrderID, time.Now()); err != nil || !requeued {
		t.Fatalf("requeue = %v, %v", requeued, err)
	}
	tracked.Problem = ""
	saveOrder(tracked)
	if got := testkit.FailingSteps(t, supply.FailingSupplyOrders); len(got) != 0 {
		t.Fatalf("failing supply orders after the requeue and a good round = %+v", got)
	}

	// A paid partner order docking could not place, first pulled an hour ago.
	partner := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO partners (partner_id, code, name, protocol, endpoint, locales, commission_bps, status, created_at, updated_at)
		VALUES ($1, 'm', 'M', 'standard_grpc', 'http://m', '{en}', 500, 'unverified', now(), now())`, partner); err != nil {
		t.Fatal(err)
	}
	for state, seen := range map[string]time.Duration{"held": time.Hour, "waiting": 3 * time.Hour} {
		if _, err := pool.Exec(ctx, `INSERT INTO partner_orders (partner_id, partner_order_id, state, partner_status, raw, partner_updated_at,
			first_seen_at, updated_at) VALUES ($1, $2, $2, 'x', '{}', now(), now() - $3::interval, now())`, partner, state, seen.String()); err != nil {
			t.Fatal(err)
		}
	}
	if got := testkit.FailingSteps(t, trade.FailingPartnerOrders); got["held"].Count != 1 || got["held"].Longest < 59*time.Minute || len(got) != 1 {
		t.Fatalf("failing partner orders = %+v; want the held one, an hour", got)
	}
}

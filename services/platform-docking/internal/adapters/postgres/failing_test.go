package postgres_test

import (
	"context"
	"strings"
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
	partner := partnerRow(t, pool, "unverified")
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

// A partner's periodic job, a product's push and a requested pull are
// failing from their first failure until they succeed; a later failure does
// not restart the count, and a suspended partner's jobs are not reported.
// A partner payout finance refused to record is failing since docking first
// saw it.
func TestFailingPartnerJobsPushesPullsAndPayoutsAreCounted(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	trade := postgres.NewTrade(pool)
	market, suspended := partnerRow(t, pool, "verified"), partnerRow(t, pool, "suspended")
	ran := func(p uuid.UUID, failed, succeeded []string) {
		t.Helper()
		if err := trade.JobsRan(ctx, p, failed, succeeded); err != nil {
			t.Fatal(err)
		}
	}
	ran(market, []string{app.JobOrderPull, app.JobSettlementPull}, []string{app.JobListingStatus})
	ran(suspended, []string{app.JobOrderPull}, nil)
	time.Sleep(150 * time.Millisecond)
	ran(market, []string{app.JobOrderPull}, []string{app.JobSettlementPull}) // fails again; the settlement pull recovers
	got := testkit.FailingSteps(t, trade.FailingPartnerJobs)
	if got[app.JobOrderPull].Count != 1 || got[app.JobOrderPull].Longest < 150*time.Millisecond || len(got) != 1 {
		t.Fatalf("failing partner jobs = %+v; want the verified partner's order pull, since its first failure", got)
	}
	ran(market, nil, []string{app.JobOrderPull})
	if got := testkit.FailingSteps(t, trade.FailingPartnerJobs); len(got) != 0 {
		t.Fatalf("failing partner jobs after a good pull = %+v", got)
	}

	// Two products queued; one fails twice, then succeeds while it was
	// queued again: its new turn is not failing.
	flaky, fine := uuid.New(), uuid.New()
	queuedAt := time.Now().Add(-time.Minute)
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{flaky, fine}, queuedAt); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := trade.DeferProduct(ctx, flaky, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if got := testkit.FailingSteps(t, trade.FailingPushes); got["retrying"].Count != 1 || len(got) != 1 {
		t.Fatalf("failing pushes = %+v; want one", got)
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{flaky}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := trade.DoneProduct(ctx, app.QueuedProduct{ProductID: flaky, QueuedAt: queuedAt}); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, trade.FailingPushes); len(got) != 0 {
		t.Fatalf("failing pushes after a successful push = %+v", got)
	}

	// A requested pull that fails, then succeeds.
	requested := time.Now()
	if err := trade.RequestPull(ctx, market, "po-7", requested); err != nil {
		t.Fatal(err)
	}
	req := app.PullRequest{PartnerID: market, PartnerOrderID: "po-7", RequestedAt: requested}
	if err := trade.DeferPullRequest(ctx, req, time.Now(), "partner unavailable"); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, trade.FailingPullRequests); got["retrying"].Count != 1 {
		t.Fatalf("failing pull requests = %+v; want one", got)
	}
	if err := trade.DonePullRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, trade.FailingPullRequests); len(got) != 0 {
		t.Fatalf("failing pull requests after the pull = %+v", got)
	}

	// Two payouts seen an hour ago: one recorded, one refused by finance.
	for _, id := range []string{"paid-1", "refused-1"} {
		if _, err := pool.Exec(ctx, `INSERT INTO partner_payouts (partner_id, payout_id, amount_minor, currency, paid_at, raw, first_seen_at)
			VALUES ($1, $2, 100, 'EUR', now(), '{}', now() - interval '1 hour')`, market, id); err != nil {
			t.Fatal(err)
		}
	}
	recorded := time.Now()
	if err := trade.SavePayoutRecord(ctx, market, "paid-1", &recorded, 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := trade.SavePayoutRecord(ctx, market, "refused-1", nil, 0, "the virtual account holds less than the payout"); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, trade.FailingPartnerPayouts); got["unrecorded"].Count != 1 || got["unrecorded"].Longest < 59*time.Minute || len(got) != 1 {
		t.Fatalf("failing partner payouts = %+v; want the refused one, an hour", got)
	}
}

// A held order whose id a pull by id cannot name (longer than a pull
// request holds) is left out of the held orders' rereads: before, it failed
// the whole insert, every round, and no held order of the partner was read
// again.
func TestHeldOrdersRereadLeavesOutAnIDTooLongToPull(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	trade := postgres.NewTrade(pool)
	partner := partnerRow(t, pool, "verified")
	for _, id := range []string{strings.Repeat("9", 129), "PO-1"} {
		if _, err := pool.Exec(ctx, `INSERT INTO partner_orders (partner_id, partner_order_id, state, partner_status, raw, partner_updated_at,
			first_seen_at, updated_at) VALUES ($1, $2, 'held', 'paid', '{}', now(), now() - interval '1 hour', now() - interval '1 hour')`, partner, id); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	n, err := trade.RequestHeldPulls(ctx, partner, now, now.Add(-time.Minute), now.Add(-24*time.Hour), 20)
	if err != nil || n != 1 {
		t.Fatalf("held orders requested again = %d, %v; want the one whose id a pull can name", n, err)
	}
}

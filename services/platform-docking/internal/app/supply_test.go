package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

// The import creates each platform product once as the supplier's ERP and
// submits it, lists it once approved, updates only what changed (a stock
// change is a stock sync, not an update) and keeps the platform's SKU codes.
func TestSupplyImportCreatesAndUpdates(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 5, "P1-A", "P1-B")
	f.seed(t, "P2", "20.00", 7, "P2-A")
	f.seed(t, "P3", "30.00", 9, "P3-A")
	f.rounds(t, 1)
	if got := f.catalog.count("create"); got != 3 {
		t.Fatalf("%d products created, want 3", got)
	}
	if p := f.catalog.product("P1-B"); p.status != "submitted" || len(p.skus) != 2 || p.content.SKUs[1].Price.Amount != 1000 || p.content.SKUs[1].Price.Currency != "CNY" {
		t.Errorf("P1 in the catalogue: %+v", p)
	}
	if !f.catalog.callers[f.erpClient] || len(f.catalog.callers) != 1 {
		t.Errorf("catalogue called as %v, want only the ERP client %s", f.catalog.callers, f.erpClient)
	}
	if got := f.catalog.stock["P2-A"]; got != 7 {
		t.Errorf("P2-A stock %d, want 7", got)
	}

	f.catalog.approve()
	if _, err := f.sim.PutProduct(supplysim.Product{ID: "P2", Title: "Product P2", Description: "From the platform",
		SKUs: []supplysim.SKU{{Code: "P2-A", Price: "21.50", WeightG: 500, Package: supplysim.Package{Length: 120, Width: 80, Height: 60}, Stock: 7}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.SetStock("P3-A", 2); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 1)
	f.rounds(t, 1)
	if got := f.catalog.count("create"); got != 3 {
		t.Errorf("%d creates after changes, want still 3", got)
	}
	if got := f.catalog.count("update"); got != 1 {
		t.Errorf("%d updates, want 1 (P2's price; P3 only restocked)", got)
	}
	if p := f.catalog.product("P2-A"); p.content.SKUs[0].Price.Amount != 2150 || p.status != "listed" {
		t.Errorf("P2 after its price change: %+v", p)
	}
	if p := f.catalog.product("P1-A"); p.status != "listed" {
		t.Errorf("P1 approved but %s, want listed", p.status)
	}
	if got := f.catalog.count("list"); got != 3 {
		t.Errorf("%d ListProduct calls, want 3 (once each)", got)
	}
	if got := f.catalog.stock["P3-A"]; got != 2 {
		t.Errorf("P3-A stock %d, want 2", got)
	}
	_, act, err := f.supply.GetSupplyPlatform(context.Background(), admin, f.platform.ID)
	if err != nil || act.ProductsImported != 3 || act.LastImportAt == nil || act.ImportWatermark == nil || act.LastError != "" {
		t.Errorf("activity: %+v %v", act, err)
	}
}

// A bulk change stamps more products alike than one import run reads
// (50 pages of 100): the run goes on until it is past them. Before, every
// run stopped after the same first 5,000, left the watermark where it was,
// and the products after them were never imported.
func TestSupplyImportGoesPastABulkChangeStampedAlike(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	f.stampedAt.Store(&at)
	const products = 5_050
	for i := range products {
		f.seed(t, fmt.Sprintf("B%05d", i), "1.00", 1, fmt.Sprintf("B%05d-A", i))
	}
	f.stampedAt.Store(nil)
	// The first run stops at its bound, the watermark moved to the bulk
	// change's moment; the second reads from there to the end.
	f.rounds(t, 2)
	if got := f.catalog.count("create"); got != products {
		t.Fatalf("%d products imported, want all %d", got, products)
	}
}

// Each merchant's sub-orders go to its own account on the platform and the
// rest (buyers, merchants without an account) to the default account, as
// the platform itself saw them; other suppliers' sub-orders are not
// placed; a paid event delivered again places nothing twice.
func TestSupplyOrdersRouteByMerchant(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 100, "P1-A", "P1-B")
	f.rounds(t, 1)
	stranger, other := uuid.New(), uuid.New()
	want := map[string]string{}
	var evs []*ordersv1.OrderPaid
	for i, c := range []struct {
		merchant uuid.UUID
		account  string
	}{{f.m1, "acc-m1"}, {f.m2, "acc-m2"}, {f.m1, "acc-m1"}, {uuid.Nil, "acc-default"}, {stranger, "acc-default"}} {
		ev, sub := f.paidOrder(c.merchant, f.supplier, "P1-A", "P1-B")
		if i == 0 {
			// One order also has another supplier's goods: not docking's.
			o, _ := f.paidOrder(c.merchant, other, "P1-A")
			ev.SubOrders = append(ev.SubOrders, o.SubOrders[0])
		}
		want[sub] = c.account
		evs = append(evs, ev)
		f.paid(t, ev)
	}
	f.rounds(t, 1)
	for _, ev := range evs {
		f.paid(t, ev) // redelivered
	}
	f.rounds(t, 1)

	orders := f.sim.Orders()
	if len(orders) != len(want) {
		t.Fatalf("%d purchase orders on the platform, want %d", len(orders), len(want))
	}
	for _, o := range orders {
		if acc, ok := want[o.Reference]; !ok || o.AccountID != acc {
			t.Errorf("purchase order %s for %s placed by %s, want %q", o.ID, o.Reference, o.AccountID, acc)
		}
		if len(o.Lines) != 2 || o.Lines[0].SKU != "P1-A" || o.Lines[1].SKU != "P1-B" {
			t.Errorf("purchase order %s lines %+v", o.ID, o.Lines)
		}
	}
	listed, _, err := f.supply.ListSupplyOrders(context.Background(), admin, app.SupplyOrderFilter{PlatformID: f.platform.ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range listed {
		po, _ := f.sim.OrderByReference(o.SubOrderID.String())
		if o.State != app.SupplyPlaced || o.PlatformOrderID != po.ID || o.AccountID != want[o.SubOrderID.String()] || o.Attempts != 1 {
			t.Errorf("recorded %+v, want placed as %s by %s once", o, po.ID, want[o.SubOrderID.String()])
		}
	}
	if len(listed) != len(want) {
		t.Errorf("%d supply orders recorded, want %d", len(listed), len(want))
	}
}

// A sub-order of a SKU docking never imported is held for an operator,
// not sent.
func TestSupplyOrderOfUnknownSKUIsHeld(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 100, "P1-A")
	f.rounds(t, 1)
	ev, _ := f.paidOrder(uuid.Nil, f.supplier, "NOT-IMPORTED")
	f.paid(t, ev)
	f.rounds(t, 1)
	held, _, err := f.supply.ListSupplyOrders(context.Background(), admin, app.SupplyOrderFilter{PlatformID: f.platform.ID, State: app.SupplyHeld, Limit: 10})
	if err != nil || len(held) != 1 || held[0].Problem == "" {
		t.Errorf("held: %+v %v", held, err)
	}
	if n := len(f.sim.Orders()); n != 0 {
		t.Errorf("%d orders placed, want none", n)
	}
}

// With the platform failing, rate limiting and losing answers, every
// import and placement gets through in later rounds, each sub-order placed
// exactly once under its account.
func TestSupplyFaultsRetriedToCompletion(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{ServerError: 0.25, RateLimit: 0.15, LostAnswer: 0.25})
	for i := range 12 {
		id := fmt.Sprintf("P%02d", i)
		f.seed(t, id, "5.00", 1000, id+"-A")
	}
	for range 100 {
		_ = f.round(t)
		if f.catalog.count("create") >= 12 {
			break
		}
	}
	want := map[string]string{}
	for i := range 30 {
		merchant, account := []uuid.UUID{f.m1, f.m2, uuid.Nil}[i%3], []string{"acc-m1", "acc-m2", "acc-default"}[i%3]
		ev, sub := f.paidOrder(merchant, f.supplier, fmt.Sprintf("P%02d-A", i%12))
		want[sub] = account
		f.paid(t, ev)
	}
	rounds := 0
	for ; rounds < 300; rounds++ {
		_ = f.round(t)
		placed, _, err := f.supply.ListSupplyOrders(context.Background(), admin, app.SupplyOrderFilter{PlatformID: f.platform.ID, State: app.SupplyPlaced, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(placed) == len(want) {
			break
		}
	}
	orders := f.sim.Orders()
	if len(orders) != len(want) {
		t.Fatalf("%d purchase orders on the platform after %d rounds, want %d", len(orders), rounds, len(want))
	}
	retried := 0
	for _, o := range orders {
		if o.AccountID != want[o.Reference] {
			t.Errorf("%s placed by %s, want %s", o.Reference, o.AccountID, want[o.Reference])
		}
	}
	all, _, _ := f.supply.ListSupplyOrders(context.Background(), admin, app.SupplyOrderFilter{PlatformID: f.platform.ID, Limit: 100})
	for _, o := range all {
		po, _ := f.sim.OrderByReference(o.SubOrderID.String())
		if o.State != app.SupplyPlaced || o.PlatformOrderID != po.ID {
			t.Errorf("%s: %+v, want placed as %s", o.SubOrderID, o, po.ID)
		}
		if o.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no placement needed a retry: the faults were not exercised")
	}
	if got := f.catalog.count("create"); got < 12 {
		t.Errorf("%d products created, want 12", got)
	}
	if n := len(f.catalog.products); n != 12 {
		t.Errorf("%d products in the catalogue, want 12 (none twice)", n)
	}
}

// A platform failing for now (down, timing out) is asked once a round: its
// other queued orders wait for the next round instead of each costing a
// timeout while every other platform's and partner's work waits behind
// them. Back up, all of them are placed.
func TestSupplyPlatformDownIsAskedOnceARound(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P01", "5.00", 1000, "P01-A")
	f.rounds(t, 1)
	if f.catalog.count("create") != 1 {
		t.Fatalf("%d products imported, want 1", f.catalog.count("create"))
	}
	const queued = 3
	for range queued {
		ev, _ := f.paidOrder(uuid.Nil, f.supplier, "P01-A")
		f.paid(t, ev)
	}
	f.placingDown.Store(true)
	for round := 1; round <= 2; round++ {
		_ = f.round(t)
		if n := f.placeCalls.Load(); n != int32(round) {
			t.Fatalf("after %d rounds the down platform was asked to place %d orders, want once a round", round, n)
		}
	}
	f.placingDown.Store(false)
	for range 10 {
		_ = f.round(t)
	}
	if n := len(f.sim.Orders()); n != queued {
		t.Fatalf("%d purchase orders placed once the platform is back, want %d", n, queued)
	}
}

// A platform down is left alone for DOCKING_RETRY once one of its orders
// finds it so: its orders, the oldest due and more than a round's batch,
// no longer fill every round's batch, and another platform's orders are
// placed the next round. Before, only a rate limit parked a platform, and
// the other platform's order waited until the down one's were worked off,
// one a round.
func TestASupplyPlatformDownHoldsUpNoOther(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	simB, supplierB := f.secondPlatform(t)
	f.seed(t, "P01", "5.00", 1000, "P01-A")
	if _, err := simB.PutProduct(supplysim.Product{ID: "Q01", Title: "Product Q01", Description: "From the second platform",
		SKUs: []supplysim.SKU{{Code: "Q01-A", Price: "3.00", WeightG: 500, Package: supplysim.Package{Length: 200, Width: 150, Height: 100}, Stock: 10}}}); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 1)
	f.placingDown.Store(true)
	for range 150 {
		ev, _ := f.paidOrder(uuid.Nil, f.supplier, "P01-A")
		f.paid(t, ev)
	}
	f.clk.Add(time.Second) // the second platform's order is due after them
	ev, sub := f.paidOrder(uuid.Nil, supplierB, "Q01-A")
	f.paid(t, ev)
	// Two rounds within DOCKING_RETRY (a second in these tests).
	for range 2 {
		_ = f.supply.Round(context.Background())
		f.clk.Add(400 * time.Millisecond)
	}
	if orders := simB.Orders(); len(orders) != 1 || orders[0].Reference != sub {
		t.Fatalf("after two rounds with the first platform down the second holds %d purchase orders, want its one", len(orders))
	}
	if n := f.placeCalls.Load(); n != 1 {
		t.Errorf("the down platform was asked to place %d orders in two rounds, want once, then left alone", n)
	}
	// Back up, it is asked again once DOCKING_RETRY has passed.
	f.placingDown.Store(false)
	for range 3 {
		_ = f.round(t)
	}
	if n := len(f.sim.Orders()); n != 150 {
		t.Errorf("%d purchase orders placed once the platform is back, want 150", n)
	}
}

// One purchase order the platform no longer finds is that order's trouble:
// the platform's other orders are still read back in the round (before the
// first such answer quieted the platform for the rest of it).
func TestSupplyOrderNotFoundQuietsNoOtherOrder(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P01", "5.00", 1000, "P01-A")
	f.rounds(t, 1)
	const placed = 3
	for range placed {
		ev, _ := f.paidOrder(uuid.Nil, f.supplier, "P01-A")
		f.paid(t, ev)
	}
	f.rounds(t, 1)
	if n := len(f.sim.Orders()); n != placed {
		t.Fatalf("%d purchase orders placed, want %d", n, placed)
	}
	f.trackingGone.Store(true)
	f.rounds(t, 1)
	if n := f.trackCalls.Load(); n != placed {
		t.Fatalf("%d of %d placed orders read back in a round whose first answered not found, want all", n, placed)
	}
}

// A placed order is read back under its account until the platform ships
// it; then the local sub-order is shipped with the platform's carrier and
// waybill, as the platform's supplier, and only then is the purchase order
// shipped: orders down, the next round tells it again; orders refusing it
// (the sub-order cancelled meanwhile), it is held for an operator.
func TestSupplyWaybillShipsTheSubOrder(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 100, "P1-A")
	f.rounds(t, 1)
	ev, sub := f.paidOrder(f.m2, f.supplier, "P1-A")
	f.paid(t, ev)
	ev, cancelled := f.paidOrder(f.m1, f.supplier, "P1-A")
	f.paid(t, ev)
	f.rounds(t, 1)
	for _, ref := range []string{sub, cancelled} {
		po, ok := f.sim.OrderByReference(ref)
		if !ok {
			t.Fatalf("%s not placed", ref)
		}
		if _, err := f.sim.Ship(po.ID); err != nil {
			t.Fatal(err)
		}
	}
	shipped, _ := f.sim.OrderByReference(sub)

	f.shipments.set(func(d *shipmentsDouble) { d.down = true })
	f.rounds(t, 1)
	if o := f.supplyOrder(t, sub); o.State != app.SupplyPlaced || o.Waybill != shipped.Waybill || !strings.Contains(o.Problem, "orders did not record") {
		t.Fatalf("orders down: %+v; want placed, the waybill kept, the problem shown", o)
	}

	f.shipments.set(func(d *shipmentsDouble) {
		d.down, d.cancelled = false, map[uuid.UUID]bool{uuid.MustParse(cancelled): true}
	})
	f.rounds(t, 1)
	if o := f.supplyOrder(t, sub); o.State != app.SupplyShipped || o.Waybill != shipped.Waybill || o.CarrierCode != "YTO" || o.Problem != "" {
		t.Errorf("after shipping: %+v", o)
	}
	parcel, calls := f.shipments.parcel(uuid.MustParse(sub))
	if parcel != "YTO/"+shipped.Waybill || len(f.shipments.suppliers) != 1 || !f.shipments.suppliers[f.supplier] {
		t.Errorf("orders recorded %q for suppliers %v; want YTO/%s for the platform's supplier %s", parcel, f.shipments.suppliers, shipped.Waybill, f.supplier)
	}
	if o := f.supplyOrder(t, cancelled); o.State != app.SupplyHeld || !strings.Contains(o.Problem, "orders refused the platform's shipment") {
		t.Errorf("the cancelled sub-order's purchase order: %+v; want held with orders' refusal", o)
	}
	f.rounds(t, 1)
	if _, again := f.shipments.parcel(uuid.MustParse(sub)); again != calls {
		t.Errorf("orders was told %d more times after the shipment was recorded", again-calls)
	}
}

// A sub-order cancelled here has its purchase order cancelled at the
// platform (its stock there given back), whether docking placed it,
// never got to, or placed it and stopped before recording it (placed
// again by its reference, which answers the order, then cancelled). One
// the platform shipped first is held for an operator.
func TestCancelledSubOrderIsCancelledAtThePlatform(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before runs after the purchase order was queued (and placed,
		// when placed is set), before the cancellation.
		placed bool
		before func(t *testing.T, f *supplyFixture, sub string)
		// noEvent leaves the cancellation's event unhandled: orders
		// answers the sub-order cancelled.
		noEvent    bool
		state      string
		problem    string
		onPlatform string // the platform's order's status; "" for none
	}{
		{name: "not placed yet", state: app.SupplyCancelled},
		{name: "cancelled before the event is handled", noEvent: true, state: app.SupplyCancelled, problem: "before its purchase order was placed",
			before: func(t *testing.T, f *supplyFixture, sub string) {
				f.shipments.set(func(d *shipmentsDouble) { d.cancelled = map[uuid.UUID]bool{uuid.MustParse(sub): true} })
			}},
		{name: "placed", placed: true, state: app.SupplyCancelled, onPlatform: supplysim.StatusCancelled},
		{name: "placed, its record lost", placed: true, state: app.SupplyCancelled, onPlatform: supplysim.StatusCancelled,
			before: func(t *testing.T, f *supplyFixture, sub string) {
				if _, err := f.pool.Exec(context.Background(), `UPDATE supply_orders SET state = 'queued', platform_order_id = '', placed_at = NULL
					WHERE sub_order_id = $1`, sub); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "shipped by the platform first", placed: true, state: app.SupplyHeld, problem: "refused to cancel", onPlatform: supplysim.StatusShipped,
			before: func(t *testing.T, f *supplyFixture, sub string) {
				po, _ := f.sim.OrderByReference(sub)
				if _, err := f.sim.Ship(po.ID); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSupplyFixture(t, supplysim.Faults{})
			f.seed(t, "P1", "10.00", 100, "P1-A")
			f.rounds(t, 1)
			ev, sub := f.paidOrder(f.m1, f.supplier, "P1-A")
			f.paid(t, ev)
			if tc.placed {
				f.rounds(t, 1)
			}
			if tc.before != nil {
				tc.before(t, f, sub)
			}
			if !tc.noEvent {
				f.cancelledSub(t, sub)
			}
			f.rounds(t, 2)
			if o := f.supplyOrder(t, sub); o.State != tc.state || !strings.Contains(o.Problem, tc.problem) {
				t.Errorf("the purchase order: %+v; want %s with a problem containing %q", o, tc.state, tc.problem)
			}
			po, placed := f.sim.OrderByReference(sub)
			switch {
			case tc.onPlatform == "" && placed:
				t.Errorf("the platform holds %+v for a sub-order cancelled before it was placed", po)
			case tc.onPlatform != "" && po.Status != tc.onPlatform:
				t.Errorf("the platform's order is %q, want %q", po.Status, tc.onPlatform)
			}
			if n := len(f.sim.Orders()); n > 1 {
				t.Errorf("%d orders at the platform, want at most one", n)
			}
			if stock, _ := f.sim.Stock("P1-A"); tc.onPlatform != supplysim.StatusShipped && stock != 100 {
				t.Errorf("the platform's stock is %d, want all 100 back", stock)
			}
		})
	}
}

// A purchase order the platform's staff cancel (an item it cannot supply)
// holds the supply order for an operator: the sub-order's goods will not
// come from the platform. Before, it was read again for good as not
// shipped yet, and the sub-order waited with nobody told.
func TestAPurchaseOrderThePlatformCancelsIsHeld(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 100, "P1-A")
	f.rounds(t, 1)
	ev, sub := f.paidOrder(uuid.Nil, f.supplier, "P1-A")
	f.paid(t, ev)
	f.rounds(t, 1)
	po, ok := f.sim.OrderByReference(sub)
	if !ok {
		t.Fatalf("%s not placed", sub)
	}
	if _, err := f.sim.CancelInBackOffice(po.ID); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 1)
	if o := f.supplyOrder(t, sub); o.State != app.SupplyHeld || !strings.Contains(o.Problem, "the platform cancelled the order") {
		t.Errorf("after the platform cancelled it: %+v; want held for an operator", o)
	}
}

// A supply platform asking us to wait holds up no other platform's
// purchase orders, however many of its own are due: before, each round
// read the oldest due orders of every platform, skipped the waiting one's,
// and another platform's newer orders never came up.
func TestAWaitingPlatformHoldsUpNoOtherPlatformsOrders(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 1000, "P1-A")
	f.rounds(t, 1)

	waiting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "86400")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"type":"rate_limit_error","code":"rate_limited","message":"slow down"}}`))
	}))
	t.Cleanup(waiting.Close)
	other := f.platform
	other.ID, other.Code, other.Name, other.Endpoint, other.SupplierOrgID = uuid.Nil, "busy", "Busy", waiting.URL, uuid.New()
	if _, err := f.supply.CreateSupplyPlatform(context.Background(), admin, other); err != nil {
		t.Fatal(err)
	}
	for range 120 {
		ev, _ := f.paidOrder(uuid.Nil, other.SupplierOrgID, "P1-A")
		f.paid(t, ev)
	}
	_ = f.round(t) // the busy platform answers 429: it waits a day
	ev, sub := f.paidOrder(uuid.Nil, f.supplier, "P1-A")
	f.paid(t, ev)
	_ = f.round(t)
	if o := f.supplyOrder(t, sub); o.State != app.SupplyPlaced {
		t.Errorf("the purchase order of a platform not waiting is %s behind 120 of a waiting one's, want placed", o.State)
	}
}

// Imports waiting for approval take turns: a hundred left rejected do not
// keep a product approved after them off sale. Before, each round checked
// the hundred oldest waiting, and only an approval moved one out of the way.
func TestApprovedImportsAreListedBehindAHundredRejected(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	for i := range 100 {
		id := fmt.Sprintf("R%03d", i)
		f.seed(t, id, "5.00", 10, id+"-A")
	}
	f.rounds(t, 1)
	f.catalog.reject()
	f.seed(t, "LATE", "5.00", 10, "LATE-A")
	f.rounds(t, 1)
	f.catalog.approve()
	f.rounds(t, 1)
	if p := f.catalog.product("LATE-A"); p.status != "listed" {
		t.Errorf("a product approved behind a hundred rejected is %s, want listed", p.status)
	}
}

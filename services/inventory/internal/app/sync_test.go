package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func TestSyncResultsPerLine(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	a, b, c := f.sku(t, sup, "A"), f.sku(t, sup, "B"), f.sku(t, sup, "C")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, a, 5)
	f.stock(t, sup, w, b, 5)
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(b, 4)}}); err != nil {
		t.Fatal(err)
	}
	f.sku(t, supplier(), "X") // another supplier's code: unknown here

	results, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "s1", WarehouseID: w.ID, Lines: []domain.SyncLine{
		{Code: "A", OnHand: 5},   // unchanged
		{Code: "B", OnHand: 3},   // below the 4 reserved
		{Code: "C", OnHand: 12},  // applied (a new stock row)
		{Code: "X", OnHand: 1},   // not this supplier's
		{Code: "NEW", OnHand: 1}, // unknown
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.SyncStatus{domain.SyncUnchanged, domain.SyncRejected, domain.SyncApplied, domain.SyncRejected, domain.SyncRejected}
	for i, r := range results {
		if r.Status != want[i] {
			t.Errorf("line %d = %+v, want %s", i, r, want[i])
		}
	}
	if results[0].SKUID != a.String() || results[2].SKUID != c.String() || results[3].SKUID != "" {
		t.Errorf("sku ids: %+v", results)
	}
	if !strings.Contains(results[1].Message, "4 units reserved") || results[4].Message != "unknown SKU code" {
		t.Errorf("messages: %q, %q", results[1].Message, results[4].Message)
	}
	if l := f.level(t, w.ID, c); l.OnHand != 12 {
		t.Errorf("C = %+v", l)
	}
	if l := f.level(t, w.ID, b); l.OnHand != 5 || l.Reserved != 4 {
		t.Errorf("B = %+v, want untouched", l)
	}
	var kind, ref, actor string
	if err := f.pool.QueryRow(ctx, "SELECT kind, reference, actor_id FROM stock_journal WHERE sku_id = $1", c).Scan(&kind, &ref, &actor); err != nil ||
		kind != "sync" || ref != "s1" || actor != sup.Subject {
		t.Errorf("journal = %s %s %s, %v", kind, ref, actor, err)
	}
	f.mustHoldInvariants(t)
}

// A code reused by a new SKU after the old one's product went to the bin
// names the live SKU.
func TestSyncPrefersTheLiveSKUOfAReusedCode(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	old := f.sku(t, sup, "R")
	w := f.warehouse(t, sup)
	err := f.store.InTx(ctx, func(r app.Repository) error {
		return f.svc.HandleProductBinChanged(ctx, r, app.ProductBinChanged{ProductID: f.productOf(t, old), SupplierID: orgOf(sup), Deleted: true, At: f.clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	live := f.sku(t, sup, "R")
	results, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "s", WarehouseID: w.ID, Lines: []domain.SyncLine{{Code: "R", OnHand: 2}}})
	if err != nil || results[0].SKUID != live.String() || results[0].Status != domain.SyncApplied {
		t.Fatalf("results = %+v, %v; want %s applied", results, err, live)
	}
}

func TestSyncCallers(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	central := f.warehouse(t, admin)
	in := func(w domain.Warehouse, id string) app.SyncInput {
		return app.SyncInput{SyncID: id, WarehouseID: w.ID, Lines: []domain.SyncLine{{Code: "A", OnHand: 1}}}
	}
	// relay is a service's sync for the supplier named.
	relay := func(w domain.Warehouse, id string, supplier auth.Caller) app.SyncInput {
		r := in(w, id)
		r.SupplierOrgID = orgOf(supplier)
		return r
	}
	staff := sup
	staff.Subject, staff.OrganizationRole = "staff-member", auth.OrgRoleStaff
	erp := auth.Caller{Subject: "erp-client", Kind: auth.KindAPIClient}
	tests := []struct {
		name   string
		caller auth.Caller
		in     app.SyncInput
		want   apperr.Kind
	}{
		{"owner", sup, in(w, "1"), apperr.KindUnknown},
		{"staff", staff, in(w, "2"), apperr.KindUnknown},
		{"a service relaying for the supplier", orders, relay(w, "3", sup), apperr.KindUnknown},
		{"a service naming no supplier", orders, in(w, "3a"), apperr.KindInvalid},
		{"a service naming another supplier", orders, relay(w, "3b", supplier()), apperr.KindNotFound},
		{"a supplier naming another supplier acts for its own", sup, relay(w, "3c", supplier()), apperr.KindUnknown},
		{"another supplier", supplier(), in(w, "4"), apperr.KindNotFound},
		{"an ERP API client (no organization in its identity yet)", erp, in(w, "5"), apperr.KindPermissionDenied},
		{"a buyer", buyer, in(w, "6"), apperr.KindPermissionDenied},
		{"a central warehouse", admin, in(central, "7"), apperr.KindPermissionDenied},
		{"a service into a central warehouse", orders, relay(central, "8", sup), apperr.KindFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.SyncStock(ctx, tt.caller, tt.in)
			if tt.want == apperr.KindUnknown {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKind(t, err, tt.want)
		})
	}
}

// A count is applied as of when the ERP took it: goods shipped after the
// count are not brought back by a sync that arrives later, a count older
// than the last one applied is rejected, and counted_at is bounded.
func TestSyncAppliesACountAsOfWhenItWasTaken(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	a := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, a, 10)
	f.clock.Advance(time.Minute)
	counted := f.clock.Now() // the ERP counts 10 on the shelf, 3 of them reserved
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(a, 3)}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Commit(ctx, orders, "o", time.Time{}); err != nil { // picked up: 7 on hand
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)

	sync := func(id string, at time.Time, onHand int64) domain.SyncResult {
		t.Helper()
		res, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: id, WarehouseID: w.ID, CountedAt: at,
			Lines: []domain.SyncLine{{Code: "A", OnHand: onHand}}})
		if err != nil {
			t.Fatalf("sync %s: %v", id, err)
		}
		return res[0]
	}
	if r := sync("late", counted, 10); r.Status != domain.SyncUnchanged || f.level(t, w.ID, a).OnHand != 7 {
		t.Errorf("the count of 10 taken before 3 left = %+v, on hand %d; want 7 unchanged", r, f.level(t, w.ID, a).OnHand)
	}
	if r := sync("older", counted.Add(-30*time.Second), 12); r.Status != domain.SyncRejected ||
		!strings.Contains(r.Message, "before this stock's last count") || f.level(t, w.ID, a).OnHand != 7 {
		t.Errorf("a count older than the last one = %+v, on hand %d; want it rejected", r, f.level(t, w.ID, a).OnHand)
	}
	if r := sync("newer", f.clock.Now(), 6); r.Status != domain.SyncApplied || f.level(t, w.ID, a).OnHand != 6 {
		t.Errorf("a count taken now = %+v, on hand %d; want 6 applied", r, f.level(t, w.ID, a).OnHand)
	}
	// The same count sent again under another sync id is in effect; another
	// level counted at that very time is refused.
	if r := sync("newer again", f.clock.Now(), 6); r.Status != domain.SyncUnchanged || f.level(t, w.ID, a).OnHand != 6 {
		t.Errorf("the last count sent again = %+v, on hand %d; want 6 unchanged", r, f.level(t, w.ID, a).OnHand)
	}
	if r := sync("newer otherwise", f.clock.Now(), 5); r.Status != domain.SyncRejected ||
		!strings.Contains(r.Message, "as this stock's last count") || f.level(t, w.ID, a).OnHand != 6 {
		t.Errorf("another level counted at the last count's time = %+v, on hand %d; want it rejected", r, f.level(t, w.ID, a).OnHand)
	}
	for _, at := range []time.Time{f.clock.Now().Add(10 * time.Minute), f.clock.Now().Add(-25 * time.Hour)} {
		_, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "bad", WarehouseID: w.ID, CountedAt: at,
			Lines: []domain.SyncLine{{Code: "A", OnHand: 1}}})
		if !apperr.IsKind(err, apperr.KindInvalid) || !strings.Contains(err.Error(), "counted_at") {
			t.Errorf("counted at %v: %v, want counted_at refused", at, err)
		}
	}
	// A retry of a sync a day after its count answers the first call.
	f.clock.Advance(25 * time.Hour)
	if r := sync("newer", counted.Add(3*time.Minute), 6); r.Status != domain.SyncApplied || f.level(t, w.ID, a).OnHand != 6 {
		t.Errorf("the count retried a day later = %+v, on hand %d; want the first answer", r, f.level(t, w.ID, a).OnHand)
	}
	// The same sync id with another counted_at is another request.
	_, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "newer", WarehouseID: w.ID, CountedAt: f.clock.Now().Add(time.Second),
		Lines: []domain.SyncLine{{Code: "A", OnHand: 6}}})
	if !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("sync id reused with another counted_at: %v", err)
	}
	f.mustHoldInvariants(t)
}

// Two counts arriving in the wrong order: the older one, applied late, is
// a correction the newer count replaces, not goods that moved after it. On
// hand is what the newer count saw, where before it was that plus the
// older count's correction, stock nobody had.
func TestSyncCountsArrivingOutOfOrderAreNotAddedUp(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	a := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, a, 5)
	f.clock.Advance(time.Minute)
	first := f.clock.Now() // the shelf holds 10
	f.clock.Advance(time.Minute)
	second := f.clock.Now() // still 10
	f.clock.Advance(time.Minute)
	for _, c := range []struct {
		id string
		at time.Time
	}{{"first", first}, {"second", second}} {
		res, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: c.id, WarehouseID: w.ID, CountedAt: c.at,
			Lines: []domain.SyncLine{{Code: "A", OnHand: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.level(t, w.ID, a).OnHand; got != 10 {
			t.Fatalf("after the %s count (%s): on hand %d, want the 10 on the shelf", c.id, res[0].Status, got)
		}
		f.clock.Advance(time.Second)
	}
	f.mustHoldInvariants(t)
}

// A count taken after the carrier picked goods up, but before logistics
// committed them (a moment to hours later), already did without them: the
// commit, told when the goods left, takes them off what is reserved only,
// and a count as of after they left, applied once the commit is in, does
// not take them off again. A count taken before they left still has them
// taken off. Before, both took the shipped units off twice and sellable
// stock vanished until the next count.
func TestACountBetweenPickUpAndCommitIsNotTakenOffTwice(t *testing.T) {
	for _, tc := range []struct {
		name                string
		countBeforeCommit   bool // the count arrives before the commit
		countedBeforePickUp bool
		// stampedAhead: the count was taken before the pick-up but the
		// ERP's clock, ahead, stamped it after: within the clocks' margin
		// it is taken as before.
		stampedAhead bool
		want         int64
	}{
		{name: "count applied before the commit", countBeforeCommit: true, want: 7},
		{name: "count applied after the commit", want: 7},
		{name: "count taken before the pick-up, applied after the commit", countedBeforePickUp: true, want: 7},
		{name: "count stamped just after the pick-up, applied before the commit", stampedAhead: true, countBeforeCommit: true, want: 7},
		{name: "count stamped just after the pick-up, applied after the commit", stampedAhead: true, want: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 4)
			sup := supplier()
			a := f.sku(t, sup, "A")
			w := f.warehouse(t, sup)
			f.stock(t, sup, w, a, 10)
			f.clock.Advance(time.Minute)
			if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(a, 3)}}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			before := f.clock.Now() // the shelf still holds 10
			f.clock.Advance(time.Minute)
			pickedUp := f.clock.Now()
			f.clock.Advance(10 * time.Minute)
			counted, onShelf := f.clock.Now(), int64(7) // the shelf after the pick-up
			switch {
			case tc.countedBeforePickUp:
				counted, onShelf = before, 10
			case tc.stampedAhead:
				counted, onShelf = pickedUp.Add(2*time.Minute), 10
			}
			f.clock.Advance(time.Minute)
			sync := func() {
				t.Helper()
				res, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "count", WarehouseID: w.ID, CountedAt: counted,
					Lines: []domain.SyncLine{{Code: "A", OnHand: onShelf}}})
				if err != nil || res[0].Status == domain.SyncRejected {
					t.Fatalf("the count: %+v, %v", res, err)
				}
			}
			if tc.countBeforeCommit {
				sync()
			}
			if _, err := f.svc.Commit(ctx, orders, "o", pickedUp); err != nil {
				t.Fatal(err)
			}
			if !tc.countBeforeCommit {
				sync()
			}
			if l := f.level(t, w.ID, a); l.OnHand != tc.want || l.Reserved != 0 {
				t.Errorf("on hand %d, reserved %d; want %d, 0", l.OnHand, l.Reserved, tc.want)
			}
			f.mustHoldInvariants(t)
		})
	}
}

// A pick-up time from before the goods were even reserved (a carrier's
// clock gone wrong) is taken as the reservation's time: a count taken
// before the reservation did not do without the goods, and they come off.
func TestAPickUpBeforeTheReservationCountsFromTheReservation(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	a := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, a, 10)
	f.clock.Advance(time.Minute)
	res, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "count", WarehouseID: w.ID, Lines: []domain.SyncLine{{Code: "A", OnHand: 10}}})
	if err != nil || res[0].Status == domain.SyncRejected {
		t.Fatalf("the count: %+v, %v", res, err)
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(a, 3)}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.svc.Commit(ctx, orders, "o", time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if l := f.level(t, w.ID, a); l.OnHand != 7 || l.Reserved != 0 {
		t.Errorf("on hand %d, reserved %d; want 7, 0", l.OnHand, l.Reserved)
	}
	f.mustHoldInvariants(t)
}

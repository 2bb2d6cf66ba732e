package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A picked-up parcel's reservation that inventory refuses for good to
// commit (expired, released, unknown there) is not marked committed: the
// goods left the supplier while inventory still counts them on hand and
// may sell them again. The refusal is recorded with inventory's reason,
// counted among the failing steps for an operator, and not asked again;
// the parcels inventory commits go on as before.
func TestStockCommitRefusedForGoodIsRecordedAndCounted(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 23, UnservedCountries: []string{}}, 4)
	refusals := map[string]error{
		"expired":  apperr.FailedPrecondition("the reservation expired").WithReason("RESERVATION_EXPIRED"),
		"released": apperr.FailedPrecondition("the reservation was released").WithReason("RESERVATION_RELEASED"),
		"unknown":  apperr.NotFound("reservation", "res-unknown"),
	}
	f.inventory.refuse = map[string]error{}
	refused := map[string]domain.Shipment{}
	for name, err := range refusals {
		sh := f.create(t, f.input(len(refused), "express"))
		f.inventory.refuse[sh.ReservationID] = err
		refused[name] = sh
	}
	committed := f.create(t, f.input(7, "express"))
	f.waitQuiet(t, time.Minute)
	f.catchUp(t)

	log := testkit.Logger(t)
	if n, err := f.svc.CommitStock(ctx, 10, log); err != nil || n != 1 {
		t.Fatalf("CommitStock = %d, %v; want the one parcel inventory took committed", n, err)
	}
	if n, err := f.svc.CommitStock(ctx, 10, log); err != nil || n != 0 {
		t.Fatalf("a second CommitStock = %d, %v; want nothing left to do", n, err)
	}
	sh, err := f.store.GetShipment(ctx, committed.ID, false)
	if err != nil || !sh.Committed || sh.StockCommitRefusedAt != nil {
		t.Errorf("the parcel inventory took: committed %v, refused at %v (%v)", sh.Committed, sh.StockCommitRefusedAt, err)
	}
	// Inventory is told when the goods left: a count it got since did
	// without them.
	if got := f.inventory.shippedAt[sh.ReservationID]; sh.PickedUpAt == nil || !got.Equal(*sh.PickedUpAt) {
		t.Errorf("the commit said the goods left at %v, the carrier picked them up at %v", got, sh.PickedUpAt)
	}
	for name, want := range refused {
		sh, err := f.store.GetShipment(ctx, want.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if sh.PickedUpAt == nil {
			t.Fatalf("%s: the parcel was never picked up", name)
		}
		if sh.Committed || sh.StockCommitRefusedAt == nil || sh.StockCommitRefusal == "" {
			t.Errorf("%s: committed %v, refused at %v (%q); want the refusal recorded, not committed",
				name, sh.Committed, sh.StockCommitRefusedAt, sh.StockCommitRefusal)
		}
		if calls := f.inventory.refused[sh.ReservationID]; calls != 1 {
			t.Errorf("%s: inventory was asked %d times; want once", name, calls)
		}
	}
	got := testkit.FailingSteps(t, f.store.FailingShipments)
	if got["stock_commit_refused"].Count != int64(len(refusals)) || got["stock_commit"].Count != 0 {
		t.Errorf("failing shipments = %+v; want %d stock commits refused and none pending", got, len(refusals))
	}
}

// Inventory answering PermissionDenied (this service's identity missing a
// role after a bad rollout) is not a refusal for good: the parcel is not
// marked refused, the round ends with the error, and once the role is
// back the commit goes through. Before, every parcel picked up meanwhile
// was recorded refused, for an operator to redo one by one.
func TestStockCommitDeniedByPermissionIsRetried(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 23, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.inventory.refuse = map[string]error{
		sh.ReservationID: apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY"),
	}
	f.waitQuiet(t, time.Minute)
	f.catchUp(t)
	log := testkit.Logger(t)
	if n, err := f.svc.CommitStock(ctx, 10, log); !apperr.IsKind(err, apperr.KindPermissionDenied) || n != 0 {
		t.Fatalf("CommitStock = %d, %v; want the round ended by the denial", n, err)
	}
	if got, err := f.store.GetShipment(ctx, sh.ID, false); err != nil || got.StockCommitRefusedAt != nil {
		t.Fatalf("after a denial: refused at %v (%v); want not recorded refused", got.StockCommitRefusedAt, err)
	}
	f.inventory.mu.Lock()
	f.inventory.refuse = nil
	f.inventory.mu.Unlock()
	if n, err := f.svc.CommitStock(ctx, 10, log); err != nil || n != 1 {
		t.Fatalf("CommitStock once the role is back = %d, %v; want the parcel committed", n, err)
	}
}

// Parcels whose commit inventory keeps failing on their own (an internal
// error on their reservations: a SKU's stock levels edited by hand, say)
// are offered again next round without holding up the parcels picked up
// after them, however many they are. Before, the first of them ended every
// round, and no parcel's stock was committed any more.
func TestOneParcelsFailingCommitHoldsUpNoOther(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 23, UnservedCountries: []string{}}, 4)
	f.inventory.refuse = map[string]error{}
	var stuckIDs []string
	for i := range 6 {
		sh := f.create(t, f.input(i, "express"))
		f.inventory.refuse[sh.ReservationID] = errors.New("rpc error: code = Internal desc = internal error")
		stuckIDs = append(stuckIDs, sh.ID.String())
	}
	stuck := f.create(t, f.input(6, "express"))
	f.inventory.refuse[stuck.ReservationID] = errors.New("rpc error: code = Internal desc = internal error")
	fine := f.create(t, f.input(7, "express"))
	f.waitQuiet(t, time.Minute)
	f.catchUp(t)
	// The stuck ones were picked up first: they head every round.
	if _, err := f.pool.Exec(ctx, `UPDATE shipments SET picked_up_at = picked_up_at - interval '1 hour' WHERE shipment_id = ANY($1::uuid[]) OR shipment_id = $2`,
		stuckIDs, stuck.ID); err != nil {
		t.Fatal(err)
	}
	log := testkit.Logger(t)
	if n, err := f.svc.CommitStock(ctx, 10, log); err == nil || n != 1 {
		t.Fatalf("CommitStock = %d, %v; want the parcel behind committed and the failure reported", n, err)
	}
	if sh, err := f.store.GetShipment(ctx, fine.ID, false); err != nil || !sh.Committed {
		t.Errorf("the parcel behind: committed %v (%v)", sh.Committed, err)
	}
	if _, err := f.svc.CommitStock(ctx, 10, log); err == nil || f.inventory.refused[stuck.ReservationID] != 2 {
		t.Fatalf("a second round: %v, the stuck parcel asked %d times; want it asked again", err, f.inventory.refused[stuck.ReservationID])
	}
	sh, err := f.store.GetShipment(ctx, stuck.ID, false)
	if err != nil || sh.Committed || sh.StockCommitRefusedAt != nil {
		t.Fatalf("the stuck parcel: committed %v, refused at %v (%v); want neither", sh.Committed, sh.StockCommitRefusedAt, err)
	}
	f.inventory.mu.Lock()
	f.inventory.refuse = nil
	f.inventory.mu.Unlock()
	if n, err := f.svc.CommitStock(ctx, 10, log); err != nil || n != 7 {
		t.Fatalf("CommitStock once inventory takes them = %d, %v; want the seven committed", n, err)
	}
}

package app_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func TestReserveIsIdempotentOnOrderID(t *testing.T) {
	f := newFixture(t, 20)
	sup := supplier()
	a, b := f.sku(t, sup, "A"), f.sku(t, sup, "B")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, a, 10)
	f.stock(t, sup, w, b, 10)

	first, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o-1", Lines: []domain.OrderLine{line(a, 2), line(b, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	before := f.rowCounts(t)
	// The same lines, listed differently (split and reordered), are the same request.
	again, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o-1", Lines: []domain.OrderLine{line(b, 1), line(a, 1), line(a, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || len(again.Lines) != len(first.Lines) || !again.ExpiresAt.Equal(first.ExpiresAt) {
		t.Errorf("repeat = %+v, want %+v", again, first)
	}
	if after := f.rowCounts(t); !maps.Equal(before, after) {
		t.Errorf("a repeat wrote rows: %v → %v", before, after)
	}
	_, err = f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o-1", Lines: []domain.OrderLine{line(a, 3), line(b, 1)}})
	wantKind(t, err, apperr.KindAlreadyExists)

	// A repeat with a ttl extends the hold (e.g. once paid, until shipment); never shortens it.
	f.clock.Advance(10 * time.Minute)
	longer, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o-1", Lines: []domain.OrderLine{line(a, 2), line(b, 1)}, TTL: 24 * time.Hour})
	if err != nil || longer.ID != first.ID || !longer.ExpiresAt.After(first.ExpiresAt.Add(23*time.Hour)) {
		t.Fatalf("extend = %+v, %v", longer, err)
	}
	shorter, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o-1", Lines: []domain.OrderLine{line(a, 2), line(b, 1)}, TTL: time.Minute})
	if err != nil || !shorter.ExpiresAt.Equal(longer.ExpiresAt) {
		t.Fatalf("a shorter ttl changed the expiry: %v, %v", shorter.ExpiresAt, err)
	}
	// A finished reservation is returned as it is.
	if _, err := f.svc.Release(ctx, orders, "o-1", ""); err != nil {
		t.Fatal(err)
	}
	done, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o-1", Lines: []domain.OrderLine{line(a, 2), line(b, 1)}})
	if err != nil || done.Status != domain.ReservationReleased {
		t.Fatalf("reserve after release = %+v, %v", done, err)
	}
	if l := f.level(t, w.ID, a); l.Reserved != 0 {
		t.Errorf("reserved = %d after release and repeat", l.Reserved)
	}
	f.mustHoldInvariants(t)
}

// Retries of one order racing each other reserve once.
func TestConcurrentRetriesOfOneOrderReserveOnce(t *testing.T) {
	f := newFixture(t, 20)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 100)
	var mu sync.Mutex
	ids := map[uuid.UUID]int{}
	run(20, func(int) {
		res, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "same", Lines: []domain.OrderLine{line(sku, 3)}})
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		ids[res.ID]++
		mu.Unlock()
	})
	if len(ids) != 1 {
		t.Errorf("reservation ids = %v, want one", ids)
	}
	if l := f.level(t, w.ID, sku); l.Reserved != 3 {
		t.Errorf("reserved = %d, want 3", l.Reserved)
	}
	f.mustHoldInvariants(t)
}

func TestSyncIsIdempotentBySyncID(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	in := app.SyncInput{SyncID: "erp-42", WarehouseID: w.ID, Lines: []domain.SyncLine{{Code: "A", OnHand: 7}, {Code: "ZZ", OnHand: 1}}}
	first, err := f.svc.SyncStock(ctx, sup, in)
	if err != nil {
		t.Fatal(err)
	}
	// Stock moves in between; the repeat still answers the first result and
	// changes nothing.
	f.stock(t, sup, w, first0(t, first), 3)
	before := f.rowCounts(t)
	again, err := f.svc.SyncStock(ctx, sup, in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("repeat = %v, want %v", again, first)
	}
	if after := f.rowCounts(t); !maps.Equal(before, after) {
		t.Errorf("a repeat wrote rows: %v → %v", before, after)
	}
	if l := f.level(t, w.ID, first0(t, first)); l.OnHand != 10 {
		t.Errorf("on hand = %d, want 10 (7 synced + 3 adjusted, the repeat applied nothing)", l.OnHand)
	}
	// The same lines in another order (an ERP rebuilding its payload from
	// a map) are the same sync: the first result, in the retry's order.
	// Before, the key was refused as reused.
	reordered := in
	reordered.Lines = []domain.SyncLine{in.Lines[1], in.Lines[0]}
	shuffled, err := f.svc.SyncStock(ctx, sup, reordered)
	if err != nil {
		t.Fatalf("the same sync, its lines reordered: %v", err)
	}
	if want := []domain.SyncResult{first[1], first[0]}; fmt.Sprint(shuffled) != fmt.Sprint(want) {
		t.Errorf("reordered repeat = %v, want %v", shuffled, want)
	}
	if l := f.level(t, w.ID, first0(t, first)); l.OnHand != 10 {
		t.Errorf("on hand = %d after the reordered repeat, want 10", l.OnHand)
	}
	in.Lines[0].OnHand = 8
	_, err = f.svc.SyncStock(ctx, sup, in)
	wantKind(t, err, apperr.KindAlreadyExists)
	f.mustHoldInvariants(t)
}

func first0(t testing.TB, results []domain.SyncResult) uuid.UUID {
	t.Helper()
	return uuid.MustParse(results[0].SKUID)
}

func TestReceiptAndAdjustmentKeysApplyOnce(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	po, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 10)}, Reference: "PO-7"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if po, err = f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "delivery-1", []domain.OrderLine{line(sku, 4)}); err != nil {
			t.Fatal(err)
		}
	}
	if po.Lines[0].Received != 4 || po.Status != domain.POPartiallyReceived {
		t.Errorf("after the same receipt twice: %+v", po)
	}
	if l := f.level(t, w.ID, sku); l.OnHand != 4 {
		t.Errorf("on hand = %d, want 4", l.OnHand)
	}
	_, err = f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "delivery-1", []domain.OrderLine{line(sku, 5)})
	wantKind(t, err, apperr.KindAlreadyExists)

	adj := app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: -1, Reason: "broken", IdempotencyKey: "k1"}
	for range 2 {
		level, err := f.svc.AdjustStock(ctx, sup, adj)
		if err != nil || level.OnHand != 3 {
			t.Fatalf("adjust = %+v, %v; want on hand 3", level, err)
		}
	}
	adj.Delta = -2
	_, err = f.svc.AdjustStock(ctx, sup, adj)
	wantKind(t, err, apperr.KindAlreadyExists)
	f.mustHoldInvariants(t)
}

// A supplier's ERP that lost the answer of a creation calls again with the
// same key: it gets what the first call created, as it is now, and nothing
// is created twice, even when the retries race the first call.
func TestCreationKeysCreateOnce(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	colleague := sup
	colleague.Subject = uuid.NewString()
	in := domain.WarehouseInput{Name: "Shenzhen", Kind: domain.WarehouseSupplier, CountryCode: "CN", RegionCode: "CN-GD"}
	w, err := f.svc.CreateWarehouse(ctx, sup, in, "wh-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.CreateWarehouse(ctx, colleague, in, "wh-1")
	if err != nil || again.ID != w.ID || again.Name != "Shenzhen" {
		t.Fatalf("retried warehouse = %+v, %v; want %s", again, err, w.ID)
	}
	other := in
	other.Name = "Guangzhou"
	_, err = f.svc.CreateWarehouse(ctx, sup, other, "wh-1")
	wantKind(t, err, apperr.KindAlreadyExists)
	// Keys are the organization's own: another supplier's same key is its own.
	if theirs, err := f.svc.CreateWarehouse(ctx, supplier(), in, "wh-1"); err != nil || theirs.ID == w.ID {
		t.Fatalf("another supplier's key = %+v, %v", theirs, err)
	}
	if ws, _ := f.svc.ListWarehouses(ctx, sup); len(ws) != 1 {
		t.Errorf("the supplier has %d warehouses, want 1", len(ws))
	}

	sku := f.sku(t, sup, "A")
	po := app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 10)}, Reference: "PO-9", IdempotencyKey: "po-9"}
	ids := make([]uuid.UUID, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			created, err := f.svc.CreatePurchaseOrder(ctx, sup, po)
			ids[i], errs[i] = created.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("concurrent creations with one key = %v, %v", ids, errs)
		}
	}
	if _, err := f.svc.ReceivePurchaseOrder(ctx, sup, ids[0], "delivery-1", []domain.OrderLine{line(sku, 4)}); err != nil {
		t.Fatal(err)
	}
	later, err := f.svc.CreatePurchaseOrder(ctx, sup, po)
	if err != nil || later.ID != ids[0] || later.Status != domain.POPartiallyReceived || later.Lines[0].Received != 4 {
		t.Fatalf("a retry after a receipt = %+v, %v; want the purchase order as it is now", later, err)
	}
	if n := f.count(t, "SELECT count(*) FROM purchase_orders"); n != 1 {
		t.Errorf("%d purchase orders, want 1", n)
	}
	po.Lines = []domain.OrderLine{line(sku, 11)}
	_, err = f.svc.CreatePurchaseOrder(ctx, sup, po)
	wantKind(t, err, apperr.KindAlreadyExists)
	// A refused creation leaves its key free for a corrected request.
	bad := app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(uuid.New(), 1)}, IdempotencyKey: "po-10"}
	_, err = f.svc.CreatePurchaseOrder(ctx, sup, bad)
	wantKind(t, err, apperr.KindNotFound)
	bad.Lines = []domain.OrderLine{line(sku, 1)}
	if _, err := f.svc.CreatePurchaseOrder(ctx, sup, bad); err != nil {
		t.Errorf("the corrected request under the refused one's key = %v", err)
	}
}

// deadlockOnce is the store whose first warehouse creation fails as a
// deadlock would, after its key is claimed: the transaction is rolled
// back and run again, as PostgreSQL's deadlock victims are.
type deadlockOnce struct {
	*postgres.Store
	failed bool
}

func (s *deadlockOnce) InTx(ctx context.Context, fn func(app.Repository) error) error {
	return s.Store.InTx(ctx, func(r app.Repository) error { return fn(&deadlockingRepo{Repository: r, s: s}) })
}

type deadlockingRepo struct {
	app.Repository
	s *deadlockOnce
}

func (r *deadlockingRepo) CreateWarehouse(ctx context.Context, w domain.Warehouse) error {
	if !r.s.failed {
		r.s.failed = true
		return &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
	}
	return r.Repository.CreateWarehouse(ctx, w)
}

// A creation whose transaction is retried creates the warehouse asked for,
// with or without a key.
func TestCreationRetriedAfterADeadlockCreatesTheWarehouse(t *testing.T) {
	f := newFixture(t, 4)
	for _, key := range []string{"", "wh-deadlock"} {
		store := &deadlockOnce{Store: f.store}
		svc := app.New(store, app.DefaultConfig(), app.WithClock(f.clock.Now))
		sup := supplier()
		in := domain.WarehouseInput{Name: "Ningbo", Kind: domain.WarehouseSupplier, CountryCode: "CN", RegionCode: "CN-ZJ"}
		w, err := svc.CreateWarehouse(ctx, sup, in, key)
		if err != nil || !store.failed || w.Name != "Ningbo" || w.SupplierID != orgOf(sup) {
			t.Fatalf("key %q: created after a deadlock = %+v, %v (deadlocked %v)", key, w, err, store.failed)
		}
		if ws, err := f.svc.ListWarehouses(ctx, sup); err != nil || len(ws) != 1 || ws[0].ID != w.ID || ws[0].Name != "Ningbo" {
			t.Fatalf("key %q: the supplier's warehouses = %+v, %v; want the one answered", key, ws, err)
		}
	}
}

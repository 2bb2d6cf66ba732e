package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func (f *fixture) bin(t *testing.T, product, supplierID uuid.UUID, deleted bool, at time.Time) {
	t.Helper()
	err := f.store.InTx(ctx, func(r app.Repository) error {
		return f.svc.HandleProductBinChanged(ctx, r, app.ProductBinChanged{ProductID: product, SupplierID: supplierID, Deleted: deleted, At: at})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeletedProductsRefuseReservations(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	product := f.productOf(t, sku)
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 5)
	reserve := func(order string) error {
		_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: []domain.OrderLine{line(sku, 1)}})
		return err
	}
	t0 := f.clock.Now()
	f.bin(t, product, orgOf(sup), true, t0)
	err := reserve("o1")
	wantKind(t, err, apperr.KindFailedPrecondition)
	if apperr.KindOf(err) == apperr.KindFailedPrecondition && !errors.Is(err, domain.ErrSKUNotReservable) {
		t.Errorf("error = %v", err)
	}
	if a, _ := f.svc.GetAvailability(ctx, []uuid.UUID{sku}); a[0].Available != 0 {
		t.Errorf("availability of a deleted SKU = %d", a[0].Available)
	}
	// Stock is still managed while the product is in the bin.
	f.stock(t, sup, w, sku, 1)

	f.bin(t, product, orgOf(sup), false, t0.Add(time.Second))
	if err := reserve("o2"); err != nil {
		t.Fatalf("restored SKU: %v", err)
	}
	// A late, older delete does not undo the newer restore.
	f.bin(t, product, orgOf(sup), true, t0.Add(-time.Second))
	if err := reserve("o3"); err != nil {
		t.Fatalf("after a stale delete: %v", err)
	}
	if a, _ := f.svc.GetAvailability(ctx, []uuid.UUID{sku, uuid.New(), sku}); len(a) != 2 || a[0].Available != 4 || a[1].Available != 0 {
		t.Errorf("availability = %+v, want 4 then 0 for an unknown SKU", a)
	}
}

// A delete that arrives before the SKU it covers still applies to it.
func TestDeleteBeforeSKUCreated(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	product, skuID := uuid.New(), uuid.New()
	f.bin(t, product, orgOf(sup), true, f.clock.Now())
	err := f.store.InTx(ctx, func(r app.Repository) error {
		return f.svc.HandleSKUCreated(ctx, r, app.SKUCreated{SKUID: skuID, ProductID: product, SupplierID: orgOf(sup), Code: "Z", At: f.clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, skuID, 2)
	_, err = f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(skuID, 1)}})
	wantKind(t, err, apperr.KindFailedPrecondition)
}

func TestSKUCreatedIsIdempotentAndChecked(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	ev := app.SKUCreated{SKUID: uuid.New(), ProductID: uuid.New(), SupplierID: orgOf(sup), Code: "A", At: f.clock.Now()}
	for range 2 {
		if err := f.store.InTx(ctx, func(r app.Repository) error { return f.svc.HandleSKUCreated(ctx, r, ev) }); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, "SELECT count(*) FROM skus"); n != 1 {
		t.Errorf("skus = %d", n)
	}
	bad := ev
	bad.SupplierID = uuid.Nil
	err := f.store.InTx(ctx, func(r app.Repository) error { return f.svc.HandleSKUCreated(ctx, r, bad) })
	wantKind(t, err, apperr.KindInvalid)
}

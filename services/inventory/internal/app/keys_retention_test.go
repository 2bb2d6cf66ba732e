package app_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// Idempotency keys are kept for KeyRetention, then purged: a retry within
// it returns the first answer; the same key after it is a new command. Keys
// younger than the retention stay, however many older ones go.
func TestIdempotencyKeysArePurgedAfterTheirRetention(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 2994) // an adjustment under a key of its own; 3000 with the receipts below

	adjust := func(key string, delta int64) (int64, error) {
		l, err := f.svc.AdjustStock(ctx, sup, app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: delta, Reason: "count", IdempotencyKey: key})
		return l.OnHand, err
	}
	// A purchase order still receiving keeps its receipt ids; a closed one's go.
	open, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReceivePurchaseOrder(ctx, sup, open.ID, "delivery-1", []domain.OrderLine{line(sku, 4)}); err != nil {
		t.Fatal(err)
	}
	closed, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReceivePurchaseOrder(ctx, sup, closed.ID, "delivery-1", []domain.OrderLine{line(sku, 2)}); err != nil {
		t.Fatal(err)
	}
	// More old keys than one purge statement deletes.
	for i := range 1100 {
		if _, err := adjust("old-"+strconv.Itoa(i), -1); err != nil {
			t.Fatal(err)
		}
	}
	retention := app.DefaultConfig().KeyRetention
	f.clock.Advance(retention - time.Hour)
	if _, err := adjust("young", -1); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour) // the old keys are past their retention, "young" is not

	n, err := f.svc.PurgeKeys(ctx)
	// Old: the stock's adjustment, the 1100 above, the closed order's receipt.
	if err != nil || n != 1102 {
		t.Fatalf("purged %d keys, %v; want the 1102 old ones, not the open order's receipt", n, err)
	}
	if n, err := f.svc.PurgeKeys(ctx); err != nil || n != 0 {
		t.Fatalf("a second purge deleted %d keys, %v", n, err)
	}
	// A key still kept: the retry returns the first answer, another body is refused.
	if onHand, err := adjust("young", -1); err != nil || onHand != 3000-1101 {
		t.Fatalf("retry of a kept key = %d, %v; want the first answer %d", onHand, err, 3000-1101)
	}
	_, err = adjust("young", -5)
	wantKind(t, err, apperr.KindAlreadyExists)
	// The open order's receipt sent again is still the same receipt.
	po, err := f.svc.ReceivePurchaseOrder(ctx, sup, open.ID, "delivery-1", []domain.OrderLine{line(sku, 4)})
	if err != nil || po.Lines[0].Received != 4 {
		t.Fatalf("the open order's receipt sent again: %+v, %v; want 4 received once", po, err)
	}
	// A purged key is free again: the same key and body run as a new command.
	if onHand, err := adjust("old-0", -1); err != nil || onHand != 3000-1102 {
		t.Fatalf("a purged key = %d, %v; want a new adjustment to %d", onHand, err, 3000-1102)
	}
	f.mustHoldInvariants(t)
}

package app_test

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func TestPurchaseOrderLifecycle(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	a, b := f.sku(t, sup, "A"), f.sku(t, sup, "B")
	w := f.warehouse(t, sup)
	po, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(a, 10), line(b, 5)}, Reference: " PO-1 "})
	if err != nil {
		t.Fatal(err)
	}
	if po.Status != domain.POOpen || po.SupplierID != orgOf(sup) || po.Reference != "PO-1" || len(po.Lines) != 2 {
		t.Fatalf("created = %+v", po)
	}
	if po, err = f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "r1", []domain.OrderLine{line(a, 10), line(b, 2)}); err != nil {
		t.Fatal(err)
	}
	if po.Status != domain.POPartiallyReceived {
		t.Errorf("status = %s", po.Status)
	}
	_, err = f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "r2", []domain.OrderLine{line(b, 4)})
	wantKind(t, err, apperr.KindInvalid) // only 3 still expected
	if po, err = f.svc.CancelPurchaseOrder(ctx, sup, po.ID, "supplier out of B"); err != nil || po.Status != domain.POCancelled {
		t.Fatalf("cancel = %+v, %v", po, err)
	}
	if _, err := f.svc.CancelPurchaseOrder(ctx, sup, po.ID, ""); err != nil {
		t.Errorf("cancel again: %v", err)
	}
	_, err = f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "r3", []domain.OrderLine{line(b, 1)})
	wantKind(t, err, apperr.KindFailedPrecondition)
	// What arrived stays.
	if la, lb := f.level(t, w.ID, a), f.level(t, w.ID, b); la.OnHand != 10 || lb.OnHand != 2 {
		t.Errorf("levels = %+v, %+v", la, lb)
	}
	got, err := f.svc.GetPurchaseOrder(ctx, reviewer, po.ID)
	if err != nil || got.Lines[0].Received != 10 || got.Lines[1].Received != 2 || got.Status != domain.POCancelled {
		t.Errorf("get = %+v, %v", got, err)
	}

	full, _ := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(a, 1)}})
	if full, err = f.svc.ReceivePurchaseOrder(ctx, sup, full.ID, "r", []domain.OrderLine{line(a, 1)}); err != nil || full.Status != domain.POReceived {
		t.Fatalf("full = %+v, %v", full, err)
	}
	_, err = f.svc.CancelPurchaseOrder(ctx, sup, full.ID, "")
	wantKind(t, err, apperr.KindFailedPrecondition)

	var kind, ref string
	if err := f.pool.QueryRow(ctx, "SELECT kind, reference FROM stock_journal WHERE sku_id = $1 ORDER BY id LIMIT 1", b).Scan(&kind, &ref); err != nil ||
		kind != "receipt" || ref != po.ID.String() {
		t.Errorf("journal = %s %s, %v", kind, ref, err)
	}
	f.mustHoldInvariants(t)
}

func TestListPurchaseOrdersPagesNewestFirst(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	var ids []string
	for range 5 {
		po, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append([]string{po.ID.String()}, ids...)
	}
	other := supplier()
	ow := f.warehouse(t, other)
	osku := f.sku(t, other, "A")
	if _, err := f.svc.CreatePurchaseOrder(ctx, other, app.PurchaseOrderInput{WarehouseID: ow.ID, Lines: []domain.OrderLine{line(osku, 1)}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	token := ""
	for {
		page, err := f.svc.ListPurchaseOrders(ctx, sup, app.Page{Size: 2, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, po := range page.PurchaseOrders {
			got = append(got, po.ID.String())
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if len(got) != 5 || got[0] != ids[0] || got[4] != ids[4] {
		t.Errorf("pages = %v, want %v", got, ids)
	}
	all, err := f.svc.ListPurchaseOrders(ctx, reviewer, app.Page{})
	if err != nil || len(all.PurchaseOrders) != 6 {
		t.Errorf("operators see %d, %v; want 6", len(all.PurchaseOrders), err)
	}
}

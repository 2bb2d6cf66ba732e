package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// Who may do what: another supplier's warehouses, stock, SKUs and purchase
// orders do not exist for a supplier (NotFound); a caller who may see but not
// change something, or may not call a method at all, is PermissionDenied.
func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t, 4)
	me, them := supplier(), supplier()
	mySKU, theirSKU := f.sku(t, me, "MINE"), f.sku(t, them, "THEIRS")
	mine, theirs := f.warehouse(t, me), f.warehouse(t, them)
	central := f.warehouse(t, admin)
	f.stock(t, me, mine, mySKU, 10)
	f.stock(t, them, theirs, theirSKU, 10)
	theirPO, err := f.svc.CreatePurchaseOrder(ctx, them, app.PurchaseOrderInput{WarehouseID: theirs.ID, Lines: []domain.OrderLine{line(theirSKU, 5)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(mySKU, 1)}}); err != nil {
		t.Fatal(err)
	}
	adjust := func(c auth.Caller, w domain.Warehouse, sku uuid.UUID) func() error {
		return func() error {
			_, err := f.svc.AdjustStock(ctx, c, app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: 1, Reason: "count", IdempotencyKey: uuid.NewString()})
			return err
		}
	}
	apiClient := auth.Caller{Subject: "erp", Kind: auth.KindAPIClient}
	// The supplier's own ERP acts for it; a partner platform's client, even
	// one claiming the organization, does not.
	myERP := auth.Caller{Subject: "erp-mine", Kind: auth.KindAPIClient, Roles: []string{auth.RoleERP}, OrganizationID: me.OrganizationID}
	partner := auth.Caller{Subject: "partner", Kind: auth.KindAPIClient, Roles: []string{auth.RolePartner}, OrganizationID: me.OrganizationID}
	syncAs := func(c auth.Caller, w domain.Warehouse, code string) func() error {
		return func() error {
			_, err := f.svc.SyncStock(ctx, c, app.SyncInput{WarehouseID: w.ID, SyncID: "sync-" + uuid.NewString(),
				Lines: []domain.SyncLine{{Code: code, OnHand: 12}}})
			return err
		}
	}
	// A service relays an ERP's sync for the supplier it names (docking).
	relayFor := func(supplier auth.Caller, w domain.Warehouse, code string) func() error {
		return func() error {
			_, err := f.svc.SyncStock(ctx, orders, app.SyncInput{WarehouseID: w.ID, SyncID: "sync-" + uuid.NewString(),
				Lines: []domain.SyncLine{{Code: code, OnHand: 12}}, SupplierOrgID: orgOf(supplier)})
			return err
		}
	}
	tests := []struct {
		name string
		run  func() error
		want apperr.Kind
	}{
		{"adjust my stock", adjust(me, mine, mySKU), apperr.KindUnknown},
		{"adjust in another supplier's warehouse", adjust(me, theirs, theirSKU), apperr.KindNotFound},
		{"a service restocks returned goods in a supplier's warehouse", adjust(orders, theirs, theirSKU), apperr.KindUnknown},
		{"a service cannot stock a SKU in another supplier's warehouse", adjust(orders, theirs, mySKU), apperr.KindNotFound},
		{"my ERP syncs my warehouse", syncAs(myERP, mine, "MINE"), apperr.KindUnknown},
		{"my ERP adjusts my stock", adjust(myERP, mine, mySKU), apperr.KindUnknown},
		{"my ERP syncs another supplier's warehouse", syncAs(myERP, theirs, "THEIRS"), apperr.KindNotFound},
		{"my ERP reads another supplier's SKU", func() error { _, err := f.svc.GetStock(ctx, myERP, theirSKU); return err }, apperr.KindNotFound},
		{"my ERP reserves", func() error {
			_, err := f.svc.Reserve(ctx, myERP, app.ReserveInput{OrderID: "x", Lines: []domain.OrderLine{line(mySKU, 1)}})
			return err
		}, apperr.KindPermissionDenied},
		{"partner client syncs", syncAs(partner, mine, "MINE"), apperr.KindPermissionDenied},
		{"a service syncs my warehouse for me", relayFor(me, mine, "MINE"), apperr.KindUnknown},
		{"a service syncs another supplier's warehouse for me", relayFor(me, theirs, "THEIRS"), apperr.KindNotFound},
		{"a service syncs for no supplier", syncAs(orders, mine, "MINE"), apperr.KindInvalid},
		{"partner client adjusts", adjust(partner, mine, mySKU), apperr.KindNotFound},
		{"adjust another supplier's SKU in my warehouse", adjust(me, mine, theirSKU), apperr.KindNotFound},
		{"adjust in a central warehouse as a supplier", adjust(me, central, mySKU), apperr.KindNotFound},
		{"admin stocks any SKU centrally", adjust(admin, central, theirSKU), apperr.KindUnknown},
		{"admin adjusts a supplier's warehouse", adjust(admin, mine, mySKU), apperr.KindPermissionDenied},
		{"reviewer adjusts", adjust(reviewer, mine, mySKU), apperr.KindPermissionDenied},
		{"threshold on another supplier's stock", func() error {
			_, err := f.svc.SetLowStockThreshold(ctx, me, theirs.ID, theirSKU, 3)
			return err
		}, apperr.KindNotFound},
		{"get another supplier's SKU stock", func() error { _, err := f.svc.GetStock(ctx, me, theirSKU); return err }, apperr.KindNotFound},
		{"operator gets any SKU stock", func() error { _, err := f.svc.GetStock(ctx, reviewer, theirSKU); return err }, apperr.KindUnknown},
		{"buyer gets SKU stock", func() error { _, err := f.svc.GetStock(ctx, buyer, mySKU); return err }, apperr.KindNotFound},
		{"list another supplier's warehouse", func() error {
			_, err := f.svc.ListStock(ctx, me, theirs.ID, app.Page{})
			return err
		}, apperr.KindNotFound},
		{"journal of another supplier's SKU", func() error {
			_, err := f.svc.ListJournal(ctx, me, theirSKU, uuid.Nil, app.Page{})
			return err
		}, apperr.KindNotFound},
		{"purchase order at another supplier's warehouse", func() error {
			_, err := f.svc.CreatePurchaseOrder(ctx, me, app.PurchaseOrderInput{WarehouseID: theirs.ID, Lines: []domain.OrderLine{line(mySKU, 1)}})
			return err
		}, apperr.KindNotFound},
		{"purchase order of another supplier's SKU", func() error {
			_, err := f.svc.CreatePurchaseOrder(ctx, me, app.PurchaseOrderInput{WarehouseID: mine.ID, Lines: []domain.OrderLine{line(theirSKU, 1)}})
			return err
		}, apperr.KindNotFound},
		{"get another supplier's purchase order", func() error { _, err := f.svc.GetPurchaseOrder(ctx, me, theirPO.ID); return err }, apperr.KindNotFound},
		{"receive another supplier's purchase order", func() error {
			_, err := f.svc.ReceivePurchaseOrder(ctx, me, theirPO.ID, "r", []domain.OrderLine{line(theirSKU, 1)})
			return err
		}, apperr.KindNotFound},
		{"cancel another supplier's purchase order", func() error { _, err := f.svc.CancelPurchaseOrder(ctx, me, theirPO.ID, ""); return err }, apperr.KindNotFound},
		{"reviewer cancels a purchase order", func() error { _, err := f.svc.CancelPurchaseOrder(ctx, reviewer, theirPO.ID, ""); return err }, apperr.KindPermissionDenied},
		{"supplier creates a central warehouse", func() error {
			_, err := f.svc.CreateWarehouse(ctx, me, domain.WarehouseInput{Name: "C", Kind: domain.WarehouseCentral, CountryCode: "NL", RegionCode: "NL-NH"}, "")
			return err
		}, apperr.KindPermissionDenied},
		{"buyer creates a warehouse", func() error {
			_, err := f.svc.CreateWarehouse(ctx, buyer, domain.WarehouseInput{Name: "C", Kind: domain.WarehouseSupplier, CountryCode: "NL", RegionCode: "NL-NH"}, "")
			return err
		}, apperr.KindPermissionDenied},
		{"buyer lists warehouses", func() error { _, err := f.svc.ListWarehouses(ctx, buyer); return err }, apperr.KindPermissionDenied},
		{"supplier reserves", func() error {
			_, err := f.svc.Reserve(ctx, me, app.ReserveInput{OrderID: "x", Lines: []domain.OrderLine{line(mySKU, 1)}})
			return err
		}, apperr.KindPermissionDenied},
		{"admin reserves", func() error {
			_, err := f.svc.Reserve(ctx, admin, app.ReserveInput{OrderID: "x", Lines: []domain.OrderLine{line(mySKU, 1)}})
			return err
		}, apperr.KindPermissionDenied},
		{"API client commits", func() error { _, err := f.svc.Commit(ctx, apiClient, "o", time.Time{}); return err }, apperr.KindPermissionDenied},
		{"supplier releases", func() error { _, err := f.svc.Release(ctx, me, "o", ""); return err }, apperr.KindPermissionDenied},
		{"supplier reads a reservation", func() error { _, err := f.svc.GetReservation(ctx, me, "o"); return err }, apperr.KindPermissionDenied},
		{"operator reads a reservation", func() error { _, err := f.svc.GetReservation(ctx, reviewer, "o"); return err }, apperr.KindUnknown},
		{"service reads a reservation", func() error { _, err := f.svc.GetReservation(ctx, orders, "o"); return err }, apperr.KindUnknown},
		{"buyer lists purchase orders", func() error { _, err := f.svc.ListPurchaseOrders(ctx, buyer, app.Page{}); return err }, apperr.KindPermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if tt.want == apperr.KindUnknown {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			wantKind(t, err, tt.want)
		})
	}

	// Lists show only what the caller owns.
	ws, err := f.svc.ListWarehouses(ctx, me)
	if err != nil || len(ws) != 1 || ws[0].ID != mine.ID {
		t.Errorf("my warehouses = %v, %v", ws, err)
	}
	if all, _ := f.svc.ListWarehouses(ctx, reviewer); len(all) != 3 {
		t.Errorf("operators see %d warehouses, want 3", len(all))
	}
	// Naming warehouses lists those of them the caller may see.
	if one, err := f.svc.ListWarehouses(ctx, orders, theirs.ID); err != nil || len(one) != 1 || one[0].ID != theirs.ID {
		t.Errorf("a service asking for one warehouse = %v, %v; want it alone", one, err)
	}
	if ws, err := f.svc.ListWarehouses(ctx, me, mine.ID, theirs.ID); err != nil || len(ws) != 1 || ws[0].ID != mine.ID {
		t.Errorf("my warehouses among mine and theirs = %v, %v; want mine alone", ws, err)
	}
	if pos, err := f.svc.ListPurchaseOrders(ctx, me, app.Page{}); err != nil || len(pos.PurchaseOrders) != 0 {
		t.Errorf("my purchase orders = %v, %v", pos, err)
	}
	levels, err := f.svc.GetStock(ctx, me, mySKU)
	// 10, +1 by me, synced to 12 by the ERP, +1 by the ERP, synced to 12
	// again by a service relaying for me (the service restocked the other
	// supplier's warehouse only, and its sync there for me was refused).
	if err != nil || len(levels) != 1 || levels[0].OnHand != 12 || levels[0].Reserved != 1 {
		t.Errorf("my stock = %+v, %v", levels, err)
	}
}

package app_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// Bad input is refused naming every bad field, and writes nothing at all.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 5)
	po, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 5)}})
	if err != nil {
		t.Fatal(err)
	}
	reserve := func(order string, lines []domain.OrderLine, ttl time.Duration) func() error {
		return func() error {
			_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: lines, TTL: ttl})
			return err
		}
	}
	adjust := func(delta int64, reason string) func() error {
		return func() error {
			_, err := f.svc.AdjustStock(ctx, sup, app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: delta, Reason: reason, IdempotencyKey: uuid.NewString()})
			return err
		}
	}
	sync := func(id string, lines ...domain.SyncLine) func() error {
		return func() error {
			_, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: id, WarehouseID: w.ID, Lines: lines})
			return err
		}
	}
	warehouse := func(in domain.WarehouseInput) func() error {
		return func() error { _, err := f.svc.CreateWarehouse(ctx, sup, in, ""); return err }
	}
	tests := []struct {
		name   string
		run    func() error
		kind   apperr.Kind
		fields []string
	}{
		{"reserve without order id or lines", reserve(" ", nil, 0), apperr.KindInvalid, []string{"lines", "order_id"}},
		{"reserve zero and negative quantities", reserve("o", []domain.OrderLine{line(sku, 0), line(sku, -2)}, 0), apperr.KindInvalid,
			[]string{"lines[0].quantity", "lines[1].quantity"}},
		{"reserve without a SKU id", reserve("o", []domain.OrderLine{line(uuid.Nil, 1)}, 0), apperr.KindInvalid, []string{"lines[0].sku_id"}},
		{"reserve a huge quantity", reserve("o", []domain.OrderLine{line(sku, domain.MaxQuantity+1)}, 0), apperr.KindInvalid, []string{"lines[0].quantity"}},
		{"reserve lines adding up past the limit", reserve("o", []domain.OrderLine{line(sku, domain.MaxQuantity), line(sku, 1)}, 0), apperr.KindInvalid, []string{"lines"}},
		{"reserve with a negative ttl", reserve("o", []domain.OrderLine{line(sku, 1)}, -time.Minute), apperr.KindInvalid, []string{"ttl"}},
		{"reserve with a ttl beyond 30 days", reserve("o", []domain.OrderLine{line(sku, 1)}, 31*24*time.Hour), apperr.KindInvalid, []string{"ttl"}},
		{"reserve an unknown SKU", reserve("o", []domain.OrderLine{line(sku, 1), line(uuid.New(), 1)}, 0), apperr.KindNotFound, nil},
		{"reserve more than there is", reserve("o", []domain.OrderLine{line(sku, 6)}, 0), apperr.KindFailedPrecondition, nil},
		{"commit an unknown order", func() error { _, err := f.svc.Commit(ctx, orders, "nope", time.Time{}); return err }, apperr.KindNotFound, nil},
		{"commit without order id", func() error { _, err := f.svc.Commit(ctx, orders, "", time.Time{}); return err }, apperr.KindInvalid, []string{"order_id"}},
		{"release with an overlong reason", func() error { _, err := f.svc.Release(ctx, orders, "", strings.Repeat("x", 501)); return err },
			apperr.KindInvalid, []string{"order_id", "reason"}},
		{"adjust by zero without reason", adjust(0, ""), apperr.KindInvalid, []string{"quantity_delta", "reason"}},
		{"adjust below zero", adjust(-6, "count"), apperr.KindFailedPrecondition, nil},
		{"adjust without a key", func() error {
			_, err := f.svc.AdjustStock(ctx, sup, app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: 1, Reason: "count"})
			return err
		}, apperr.KindInvalid, []string{"idempotency_key"}},
		{"adjust an unknown SKU", func() error {
			_, err := f.svc.AdjustStock(ctx, sup, app.AdjustInput{WarehouseID: w.ID, SKUID: uuid.New(), Delta: 1, Reason: "count", IdempotencyKey: "k"})
			return err
		}, apperr.KindNotFound, nil},
		{"adjust in an unknown warehouse", func() error {
			_, err := f.svc.AdjustStock(ctx, sup, app.AdjustInput{WarehouseID: uuid.New(), SKUID: sku, Delta: 1, Reason: "count", IdempotencyKey: "k"})
			return err
		}, apperr.KindNotFound, nil},
		{"negative threshold", func() error { _, err := f.svc.SetLowStockThreshold(ctx, sup, w.ID, sku, -1); return err }, apperr.KindInvalid, []string{"threshold"}},
		{"sync without id or lines", sync(""), apperr.KindInvalid, []string{"lines", "sync_id"}},
		{"sync negative level, empty and repeated codes", sync("s", domain.SyncLine{Code: "A", OnHand: -1}, domain.SyncLine{Code: " ", OnHand: 1},
			domain.SyncLine{Code: "A", OnHand: 1}), apperr.KindInvalid, []string{"lines[0].on_hand", "lines[1].sku_code", "lines[2].sku_code"}},
		{"warehouse without name, bad country", warehouse(domain.WarehouseInput{Kind: domain.WarehouseSupplier, CountryCode: "QQ"}),
			apperr.KindInvalid, []string{"country_code", "name"}},
		{"warehouse with a region of another country", warehouse(domain.WarehouseInput{Name: "W", Kind: domain.WarehouseSupplier, CountryCode: "DE", RegionCode: "FR-IDF"}),
			apperr.KindInvalid, []string{"region_code"}},
		{"warehouse without kind", warehouse(domain.WarehouseInput{Name: "W", CountryCode: "DE", RegionCode: "DE-BE"}), apperr.KindInvalid, []string{"kind"}},
		{"warehouse with an overlong key", func() error {
			_, err := f.svc.CreateWarehouse(ctx, sup, domain.WarehouseInput{Name: "W", Kind: domain.WarehouseSupplier, CountryCode: "DE", RegionCode: "DE-BE"}, strings.Repeat("k", 129))
			return err
		}, apperr.KindInvalid, []string{"idempotency_key"}},
		{"purchase order with an overlong key", func() error {
			_, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 1)}, IdempotencyKey: strings.Repeat("k", 129)})
			return err
		}, apperr.KindInvalid, []string{"idempotency_key"}},
		{"purchase order with repeated SKU and zero quantity", func() error {
			_, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, 1), line(sku, 0)}})
			return err
		}, apperr.KindInvalid, []string{"lines[1].quantity", "lines[1].sku_id"}},
		{"purchase order of an unknown SKU", func() error {
			_, err := f.svc.CreatePurchaseOrder(ctx, sup, app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(uuid.New(), 1)}})
			return err
		}, apperr.KindNotFound, nil},
		{"receipt without id or lines", func() error { _, err := f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "", nil); return err },
			apperr.KindInvalid, []string{"lines", "receipt_id"}},
		{"receipt of a SKU not ordered, and too much", func() error {
			_, err := f.svc.ReceivePurchaseOrder(ctx, sup, po.ID, "r", []domain.OrderLine{line(uuid.New(), 1), line(sku, 6)})
			return err
		}, apperr.KindInvalid, []string{"lines[0].sku_id", "lines[1].quantity"}},
		{"bad page token", func() error { _, err := f.svc.ListStock(ctx, sup, w.ID, app.Page{Token: "%%%"}); return err },
			apperr.KindInvalid, []string{"page.page_token"}},
		{"negative page size", func() error { _, err := f.svc.ListJournal(ctx, sup, sku, uuid.Nil, app.Page{Size: -1}); return err },
			apperr.KindInvalid, []string{"page.page_size"}},
		{"availability of nothing", func() error { _, err := f.svc.GetAvailability(ctx, nil); return err }, apperr.KindInvalid, []string{"sku_ids"}},
		{"availability of too many", func() error { _, err := f.svc.GetAvailability(ctx, make([]uuid.UUID, 501)); return err },
			apperr.KindInvalid, []string{"sku_ids"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.rowCounts(t)
			err := tt.run()
			wantKind(t, err, tt.kind)
			if got := testkit.FieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
			if after := f.rowCounts(t); !maps.Equal(before, after) {
				t.Errorf("rows changed: before %v, after %v", before, after)
			}
		})
	}
	f.mustHoldInvariants(t)
}

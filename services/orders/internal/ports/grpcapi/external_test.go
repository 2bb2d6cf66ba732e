package grpcapi

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// oneSKU is a catalogue of one SKU and an inventory that holds whatever is
// asked for it.
type oneSKU struct{ sku domain.SKU }

func (c oneSKU) SKUs(_ context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	out := map[uuid.UUID]domain.SKU{}
	for _, id := range ids {
		if id == c.sku.ID {
			out[id] = c.sku
		}
	}
	return out, nil
}

func (c oneSKU) MerchantSKUs(ctx context.Context, ids []uuid.UUID, _ uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	return c.SKUs(ctx, ids)
}

func (oneSKU) ReserveMany(_ context.Context, holds []app.Hold) ([]app.HoldAnswer, error) {
	out := make([]app.HoldAnswer, len(holds))
	for i := range out {
		out[i].Held = true
	}
	return out, nil
}

// A page of partner orders is answered order by order over the API: a
// malformed one refused with its field named, an unknown SKU refused, the
// good one placed and, sent again, replayed.
func TestPlaceExternalOrdersAnswersEachOrder(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	sku := domain.SKU{ID: uuid.New(), ProductID: uuid.New(), SupplierID: uuid.New(), Type: domain.Virtual,
		Price: money.MustNew(2500, "EUR"), OriginCountry: "DE", OnSale: true}
	peers := oneSKU{sku}
	svc := app.New(postgres.New(pool), app.Peers{Catalog: peers, Inventory: inventory{peers}}, app.Config{FulfilmentHold: time.Hour})
	api := New(svc)
	docking := as(auth.Caller{Subject: "platform-docking", Kind: auth.KindService, Roles: []string{auth.RoleService}})
	order := func(id, skuID string) *ordersv1.PlaceExternalOrderRequest {
		return &ordersv1.PlaceExternalOrderRequest{Channel: "partner:dh", ExternalOrderId: id, BuyerRef: "kim",
			Lines: []*ordersv1.CheckoutLine{{SkuId: skuID, Quantity: 2}}}
	}
	partnerPriced := order("DH-4", sku.ID.String())
	partnerPriced.UnitPrices = []*commonv1.Money{{CurrencyCode: "EUR", AmountMinor: 2300}}
	req := &ordersv1.PlaceExternalOrdersRequest{Orders: []*ordersv1.PlaceExternalOrderRequest{
		order("DH-1", "not-a-uuid"), order("DH-2", sku.ID.String()), order("DH-3", uuid.NewString()), partnerPriced,
	}}
	resp, err := api.PlaceExternalOrders(docking, req)
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()
	if len(r) != 4 {
		t.Fatalf("%d answers", len(r))
	}
	if p := r[0].GetProblem(); p.GetCode() != "INVALID_ARGUMENT" || len(p.GetFieldViolations()) != 1 || p.GetFieldViolations()[0].GetField() != "lines[0].sku_id" || r[0].GetOrder() != nil {
		t.Errorf("malformed: %v", r[0])
	}
	placed := r[1].GetOrder()
	if r[1].GetProblem() != nil || r[1].GetReplayed() || placed.GetExternalOrderId() != "DH-2" || len(placed.GetSubOrders()) != 1 ||
		placed.GetSubOrders()[0].GetGoods().GetAmountMinor() != 5000 {
		t.Errorf("placed: %v", r[1])
	}
	if r[2].GetProblem() == nil || r[2].GetOrder() != nil {
		t.Errorf("unknown SKU: %v", r[2])
	}
	if sub := r[3].GetOrder().GetSubOrders(); len(sub) != 1 || sub[0].GetGoods().GetAmountMinor() != 4600 || sub[0].GetLines()[0].GetUnitPrice().GetAmountMinor() != 2300 {
		t.Errorf("priced by the partner at 2300 a unit: %v", r[3])
	}
	again, err := api.PlaceExternalOrders(docking, &ordersv1.PlaceExternalOrdersRequest{Orders: req.Orders[1:2]})
	if err != nil || !again.GetResults()[0].GetReplayed() || again.GetResults()[0].GetOrder().GetOrderId() != placed.GetOrderId() {
		t.Fatalf("again: %v, %v", again, err)
	}
	_, err = api.PlaceExternalOrders(as(auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser}), req)
	if apperr.KindOf(err) != apperr.KindPermissionDenied {
		t.Fatalf("a buyer: %v", err)
	}
}

// inventory is app.Inventory holding everything (only ReserveMany is used
// by partner orders).
type inventory struct{ oneSKU }

func (inventory) Available(context.Context, []uuid.UUID) (map[uuid.UUID]int64, error) {
	return nil, nil
}
func (inventory) Reserve(context.Context, uuid.UUID, []domain.OrderLine, time.Duration) (bool, error) {
	return true, nil
}
func (inventory) Release(context.Context, uuid.UUID, string) error { return nil }
func (inventory) Commit(context.Context, uuid.UUID) error          { return nil }
func (inventory) WarehouseSupplier(context.Context, uuid.UUID) (uuid.UUID, error) {
	return uuid.Nil, nil
}

func (inventory) Restock(context.Context, uuid.UUID, string, []domain.AfterSaleLine) error {
	return nil
}

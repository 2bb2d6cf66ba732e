package peers

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Inventory is app.Inventory over the inventory service.
type Inventory struct {
	Client inventoryv1.InventoryServiceClient
}

var _ app.Inventory = Inventory{}

var syncStatuses = map[inventoryv1.SyncLineStatus]app.StockLineStatus{
	inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_APPLIED:   app.StockApplied,
	inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_UNCHANGED: app.StockUnchanged,
	inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_REJECTED:  app.StockRejected,
}

// SyncStock relays an ERP's levels for its supplier.
func (i Inventory) SyncStock(ctx context.Context, supplier uuid.UUID, in app.StockSync) ([]app.StockLineResult, error) {
	req := &inventoryv1.SyncStockRequest{SyncId: in.SyncID, WarehouseId: in.WarehouseID.String(), SupplierOrgId: supplier.String()}
	if !in.CountedAt.IsZero() {
		req.CountedAt = timestamppb.New(in.CountedAt)
	}
	for _, l := range in.Lines {
		req.Lines = append(req.Lines, &inventoryv1.SyncLine{SkuCode: l.SKUCode, OnHand: l.OnHand})
	}
	resp, err := i.Client.SyncStock(ctx, req)
	if err != nil {
		return nil, grpcerr.FromPeer(err)
	}
	out := make([]app.StockLineResult, 0, len(resp.GetResults()))
	for _, r := range resp.GetResults() {
		out = append(out, app.StockLineResult{SKUCode: r.GetSkuCode(), Status: syncStatuses[r.GetStatus()], SKUID: r.GetSkuId(), Message: r.GetMessage()})
	}
	return out, nil
}

var _ app.SupplierOrders = Orders{}

// subOrderStatuses maps orders' statuses to what an ERP sees: a sub-order
// awaiting the buyer's top-up is delivered as far as its supplier is
// concerned; one pending payment is never listed to a supplier.
var subOrderStatuses = map[ordersv1.SubOrderStatus]app.SubOrderStatus{
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_PAID:            app.SubOrderPaid,
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_ACCEPTED:        app.SubOrderAccepted,
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED:         app.SubOrderShipped,
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_DELIVERED:       app.SubOrderDelivered,
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_AWAITING_TOP_UP: app.SubOrderDelivered,
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_COMPLETED:       app.SubOrderCompleted,
	ordersv1.SubOrderStatus_SUB_ORDER_STATUS_CANCELLED:       app.SubOrderCancelled,
}

// statusFilter is the orders' statuses an ERP's filter asks for.
func statusFilter(statuses []app.SubOrderStatus) []ordersv1.SubOrderStatus {
	var out []ordersv1.SubOrderStatus
	for _, want := range statuses {
		for st, mapped := range subOrderStatuses {
			if mapped == want {
				out = append(out, st)
			}
		}
	}
	return out
}

// SupplierSubOrders lists a supplier's paid sub-orders for its ERP.
func (o Orders) SupplierSubOrders(ctx context.Context, supplier uuid.UUID, statuses []app.SubOrderStatus, size int, page string) ([]app.SupplierSubOrder, string, error) {
	resp, err := o.Client.ListSupplierSubOrders(ctx, &ordersv1.ListSupplierSubOrdersRequest{SupplierId: supplier.String(),
		Statuses: statusFilter(statuses), Page: &commonv1.PageRequest{PageSize: int32(size), PageToken: page}})
	if err != nil {
		return nil, "", grpcerr.FromPeer(err)
	}
	out := make([]app.SupplierSubOrder, 0, len(resp.GetSubOrders()))
	for _, s := range resp.GetSubOrders() {
		out = append(out, supplierSubOrder(s))
	}
	return out, resp.GetPage().GetNextPageToken(), nil
}

// ShipSubOrder books a supplier's sub-order's parcel for its ERP.
func (o Orders) ShipSubOrder(ctx context.Context, supplier uuid.UUID, in app.ShipmentInput) (app.SupplierSubOrder, error) {
	resp, err := o.Client.ShipSubOrder(ctx, &ordersv1.ShipSubOrderRequest{SubOrderId: in.SubOrderID.String(), MethodId: in.MethodID.String(),
		From: addressProto(in.From), SupplierOrgId: supplier.String()})
	if err != nil {
		return app.SupplierSubOrder{}, grpcerr.FromPeer(err)
	}
	return supplierSubOrder(resp.GetSubOrder()), nil
}

// RecordExternalShipment ships a supplier's sub-order with its own
// carrier's waybill (a supply platform's, an ERP's), as the supplier.
func (o Orders) RecordExternalShipment(ctx context.Context, supplier, subOrderID uuid.UUID, carrierCode, waybill string) (app.SupplierSubOrder, error) {
	resp, err := o.Client.RecordExternalShipment(ctx, &ordersv1.RecordExternalShipmentRequest{SubOrderId: subOrderID.String(),
		CarrierCode: carrierCode, Waybill: waybill, SupplierOrgId: supplier.String()})
	if err != nil {
		return app.SupplierSubOrder{}, grpcerr.FromPeer(err)
	}
	return supplierSubOrder(resp.GetSubOrder()), nil
}

// SubOrder reads a sub-order as it is now.
func (o Orders) SubOrder(ctx context.Context, subOrderID uuid.UUID) (app.SupplierSubOrder, error) {
	resp, err := o.Client.GetSubOrder(ctx, &ordersv1.GetSubOrderRequest{SubOrderId: subOrderID.String()})
	if err != nil {
		return app.SupplierSubOrder{}, grpcerr.FromPeer(err)
	}
	return supplierSubOrder(resp.GetSubOrder()), nil
}

func supplierSubOrder(s *ordersv1.SubOrder) app.SupplierSubOrder {
	id, _ := uuid.Parse(s.GetSubOrderId())
	orderID, _ := uuid.Parse(s.GetOrderId())
	out := app.SupplierSubOrder{ID: id, OrderID: orderID, Status: subOrderStatuses[s.GetStatus()],
		Physical: s.GetType() == ordersv1.ProductType_PRODUCT_TYPE_PHYSICAL, Goods: moneyOf(s.GetGoods()), Channel: s.GetChannel()}
	if t := s.GetPaidAt(); t != nil {
		at := t.AsTime()
		out.PaidAt = &at
	}
	for _, l := range s.GetLines() {
		out.Lines = append(out.Lines, app.SupplierLine{SKUID: l.GetSkuId(), ProductID: l.GetProductId(), Quantity: l.GetQuantity(),
			UnitPrice: moneyOf(l.GetUnitPrice()), LineTotal: moneyOf(l.GetLineTotal())})
	}
	if a := s.GetAddress(); a != nil {
		out.Address = &domain.Address{Recipient: a.GetRecipient(), Phone: a.GetPhone(), CountryCode: a.GetCountryCode(),
			RegionCode: a.GetRegionCode(), City: a.GetCity(), Postcode: a.GetPostcode(), Lines: a.GetLines()}
	}
	if p := s.GetParcel(); p != nil {
		out.Shipment = &app.Shipment{Waybill: p.GetWaybill(), CarrierCode: p.GetCarrierCode(), MethodID: p.GetMethodId()}
		if t := s.GetShippedAt(); t != nil {
			at := t.AsTime()
			out.Shipment.ShippedAt = &at
		}
	}
	return out
}

func addressProto(a domain.Address) *commonv1.Address {
	return &commonv1.Address{Recipient: a.Recipient, Phone: a.Phone, CountryCode: a.CountryCode, RegionCode: a.RegionCode,
		City: a.City, Postcode: a.Postcode, Lines: a.Lines}
}

func moneyOf(m *commonv1.Money) money.Money {
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}

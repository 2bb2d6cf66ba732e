package grpcapi

import (
	"strconv"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/enummap"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// The ERP messages are PartnerService's own, mapped from and to the use
// cases' types: inventory's and orders' messages stay internal, so they can
// change without breaking an ERP.

var stockLineStatuses = map[app.StockLineStatus]partnerv1.StockLineStatus{
	app.StockApplied:   partnerv1.StockLineStatus_STOCK_LINE_STATUS_APPLIED,
	app.StockUnchanged: partnerv1.StockLineStatus_STOCK_LINE_STATUS_UNCHANGED,
	app.StockRejected:  partnerv1.StockLineStatus_STOCK_LINE_STATUS_REJECTED,
}

var subOrderStatuses = map[partnerv1.SubOrderStatus]app.SubOrderStatus{
	partnerv1.SubOrderStatus_SUB_ORDER_STATUS_PAID:      app.SubOrderPaid,
	partnerv1.SubOrderStatus_SUB_ORDER_STATUS_ACCEPTED:  app.SubOrderAccepted,
	partnerv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED:   app.SubOrderShipped,
	partnerv1.SubOrderStatus_SUB_ORDER_STATUS_DELIVERED: app.SubOrderDelivered,
	partnerv1.SubOrderStatus_SUB_ORDER_STATUS_COMPLETED: app.SubOrderCompleted,
	partnerv1.SubOrderStatus_SUB_ORDER_STATUS_CANCELLED: app.SubOrderCancelled,
}

var subOrderStatusProtos = enummap.Invert(subOrderStatuses)

func stockSync(req *partnerv1.PushStockRequest) (app.StockSync, error) {
	w, err := apperr.ParseID("warehouse_id", req.GetWarehouseId())
	if err != nil {
		return app.StockSync{}, err
	}
	in := app.StockSync{SyncID: req.GetSyncId(), WarehouseID: w}
	if req.GetCountedAt() != nil {
		in.CountedAt = req.GetCountedAt().AsTime()
	}
	for _, l := range req.GetLines() {
		in.Lines = append(in.Lines, app.StockLevel{SKUCode: l.GetSkuCode(), OnHand: l.GetQuantity()})
	}
	return in, nil
}

func subOrderFilter(statuses []partnerv1.SubOrderStatus) ([]app.SubOrderStatus, error) {
	out := make([]app.SubOrderStatus, 0, len(statuses))
	for i, st := range statuses {
		s, ok := subOrderStatuses[st]
		if !ok {
			return nil, apperr.InvalidField("statuses["+strconv.Itoa(i)+"]", "is not a sub-order status")
		}
		out = append(out, s)
	}
	return out, nil
}

func shipmentInput(req *partnerv1.ConfirmSubOrderShipmentRequest) (app.ShipmentInput, error) {
	// Empty ids are left for the use case to report as required.
	var v apperr.Violations
	sub := optionalID(&v, "sub_order_id", req.GetSubOrderId())
	method := optionalID(&v, "method_id", req.GetMethodId())
	if err := v.Err(); err != nil {
		return app.ShipmentInput{}, err
	}
	a := req.GetFrom()
	in := app.ShipmentInput{SubOrderID: sub, MethodID: method, From: domain.Address{Recipient: a.GetRecipient(), Phone: a.GetPhone(),
		CountryCode: a.GetCountryCode(), RegionCode: a.GetRegionCode(), City: a.GetCity(), Postcode: a.GetPostcode(), Lines: a.GetLines()}}
	if x := req.GetExternal(); x != nil {
		in.External = &app.ExternalParcel{CarrierCode: x.GetCarrierCode(), Waybill: x.GetWaybill()}
	}
	return in, nil
}

func supplierSubOrderProto(s app.SupplierSubOrder) *partnerv1.SubOrder {
	goods := partnerv1.GoodsType_GOODS_TYPE_VIRTUAL
	if s.Physical {
		goods = partnerv1.GoodsType_GOODS_TYPE_PHYSICAL
	}
	out := &partnerv1.SubOrder{SubOrderId: s.ID.String(), OrderId: s.OrderID.String(), Status: subOrderStatusProtos[s.Status],
		GoodsType: goods, Goods: moneyProto(s.Goods), Channel: s.Channel, PaidAt: pbtime.ProtoOf(s.PaidAt)}
	for _, l := range s.Lines {
		out.Lines = append(out.Lines, &partnerv1.SubOrderLine{SkuId: l.SKUID, SkuCode: l.SKUCode, ProductId: l.ProductID, Quantity: l.Quantity,
			UnitPrice: moneyProto(l.UnitPrice), LineTotal: moneyProto(l.LineTotal)})
	}
	if a := s.Address; a != nil {
		out.Address = &commonv1.Address{Recipient: a.Recipient, Phone: a.Phone, CountryCode: a.CountryCode, RegionCode: a.RegionCode,
			City: a.City, Postcode: a.Postcode, Lines: a.Lines}
	}
	if sh := s.Shipment; sh != nil {
		out.Shipment = &partnerv1.Shipment{Waybill: sh.Waybill, CarrierCode: sh.CarrierCode, MethodId: sh.MethodID, ShippedAt: pbtime.ProtoOf(sh.ShippedAt)}
	}
	return out
}

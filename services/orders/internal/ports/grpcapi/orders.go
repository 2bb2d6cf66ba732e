package grpcapi

import (
	"cmp"
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Checkout turns the caller's cart or lines into a pending order.
func (s *Server) Checkout(ctx context.Context, req *ordersv1.CheckoutRequest) (*ordersv1.CheckoutResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	in := app.CheckoutInput{CheckoutID: req.GetCheckoutId(), Currency: req.GetCurrency(), CouponID: req.GetCouponId()}
	var v apperr.Violations
	in.Lines = lines(&v, req.GetLines())
	if a := req.GetAddress(); a != nil {
		addr := peers.AddressFromProto(a)
		in.Address = &addr
	}
	for i, sa := range req.GetSupplierAddresses() {
		id, err := uuid.Parse(sa.GetSupplierId())
		if err != nil {
			v.Add(apperr.Index("supplier_addresses", i, "supplier_id"), "must be a UUID")
			continue
		}
		in.Suppliers = append(in.Suppliers, domain.SupplierAddress{SupplierID: id, Address: peers.AddressFromProto(sa.GetAddress())})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, replayed, err := s.svc.Checkout(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &ordersv1.CheckoutResponse{Order: orderProto(app.OrderView{Order: o}), Replayed: replayed}, nil
}

func lines(v *apperr.Violations, in []*ordersv1.CheckoutLine) []domain.CartLine {
	out := make([]domain.CartLine, 0, len(in))
	for i, l := range in {
		id, err := uuid.Parse(l.GetSkuId())
		if err != nil {
			v.Add(apperr.Index("lines", i, "sku_id"), "must be a UUID")
			continue
		}
		out = append(out, domain.CartLine{SKUID: id, Quantity: l.GetQuantity()})
	}
	return out
}

// PayOrder pays a pending order from the buyer's wallet.
func (s *Server) PayOrder(ctx context.Context, req *ordersv1.PayOrderRequest) (*ordersv1.PayOrderResponse, error) {
	c, id, err := callerAnd(ctx, "order_id", req.GetOrderId())
	if err != nil {
		return nil, err
	}
	o, err := s.svc.PayOrder(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &ordersv1.PayOrderResponse{Order: orderProto(app.OrderView{Order: o})}, nil
}

// CancelOrder cancels an order before shipment.
func (s *Server) CancelOrder(ctx context.Context, req *ordersv1.CancelOrderRequest) (*ordersv1.CancelOrderResponse, error) {
	c, id, err := callerAnd(ctx, "order_id", req.GetOrderId())
	if err != nil {
		return nil, err
	}
	o, err := s.svc.CancelOrder(ctx, c, id, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &ordersv1.CancelOrderResponse{Order: orderProto(app.OrderView{Order: o})}, nil
}

// GetOrder returns an order with its parcels.
func (s *Server) GetOrder(ctx context.Context, req *ordersv1.GetOrderRequest) (*ordersv1.GetOrderResponse, error) {
	c, id, err := callerAnd(ctx, "order_id", req.GetOrderId())
	if err != nil {
		return nil, err
	}
	v, err := s.svc.GetOrder(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &ordersv1.GetOrderResponse{Order: orderProto(v)}, nil
}

// ListOrders lists the caller's orders.
func (s *Server) ListOrders(ctx context.Context, req *ordersv1.ListOrdersRequest) (*ordersv1.ListOrdersResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	list, next, err := s.svc.ListOrders(ctx, c, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, o := range list {
		out.Orders = append(out.Orders, orderProto(o))
	}
	return out, nil
}

// ListOrderChanges returns an order's change log.
func (s *Server) ListOrderChanges(ctx context.Context, req *ordersv1.ListOrderChangesRequest) (*ordersv1.ListOrderChangesResponse, error) {
	c, id, err := callerAnd(ctx, "order_id", req.GetOrderId())
	if err != nil {
		return nil, err
	}
	changes, err := s.svc.ListOrderChanges(ctx, c, id)
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListOrderChangesResponse{}
	for _, ch := range changes {
		e := &ordersv1.OrderChange{
			OrderId: ch.OrderID.String(), FromStatus: string(ch.From), ToStatus: string(ch.To), ActorKind: string(ch.Actor.Kind),
			ActorId: ch.Actor.ID, Reason: ch.Reason, At: timestamppb.New(ch.At),
		}
		if ch.SubOrderID != uuid.Nil {
			e.SubOrderId = ch.SubOrderID.String()
		}
		out.Changes = append(out.Changes, e)
	}
	return out, nil
}

// GetSubOrder returns one sub-order.
func (s *Server) GetSubOrder(ctx context.Context, req *ordersv1.GetSubOrderRequest) (*ordersv1.GetSubOrderResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	sub, err := s.answer(ctx, c, id, nil)
	return &ordersv1.GetSubOrderResponse{SubOrder: sub}, err
}

// ListSupplierSubOrders lists a supplier's paid sub-orders.
func (s *Server) ListSupplierSubOrders(ctx context.Context, req *ordersv1.ListSupplierSubOrdersRequest) (*ordersv1.ListSupplierSubOrdersResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var supplier uuid.UUID
	if raw := req.GetSupplierId(); raw != "" {
		if supplier, err = apperr.ParseID("supplier_id", raw); err != nil {
			return nil, err
		}
	}
	var statuses []domain.Status
	for i, st := range req.GetStatuses() {
		d, ok := statusFromProto[st]
		if !ok {
			return nil, apperr.InvalidField(apperr.Index("statuses", i, ""), "is not a sub-order status")
		}
		statuses = append(statuses, d)
	}
	list, next, err := s.svc.ListSupplierSubOrders(ctx, c, supplier, statuses, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListSupplierSubOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, o := range list {
		out.SubOrders = append(out.SubOrders, subOrderProto(o, o.SubOrders[0], nil))
	}
	return out, nil
}

// AcceptSubOrder is the supplier taking a paid sub-order.
func (s *Server) AcceptSubOrder(ctx context.Context, req *ordersv1.AcceptSubOrderRequest) (*ordersv1.AcceptSubOrderResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	_, err = s.svc.AcceptSubOrder(ctx, c, id)
	sub, err := s.answer(ctx, c, id, err)
	return &ordersv1.AcceptSubOrderResponse{SubOrder: sub}, err
}

// ShipSubOrder books a physical sub-order's parcel.
func (s *Server) ShipSubOrder(ctx context.Context, req *ordersv1.ShipSubOrderRequest) (*ordersv1.ShipSubOrderResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	method, onBehalfOf := optionalID(&v, "method_id", req.GetMethodId()), optionalID(&v, "supplier_org_id", req.GetSupplierOrgId())
	if err := v.Err(); err != nil {
		return nil, err
	}
	_, err = s.svc.ShipSubOrder(ctx, c, id, method, peers.AddressFromProto(req.GetFrom()), onBehalfOf)
	sub, err := s.answer(ctx, c, id, err)
	return &ordersv1.ShipSubOrderResponse{SubOrder: sub}, err
}

// RecordExternalShipment marks a sub-order shipped by a parcel booked
// outside our logistics.
func (s *Server) RecordExternalShipment(ctx context.Context, req *ordersv1.RecordExternalShipmentRequest) (*ordersv1.RecordExternalShipmentResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	onBehalfOf := optionalID(&v, "supplier_org_id", req.GetSupplierOrgId())
	if err := v.Err(); err != nil {
		return nil, err
	}
	_, err = s.svc.RecordExternalShipment(ctx, c, id, req.GetCarrierCode(), req.GetWaybill(), onBehalfOf)
	sub, err := s.answer(ctx, c, id, err)
	return &ordersv1.RecordExternalShipmentResponse{SubOrder: sub}, err
}

// DeliverSubOrder records a virtual sub-order's delivery.
func (s *Server) DeliverSubOrder(ctx context.Context, req *ordersv1.DeliverSubOrderRequest) (*ordersv1.DeliverSubOrderResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	_, err = s.svc.DeliverSubOrder(ctx, c, id)
	sub, err := s.answer(ctx, c, id, err)
	return &ordersv1.DeliverSubOrderResponse{SubOrder: sub}, err
}

// ConfirmReceipt is the buyer confirming a delivered sub-order.
func (s *Server) ConfirmReceipt(ctx context.Context, req *ordersv1.ConfirmReceiptRequest) (*ordersv1.ConfirmReceiptResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	_, err = s.svc.ConfirmReceipt(ctx, c, id)
	sub, err := s.answer(ctx, c, id, err)
	return &ordersv1.ConfirmReceiptResponse{SubOrder: sub}, err
}

// DeclareParcelLost closes a shipped sub-order whose goods will not arrive
// (admins).
func (s *Server) DeclareParcelLost(ctx context.Context, req *ordersv1.DeclareParcelLostRequest) (*ordersv1.DeclareParcelLostResponse, error) {
	c, id, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	_, err = s.svc.DeclareParcelLost(ctx, c, id, req.GetReason())
	sub, err := s.answer(ctx, c, id, err)
	return &ordersv1.DeclareParcelLostResponse{SubOrder: sub}, err
}

// PlaceExternalOrder creates a partner channel's paid order.
func (s *Server) PlaceExternalOrder(ctx context.Context, req *ordersv1.PlaceExternalOrderRequest) (*ordersv1.PlaceExternalOrderResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	in, err := externalOrderInput(req)
	if err != nil {
		return nil, err
	}
	o, replayed, err := s.svc.PlaceExternalOrder(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &ordersv1.PlaceExternalOrderResponse{Order: orderProto(app.OrderView{Order: o}), Replayed: replayed}, nil
}

// PlaceExternalOrders creates a page of a partner channel's paid orders,
// each answered on its own.
func (s *Server) PlaceExternalOrders(ctx context.Context, req *ordersv1.PlaceExternalOrdersRequest) (*ordersv1.PlaceExternalOrdersResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	items, err := grpcerr.Batch(req.GetOrders(), "orders", app.MaxExternalOrders, externalOrderInput, func(ins []app.ExternalOrderInput) ([]app.ExternalOrderResult, error) {
		return s.svc.PlaceExternalOrders(ctx, c, ins)
	})
	if err != nil {
		return nil, err
	}
	out := &ordersv1.PlaceExternalOrdersResponse{Results: make([]*ordersv1.PlacedExternalOrder, len(items))}
	for i, it := range items {
		err := cmp.Or(it.Err, it.Out.Err)
		out.Results[i] = &ordersv1.PlacedExternalOrder{Problem: grpcerr.ProblemOf(err)}
		if err == nil {
			out.Results[i].Order, out.Results[i].Replayed = orderProto(app.OrderView{Order: it.Out.Order}), it.Out.Replayed
		}
	}
	return out, nil
}

// externalOrderInput reads one partner order.
func externalOrderInput(req *ordersv1.PlaceExternalOrderRequest) (app.ExternalOrderInput, error) {
	var v apperr.Violations
	in := app.ExternalOrderInput{Channel: req.GetChannel(), ExternalOrderID: req.GetExternalOrderId(), BuyerRef: req.GetBuyerRef(), Lines: lines(&v, req.GetLines()),
		ExistingOnly: req.GetExistingOnly()}
	for _, p := range req.GetUnitPrices() {
		in.UnitPrices = append(in.UnitPrices, moneyOf(p))
	}
	if a := req.GetAddress(); a != nil {
		addr := peers.AddressFromProto(a)
		in.Address = &addr
	}
	return in, v.Err()
}

// answer is a command's answer on a sub-order: the command's error, or the
// sub-order as its readers see it now (with its parcel).
func (s *Server) answer(ctx context.Context, c auth.Caller, id uuid.UUID, err error) (*ordersv1.SubOrder, error) {
	if err != nil {
		return nil, err
	}
	v, err := s.svc.GetSubOrder(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return subOrderProto(v.Order, v.SubOrder, v.Parcel), nil
}

// callerAnd returns the caller and an id from the request.
func callerAnd(ctx context.Context, field, raw string) (auth.Caller, uuid.UUID, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return c, uuid.Nil, err
	}
	id, err := apperr.ParseID(field, raw)
	return c, id, err
}

var orderStatus = map[domain.Status]ordersv1.OrderStatus{
	domain.PendingPayment: ordersv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT,
	domain.Paid:           ordersv1.OrderStatus_ORDER_STATUS_PAID,
	domain.Completed:      ordersv1.OrderStatus_ORDER_STATUS_COMPLETED,
	domain.Cancelled:      ordersv1.OrderStatus_ORDER_STATUS_CANCELLED,
}

var subOrderStatus = map[domain.Status]ordersv1.SubOrderStatus{
	domain.PendingPayment: ordersv1.SubOrderStatus_SUB_ORDER_STATUS_PENDING_PAYMENT,
	domain.Paid:           ordersv1.SubOrderStatus_SUB_ORDER_STATUS_PAID,
	domain.Accepted:       ordersv1.SubOrderStatus_SUB_ORDER_STATUS_ACCEPTED,
	domain.Shipped:        ordersv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED,
	domain.Delivered:      ordersv1.SubOrderStatus_SUB_ORDER_STATUS_DELIVERED,
	domain.AwaitingTopUp:  ordersv1.SubOrderStatus_SUB_ORDER_STATUS_AWAITING_TOP_UP,
	domain.Completed:      ordersv1.SubOrderStatus_SUB_ORDER_STATUS_COMPLETED,
	domain.Cancelled:      ordersv1.SubOrderStatus_SUB_ORDER_STATUS_CANCELLED,
}

var statusFromProto = func() map[ordersv1.SubOrderStatus]domain.Status {
	out := map[ordersv1.SubOrderStatus]domain.Status{}
	for d, p := range subOrderStatus {
		out[p] = d
	}
	return out
}()

func orderProto(v app.OrderView) *ordersv1.Order {
	o := v.Order
	out := &ordersv1.Order{
		OrderId: o.ID.String(), BuyerId: o.BuyerID, Status: orderStatus[o.Status], Currency: o.Currency,
		Total: &commonv1.Money{CurrencyCode: o.Currency, AmountMinor: o.Total}, PlacedAt: timestamppb.New(o.PlacedAt),
		PaidAt: pbtime.ProtoOf(o.PaidAt), Channel: o.Channel, ExternalOrderId: o.ExternalOrderID, CancelReason: o.CancelReason, CheckoutId: o.CheckoutID,
	}
	if o.Status == domain.PendingPayment || !o.External() {
		out.PaymentDueAt = timestamppb.New(o.PaymentDueAt)
	}
	if o.MerchantOrgID != uuid.Nil {
		out.MerchantOrgId = o.MerchantOrgID.String()
	}
	for _, sub := range o.SubOrders {
		out.SubOrders = append(out.SubOrders, subOrderProto(o, sub, v.Parcels[sub.ID]))
	}
	return out
}

func subOrderProto(o domain.Order, s domain.SubOrder, p *app.Parcel) *ordersv1.SubOrder {
	typ := ordersv1.ProductType_PRODUCT_TYPE_PHYSICAL
	if s.Type == domain.Virtual {
		typ = ordersv1.ProductType_PRODUCT_TYPE_VIRTUAL
	}
	out := &ordersv1.SubOrder{
		SubOrderId: s.ID.String(), OrderId: o.ID.String(), BuyerId: o.BuyerID, SupplierId: s.SupplierID.String(), Type: typ,
		Status: subOrderStatus[s.Status], Goods: moneyProto(s.Goods), Freight: moneyProto(s.Freight), Payable: moneyProto(s.Payable()),
		PayableInBuyerCurrency: &commonv1.Money{CurrencyCode: o.Currency, AmountMinor: s.BuyerAmount}, Rate: s.Rate,
		WeightG: s.WeightG, VolumeCm3: s.VolumeCM3, PaidAt: pbtime.ProtoOf(s.PaidAt), ShippedAt: pbtime.ProtoOf(s.ShippedAt), DeliveredAt: pbtime.ProtoOf(s.DeliveredAt),
		CompletesAt: pbtime.ProtoOf(s.CompletesAt), CompletedAt: pbtime.ProtoOf(s.CompletedAt), Channel: o.Channel,
	}
	for _, l := range s.Lines {
		out.Lines = append(out.Lines, &ordersv1.OrderLine{SkuId: l.SKUID.String(), ProductId: l.ProductID.String(), Quantity: l.Quantity,
			UnitPrice: moneyProto(l.UnitPrice), LineTotal: moneyProto(l.Total())})
	}
	if s.Address != nil {
		out.Address = peers.AddressProto(*s.Address)
	}
	if b := s.FreightBreakdown; b != nil {
		fb := &ordersv1.FreightBreakdown{
			Basis: b.Basis, TargetFreight: moneyProto(b.TargetFreight), Multiplier: b.Multiplier, RouteMultiplier: b.RouteMultiplier,
			TotalBeforeMultiplier: b.TotalBeforeMultiplier, Zone: b.Zone, ChargeableWeightG: b.ChargeableWeightG,
			RateToSupplierCurrency: b.RateToSupplierCurrency,
		}
		if b.DeclaredValue.Currency != "" {
			fb.DeclaredValue = moneyProto(b.DeclaredValue)
		}
		for _, g := range b.Groups {
			fb.Groups = append(fb.Groups, &ordersv1.FreightGroup{Group: g.Group, Count: g.Count, MeanFreight: g.MeanFreight, Weight: g.Weight})
		}
		out.FreightBreakdown = fb
	}
	if s.ExternalParcel() {
		out.Parcel = &ordersv1.Parcel{Waybill: s.Waybill, CarrierCode: s.CarrierCode, External: true}
	}
	if s.ShipmentID != nil {
		out.Parcel = &ordersv1.Parcel{ShipmentId: s.ShipmentID.String(), Waybill: s.Waybill, CarrierCode: s.CarrierCode, MethodId: s.MethodID}
		if p != nil {
			out.Parcel.MethodId, out.Parcel.MethodName, out.Parcel.Status = p.MethodID, p.MethodName, p.Status
			out.Parcel.Position, out.Parcel.DistanceLeftKm, out.Parcel.Eta, out.Parcel.DeliveredAt = p.Position, p.DistanceLeftKM, pbtime.ProtoOf(p.ETA), pbtime.ProtoOf(p.DeliveredAt)
		}
	}
	if s.Discount > 0 {
		out.Discount = moneyProto(money.Money{Amount: s.Discount, Currency: s.Goods.Currency})
		out.CouponId, out.DiscountFundedBy = s.CouponID, string(s.DiscountFundedBy)
	}
	if s.Refunded > 0 {
		out.Refunded = moneyProto(money.Money{Amount: s.Refunded, Currency: s.Goods.Currency})
	}
	if s.TopUpRequestID != "" && s.Status == domain.AwaitingTopUp {
		out.TopUp = &ordersv1.TopUp{RequestId: s.TopUpRequestID, Amount: moneyProto(money.Money{Amount: s.TopUp, Currency: s.Goods.Currency})}
	}
	return out
}

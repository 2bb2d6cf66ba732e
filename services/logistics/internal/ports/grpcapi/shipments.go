package grpcapi

import (
	"context"

	"github.com/google/uuid"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// ids parses the ids of a request, collecting every bad one.
type ids struct{ v apperr.Violations }

func (p *ids) id(field, raw string) uuid.UUID {
	id, err := apperr.ParseID(field, raw)
	if err != nil {
		p.v.Merge(err)
	}
	return id
}

// CreateShipment books a parcel (services).
func (s *Server) CreateShipment(ctx context.Context, req *logisticsv1.CreateShipmentRequest) (*logisticsv1.CreateShipmentResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	in := domain.NewShipmentInput{
		SubOrderID: p.id("sub_order_id", req.GetSubOrderId()), OrderID: p.id("order_id", req.GetOrderId()),
		ReturnID: req.GetReturnId(), BuyerID: req.GetBuyerId(), SupplierOrgID: p.id("supplier_org_id", req.GetSupplierOrgId()),
		MethodID: p.id("method_id", req.GetMethodId()), From: addressOf(req.GetFrom()), To: addressOf(req.GetTo()),
		WeightG: req.GetWeightG(), VolumeCM3: req.GetVolumeCm3(), DeclaredValue: moneyOf(req.GetDeclaredValue()),
		GoodsPrice: moneyOf(req.GetGoodsPrice()), ReservationID: req.GetReservationId(),
		FreightPayer: payers[req.GetFreightPayer()],
	}
	if raw := req.GetMerchantOrgId(); raw != "" {
		in.MerchantOrgID = p.id("merchant_org_id", raw)
	}
	if _, known := payers[req.GetFreightPayer()]; !known {
		in.FreightPayer = domain.FreightPayer(req.GetFreightPayer().String())
	}
	if req.GetCentralWarehouse() != nil {
		central := addressOf(req.GetCentralWarehouse())
		in.Central = &central
	}
	switch req.GetKind() {
	case logisticsv1.ShipmentKind_SHIPMENT_KIND_OUTBOUND:
		in.Kind = domain.KindOutbound
	case logisticsv1.ShipmentKind_SHIPMENT_KIND_RETURN:
		in.Kind = domain.KindReturn
	}
	for i, l := range req.GetLines() {
		in.Lines = append(in.Lines, domain.Line{SKUID: p.id(apperr.Index("lines", i, "sku_id"), l.GetSkuId()), Quantity: l.GetQuantity()})
	}
	if err := p.v.Err(); err != nil {
		return nil, err
	}
	sh, replayed, err := s.svc.CreateShipment(ctx, c, in)
	if err != nil {
		return nil, err
	}
	v, err := s.svc.GetShipment(ctx, c, sh.ID)
	if err != nil {
		return nil, err
	}
	return &logisticsv1.CreateShipmentResponse{Shipment: shipmentProto(v), Replayed: replayed}, nil
}

// CancelShipment cancels a booking before pick-up (services).
func (s *Server) CancelShipment(ctx context.Context, req *logisticsv1.CancelShipmentRequest) (*logisticsv1.CancelShipmentResponse, error) {
	sh, err := onShipment(ctx, req.GetShipmentId(), func(c auth.Caller, id uuid.UUID) (app.View, error) {
		return s.svc.CancelShipment(ctx, c, id, req.GetReason())
	})
	return &logisticsv1.CancelShipmentResponse{Shipment: sh}, err
}

// CompleteShipment records the sub-order's completion (services).
func (s *Server) CompleteShipment(ctx context.Context, req *logisticsv1.CompleteShipmentRequest) (*logisticsv1.CompleteShipmentResponse, error) {
	sh, err := onShipment(ctx, req.GetShipmentId(), func(c auth.Caller, id uuid.UUID) (app.View, error) {
		return s.svc.CompleteShipment(ctx, c, id)
	})
	return &logisticsv1.CompleteShipmentResponse{Shipment: sh}, err
}

// GetShipment returns a shipment to its readers.
func (s *Server) GetShipment(ctx context.Context, req *logisticsv1.GetShipmentRequest) (*logisticsv1.GetShipmentResponse, error) {
	sh, err := onShipment(ctx, req.GetShipmentId(), func(c auth.Caller, id uuid.UUID) (app.View, error) {
		return s.svc.GetShipment(ctx, c, id)
	})
	return &logisticsv1.GetShipmentResponse{Shipment: sh}, err
}

// GetSubOrderShipment returns a sub-order's outbound shipment to its readers.
func (s *Server) GetSubOrderShipment(ctx context.Context, req *logisticsv1.GetSubOrderShipmentRequest) (*logisticsv1.GetSubOrderShipmentResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	v, err := s.svc.GetSubOrderShipment(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &logisticsv1.GetSubOrderShipmentResponse{Shipment: shipmentProto(v)}, nil
}

// ListShipments lists shipments (see app.ListShipments for who sees what).
func (s *Server) ListShipments(ctx context.Context, req *logisticsv1.ListShipmentsRequest) (*logisticsv1.ListShipmentsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	f := app.ShipmentFilter{BuyerID: req.GetBuyerId()}
	if f.BuyerID != "" && !domain.ValidBuyer(f.BuyerID) {
		return nil, apperr.InvalidField("buyer_id", `must be a buyer's user id (a UUID), or a partner channel's buyer ("partner:<code>/<buyer>")`)
	}
	if req.GetSupplierOrgId() != "" {
		if f.SupplierOrgID, err = apperr.ParseID("supplier_org_id", req.GetSupplierOrgId()); err != nil {
			return nil, err
		}
	}
	for i, st := range req.GetStatuses() {
		ds, ok := statusOf(st)
		if !ok {
			return nil, apperr.InvalidField(apperr.Index("statuses", i, ""), "is not a shipment status")
		}
		f.Statuses = append(f.Statuses, ds)
	}
	list, next, err := s.svc.ListShipments(ctx, c, f, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &logisticsv1.ListShipmentsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, v := range list {
		out.Shipments = append(out.Shipments, shipmentProto(v))
	}
	return out, nil
}

// ListShipmentEvents returns a shipment's tracking history to its readers.
func (s *Server) ListShipmentEvents(ctx context.Context, req *logisticsv1.ListShipmentEventsRequest) (*logisticsv1.ListShipmentEventsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("shipment_id", req.GetShipmentId())
	if err != nil {
		return nil, err
	}
	events, next, err := s.svc.ListShipmentEvents(ctx, c, id, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &logisticsv1.ListShipmentEventsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, e := range events {
		out.Events = append(out.Events, eventProto(e))
	}
	return out, nil
}

// HandleCarrierWebhook applies one signed webhook delivery (no token).
func (s *Server) HandleCarrierWebhook(ctx context.Context, req *logisticsv1.HandleCarrierWebhookRequest) (*logisticsv1.HandleCarrierWebhookResponse, error) {
	applied, err := s.svc.HandleWebhook(ctx, req.GetCarrierCode(), req.GetSignature(), req.GetPayload())
	if err != nil {
		return nil, err
	}
	return &logisticsv1.HandleCarrierWebhookResponse{Applied: applied}, nil
}

// onShipment runs a use case on the shipment a request names, for the
// authenticated caller, and answers the shipment it returns.
func onShipment(ctx context.Context, rawID string, fn func(auth.Caller, uuid.UUID) (app.View, error)) (*logisticsv1.Shipment, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("shipment_id", rawID)
	if err != nil {
		return nil, err
	}
	v, err := fn(c, id)
	if err != nil {
		return nil, err
	}
	return shipmentProto(v), nil
}

package grpcapi

import (
	"context"
	"time"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
)

// GetMyPartner returns the calling partner's registration (signed calls).
func (s *Partners) GetMyPartner(ctx context.Context, _ *partnerv1.GetMyPartnerRequest) (*partnerv1.GetMyPartnerResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.MyPartner(ctx, c)
	if err != nil {
		return nil, err
	}
	return &partnerv1.GetMyPartnerResponse{Registration: registrationProto(p)}, nil
}

// NotifyOrderChanged schedules a pull of the notified order (signed
// calls); nothing of the notification but the order id and its time is
// used.
func (s *Partners) NotifyOrderChanged(ctx context.Context, req *partnerv1.NotifyOrderChangedRequest) (*partnerv1.NotifyOrderChangedResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var updatedAt time.Time
	if ts := req.GetUpdatedAt(); ts != nil {
		if err := ts.CheckValid(); err != nil {
			return nil, apperr.InvalidField("updated_at", "must be a valid timestamp")
		}
		updatedAt = ts.AsTime()
	}
	scheduled, err := s.trade.NotifyOrderChanged(ctx, c, req.GetOrderId(), updatedAt)
	if err != nil {
		return nil, err
	}
	return &partnerv1.NotifyOrderChangedResponse{Scheduled: scheduled}, nil
}

// PushStock relays a supplier ERP's stock levels to inventory (signed
// calls, ERPs only).
func (s *Partners) PushStock(ctx context.Context, req *partnerv1.PushStockRequest) (*partnerv1.PushStockResponse, error) {
	c, err := erpCaller(ctx)
	if err != nil {
		return nil, err
	}
	in, err := stockSync(req)
	if err != nil {
		return nil, err
	}
	results, err := s.erp.PushStock(ctx, c, in)
	if err != nil {
		return nil, err
	}
	resp := &partnerv1.PushStockResponse{}
	for _, r := range results {
		resp.Results = append(resp.Results, &partnerv1.StockLineResult{SkuCode: r.SKUCode, Status: stockLineStatuses[r.Status],
			SkuId: r.SKUID, Message: r.Message})
	}
	return resp, nil
}

// ListMySubOrders lists a supplier ERP's sub-orders (signed calls, ERPs
// only).
func (s *Partners) ListMySubOrders(ctx context.Context, req *partnerv1.ListMySubOrdersRequest) (*partnerv1.ListMySubOrdersResponse, error) {
	c, err := erpCaller(ctx)
	if err != nil {
		return nil, err
	}
	statuses, err := subOrderFilter(req.GetStatuses())
	if err != nil {
		return nil, err
	}
	subs, next, err := s.erp.MySubOrders(ctx, c, statuses, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &partnerv1.ListMySubOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, sub := range subs {
		resp.SubOrders = append(resp.SubOrders, supplierSubOrderProto(sub))
	}
	return resp, nil
}

// ConfirmSubOrderShipment books a supplier ERP's parcel and answers the
// shipped sub-order (signed calls, ERPs only).
func (s *Partners) ConfirmSubOrderShipment(ctx context.Context, req *partnerv1.ConfirmSubOrderShipmentRequest) (*partnerv1.ConfirmSubOrderShipmentResponse, error) {
	c, err := erpCaller(ctx)
	if err != nil {
		return nil, err
	}
	in, err := shipmentInput(req)
	if err != nil {
		return nil, err
	}
	sub, err := s.erp.ConfirmShipment(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &partnerv1.ConfirmSubOrderShipmentResponse{SubOrder: supplierSubOrderProto(sub)}, nil
}

// erpCaller returns the caller of an ERP method once it is known to be an
// ERP, before its request is read.
func erpCaller(ctx context.Context) (auth.Caller, error) {
	c, err := caller(ctx)
	if err != nil {
		return auth.Caller{}, err
	}
	if _, err := app.RequireERP(c); err != nil {
		return auth.Caller{}, err
	}
	return c, nil
}

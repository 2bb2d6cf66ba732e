package grpcapi

import (
	"context"
	"time"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
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

package grpcapi

import (
	"context"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
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

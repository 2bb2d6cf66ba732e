package grpcapi

import (
	"context"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// GetConfig returns the configuration in force, and a route's multiplier (operators).
func (s *Server) GetConfig(ctx context.Context, req *freightv1.GetConfigRequest) (*freightv1.GetConfigResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var route *domain.Route
	if req.GetRoute() != nil {
		r := routeFrom(req.GetRoute())
		route = &r
	}
	view, err := s.svc.GetConfig(ctx, c, route)
	if err != nil {
		return nil, err
	}
	return &freightv1.GetConfigResponse{
		Config:              configProto(view.Config),
		EffectiveMultiplier: view.Multiplier.Value.String(),
		RouteMultiplier:     view.Multiplier.Route,
	}, nil
}

// UpdateConfig records a new configuration version (admins).
func (s *Server) UpdateConfig(ctx context.Context, req *freightv1.UpdateConfigRequest) (*freightv1.UpdateConfigResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p := req.GetConfig()
	if p == nil {
		return nil, apperr.InvalidField("config", "is required")
	}
	in := domain.ConfigInput{
		VolumeTolerance: p.GetVolumeTolerance(), WeightTolerance: p.GetWeightTolerance(), ValueTolerance: p.GetValueTolerance(),
		FirstWeight: p.GetFirstWeight(), SecondaryWeight: p.GetSecondaryWeight(), EndWeight: p.GetEndWeight(),
		Multiplier: p.GetMultiplier(), EffectiveFrom: pbtime.Time(p.GetEffectiveFrom()), Reason: p.GetReason(),
	}
	if w := p.GetWindow(); w != nil {
		if err := w.CheckValid(); err != nil {
			return nil, apperr.InvalidField("config.window", "is not a valid duration")
		}
		in.Window = w.AsDuration()
	}
	cfg, err := s.svc.UpdateConfig(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &freightv1.UpdateConfigResponse{Config: configProto(cfg)}, nil
}

// ListConfigVersions lists configuration versions, newest first (operators).
func (s *Server) ListConfigVersions(ctx context.Context, req *freightv1.ListConfigVersionsRequest) (*freightv1.ListConfigVersionsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListConfigVersions(ctx, c, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &freightv1.ListConfigVersionsResponse{Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken}}
	for _, v := range page.Versions {
		out.Versions = append(out.Versions, configProto(v))
	}
	return out, nil
}

// SetRouteMultiplier overrides or restores a route's multiplier (admins).
func (s *Server) SetRouteMultiplier(ctx context.Context, req *freightv1.SetRouteMultiplierRequest) (*freightv1.SetRouteMultiplierResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.svc.SetRouteMultiplier(ctx, c, domain.RouteMultiplierInput{
		Route: routeFrom(req.GetRoute()), Multiplier: req.GetMultiplier(),
		EffectiveFrom: pbtime.Time(req.GetEffectiveFrom()), Reason: req.GetReason(),
	})
	if err != nil {
		return nil, err
	}
	return &freightv1.SetRouteMultiplierResponse{}, nil
}

// GetRateCard returns the rate card in force (operators).
func (s *Server) GetRateCard(ctx context.Context, _ *freightv1.GetRateCardRequest) (*freightv1.GetRateCardResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	card, err := s.svc.GetRateCard(ctx, c)
	if err != nil {
		return nil, err
	}
	return &freightv1.GetRateCardResponse{RateCard: rateCardProto(card)}, nil
}

// SetRateCard records a new rate card (admins).
func (s *Server) SetRateCard(ctx context.Context, req *freightv1.SetRateCardRequest) (*freightv1.SetRateCardResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetRateCard() == nil {
		return nil, apperr.InvalidField("rate_card", "is required")
	}
	card, err := s.svc.SetRateCard(ctx, c, rateCardFrom(req.GetRateCard()))
	if err != nil {
		return nil, err
	}
	return &freightv1.SetRateCardResponse{RateCard: rateCardProto(card)}, nil
}

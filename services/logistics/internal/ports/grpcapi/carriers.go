package grpcapi

import (
	"context"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// CreateCarrier adds a carrier (admins).
func (s *Carriers) CreateCarrier(ctx context.Context, req *logisticsv1.CreateCarrierRequest) (*logisticsv1.CreateCarrierResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	car, err := s.svc.CreateCarrier(ctx, c, req.GetCode(), req.GetName(), endpointsOf(req.GetEndpoints()))
	if err != nil {
		return nil, err
	}
	return &logisticsv1.CreateCarrierResponse{Carrier: carrierProto(car)}, nil
}

// UpdateCarrier changes a carrier (admins).
func (s *Carriers) UpdateCarrier(ctx context.Context, req *logisticsv1.UpdateCarrierRequest) (*logisticsv1.UpdateCarrierResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("carrier_id", req.GetCarrierId())
	if err != nil {
		return nil, err
	}
	car, err := s.svc.UpdateCarrier(ctx, c, id, app.CarrierUpdate{Name: req.GetName(), Endpoints: endpointsOf(req.GetEndpoints()), Active: req.Active})
	if err != nil {
		return nil, err
	}
	return &logisticsv1.UpdateCarrierResponse{Carrier: carrierProto(car)}, nil
}

// GetCarrier returns a carrier (admins).
func (s *Carriers) GetCarrier(ctx context.Context, req *logisticsv1.GetCarrierRequest) (*logisticsv1.GetCarrierResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("carrier_id", req.GetCarrierId())
	if err != nil {
		return nil, err
	}
	car, err := s.svc.GetCarrier(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &logisticsv1.GetCarrierResponse{Carrier: carrierProto(car)}, nil
}

// ListCarriers lists carriers (admins).
func (s *Carriers) ListCarriers(ctx context.Context, _ *logisticsv1.ListCarriersRequest) (*logisticsv1.ListCarriersResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.ListCarriers(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &logisticsv1.ListCarriersResponse{}
	for _, car := range list {
		out.Carriers = append(out.Carriers, carrierProto(car))
	}
	return out, nil
}

// CreateShippingMethod adds a method (admins).
func (s *Carriers) CreateShippingMethod(ctx context.Context, req *logisticsv1.CreateShippingMethodRequest) (*logisticsv1.CreateShippingMethodResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	carrierID, err := apperr.ParseID("carrier_id", req.GetCarrierId())
	if err != nil {
		return nil, err
	}
	m, err := s.svc.CreateMethod(ctx, c, domain.Method{CarrierID: carrierID, Code: req.GetCode(), Name: req.GetName(),
		Mode: modes[req.GetMode()], Speed: speedOf(req.GetSpeed()), Zones: req.GetZones()})
	if err != nil {
		return nil, err
	}
	return &logisticsv1.CreateShippingMethodResponse{Method: methodProto(m)}, nil
}

// UpdateShippingMethod changes a method (admins).
func (s *Carriers) UpdateShippingMethod(ctx context.Context, req *logisticsv1.UpdateShippingMethodRequest) (*logisticsv1.UpdateShippingMethodResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("method_id", req.GetMethodId())
	if err != nil {
		return nil, err
	}
	u := app.MethodUpdate{Name: req.GetName(), Active: req.Active}
	if req.GetSpeed() != nil {
		sp := speedOf(req.GetSpeed())
		u.Speed = &sp
	}
	if req.GetZones() != nil {
		z := req.GetZones().GetCountries()
		u.Zones = &z
	}
	m, err := s.svc.UpdateMethod(ctx, c, id, u)
	if err != nil {
		return nil, err
	}
	return &logisticsv1.UpdateShippingMethodResponse{Method: methodProto(m)}, nil
}

// ListShippingMethods lists methods (any signed-in user).
func (s *Carriers) ListShippingMethods(ctx context.Context, req *logisticsv1.ListShippingMethodsRequest) (*logisticsv1.ListShippingMethodsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.ListMethods(ctx, c, req.GetDestinationCountryCode(), req.GetIncludeInactive())
	if err != nil {
		return nil, err
	}
	out := &logisticsv1.ListShippingMethodsResponse{}
	for _, m := range list {
		out.Methods = append(out.Methods, methodProto(m))
	}
	return out, nil
}

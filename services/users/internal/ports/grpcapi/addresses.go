package grpcapi

import (
	"context"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
)

// ListAddresses lists the caller's addresses.
func (s *Server) ListAddresses(ctx context.Context, req *usersv1.ListAddressesRequest) (*usersv1.ListAddressesResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.ListAddresses(ctx, c, req.GetUserId())
	if err != nil {
		return nil, err
	}
	resp := &usersv1.ListAddressesResponse{}
	for _, a := range list {
		resp.Addresses = append(resp.Addresses, userAddressProto(a))
	}
	return resp, nil
}

// CreateAddress adds an address.
func (s *Server) CreateAddress(ctx context.Context, req *usersv1.CreateAddressRequest) (*usersv1.CreateAddressResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in, err := addressFromProto(req.GetAddress())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.CreateAddress(ctx, c, in, req.GetMakeDefault(), idempotency.Key(ctx, req.GetIdempotencyKey()))
	if err != nil {
		return nil, err
	}
	return &usersv1.CreateAddressResponse{Address: userAddressProto(a)}, nil
}

// GetAddress returns one of the caller's addresses.
func (s *Server) GetAddress(ctx context.Context, req *usersv1.GetAddressRequest) (*usersv1.GetAddressResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("address_id", req.GetAddressId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.GetAddress(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &usersv1.GetAddressResponse{Address: userAddressProto(a)}, nil
}

// UpdateAddress replaces an address's fields.
func (s *Server) UpdateAddress(ctx context.Context, req *usersv1.UpdateAddressRequest) (*usersv1.UpdateAddressResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("address_id", req.GetAddressId())
	if err != nil {
		return nil, err
	}
	in, err := addressFromProto(req.GetAddress())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateAddress(ctx, c, id, in)
	if err != nil {
		return nil, err
	}
	return &usersv1.UpdateAddressResponse{Address: userAddressProto(a)}, nil
}

// DeleteAddress removes an address.
func (s *Server) DeleteAddress(ctx context.Context, req *usersv1.DeleteAddressRequest) (*usersv1.DeleteAddressResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("address_id", req.GetAddressId())
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteAddress(ctx, c, id); err != nil {
		return nil, err
	}
	return &usersv1.DeleteAddressResponse{}, nil
}

// SetDefaultAddress makes an address the default.
func (s *Server) SetDefaultAddress(ctx context.Context, req *usersv1.SetDefaultAddressRequest) (*usersv1.SetDefaultAddressResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("address_id", req.GetAddressId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.SetDefaultAddress(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &usersv1.SetDefaultAddressResponse{Address: userAddressProto(a)}, nil
}

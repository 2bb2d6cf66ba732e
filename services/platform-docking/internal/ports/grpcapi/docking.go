package grpcapi

import (
	"context"

	"github.com/google/uuid"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// CreatePartner registers a partner (admins).
func (s *Docking) CreatePartner(ctx context.Context, req *dockingv1.CreatePartnerRequest) (*dockingv1.CreatePartnerResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.CreatePartner(ctx, c, domain.Partner{
		Name: req.GetName(), Code: req.GetCode(), Protocol: protocols[req.GetProtocol()], Endpoint: req.GetEndpoint(),
		APIClientID: req.GetApiClientId(), Locales: req.GetLocales(), QualityCheckRequired: req.GetQualityCheckRequired(),
		CommissionBPS: int(req.GetCommissionBps()), Fees: feesOf(req.GetFees()), Credentials: credentialsOf(req.GetCredentials()),
	})
	if err != nil {
		return nil, err
	}
	return &dockingv1.CreatePartnerResponse{Partner: partnerProto(p)}, nil
}

// GetPartner returns a partner (admins).
func (s *Docking) GetPartner(ctx context.Context, req *dockingv1.GetPartnerRequest) (*dockingv1.GetPartnerResponse, error) {
	p, err := byID(ctx, "partner_id", req.GetPartnerId(), s.svc.GetPartner)
	if err != nil {
		return nil, err
	}
	return &dockingv1.GetPartnerResponse{Partner: partnerProto(p)}, nil
}

// ListPartners lists partners (admins).
func (s *Docking) ListPartners(ctx context.Context, _ *dockingv1.ListPartnersRequest) (*dockingv1.ListPartnersResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.ListPartners(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListPartnersResponse{}
	for _, p := range list {
		out.Partners = append(out.Partners, partnerProto(p))
	}
	return out, nil
}

// UpdatePartner changes a partner (admins).
func (s *Docking) UpdatePartner(ctx context.Context, req *dockingv1.UpdatePartnerRequest) (*dockingv1.UpdatePartnerResponse, error) {
	u := domain.Update{Name: req.Name, Endpoint: req.Endpoint, Locales: req.GetLocales(), QualityCheckRequired: req.QualityCheckRequired}
	if req.CommissionBps != nil {
		bps := int(req.GetCommissionBps())
		u.CommissionBPS = &bps
	}
	if req.Fees != nil {
		f := feesOf(req.GetFees())
		u.Fees = &f
	}
	if req.Credentials != nil {
		c := credentialsOf(req.GetCredentials())
		u.Credentials = &c
	}
	p, err := byID(ctx, "partner_id", req.GetPartnerId(), func(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Partner, error) {
		return s.svc.UpdatePartner(ctx, c, id, u)
	})
	if err != nil {
		return nil, err
	}
	return &dockingv1.UpdatePartnerResponse{Partner: partnerProto(p)}, nil
}

// VerifyPartner runs the partner's handshake (admins).
func (s *Docking) VerifyPartner(ctx context.Context, req *dockingv1.VerifyPartnerRequest) (*dockingv1.VerifyPartnerResponse, error) {
	p, err := byID(ctx, "partner_id", req.GetPartnerId(), s.svc.VerifyPartner)
	if err != nil {
		return nil, err
	}
	return &dockingv1.VerifyPartnerResponse{Partner: partnerProto(p)}, nil
}

// SuspendPartner suspends a partner (admins).
func (s *Docking) SuspendPartner(ctx context.Context, req *dockingv1.SuspendPartnerRequest) (*dockingv1.SuspendPartnerResponse, error) {
	p, err := byID(ctx, "partner_id", req.GetPartnerId(), s.svc.SuspendPartner)
	if err != nil {
		return nil, err
	}
	return &dockingv1.SuspendPartnerResponse{Partner: partnerProto(p)}, nil
}

// ResumePartner resumes a partner (admins).
func (s *Docking) ResumePartner(ctx context.Context, req *dockingv1.ResumePartnerRequest) (*dockingv1.ResumePartnerResponse, error) {
	p, err := byID(ctx, "partner_id", req.GetPartnerId(), s.svc.ResumePartner)
	if err != nil {
		return nil, err
	}
	return &dockingv1.ResumePartnerResponse{Partner: partnerProto(p)}, nil
}

// byID runs a use case on the object a request names (a partner, a supply
// platform) by its id in field, after the caller and the id are read.
func byID[T any](ctx context.Context, field, rawID string, use func(context.Context, auth.Caller, uuid.UUID) (T, error)) (T, error) {
	c, err := caller(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	id, err := apperr.ParseID(field, rawID)
	if err != nil {
		var zero T
		return zero, err
	}
	return use(ctx, c, id)
}

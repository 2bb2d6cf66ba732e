package grpcapi

import (
	"context"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
)

// GetOrganization returns an organization to its members and operators.
func (s *Server) GetOrganization(ctx context.Context, req *usersv1.GetOrganizationRequest) (*usersv1.GetOrganizationResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("organization_id", req.GetOrganizationId())
	if err != nil {
		return nil, err
	}
	org, err := s.svc.GetOrganization(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &usersv1.GetOrganizationResponse{Organization: orgProto(&org)}, nil
}

// ListOrganizations lists organizations (operators).
func (s *Server) ListOrganizations(ctx context.Context, req *usersv1.ListOrganizationsRequest) (*usersv1.ListOrganizationsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	status, err := orgStatus(req.GetStatus())
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListOrganizations(ctx, c, status, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &usersv1.ListOrganizationsResponse{Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken}}
	for i := range page.Organizations {
		resp.Organizations = append(resp.Organizations, orgProto(&page.Organizations[i]))
	}
	return resp, nil
}

// ApproveOrganization approves a pending organization (admins).
func (s *Server) ApproveOrganization(ctx context.Context, req *usersv1.ApproveOrganizationRequest) (*usersv1.ApproveOrganizationResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("organization_id", req.GetOrganizationId())
	if err != nil {
		return nil, err
	}
	org, err := s.svc.ApproveOrganization(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &usersv1.ApproveOrganizationResponse{Organization: orgProto(&org)}, nil
}

// RejectOrganization rejects a pending organization (admins).
func (s *Server) RejectOrganization(ctx context.Context, req *usersv1.RejectOrganizationRequest) (*usersv1.RejectOrganizationResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("organization_id", req.GetOrganizationId())
	if err != nil {
		return nil, err
	}
	org, err := s.svc.RejectOrganization(ctx, c, id, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &usersv1.RejectOrganizationResponse{Organization: orgProto(&org)}, nil
}

// CreateMerchantTier defines a tier (admins).
func (s *Server) CreateMerchantTier(ctx context.Context, req *usersv1.CreateMerchantTierRequest) (*usersv1.CreateMerchantTierResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t := req.GetTier()
	tier, err := s.svc.CreateMerchantTier(ctx, c, t.GetCode(), t.GetName(), t.GetRank())
	if err != nil {
		return nil, err
	}
	return &usersv1.CreateMerchantTierResponse{Tier: tierProto(tier)}, nil
}

// ListMerchantTiers lists the tiers by rank.
func (s *Server) ListMerchantTiers(ctx context.Context, _ *usersv1.ListMerchantTiersRequest) (*usersv1.ListMerchantTiersResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	tiers, err := s.svc.ListMerchantTiers(ctx, c)
	if err != nil {
		return nil, err
	}
	resp := &usersv1.ListMerchantTiersResponse{}
	for _, t := range tiers {
		resp.Tiers = append(resp.Tiers, tierProto(t))
	}
	return resp, nil
}

// SetMerchantTier puts a merchant in a tier (admins).
func (s *Server) SetMerchantTier(ctx context.Context, req *usersv1.SetMerchantTierRequest) (*usersv1.SetMerchantTierResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("organization_id", req.GetOrganizationId())
	if err != nil {
		return nil, err
	}
	org, err := s.svc.SetMerchantTier(ctx, c, id, req.GetTierCode())
	if err != nil {
		return nil, err
	}
	return &usersv1.SetMerchantTierResponse{Organization: orgProto(&org)}, nil
}

// FindAccounts says which of some user and organization ids exist (services
// and operators).
func (s *Server) FindAccounts(ctx context.Context, req *usersv1.FindAccountsRequest) (*usersv1.FindAccountsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	users := apperr.ParseIDs(&v, "user_ids", req.GetUserIds())
	orgs := apperr.ParseIDs(&v, "organization_ids", req.GetOrganizationIds())
	if err := v.Err(); err != nil {
		return nil, err
	}
	found, err := s.svc.FindAccounts(ctx, c, users, orgs)
	if err != nil {
		return nil, err
	}
	resp := &usersv1.FindAccountsResponse{UserIds: make([]string, len(found.Users))}
	for i, id := range found.Users {
		resp.UserIds[i] = id.String()
	}
	for id, kind := range found.Organizations {
		resp.Organizations = append(resp.Organizations, &usersv1.FoundOrganization{OrganizationId: id.String(), Kind: orgKinds[kind]})
	}
	return resp, nil
}

package grpcapi

import (
	"context"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

var signUpRoles = map[usersv1.AccountType]domain.Role{
	usersv1.AccountType_ACCOUNT_TYPE_BUYER:    domain.RoleBuyer,
	usersv1.AccountType_ACCOUNT_TYPE_SUPPLIER: domain.RoleSupplier,
	usersv1.AccountType_ACCOUNT_TYPE_MERCHANT: domain.RoleMerchant,
}

var operatorRoles = map[usersv1.OperatorRole]domain.Role{
	usersv1.OperatorRole_OPERATOR_ROLE_ADMIN:      domain.RoleAdmin,
	usersv1.OperatorRole_OPERATOR_ROLE_REVIEWER:   domain.RoleReviewer,
	usersv1.OperatorRole_OPERATOR_ROLE_TRANSLATOR: domain.RoleTranslator,
}

// SignUp creates an account (public).
func (s *Server) SignUp(ctx context.Context, req *usersv1.SignUpRequest) (*usersv1.SignUpResponse, error) {
	u, org, err := s.svc.SignUp(withClient(ctx), app.SignUpInput{
		AccountInput:     domain.AccountInput{Email: req.GetEmail(), Password: req.GetPassword(), DisplayName: req.GetDisplayName()},
		Role:             signUpRoles[req.GetAccountType()], // unknown types are rejected on "account_type"
		OrganizationName: req.GetOrganizationName(),
	})
	if err != nil {
		return nil, err
	}
	return &usersv1.SignUpResponse{User: userProto(u), Organization: orgProto(org)}, nil
}

// GetMe returns the caller's account.
func (s *Server) GetMe(ctx context.Context, _ *usersv1.GetMeRequest) (*usersv1.GetMeResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	u, org, err := s.svc.GetMe(ctx, c)
	if err != nil {
		return nil, err
	}
	return &usersv1.GetMeResponse{User: userProto(u), Organization: orgProto(org)}, nil
}

// UpdateMe changes the caller's display name.
func (s *Server) UpdateMe(ctx context.Context, req *usersv1.UpdateMeRequest) (*usersv1.UpdateMeResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.svc.UpdateMe(ctx, c, req.GetDisplayName())
	if err != nil {
		return nil, err
	}
	return &usersv1.UpdateMeResponse{User: userProto(u)}, nil
}

// CreateOperator creates an operator account (admins).
func (s *Server) CreateOperator(ctx context.Context, req *usersv1.CreateOperatorRequest) (*usersv1.CreateOperatorResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := domain.AccountInput{Email: req.GetEmail(), Password: req.GetPassword(), DisplayName: req.GetDisplayName()}
	u, err := s.svc.CreateOperator(ctx, c, in, operatorRoles[req.GetRole()])
	if err != nil {
		return nil, err
	}
	return &usersv1.CreateOperatorResponse{User: userProto(u)}, nil
}

// AddOrganizationMember creates a staff account (owners).
func (s *Server) AddOrganizationMember(ctx context.Context, req *usersv1.AddOrganizationMemberRequest) (*usersv1.AddOrganizationMemberResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	orgID, err := apperr.ParseID("organization_id", req.GetOrganizationId())
	if err != nil {
		return nil, err
	}
	in := domain.AccountInput{Email: req.GetEmail(), Password: req.GetPassword(), DisplayName: req.GetDisplayName()}
	u, err := s.svc.AddOrganizationMember(withClient(ctx), c, orgID, in)
	if err != nil {
		return nil, err
	}
	return &usersv1.AddOrganizationMemberResponse{User: userProto(u)}, nil
}

// RemoveOrganizationMember takes a staff member out of the caller's
// organization and revokes its sessions (owners).
func (s *Server) RemoveOrganizationMember(ctx context.Context, req *usersv1.RemoveOrganizationMemberRequest) (*usersv1.RemoveOrganizationMemberResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	orgID, orgErr := apperr.ParseID("organization_id", req.GetOrganizationId())
	userID, userErr := apperr.ParseID("user_id", req.GetUserId())
	if err := apperr.JoinInvalid(orgErr, userErr); err != nil {
		return nil, err
	}
	u, err := s.svc.RemoveOrganizationMember(ctx, c, orgID, userID)
	if err != nil {
		return nil, err
	}
	return &usersv1.RemoveOrganizationMemberResponse{User: userProto(u)}, nil
}

// Login exchanges credentials for tokens (public).
func (s *Server) Login(ctx context.Context, req *usersv1.LoginRequest) (*usersv1.LoginResponse, error) {
	if err := apperr.JoinInvalid(required("email", req.GetEmail()), required("password", req.GetPassword())); err != nil {
		return nil, err
	}
	pair, err := s.svc.Login(withClient(ctx), req.GetEmail(), req.GetPassword())
	if err != nil {
		return nil, err
	}
	return &usersv1.LoginResponse{Tokens: tokensProto(pair)}, nil
}

// Refresh exchanges a refresh token for a new pair (public).
func (s *Server) Refresh(ctx context.Context, req *usersv1.RefreshRequest) (*usersv1.RefreshResponse, error) {
	if err := required("refresh_token", req.GetRefreshToken()); err != nil {
		return nil, err
	}
	pair, err := s.svc.Refresh(withClient(ctx), req.GetRefreshToken())
	if err != nil {
		return nil, err
	}
	return &usersv1.RefreshResponse{Tokens: tokensProto(pair)}, nil
}

// Logout revokes the refresh token's family. It is public: the refresh
// token is the credential, so a user whose access token expired can still
// sign out; an access token sent along narrows it to its own user's tokens.
func (s *Server) Logout(ctx context.Context, req *usersv1.LogoutRequest) (*usersv1.LogoutResponse, error) {
	if err := required("refresh_token", req.GetRefreshToken()); err != nil {
		return nil, err
	}
	c, _ := auth.CallerFrom(ctx) // none: the zero caller
	if err := s.svc.Logout(ctx, c, req.GetRefreshToken()); err != nil {
		return nil, err
	}
	return &usersv1.LogoutResponse{}, nil
}

// GetJwks publishes the token verification keys (public).
func (s *Server) GetJwks(ctx context.Context, _ *usersv1.GetJwksRequest) (*usersv1.GetJwksResponse, error) {
	set, err := s.svc.JWKS(ctx)
	if err != nil {
		return nil, err
	}
	return set.Proto(), nil
}

// RotateSigningKey makes a new key the signer (admins).
func (s *Server) RotateSigningKey(ctx context.Context, _ *usersv1.RotateSigningKeyRequest) (*usersv1.RotateSigningKeyResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	kid, err := s.svc.RotateSigningKey(ctx, c)
	if err != nil {
		return nil, err
	}
	return &usersv1.RotateSigningKeyResponse{Kid: kid}, nil
}

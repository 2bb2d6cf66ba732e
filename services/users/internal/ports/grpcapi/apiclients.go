package grpcapi

import (
	"time"

	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// CreateApiClient creates a machine credential.
func (s *Server) CreateApiClient(ctx context.Context, req *usersv1.CreateApiClientRequest) (*usersv1.CreateApiClientResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var org uuid.UUID
	if req.GetOrganizationId() != "" {
		if org, err = apperr.ParseID("organization_id", req.GetOrganizationId()); err != nil {
			return nil, err
		}
	}
	client, shown, err := s.svc.CreateAPIClient(ctx, c, domain.APIClientInput{
		Name: req.GetName(), Kind: clientKind(req.GetKind()), OrganizationID: org, PublicKey: req.GetPublicKey(),
	}, idempotency.Key(ctx, req.GetIdempotencyKey()))
	if err != nil {
		return nil, err
	}
	return &usersv1.CreateApiClientResponse{Client: clientProto(client), Secret: shown.Secret, PrivateKey: shown.PrivateKey}, nil
}

// ListApiClients lists the clients the caller manages.
func (s *Server) ListApiClients(ctx context.Context, _ *usersv1.ListApiClientsRequest) (*usersv1.ListApiClientsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	clients, err := s.svc.ListAPIClients(ctx, c)
	if err != nil {
		return nil, err
	}
	resp := &usersv1.ListApiClientsResponse{}
	for _, cl := range clients {
		resp.Clients = append(resp.Clients, clientProto(cl))
	}
	return resp, nil
}

// DisableApiClient stops a client from authenticating.
func (s *Server) DisableApiClient(ctx context.Context, req *usersv1.DisableApiClientRequest) (*usersv1.DisableApiClientResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := required("client_id", req.GetClientId()); err != nil {
		return nil, err
	}
	client, err := s.svc.DisableAPIClient(ctx, c, req.GetClientId())
	if err != nil {
		return nil, err
	}
	return &usersv1.DisableApiClientResponse{Client: clientProto(client)}, nil
}

// RotateApiClientSecret replaces a client's credential with an overlap.
func (s *Server) RotateApiClientSecret(ctx context.Context, req *usersv1.RotateApiClientSecretRequest) (*usersv1.RotateApiClientSecretResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := required("client_id", req.GetClientId()); err != nil {
		return nil, err
	}
	// An overlap given as zero ends the previous credential at once; none
	// given is the default.
	var overlap *time.Duration
	if o := req.GetOverlap(); o != nil {
		if o.CheckValid() != nil {
			return nil, apperr.InvalidField("overlap", "is not a valid duration")
		}
		d := o.AsDuration()
		overlap = &d
	}
	client, shown, err := s.svc.RotateAPIClientSecret(ctx, c, req.GetClientId(), overlap, req.GetPublicKey())
	if err != nil {
		return nil, err
	}
	return &usersv1.RotateApiClientSecretResponse{
		Client: clientProto(client), Secret: shown.Secret, PrivateKey: shown.PrivateKey,
		PreviousExpiresAt: pbtime.Proto(client.LastRetiredExpiresAt()),
	}, nil
}

// IssueServiceToken exchanges a service account's credentials for a token
// (public).
func (s *Server) IssueServiceToken(ctx context.Context, req *usersv1.IssueServiceTokenRequest) (*usersv1.IssueServiceTokenResponse, error) {
	if err := apperr.JoinInvalid(required("client_id", req.GetClientId()), required("client_secret", req.GetClientSecret())); err != nil {
		return nil, err
	}
	token, ttl, err := s.svc.IssueServiceToken(withClient(ctx), req.GetClientId(), req.GetClientSecret())
	if err != nil {
		return nil, err
	}
	return &usersv1.IssueServiceTokenResponse{AccessToken: token, ExpiresIn: int64(ttl.Seconds())}, nil
}

// GetApiClientKeys returns the public keys that verify a partner's or ERP's
// signed requests (service accounts).
func (s *Server) GetApiClientKeys(ctx context.Context, req *usersv1.GetApiClientKeysRequest) (*usersv1.GetApiClientKeysResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := required("client_id", req.GetClientId()); err != nil {
		return nil, err
	}
	client, keys, err := s.svc.GetAPIClientKeys(ctx, c, req.GetClientId())
	if err != nil {
		return nil, err
	}
	resp := &usersv1.GetApiClientKeysResponse{Client: clientProto(client)}
	for _, k := range keys {
		sk := &usersv1.SigningKey{PublicKey: k.Key}
		if !k.ExpiresAt.IsZero() {
			sk.ExpiresAt = timestamppb.New(k.ExpiresAt)
		}
		resp.Keys = append(resp.Keys, sk)
	}
	return resp, nil
}

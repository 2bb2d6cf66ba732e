package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// ClientKey is the Ed25519 public key that verifies a client's signed
// requests and when it stops being accepted (zero for the current key).
type ClientKey struct {
	Key       []byte
	ExpiresAt time.Time
}

// ownedSupplier returns the organization the caller owns, when it is a
// supplier owner; uuid.Nil otherwise.
func (s *Service) ownedSupplier(ctx context.Context, caller auth.Caller) (uuid.UUID, error) {
	if _, err := userID(caller); err != nil || caller.OrganizationID == "" {
		return uuid.Nil, nil
	}
	me, err := s.me(ctx, caller)
	if err != nil {
		return uuid.Nil, err
	}
	if me.OrganizationRole != domain.MemberOwner || !me.HasRole(domain.RoleSupplier) {
		return uuid.Nil, nil
	}
	return me.OrganizationID, nil
}

// manages reports whether the caller may see and change client c: admins
// manage every client, a supplier owner (owned, its organization as
// ownedSupplier found it) its organization's ERP clients.
func manages(caller auth.Caller, owned uuid.UUID, c domain.APIClient) bool {
	return caller.IsAdmin() || c.Kind == domain.ClientERP && owned != uuid.Nil && owned == c.OrganizationID
}

// errConfiguredServiceClient refuses to rotate a service account whose
// secret the deployment configures (SERVICE_CLIENTS).
var errConfiguredServiceClient = apperr.FailedPrecondition("this service account's secret is set by the deployment: " +
	"change it in SERVICE_CLIENTS and in the service's SERVICE_CLIENT_SECRET, then restart").WithReason("SERVICE_CLIENT_CONFIGURED")

// errCredentialShownOnce answers a retried creation whose client got a
// generated credential: that credential is never stored, so it cannot be
// shown again, and no second client is made.
var errCredentialShownOnce = apperr.AlreadyExists("this idempotency key created an API client whose generated credential is shown only once: " +
	"rotate its credential (RotateApiClientSecret) to get a new one").WithReason("API_CLIENT_CREATED")

// CreateAPIClient creates a machine credential and returns what it is shown
// once: a service account's secret (stored only as a hash), or a partner's
// or ERP's generated private key (never stored: only the public key is).
// A partner or ERP may register its own public key instead. Admins create
// any kind; a supplier owner creates ERP clients for its own organization.
// With an idempotency key (the caller's own) a retry creates no second
// client: it answers the client again when it registered its own public
// key, and errCredentialShownOnce (naming the client) when its credential
// was generated.
func (s *Service) CreateAPIClient(ctx context.Context, caller auth.Caller, in domain.APIClientInput, idempotencyKey string) (domain.APIClient, Credential, error) {
	in, err := domain.ValidateAPIClient(in)
	if err != nil {
		return domain.APIClient{}, Credential{}, err
	}
	if err := idempotency.CheckKey(idempotencyKey); err != nil {
		return domain.APIClient{}, Credential{}, err
	}
	if !caller.IsAdmin() {
		org, err := s.ownedSupplier(ctx, caller)
		if err != nil {
			return domain.APIClient{}, Credential{}, err
		}
		if in.Kind != domain.ClientERP || org == uuid.Nil || org != in.OrganizationID {
			return domain.APIClient{}, Credential{}, apperr.PermissionDenied("admins create API clients; a supplier owner creates ERP clients for its own organization").
				WithReason("NOT_ALLOWED_TO_CREATE_CLIENT")
		}
	}
	key, shown, err := newCredential(in.Kind, in.PublicKey)
	if err != nil {
		return domain.APIClient{}, Credential{}, err
	}
	c := domain.NewAPIClient(domain.NewClientID(in.Kind), in, key, s.clock())
	err = s.store.InTx(ctx, func(r Repository) error {
		clients := 0
		if c.Kind == domain.ClientERP {
			org, n, err := r.LockOrganizationClients(ctx, c.OrganizationID)
			if err != nil {
				return err
			}
			if org.Kind != domain.KindSupplier || org.Status != domain.StatusApproved {
				return domain.ErrERPNeedsSupplier
			}
			clients = n
		}
		if idempotencyKey != "" {
			fp := idempotency.Fingerprint(in)
			claimed, stored, err := r.ClaimClientCreationKey(ctx, caller.Subject, idempotencyKey, fp, c.ID, c.CreatedAt)
			switch {
			case err != nil:
				return err
			case !claimed && stored.Fingerprint != fp:
				return idempotency.ErrKeyReused
			case !claimed && in.PublicKey == "":
				return errCredentialShownOnce.WithMetadata("client_id", stored.ClientID)
			case !claimed:
				shown = Credential{} // a registered key: nothing was shown
				c, err = r.GetAPIClient(ctx, stored.ClientID)
				return err
			}
		}
		if c.Kind == domain.ClientERP && clients >= domain.MaxERPClients {
			return domain.ErrTooManyERPClients
		}
		return r.CreateAPIClient(ctx, c)
	})
	if err != nil {
		return domain.APIClient{}, Credential{}, err
	}
	return c, shown, nil
}

// ListAPIClients lists the clients the caller manages: all for an admin, the
// organization's ERP clients for a supplier owner, none for anyone else.
func (s *Service) ListAPIClients(ctx context.Context, caller auth.Caller) ([]domain.APIClient, error) {
	if caller.IsAdmin() {
		return s.store.ListAPIClients(ctx, nil)
	}
	org, err := s.ownedSupplier(ctx, caller)
	if err != nil || org == uuid.Nil {
		return nil, err
	}
	return s.store.ListAPIClients(ctx, &org)
}

// updateClient runs change on a client the caller manages; any other client
// is NotFound.
func (s *Service) updateClient(ctx context.Context, caller auth.Caller, id string, change func(*domain.APIClient) error) (domain.APIClient, error) {
	// Who the caller is, read before the client's row is locked: read in
	// its transaction, it would take a second connection of the pool while
	// holding one, and enough such calls at once would hold every
	// connection, each waiting for another (the service's other work too).
	owned := uuid.Nil
	if !caller.IsAdmin() {
		var err error
		if owned, err = s.ownedSupplier(ctx, caller); err != nil {
			return domain.APIClient{}, err
		}
	}
	return s.store.UpdateAPIClient(ctx, id, func(c *domain.APIClient) ([]outbox.Message, error) {
		if !manages(caller, owned, *c) {
			return nil, apperr.NotFound("api client", id)
		}
		return nil, change(c)
	})
}

// DisableAPIClient stops a client from authenticating.
func (s *Service) DisableAPIClient(ctx context.Context, caller auth.Caller, id string) (domain.APIClient, error) {
	return s.updateClient(ctx, caller, id, func(c *domain.APIClient) error {
		c.Disable()
		return nil
	})
}

// RotateAPIClientSecret replaces a client's credential as CreateAPIClient
// makes one (publicKey registers a partner's or ERP's own new key); the
// previous one keeps working for the overlap given (none when zero, the
// default of 24 hours when nil).
func (s *Service) RotateAPIClientSecret(ctx context.Context, caller auth.Caller, id string, given *time.Duration, publicKey string) (domain.APIClient, Credential, error) {
	overlap, err := domain.SecretOverlap(given)
	if err != nil {
		return domain.APIClient{}, Credential{}, err
	}
	if configured := s.configured.Load(); configured != nil && (*configured)[id] && caller.IsAdmin() {
		// Its secret is the deployment's: a rotation here would be undone
		// at the next start, and the services holding the configured one
		// would lose it when the overlap ends.
		return domain.APIClient{}, Credential{}, errConfiguredServiceClient.WithMetadata("client_id", id)
	}
	var shown Credential
	c, err := s.updateClient(ctx, caller, id, func(c *domain.APIClient) error {
		key, cred, err := newCredential(c.Kind, publicKey)
		if err != nil {
			return err
		}
		shown = cred
		return c.Rotate(key, overlap, s.clock())
	})
	if err != nil {
		return domain.APIClient{}, Credential{}, err
	}
	return c, shown, nil
}

// IssueServiceToken exchanges a service account's id and secret for an
// access token of kind service with the role "service".
func (s *Service) IssueServiceToken(ctx context.Context, clientID, secret string) (string, time.Duration, error) {
	from, now := clientFrom(ctx), s.clock()
	release, err := s.serviceTokens.check(ctx, clientID, from, now)
	if err != nil {
		return "", 0, err
	}
	defer release()
	c, ok, err := s.checkClientSecret(ctx, clientID, secret, now)
	if err != nil {
		return "", 0, err
	}
	if !ok {
		if err := s.serviceTokens.failed(ctx, clientID, from, now); err != nil {
			return "", 0, err
		}
		return "", 0, ErrBadClientCredentials
	}
	if err := s.serviceTokens.succeeded(ctx, clientID, from, now); err != nil {
		return "", 0, err
	}
	signer, err := s.signer(ctx)
	if err != nil {
		return "", 0, err
	}
	token, err := auth.Sign(signer, auth.Caller{Subject: c.ID, Kind: auth.KindService, Roles: []string{auth.RoleService}}, s.cfg.AccessTokenTTL, now)
	if err != nil {
		return "", 0, err
	}
	return token, s.cfg.AccessTokenTTL, nil
}

// GetAPIClientKeys returns the public keys that verify an enabled partner's
// or ERP's signed requests, for the services that take signed calls; a
// disabled client comes back marked disabled, with no key (pkg/auth then
// refuses its calls as Unauthenticated). Service accounts only; service
// clients' secret hashes are never handed out.
func (s *Service) GetAPIClientKeys(ctx context.Context, caller auth.Caller, id string) (domain.APIClient, []ClientKey, error) {
	if !caller.IsService() {
		return domain.APIClient{}, nil, ErrServicesOnly
	}
	c, err := s.store.GetAPIClient(ctx, id)
	if err != nil {
		return domain.APIClient{}, nil, err
	}
	if c.Kind == domain.ClientService {
		return domain.APIClient{}, nil, apperr.NotFound("api client", id)
	}
	if c.Disabled {
		// The client, marked disabled, and no key: the verifying service
		// refuses its calls as unauthenticated. An error here read as an
		// outage of users to it, and the client was told to retry.
		return c, nil, nil
	}
	now := s.clock()
	keys := []ClientKey{{Key: c.Key}}
	for _, k := range c.RetiredAt(now) {
		keys = append(keys, ClientKey{Key: k.Key, ExpiresAt: k.ExpiresAt})
	}
	return c, keys, nil
}

// checkClientSecret reports whether secret is the current (or a still
// accepted retired) secret of the service account clientID.
func (s *Service) checkClientSecret(ctx context.Context, clientID, secret string, now time.Time) (domain.APIClient, bool, error) {
	key := hashClientSecret(secret)
	c, err := s.store.GetAPIClient(ctx, clientID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return domain.APIClient{}, false, nil
	}
	if err != nil {
		return domain.APIClient{}, false, err
	}
	return c, c.Kind == domain.ClientService && c.Accepts(key, now), nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// minServiceSecretLength keeps configured service secrets out of guessing range.
const minServiceSecretLength = 16

// EnsureSigningKey runs at start: it seals every stored signing key under
// the current key-encryption key (after a rotation of that key, or for keys
// stored in clear by an older version) and makes sure a key exists before
// the first request, so verifiers never cache an empty key set. It returns
// how many keys it sealed again. A key sealed under a key-encryption key
// that is no longer configured is an error naming it.
func (s *Service) EnsureSigningKey(ctx context.Context) (resealed int, err error) {
	err = s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockSigningKeys(ctx); err != nil {
			return err
		}
		resealed, err = r.ResealSigningKeys(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("seal signing keys: %w", err)
	}
	_, err = s.signer(ctx)
	return resealed, err
}

// BootstrapAdmin creates the first admin when no admin exists yet. It is
// idempotent and safe when several replicas start together; it fails when
// the e-mail belongs to an account that is not an admin, rather than
// promoting it silently.
func (s *Service) BootstrapAdmin(ctx context.Context, email, password string) (created bool, err error) {
	acct, err := domain.ValidateAccount(domain.AccountInput{Email: email, Password: password, DisplayName: "Administrator"})
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: %w", err)
	}
	hash, err := s.hashPassword(ctx, acct.Password)
	if err != nil {
		return false, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		created = false
		err = s.store.InTx(ctx, func(r Repository) error {
			if any, err := r.AnyAdmin(ctx); err != nil || any {
				return err
			}
			existing, err := r.GetUserByEmail(ctx, acct.Email)
			if err == nil && !existing.HasRole(domain.RoleAdmin) {
				return errors.New("bootstrap admin: the e-mail belongs to an account that is not an admin")
			}
			if !apperr.IsKind(err, apperr.KindNotFound) {
				return err
			}
			created = true
			return s.createUser(ctx, r, domain.NewUser(acct, hash, []domain.Role{domain.RoleAdmin}, s.clock()))
		})
		// A replica that lost the race finds the admin on its second look.
		if err == nil || !apperr.IsKind(err, apperr.KindAlreadyExists) {
			return created, err
		}
	}
	return false, err
}

// ServiceClient is a service account named in the configuration.
type ServiceClient struct {
	ID     string
	Secret string
}

// ParseServiceClients reads "client_id:secret" pairs separated by commas.
func ParseServiceClients(spec string) ([]ServiceClient, error) {
	var out []ServiceClient
	for i, pair := range strings.Split(spec, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		switch {
		case !ok:
			// Without its separator the entry may be all secret: it is
			// named by its place, never quoted.
			return nil, fmt.Errorf("service client entry %d: want client_id:secret", i+1)
		case !domain.ValidClientID(id):
			return nil, fmt.Errorf("service client %q: want client_id:secret with a client id of 2 to 64 lower-case letters, digits, dots, dashes or underscores", id)
		case len(secret) < minServiceSecretLength:
			return nil, fmt.Errorf("service client %q: the secret must be at least %d characters", id, minServiceSecretLength)
		}
		out = append(out, ServiceClient{ID: id, Secret: secret})
	}
	return out, nil
}

// EnsureServiceClients creates the given service accounts, or sets their
// secrets when they exist with other ones. The configuration is the source
// of truth, so repeating it changes nothing; a client an admin disabled
// stays disabled. Replicas racing to create the same account both succeed.
func (s *Service) EnsureServiceClients(ctx context.Context, clients []ServiceClient) error {
	configured := make(map[string]bool, len(clients))
	for _, sc := range clients {
		configured[sc.ID] = true
	}
	s.configured.Store(&configured)
	for _, sc := range clients {
		key := hashClientSecret(sc.Secret)
		err := s.store.InTx(ctx, func(r Repository) error {
			_, err := r.UpdateAPIClient(ctx, sc.ID, func(c *domain.APIClient) ([]outbox.Message, error) {
				if c.Kind != domain.ClientService {
					return nil, fmt.Errorf("service client %q: a %s client already has this id", sc.ID, c.Kind)
				}
				// The configured secret replaces the stored one outright: a
				// secret taken out of the configuration must stop working.
				c.Key, c.Retired = key, nil
				return nil, nil
			})
			if apperr.IsKind(err, apperr.KindNotFound) {
				in := domain.APIClientInput{Name: sc.ID, Kind: domain.ClientService}
				return r.CreateAPIClient(ctx, domain.NewAPIClient(sc.ID, in, key, s.clock()))
			}
			return err
		})
		if err != nil && !apperr.IsKind(err, apperr.KindAlreadyExists) {
			return fmt.Errorf("bootstrap service client %q: %w", sc.ID, err)
		}
	}
	return nil
}

package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// CreatePartner registers a partner platform, unverified (admins). The code
// is the idempotency key: registering it again is AlreadyExists and changes
// nothing.
func (s *Service) CreatePartner(ctx context.Context, c auth.Caller, in domain.Partner) (domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Partner{}, err
	}
	p, err := domain.NewPartner(uuid.New(), in, s.clock())
	if err != nil {
		return domain.Partner{}, err
	}
	if err := p.ValidateTransport(s.plaintext); err != nil {
		return domain.Partner{}, err
	}
	return p, s.store.CreatePartner(ctx, p)
}

// GetPartner returns a partner (admins).
func (s *Service) GetPartner(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Partner{}, err
	}
	return s.store.GetPartner(ctx, id)
}

// ListPartners lists every partner (admins).
func (s *Service) ListPartners(ctx context.Context, c auth.Caller) ([]domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	return s.store.ListPartners(ctx)
}

// UpdatePartner changes a partner (admins); see domain.Partner.Apply for
// what clears its verification. The endpoint must be reachable over TLS
// where plaintext is not allowed, even when the edit is of another field: a
// partner registered while plaintext was allowed is refused until its
// endpoint is https, as its calls are.
func (s *Service) UpdatePartner(ctx context.Context, c auth.Caller, id uuid.UUID, u domain.Update) (domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Partner{}, err
	}
	now := s.clock()
	return s.store.UpdatePartner(ctx, id, func(p *domain.Partner) error {
		if err := p.Apply(u, now); err != nil {
			return err
		}
		return p.ValidateTransport(s.plaintext)
	})
}

// SuspendPartner stops a partner from docking (admins). Idempotent.
func (s *Service) SuspendPartner(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Partner{}, err
	}
	now := s.clock()
	return s.store.UpdatePartner(ctx, id, func(p *domain.Partner) error { p.Suspend(now); return nil })
}

// ResumePartner lifts a suspension (admins). Idempotent.
func (s *Service) ResumePartner(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Partner{}, err
	}
	now := s.clock()
	return s.store.UpdatePartner(ctx, id, func(p *domain.Partner) error { p.Resume(now); return nil })
}

// MyPartner returns the registration of the partner whose API client signed
// the call, if it may dock: a suspended or unverified partner is refused
// with the reason, so it knows what to ask the operators.
func (s *Service) MyPartner(ctx context.Context, c auth.Caller) (domain.Partner, error) {
	return callingPartner(ctx, s.store, c)
}

// callingPartner finds the partner whose API client signed the call and
// checks that it may dock; every partner-facing call starts here, so they
// all refuse alike. On a refusal for its status the partner is returned
// with the error.
func callingPartner(ctx context.Context, store Store, c auth.Caller) (domain.Partner, error) {
	if err := requirePartner(c); err != nil {
		return domain.Partner{}, err
	}
	p, err := store.GetPartnerByAPIClient(ctx, c.Subject)
	if err != nil {
		return domain.Partner{}, err
	}
	return p, p.CanDock()
}

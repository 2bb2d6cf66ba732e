package app

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// CreateMerchantTier defines a tier. Admins only.
func (s *Service) CreateMerchantTier(ctx context.Context, caller auth.Caller, code, name string, rank int32) (domain.MerchantTier, error) {
	if _, err := requireAdmin(caller); err != nil {
		return domain.MerchantTier{}, err
	}
	t, err := domain.NewMerchantTier(code, name, rank)
	if err != nil {
		return domain.MerchantTier{}, err
	}
	err = s.store.InTx(ctx, func(r Repository) error { return r.CreateMerchantTier(ctx, t) })
	return t, err
}

// ListMerchantTiers lists the tiers by rank. Any authenticated caller.
func (s *Service) ListMerchantTiers(ctx context.Context, caller auth.Caller) ([]domain.MerchantTier, error) {
	if caller.Subject == "" {
		return nil, auth.ErrAuthenticationRequired
	}
	return s.store.ListMerchantTiers(ctx)
}

// SetMerchantTier puts a merchant organization in a tier and announces the
// change, which reprices its purchases. Admins only. Setting the tier it
// has announces it again: the way to bring a consumer that missed the
// change (the catalog's prices) back in line.
func (s *Service) SetMerchantTier(ctx context.Context, caller auth.Caller, orgID uuid.UUID, code string) (domain.Organization, error) {
	if _, err := requireAdmin(caller); err != nil {
		return domain.Organization{}, err
	}
	if !domain.ValidTierCode(code) {
		return domain.Organization{}, apperr.InvalidField("tier_code", "must be 2 to 32 lower-case letters, digits or dashes")
	}
	var org domain.Organization
	err := s.store.InTx(ctx, func(r Repository) error {
		if _, err := r.GetMerchantTier(ctx, code); err != nil {
			return err
		}
		var err error
		org, err = r.UpdateOrganization(ctx, orgID, func(org *domain.Organization) ([]outbox.Message, error) {
			previous, _, err := org.SetTier(code)
			if err != nil {
				return nil, err
			}
			return outbox.Of(SubjectMerchantTierChanged, &usersv1.MerchantTierChanged{
				MerchantId: org.ID.String(), PreviousTier: previous, Tier: code, OccurredAt: timestamppb.New(s.clock()),
			}), nil
		})
		return err
	})
	return org, err
}

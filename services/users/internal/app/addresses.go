package app

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// MaxAddresses bounds a user's address book.
const MaxAddresses = 50

// ErrTooManyAddresses is returned when the address book is full.
var ErrTooManyAddresses = apperr.FailedPrecondition("an account can keep at most 50 addresses").WithReason("TOO_MANY_ADDRESSES")

// ListAddresses returns the caller's addresses, the default first.
//
// A service names whose (forUser): orders reads a buyer's default address at
// checkout. Anyone else naming a user is PermissionDenied.
func (s *Service) ListAddresses(ctx context.Context, caller auth.Caller, forUser string) ([]domain.UserAddress, error) {
	if forUser != "" {
		if !caller.IsService() {
			return nil, apperr.PermissionDenied("only services may read another user's addresses")
		}
		id, err := apperr.ParseID("user_id", forUser)
		if err != nil {
			return nil, err
		}
		return s.store.ListAddresses(ctx, id)
	}
	id, err := userID(caller)
	if err != nil {
		return nil, err
	}
	return s.store.ListAddresses(ctx, id)
}

// GetAddress returns one of the caller's addresses; anyone else's is NotFound.
func (s *Service) GetAddress(ctx context.Context, caller auth.Caller, addressID uuid.UUID) (domain.UserAddress, error) {
	id, err := userID(caller)
	if err != nil {
		return domain.UserAddress{}, err
	}
	return s.store.GetAddress(ctx, id, addressID)
}

// CreateAddress saves an address. The first one becomes the default, and so
// does any created with makeDefault. With an idempotency key (the user's
// own) a retry answers the address the first call saved, as it is now, and
// saves nothing.
func (s *Service) CreateAddress(ctx context.Context, caller auth.Caller, in domain.Address, makeDefault bool, idempotencyKey string) (domain.UserAddress, error) {
	id, err := userID(caller)
	if err != nil {
		return domain.UserAddress{}, err
	}
	addr, err := domain.NewAddress(in)
	if err != nil {
		return domain.UserAddress{}, err
	}
	if err := idempotency.CheckKey(idempotencyKey); err != nil {
		return domain.UserAddress{}, err
	}
	now := s.clock()
	a := domain.UserAddress{ID: uuid.Must(uuid.NewV7()), UserID: id, Address: addr, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockUser(ctx, id); err != nil {
			return err
		}
		if idempotencyKey != "" {
			fp := idempotency.Fingerprint([]any{addr, makeDefault})
			claimed, stored, err := r.ClaimAddressCreationKey(ctx, id, idempotencyKey, fp, a.ID, now)
			switch {
			case err != nil:
				return err
			case !claimed && stored.Fingerprint != fp:
				return idempotency.ErrKeyReused
			case !claimed:
				a, err = r.GetAddress(ctx, id, stored.AddressID)
				return err
			}
		}
		existing, err := r.ListAddresses(ctx, id)
		if err != nil {
			return err
		}
		if len(existing) >= MaxAddresses {
			return ErrTooManyAddresses
		}
		if err := r.CreateAddress(ctx, a); err != nil {
			return err
		}
		if len(existing) == 0 || makeDefault {
			a.IsDefault = true
			return s.makeDefault(ctx, r, a)
		}
		return nil
	})
	if err != nil {
		return domain.UserAddress{}, err
	}
	return a, nil
}

// UpdateAddress replaces the postal fields of one of the caller's addresses.
// Ownership is checked before the input, so someone else's address is
// NotFound whatever the request holds.
func (s *Service) UpdateAddress(ctx context.Context, caller auth.Caller, addressID uuid.UUID, in domain.Address) (domain.UserAddress, error) {
	id, err := userID(caller)
	if err != nil {
		return domain.UserAddress{}, err
	}
	var a domain.UserAddress
	err = s.store.InTx(ctx, func(r Repository) error {
		if a, err = r.GetAddress(ctx, id, addressID); err != nil {
			return err
		}
		addr, err := domain.NewAddress(in)
		if err != nil {
			return err // nothing written yet: the transaction rolls back empty
		}
		a.Address, a.UpdatedAt = addr, s.clock()
		return r.UpdateAddress(ctx, a)
	})
	return a, err
}

// DeleteAddress removes one of the caller's addresses. The default goes only
// when it is the last one: otherwise the caller chooses another default first.
func (s *Service) DeleteAddress(ctx context.Context, caller auth.Caller, addressID uuid.UUID) error {
	id, err := userID(caller)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockUser(ctx, id); err != nil {
			return err
		}
		all, err := r.ListAddresses(ctx, id)
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.ID != addressID {
				continue
			}
			if a.IsDefault && len(all) > 1 {
				return domain.ErrDefaultAddressInUse
			}
			return r.DeleteAddress(ctx, id, addressID)
		}
		return apperr.NotFound("address", addressID.String())
	})
}

// SetDefaultAddress makes one of the caller's addresses the default and
// unsets the previous one in the same transaction.
func (s *Service) SetDefaultAddress(ctx context.Context, caller auth.Caller, addressID uuid.UUID) (domain.UserAddress, error) {
	id, err := userID(caller)
	if err != nil {
		return domain.UserAddress{}, err
	}
	var a domain.UserAddress
	err = s.store.InTx(ctx, func(r Repository) error {
		// The user's row lock serialises concurrent changes of the default:
		// without it, two transactions could each clear the default they
		// saw and both set their own.
		if err := r.LockUser(ctx, id); err != nil {
			return err
		}
		if a, err = r.GetAddress(ctx, id, addressID); err != nil {
			return err
		}
		if a.IsDefault {
			return nil
		}
		a.IsDefault, a.UpdatedAt = true, s.clock()
		return s.makeDefault(ctx, r, a)
	})
	return a, err
}

// makeDefault records a as the user's default and announces the change.
func (s *Service) makeDefault(ctx context.Context, r interface {
	Addresses
	Events
}, a domain.UserAddress) error {
	now := s.clock()
	if err := r.SetDefaultAddress(ctx, a.UserID, a.ID, now); err != nil {
		return err
	}
	return r.Emit(ctx, SubjectAddressDefaultChanged, &usersv1.AddressDefaultChanged{
		UserId: a.UserID.String(), AddressId: a.ID.String(), OccurredAt: timestamppb.New(now),
	})
}

package app

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// SignUpInput is a self sign-up. Role is buyer, supplier or merchant; the
// latter two name the organization they create.
type SignUpInput struct {
	domain.AccountInput
	Role             domain.Role
	OrganizationName string
}

// SignUp creates an account and, for a supplier or merchant, its pending
// organization with the account as owner.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (domain.User, *domain.Organization, error) {
	now := s.clock()
	acct, acctErr := domain.ValidateAccount(in.AccountInput)
	var org *domain.Organization
	var orgErr error
	switch in.Role {
	case domain.RoleBuyer:
	case domain.RoleSupplier, domain.RoleMerchant:
		var o domain.Organization
		o, orgErr = domain.NewOrganization(in.OrganizationName, domain.OrganizationKind(in.Role), now)
		org = &o
	default:
		orgErr = apperr.InvalidField("account_type", "must be buyer, supplier or merchant")
	}
	if err := apperr.JoinInvalid(acctErr, orgErr); err != nil {
		return domain.User{}, nil, err
	}
	// EMAIL_TAKEN tells whether an address has an account: each counts as a
	// failure of the client, so a list of addresses is checked no faster
	// through sign-up than through login.
	client := clientFrom(ctx)
	release, err := s.signUps.check(ctx, acct.Email, client, now)
	if err != nil {
		return domain.User{}, nil, err
	}
	defer release()
	hash, err := s.hashPassword(ctx, acct.Password)
	if err != nil {
		return domain.User{}, nil, err
	}
	var u domain.User
	if org == nil {
		u = domain.NewUser(acct, hash, []domain.Role{domain.RoleBuyer}, now)
	} else {
		u = domain.NewUser(acct, hash, nil, now)
		u.JoinOrganization(*org, domain.MemberOwner)
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		if org != nil {
			if err := r.CreateOrganization(ctx, *org); err != nil {
				return err
			}
		}
		return s.createUser(ctx, r, u)
	})
	if errors.Is(err, domain.ErrEmailTaken) {
		if ferr := s.signUps.failed(ctx, acct.Email, client, now); ferr != nil {
			return domain.User{}, nil, ferr
		}
	}
	if err != nil {
		return domain.User{}, nil, err
	}
	return u, org, nil
}

// createUser inserts an account and announces it.
func (s *Service) createUser(ctx context.Context, r interface {
	Accounts
	Events
}, u domain.User) error {
	if err := r.CreateUser(ctx, u); err != nil {
		return err
	}
	roles := make([]string, 0, len(u.Roles))
	for _, role := range u.Roles {
		roles = append(roles, string(role))
	}
	var orgID string
	if u.OrganizationID != uuid.Nil {
		orgID = u.OrganizationID.String()
	}
	return r.Emit(ctx, SubjectUserRegistered, &usersv1.UserRegistered{
		UserId: u.ID.String(), Roles: roles, OrganizationId: orgID, OccurredAt: timestamppb.New(u.CreatedAt),
	})
}

// CreateOperator creates a platform staff account. Admins only.
func (s *Service) CreateOperator(ctx context.Context, caller auth.Caller, in domain.AccountInput, role domain.Role) (domain.User, error) {
	if _, err := requireAdmin(caller); err != nil {
		return domain.User{}, err
	}
	acct, err := domain.ValidateAccount(in)
	var roleErr error
	if !domain.IsOperatorRole(role) {
		roleErr = apperr.InvalidField("role", "must be admin, reviewer or translator")
	}
	if err := apperr.JoinInvalid(err, roleErr); err != nil {
		return domain.User{}, err
	}
	hash, err := s.hashPassword(ctx, acct.Password)
	if err != nil {
		return domain.User{}, err
	}
	u := domain.NewUser(acct, hash, []domain.Role{role}, s.clock())
	if err := s.store.InTx(ctx, func(r Repository) error { return s.createUser(ctx, r, u) }); err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// AddOrganizationMember creates a staff account in the caller's own
// organization. Owners only; another organization is NotFound. Its
// EMAIL_TAKEN is throttled as sign-up's is: anyone may own an organization
// (a supplier's sign-up makes one), and the answer tells whether an
// address has an account.
func (s *Service) AddOrganizationMember(ctx context.Context, caller auth.Caller, orgID uuid.UUID, in domain.AccountInput) (domain.User, error) {
	if err := s.requireOwnerOf(ctx, caller, orgID); err != nil {
		return domain.User{}, err
	}
	acct, err := domain.ValidateAccount(in)
	if err != nil {
		return domain.User{}, err
	}
	client, now := clientFrom(ctx), s.clock()
	release, err := s.signUps.check(ctx, acct.Email, client, now)
	if err != nil {
		return domain.User{}, err
	}
	defer release()
	hash, err := s.hashPassword(ctx, acct.Password)
	if err != nil {
		return domain.User{}, err
	}
	u := domain.NewUser(acct, hash, nil, now)
	err = s.store.InTx(ctx, func(r Repository) error {
		org, err := r.GetOrganization(ctx, orgID)
		if err != nil {
			return err
		}
		u.JoinOrganization(org, domain.MemberStaff)
		return s.createUser(ctx, r, u)
	})
	if errors.Is(err, domain.ErrEmailTaken) {
		if ferr := s.signUps.failed(ctx, acct.Email, client, now); ferr != nil {
			return domain.User{}, ferr
		}
	}
	if err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// ErrOwnerNotRemovable refuses removing an organization's owner: an
// organization always has the one who answers for it.
var ErrOwnerNotRemovable = apperr.FailedPrecondition("the organization's owner cannot be removed from it").WithReason("OWNER_NOT_REMOVABLE")

// RemoveOrganizationMember takes a staff member out of the caller's own
// organization and revokes every session of the account in the same
// transaction (SessionRevoked for each), so its access tokens are refused
// at once, not when they expire. Owners only; another organization, or a
// user not in it (a member removed already), is NotFound.
func (s *Service) RemoveOrganizationMember(ctx context.Context, caller auth.Caller, orgID, userID uuid.UUID) (domain.User, error) {
	if err := s.requireOwnerOf(ctx, caller, orgID); err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err := s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockUser(ctx, userID); err != nil {
			return err
		}
		var err error
		if u, err = r.GetUser(ctx, userID); err != nil {
			return err
		}
		if u.OrganizationID != orgID {
			return apperr.NotFound("organization member", userID.String())
		}
		if u.OrganizationRole == domain.MemberOwner {
			return ErrOwnerNotRemovable
		}
		org, err := r.GetOrganization(ctx, orgID)
		if err != nil {
			return err
		}
		u.LeaveOrganization(org)
		if err := r.UpdateUser(ctx, u); err != nil {
			return err
		}
		return revokeUserSessions(ctx, r, u.ID, revokedRemoved, s.clock())
	})
	if err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// requireOwnerOf lets through the owner of organization orgID; another
// organization (or none) is NotFound, a member who is not its owner
// PermissionDenied.
func (s *Service) requireOwnerOf(ctx context.Context, caller auth.Caller, orgID uuid.UUID) error {
	me, err := s.me(ctx, caller)
	if err != nil {
		return err
	}
	if me.OrganizationID != orgID || orgID == uuid.Nil {
		return apperr.NotFound("organization", orgID.String())
	}
	if me.OrganizationRole != domain.MemberOwner {
		return ErrOwnersOnly
	}
	return nil
}

// me reads the caller's own account.
func (s *Service) me(ctx context.Context, caller auth.Caller) (domain.User, error) {
	id, err := userID(caller)
	if err != nil {
		return domain.User{}, err
	}
	u, err := s.store.GetUser(ctx, id)
	if apperr.IsKind(err, apperr.KindNotFound) {
		// A valid token for a deleted account: the caller no longer exists.
		return domain.User{}, apperr.Unauthenticated("the account no longer exists")
	}
	return u, err
}

// GetMe returns the caller's account and its organization, if any.
func (s *Service) GetMe(ctx context.Context, caller auth.Caller) (domain.User, *domain.Organization, error) {
	u, err := s.me(ctx, caller)
	if err != nil {
		return domain.User{}, nil, err
	}
	if u.OrganizationID == uuid.Nil {
		return u, nil, nil
	}
	org, err := s.store.GetOrganization(ctx, u.OrganizationID)
	if err != nil {
		return domain.User{}, nil, err
	}
	return u, &org, nil
}

// UpdateMe changes the caller's display name.
func (s *Service) UpdateMe(ctx context.Context, caller auth.Caller, displayName string) (domain.User, error) {
	id, err := userID(caller)
	if err != nil {
		return domain.User{}, err
	}
	name, err := domain.ValidateDisplayName(displayName)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockUser(ctx, id); err != nil {
			return err
		}
		if u, err = r.GetUser(ctx, id); err != nil {
			return err
		}
		u.DisplayName = name
		return r.UpdateUser(ctx, u)
	})
	return u, err
}

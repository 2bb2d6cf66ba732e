package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// MaxFindAccounts bounds each list FindAccounts takes: as many as one coupon
// issuance's holders.
const MaxFindAccounts = 10_000

// ErrServicesAndOperatorsOnly refuses FindAccounts to anyone else: which ids
// are accounts is not for buyers or suppliers to probe.
var ErrServicesAndOperatorsOnly = apperr.PermissionDenied("this method is for service accounts and operators").WithReason("SERVICES_AND_OPERATORS_ONLY")

// FoundAccounts are the ids FindAccounts found.
type FoundAccounts struct {
	Users         []uuid.UUID
	Organizations map[uuid.UUID]domain.OrganizationKind
}

// FindAccounts says which of the user and organization ids exist, so a
// service acting for accounts it was handed can refuse the others. Service
// accounts and operators only.
func (s *Service) FindAccounts(ctx context.Context, caller auth.Caller, users, orgs []uuid.UUID) (FoundAccounts, error) {
	if !caller.IsService() && !caller.IsOperator() {
		return FoundAccounts{}, ErrServicesAndOperatorsOnly
	}
	var v apperr.Violations
	if len(users) > MaxFindAccounts {
		v.Add("user_ids", "must hold at most 10,000 ids")
	}
	if len(orgs) > MaxFindAccounts {
		v.Add("organization_ids", "must hold at most 10,000 ids")
	}
	if err := v.Err(); err != nil {
		return FoundAccounts{}, err
	}
	if len(users) == 0 && len(orgs) == 0 {
		return FoundAccounts{Organizations: map[uuid.UUID]domain.OrganizationKind{}}, nil
	}
	return s.store.FindAccounts(ctx, users, orgs)
}

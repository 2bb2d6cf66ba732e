package peers

import (
	"context"

	"github.com/google/uuid"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Users is app.Users over the users service's address book and accounts.
type Users struct {
	Client usersv1.UsersServiceClient
}

var _ app.Users = Users{}

// DefaultAddress returns the buyer's default address, nil without one.
func (u Users) DefaultAddress(ctx context.Context, buyerID string) (*domain.Address, error) {
	resp, err := u.Client.ListAddresses(ctx, &usersv1.ListAddressesRequest{UserId: buyerID})
	if err != nil {
		return nil, peerError(err)
	}
	for _, a := range resp.GetAddresses() {
		if a.GetIsDefault() {
			addr := AddressFromProto(a.GetAddress())
			return &addr, nil
		}
	}
	return nil, nil
}

// FindHolders asks users which holders are accounts, in one call (an
// issuance has at most domain.MaxIssuance holders, within FindAccounts'
// bound for each kind).
func (u Users) FindHolders(ctx context.Context, holders []domain.Holder) (map[domain.Holder]domain.AccountKind, error) {
	req := &usersv1.FindAccountsRequest{}
	for _, h := range holders {
		if h.Kind == domain.HolderUser {
			req.UserIds = append(req.UserIds, h.ID.String())
		} else {
			req.OrganizationIds = append(req.OrganizationIds, h.ID.String())
		}
	}
	resp, err := u.Client.FindAccounts(ctx, req)
	if err != nil {
		return nil, peerError(err)
	}
	found := make(map[domain.Holder]domain.AccountKind, len(holders))
	for _, id := range resp.GetUserIds() {
		if h, err := uuid.Parse(id); err == nil {
			found[domain.Holder{Kind: domain.HolderUser, ID: h}] = domain.AccountUser
		}
	}
	for _, o := range resp.GetOrganizations() {
		h, err := uuid.Parse(o.GetOrganizationId())
		if err != nil {
			continue
		}
		kind := domain.AccountSupplier
		if o.GetKind() == usersv1.OrganizationKind_ORGANIZATION_KIND_MERCHANT {
			kind = domain.AccountMerchant
		}
		found[domain.Holder{Kind: domain.HolderOrganization, ID: h}] = kind
	}
	return found, nil
}

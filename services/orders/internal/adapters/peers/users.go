package peers

import (
	"context"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Users is app.Users over the users service's address book.
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

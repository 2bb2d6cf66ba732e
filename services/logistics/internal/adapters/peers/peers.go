// Package peers reaches the services logistics calls: finance pays freight
// legs from escrow and gives exchange rates, inventory commits a parcel's
// reservation. Their statuses come back as apperr errors, so the workers
// can tell a refusal (never retried) from an outage (retried).
package peers

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
)

// Finance is app.Finance over finance's gRPC API.
type Finance struct {
	Escrow       financev1.EscrowServiceClient
	Rates        financev1.FinanceServiceClient
	BaseCurrency string
}

var _ app.Finance = Finance{}

// PayFreightLeg pays a leg from the sub-order's escrow, or from the
// platform's freight expense.
func (f Finance) PayFreightLeg(ctx context.Context, p app.LegPayment) error {
	_, err := f.Escrow.PayFreightLeg(ctx, &financev1.PayFreightLegRequest{
		SubOrderId: p.SubOrderID.String(), LegId: p.LegID, CarrierId: p.CarrierID.String(),
		Amount:       &commonv1.Money{AmountMinor: p.Amount.Amount, CurrencyCode: p.Amount.Currency},
		FromPlatform: p.FromPlatform, AfterSaleId: p.AfterSaleID,
	})
	return peerError(err)
}

// RateToBase is one unit of currency in base units, now.
func (f Finance) RateToBase(ctx context.Context, currency string) (string, error) {
	resp, err := f.Rates.GetExchangeRate(ctx, &financev1.GetExchangeRateRequest{
		FromCurrency: currency, ToCurrency: f.BaseCurrency, At: timestamppb.New(time.Now()),
	})
	if err != nil {
		return "", peerError(err)
	}
	return resp.GetRate().GetRate(), nil
}

// Inventory is app.Inventory over inventory's gRPC API.
type Inventory struct {
	Client inventoryv1.InventoryServiceClient
}

var _ app.Inventory = Inventory{}

// Commit commits a reservation (inventory knows it by the order id it was
// made for) whose goods left at shippedAt.
func (i Inventory) Commit(ctx context.Context, reservationID string, shippedAt time.Time) error {
	_, err := i.Client.Commit(ctx, &inventoryv1.CommitRequest{OrderId: reservationID, ShippedAt: timestamppb.New(shippedAt)})
	return peerError(err)
}

// peerError is a peer's answer as an *apperr.Error (grpcerr.FromPeer: our
// own credentials refused is Unavailable, not our caller's). A peer that
// did not answer within the call's bound (PEER_CALL_TIMEOUT) is
// Unavailable too: the workers end their round on it, rather than wait the
// bound out again for each item of the round on a peer that hangs.
func peerError(err error) error {
	if status.Code(err) == codes.DeadlineExceeded {
		return apperr.Unavailable("the service did not answer in time").Wrap(err)
	}
	return grpcerr.FromPeer(err)
}

package peers

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
)

// Finance reads exchange rates with finance's GetExchangeRate.
type Finance struct {
	client financev1.FinanceServiceClient
}

var _ app.Rates = Finance{}

// NewFinance returns the adapter over a finance client.
func NewFinance(client financev1.FinanceServiceClient) Finance { return Finance{client: client} }

// Rate returns 1 unit of from in units of to in force at at. The rate
// prices freight, so finance is asked for a fresh one: a rate older than
// finance's FX policy allows its source is app.ErrRateStale, never used
// silently.
func (f Finance) Rate(ctx context.Context, from, to string, at time.Time) (money.Rate, error) {
	resp, err := f.client.GetExchangeRate(ctx, &financev1.GetExchangeRateRequest{
		FromCurrency: from, ToCurrency: to, At: timestamppb.New(at), Fresh: true,
	})
	if status.Code(err) == codes.NotFound {
		return money.Rate{}, apperr.NotFound("exchange rate", from+"/"+to)
	}
	if errors.Is(grpcerr.FromError(err), app.ErrRateStale) {
		return money.Rate{}, app.ErrRateStale.WithMetadata("from", from).WithMetadata("to", to)
	}
	if err != nil {
		return money.Rate{}, peerError("finance GetExchangeRate", err, app.ErrRatesUnavailable)
	}
	rate, err := money.ParseRate(resp.GetRate().GetRate())
	if err != nil || rate.IsZero() {
		return money.Rate{}, peerError("finance GetExchangeRate", status.Errorf(codes.Internal, "unusable rate %q", resp.GetRate().GetRate()), app.ErrRatesUnavailable)
	}
	return rate, nil
}

package seed

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// demoRatesFrom is when the demo exchange rates take effect: fixed, so a
// second seed records nothing new.
var demoRatesFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// demoRates are illustrative rates into the base currency (USD) and out of
// it (finance never infers an inverse), enough for the demo's EUR prices and
// the display currencies a frontend tries first.
var demoRates = []struct{ from, to, rate string }{
	{"EUR", "USD", "1.0850"}, {"USD", "EUR", "0.9217"},
	{"GBP", "USD", "1.2700"}, {"USD", "GBP", "0.7874"},
	{"CNY", "USD", "0.1380"}, {"USD", "CNY", "7.2460"},
	{"JPY", "USD", "0.0066"}, {"USD", "JPY", "151.50"},
	{"BRL", "USD", "0.2000"}, {"USD", "BRL", "5.0000"},
	{"AUD", "USD", "0.6600"}, {"USD", "AUD", "1.5150"},
}

// ExchangeRates records the demo exchange rates in finance, as the admin.
func ExchangeRates(ctx context.Context, usersAddr, financeAddr string) error {
	usersConn, err := grpc.NewClient(usersAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer usersConn.Close()
	conn, err := grpc.NewClient(financeAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	admin, err := login(ctx, usersv1.NewUsersServiceClient(usersConn), AdminEmail)
	if err != nil {
		return err
	}
	finance := financev1.NewFinanceServiceClient(conn)
	for _, r := range demoRates {
		_, err := finance.SetExchangeRate(admin, &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{
			FromCurrency: r.from, ToCurrency: r.to, Rate: r.rate, Source: "demo", EffectiveAt: timestamppb.New(demoRatesFrom),
		}})
		if err != nil {
			return fmt.Errorf("%s/%s: %w", r.from, r.to, err)
		}
	}
	return nil
}

package seed

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

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
		if err := seedRate(admin, finance, r.from, r.to, r.rate); err != nil {
			return fmt.Errorf("%s/%s: %w", r.from, r.to, err)
		}
	}
	return nil
}

// seedRate records a demo rate effective now, unless the same rate is
// already in force and fresh: finance refuses back-dated rates, so a fixed
// past effective time cannot make a second seed a no-op, and a rate older
// than a day is stale for conversions (FX_MAX_RATE_AGE), so an old demo
// book gets its rates again.
func seedRate(admin context.Context, finance financev1.FinanceServiceClient, from, to, rate string) error {
	cur, err := finance.GetExchangeRate(admin, &financev1.GetExchangeRateRequest{FromCurrency: from, ToCurrency: to})
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return err
	case sameDecimal(cur.GetRate().GetRate(), rate) && time.Since(cur.GetRate().GetEffectiveAt().AsTime()) < demoRateFreshFor:
		return nil
	}
	_, err = finance.SetExchangeRate(admin, &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{
		FromCurrency: from, ToCurrency: to, Rate: rate, Source: "demo",
	}})
	return err
}

// demoRateFreshFor is how old a seeded rate may be before a seed records it
// again: well inside finance's default maximum rate age of 26h.
const demoRateFreshFor = 12 * time.Hour

// sameDecimal compares two plain decimals by value: finance answers "151.5"
// for "151.50".
func sameDecimal(a, b string) bool {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	return okA && okB && x.Cmp(y) == 0
}

package grpcapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func start(t *testing.T) (financev1.FinanceServiceClient, auth.SigningKey) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	key, keys := testkit.SigningKey(t)
	conn := testkit.ServeAPI(t, "finance", keys, grpcapi.PublicMethods, grpcapi.New(app.New(postgres.New(pool))).Register)
	return financev1.NewFinanceServiceClient(conn), key
}

func as(t *testing.T, key auth.SigningKey, kind auth.Kind, roles ...string) context.Context {
	t.Helper()
	return testkit.As(t, key, auth.Caller{Subject: "caller-" + roles[0], Kind: kind, Roles: roles})
}

func TestExchangeRatesOverTheWire(t *testing.T) {
	c, key := start(t)
	admin := as(t, key, auth.KindUser, auth.RoleAdmin)
	buyer := as(t, key, auth.KindUser, auth.RoleBuyer)
	service := as(t, key, auth.KindService, auth.RoleService)
	at := time.Now().Truncate(time.Microsecond) // in force now: no back-dated rates

	set, err := c.SetExchangeRate(admin, &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{
		FromCurrency: "USD", ToCurrency: "JPY", Rate: "151.50000000", Source: "ecb", EffectiveAt: timestamppb.New(at),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r := set.GetRate(); r.GetRate() != "151.5" || r.GetSource() != "ecb" || !r.GetEffectiveAt().AsTime().Equal(at) || r.GetRecordedAt() == nil {
		t.Errorf("set = %v", r)
	}
	for _, ctx := range []context.Context{buyer, service} {
		got, err := c.GetExchangeRate(ctx, &financev1.GetExchangeRateRequest{FromCurrency: "USD", ToCurrency: "JPY"})
		if err != nil || got.GetRate().GetRate() != "151.5" {
			t.Errorf("get = %v, %v", got, err)
		}
	}
	if _, err := c.GetExchangeRate(buyer, &financev1.GetExchangeRateRequest{FromCurrency: "JPY", ToCurrency: "USD"}); status.Code(err) != codes.NotFound {
		t.Errorf("inverse pair: %v", err)
	}
	if _, err := c.GetExchangeRate(context.Background(), &financev1.GetExchangeRateRequest{FromCurrency: "USD", ToCurrency: "JPY"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without a token: %v", err)
	}
	if _, err := c.SetExchangeRate(buyer, &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{FromCurrency: "USD", ToCurrency: "EUR", Rate: "0.9", Source: "ecb"}}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("buyer set: %v", err)
	}
	_, err = c.SetExchangeRate(admin, &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{
		FromCurrency: "USD", ToCurrency: "JPY", Rate: "151.6", Source: "ecb", EffectiveAt: timestamppb.New(at),
	}})
	if status.Code(err) != codes.AlreadyExists {
		t.Errorf("conflicting rate: %v", err)
	}

	tests := []struct {
		name string
		req  *financev1.SetExchangeRateRequest
		want []string
	}{
		{"no rate", &financev1.SetExchangeRateRequest{}, []string{"rate"}},
		{"everything wrong", &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{FromCurrency: "EURO", ToCurrency: "usd", Rate: "-1", Source: "E C B"}},
			[]string{"rate.from_currency", "rate.to_currency", "rate.rate", "rate.source"}},
		{"float rate", &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{FromCurrency: "EUR", ToCurrency: "USD", Rate: "1.1e0", Source: "ecb"}},
			[]string{"rate.rate"}},
	}
	for _, tt := range tests {
		_, err := c.SetExchangeRate(admin, tt.req)
		st := status.Convert(err)
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
				}
			}
		}
		if st.Code() != codes.InvalidArgument || !slices.Equal(fields, tt.want) {
			t.Errorf("%s: %v %v, want InvalidArgument %v", tt.name, st.Code(), fields, tt.want)
		}
	}
}

func TestQuotesOverTheWire(t *testing.T) {
	c, key := start(t)
	admin := as(t, key, auth.KindUser, auth.RoleAdmin)
	buyer := as(t, key, auth.KindUser, auth.RoleBuyer)
	supplier := as(t, key, auth.KindUser, auth.RoleSupplier)
	service := as(t, key, auth.KindService, auth.RoleService)
	if _, err := c.SetExchangeRate(admin, &financev1.SetExchangeRateRequest{Rate: &financev1.ExchangeRate{
		FromCurrency: "USD", ToCurrency: "JPY", Rate: "151.5", Source: "ecb",
	}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.QuoteConversion(buyer, &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY", AmountMinor: 10000})
	if err != nil {
		t.Fatal(err)
	}
	q := got.GetQuote()
	if q.GetRate() != "150.7425" || q.GetMidRate() != "151.5" || q.GetSpreadBps() != 50 || q.GetSource() != "ecb" ||
		q.GetAmount().GetAmountMinor() != 10000 || q.GetConverted().GetAmountMinor() != 15074 || q.GetConverted().GetCurrencyCode() != "JPY" ||
		q.GetExpiresAt().AsTime().Sub(q.GetCreatedAt().AsTime()) != 10*time.Minute {
		t.Errorf("quote = %v", q)
	}
	for _, ctx := range []context.Context{buyer, service, admin} {
		if r, err := c.GetQuote(ctx, &financev1.GetQuoteRequest{QuoteId: q.GetQuoteId()}); err != nil || r.GetQuote().GetRate() != "150.7425" {
			t.Errorf("get = %v, %v", r, err)
		}
	}
	if _, err := c.GetQuote(supplier, &financev1.GetQuoteRequest{QuoteId: q.GetQuoteId()}); status.Code(err) != codes.NotFound {
		t.Errorf("someone else's quote: %v", err)
	}
	rateOnly, err := c.QuoteConversion(service, &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY"})
	if err != nil || rateOnly.GetQuote().GetAmount() != nil || rateOnly.GetQuote().GetConverted() != nil {
		t.Errorf("rate alone = %v, %v", rateOnly, err)
	}
	// A service locks a rate until an order's payment deadline; a buyer cannot.
	locked, err := c.QuoteConversion(service, &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY", LockFor: durationpb.New(35 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if held := locked.GetQuote().GetExpiresAt().AsTime().Sub(locked.GetQuote().GetCreatedAt().AsTime()); held != 35*time.Minute {
		t.Errorf("a quote locked for 35m holds for %v", held)
	}
	if _, err := c.QuoteConversion(buyer, &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY", LockFor: durationpb.New(time.Hour)}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a buyer choosing the lock = %v, want PermissionDenied", err)
	}
	tests := []struct {
		name string
		req  *financev1.QuoteConversionRequest
		code codes.Code
	}{
		{"no rate", &financev1.QuoteConversionRequest{FromCurrency: "JPY", ToCurrency: "USD"}, codes.NotFound},
		{"bad currency", &financev1.QuoteConversionRequest{FromCurrency: "XXX", ToCurrency: "USD"}, codes.InvalidArgument},
		{"negative amount", &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY", AmountMinor: -5}, codes.InvalidArgument},
		{"lock beyond a day", &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY", LockFor: durationpb.New(25 * time.Hour)}, codes.InvalidArgument},
	}
	for _, tt := range tests {
		if _, err := c.QuoteConversion(buyer, tt.req); status.Code(err) != tt.code {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.code)
		}
	}
	if _, err := c.QuoteConversion(context.Background(), &financev1.QuoteConversionRequest{FromCurrency: "USD", ToCurrency: "JPY"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without a token: %v", err)
	}
}

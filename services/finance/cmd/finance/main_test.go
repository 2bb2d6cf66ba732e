package main

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The binary's wiring: it migrates, serves the exchange rates behind
// authentication and stops cleanly.
func TestRunServes(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	ns, _, js := testkit.JetStream(t)
	testkit.UsersStream(t, js)
	bin := testkit.StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"USERS_ADDR": testkit.FreeAddr(t),
	})
	conn, ctx := bin.Conn, context.Background()
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('exchange_rates') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		t.Errorf("exchange_rates not migrated: %v", err)
	}
	_, err := financev1.NewFinanceServiceClient(conn).GetExchangeRate(ctx, &financev1.GetExchangeRateRequest{FromCurrency: "EUR", ToCurrency: "USD"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetExchangeRate without a token: %v", err)
	}
	bin.Stop()
}

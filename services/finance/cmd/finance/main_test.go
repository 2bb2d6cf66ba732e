package main

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The binary's wiring: it migrates, serves the exchange rates behind
// authentication and stops cleanly.
func TestRunServes(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	ns, _, _ := testkit.JetStream(t)
	grpcAddr := freeAddr(t)
	for k, v := range map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"GRPC_ADDR": grpcAddr, "ADMIN_ADDR": freeAddr(t), "LOG_LEVEL": "error", "READINESS_INTERVAL": "100ms",
		"USERS_ADDR": freeAddr(t),
	} {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never SERVING: %v %v", resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('exchange_rates') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		t.Errorf("exchange_rates not migrated: %v", err)
	}
	_, err = financev1.NewFinanceServiceClient(conn).GetExchangeRate(ctx, &financev1.GetExchangeRateRequest{FromCurrency: "EUR", ToCurrency: "USD"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetExchangeRate without a token: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop")
	}
}

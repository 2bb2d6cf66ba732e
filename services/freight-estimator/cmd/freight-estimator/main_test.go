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

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/freight"}
	var cfg Config
	if err := config.LoadFrom(&cfg, config.MapLookup(base)); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseCurrency != "USD" || cfg.CatalogAddr != "127.0.0.1:9102" || cfg.FinanceAddr != "127.0.0.1:9106" || cfg.PruneInterval != time.Hour {
		t.Errorf("defaults = %+v", cfg)
	}
	for name, extra := range map[string]map[string]string{
		"unknown base currency": {"BASE_CURRENCY": "usd"},
		"tiny prune interval":   {"PRUNE_INTERVAL": "1s"},
	} {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for k, v := range extra {
			vars[k] = v
		}
		var cfg Config
		if err := config.LoadFrom(&cfg, config.MapLookup(vars)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The binary's wiring: it migrates, seeds its defaults, creates the LOGISTICS
// stream its history consumer reads, serves the API behind authentication and
// stops cleanly.
func TestRunServes(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS})
	ns, _, js := testkit.JetStream(t)
	grpcAddr := freeAddr(t)
	for k, v := range map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"GRPC_ADDR": grpcAddr, "ADMIN_ADDR": freeAddr(t), "LOG_LEVEL": "error", "READINESS_INTERVAL": "100ms",
		"USERS_ADDR": freeAddr(t), "BASE_CURRENCY": "EUR",
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
	// The defaults worker pins the base currency and records the rate card.
	for {
		var currency string
		var cards int
		err := pool.QueryRow(ctx, `SELECT (SELECT base_currency FROM settings), (SELECT count(*) FROM rate_cards)`).Scan(&currency, &cards)
		if err == nil && currency == "EUR" && cards == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("defaults not seeded: %q %d %v", currency, cards, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		if _, err := js.Stream(ctx, "LOGISTICS"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the LOGISTICS stream was never created")
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, err = freightv1.NewFreightServiceClient(conn).Estimate(ctx, &freightv1.EstimateRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("estimate without a token: %v", err)
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

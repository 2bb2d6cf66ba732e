package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/events"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/freight"}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseCurrency != "USD" || cfg.CatalogAddr != "127.0.0.1:9102" || cfg.FinanceAddr != "127.0.0.1:9106" || cfg.PruneInterval != time.Hour || cfg.RateCacheTTL != 30*time.Second || cfg.SkuCacheTTL != 30*time.Second || cfg.HistoryMaxRecords != 2_000_000 {
		t.Errorf("defaults = %+v", cfg)
	}
	for name, extra := range map[string]map[string]string{
		"unknown base currency":  {"BASE_CURRENCY": "usd"},
		"tiny prune interval":    {"PRUNE_INTERVAL": "1s"},
		"negative rate cache":    {"RATE_CACHE_TTL": "-1s"},
		"negative history limit": {"HISTORY_MAX_RECORDS": "-1"},
		"day-long rate cache":    {"RATE_CACHE_TTL": "24h"},
		"negative SKU cache":     {"SKU_CACHE_TTL": "-1s"},
		"hour-long SKU cache":    {"SKU_CACHE_TTL": "1h"},
	} {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for k, v := range extra {
			vars[k] = v
		}
		var cfg Config
		if err := config.LoadFrom(&cfg, vars); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The binary's wiring: it migrates, seeds its defaults, serves the API behind
// authentication before the LOGISTICS stream exists, starts its history
// consumer once logistics creates that stream, and stops cleanly.
func TestRunServes(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS})
	ns, _, js := testkit.JetStream(t)
	testkit.UsersStream(t, js)
	bin := testkit.StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"USERS_ADDR": testkit.FreeAddr(t), "BASE_CURRENCY": "EUR",
	})
	conn, ctx := bin.Conn, context.Background()
	deadline := time.Now().Add(20 * time.Second)
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
	_, err := freightv1.NewFreightServiceClient(conn).Estimate(ctx, &freightv1.EstimateRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("estimate without a token: %v", err)
	}
	// LOGISTICS is the logistics service's to create: the estimator serves
	// without it, and its history consumer starts once the stream appears.
	if _, err := js.Stream(ctx, "LOGISTICS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("LOGISTICS before logistics started: %v", err)
	}
	stream, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("logistics"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Consumer(ctx, events.ConsumerName); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the history consumer never started on LOGISTICS")
		}
		time.Sleep(100 * time.Millisecond)
	}
	bin.Stop()
}

package main

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/catalog"}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if cfg.PurgeAfter != 720*time.Hour || cfg.InventoryAddr != "127.0.0.1:9103" {
		t.Errorf("defaults = %v, %q", cfg.PurgeAfter, cfg.InventoryAddr)
	}
	for name, extra := range map[string]map[string]string{
		"tiny retention":  {"CATALOG_PURGE_AFTER": "1m"},
		"not a duration":  {"CATALOG_PURGE_AFTER": "a month"},
		"blank inventory": {"INVENTORY_ADDR": " "},
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

// The binary's wiring: it migrates, serves the public methods without a
// token and the others only with one, runs its workers while neither the
// users nor the inventory service is up, and stops cleanly.
func TestRunServes(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	ns, _, js := testkit.JetStream(t)
	testkit.UsersStream(t, js)
	bin := testkit.StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"USERS_ADDR": testkit.FreeAddr(t), "INVENTORY_ADDR": testkit.FreeAddr(t),
		"SERVICE_CLIENT_ID": "svc-catalog", "SERVICE_CLIENT_SECRET": "catalog-test-secret",
	})
	conn, ctx := bin.Conn, context.Background()
	catalog := catalogv1.NewCatalogServiceClient(conn)
	if _, err := catalog.ListCategories(ctx, &catalogv1.ListCategoriesRequest{}); err != nil {
		t.Errorf("public ListCategories: %v", err)
	}
	if _, err := catalog.SearchProducts(ctx, &catalogv1.SearchProductsRequest{Query: "anything", Locale: "de"}); err != nil {
		t.Errorf("public SearchProducts: %v", err)
	}
	if _, err := catalog.ListReviewQueue(ctx, &catalogv1.ListReviewQueueRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("ListReviewQueue without a token = %v", err)
	}
	bin.Stop()
}

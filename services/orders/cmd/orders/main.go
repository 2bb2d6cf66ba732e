// Command orders runs the orders service. Today it keeps buyers' carts,
// shown with current prices and availability; checkout, the order saga and
// after-sale are coming (the split and the state machines are in
// internal/domain).
package main

import (
	"context"
	"fmt"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// Config is the service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// CatalogAddr is the catalog's gRPC server (SKUs and prices).
	CatalogAddr string `env:"CATALOG_ADDR" envDefault:"127.0.0.1:9102"`
	// InventoryAddr is inventory's gRPC server (availability).
	InventoryAddr string `env:"INVENTORY_ADDR" envDefault:"127.0.0.1:9103"`
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("orders", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:       "orders",
		Stream:     natsx.AreaStream("orders"),
		Migrations: migrations.FS,
		Settings:   cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	catalogConn, err := rt.DialPeer(cfg.CatalogAddr)
	if err != nil {
		return fmt.Errorf("CATALOG_ADDR: %w", err)
	}
	defer catalogConn.Close()
	inventoryConn, err := rt.DialPeer(cfg.InventoryAddr)
	if err != nil {
		return fmt.Errorf("INVENTORY_ADDR: %w", err)
	}
	defer inventoryConn.Close()

	svc := app.New(postgres.New(rt.Pool),
		peers.Catalog{Client: catalogv1.NewCatalogServiceClient(catalogConn)},
		peers.Inventory{Client: inventoryv1.NewInventoryServiceClient(inventoryConn)})
	grpcapi.New(svc).Register(rt.Server.GRPC())
	return rt.Run(ctx)
}

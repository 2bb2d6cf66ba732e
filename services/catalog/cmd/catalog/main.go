// Command catalog runs the catalog service: products, SKUs, categories, brands, translations and review.
package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/events"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

// Config is the catalog service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// PurgeAfter is how long a deleted product stays in the bin, restorable,
	// before it is deleted for good.
	PurgeAfter time.Duration `env:"CATALOG_PURGE_AFTER" envDefault:"720h"`
	// InventoryAddr is the inventory service, asked for the availability
	// shown on listings.
	InventoryAddr string `env:"INVENTORY_ADDR" envDefault:"127.0.0.1:9103"`
}

// Validate checks the catalog's own settings.
func (c Config) Validate() error {
	var errs []error
	if c.PurgeAfter < time.Hour {
		errs = append(errs, errors.New("CATALOG_PURGE_AFTER must be at least 1h"))
	}
	if strings.TrimSpace(c.InventoryAddr) == "" {
		errs = append(errs, errors.New("INVENTORY_ADDR must not be empty"))
	}
	return errors.Join(errs...)
}

// purgeInterval is how often the bin is checked for products past their
// retention.
const purgeInterval = time.Hour

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("catalog", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:          "catalog",
		Stream:        natsx.AreaStream("catalog"),
		Migrations:    migrations.FS,
		PublicMethods: grpcapi.PublicMethods,
		// Supplier ERPs manage their products directly.
		SignedRequests: true,
		Settings:       cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	// GetAvailability is public, but the call carries the service's own
	// token when an account is configured, so inventory knows who asks.
	var creds credentials.PerRPCCredentials
	if rt.ServiceTokens != nil {
		creds = rt.ServiceTokens.PerRPCCredentials()
	}
	inventory := peers.NewInventory(cfg.InventoryAddr, creds)
	defer inventory.Close()

	appCfg := app.DefaultConfig()
	appCfg.PurgeAfter = cfg.PurgeAfter
	svc := app.New(postgres.New(rt.Pool), appCfg, app.WithAvailability(inventory), app.WithLogger(rt.Log))
	grpcapi.New(svc).Register(rt.Server.GRPC())

	// Workers start once the database is migrated.
	rt.Go("purge", func(ctx context.Context) error {
		periodic.RunPurge(ctx, purgeInterval, "deleted products", rt.Log, svc.PurgeBin)
		return nil
	})
	rt.Consume(events.TierConsumer(rt.Pool, rt.JS, rt.Log))
	return rt.Run(ctx)
}

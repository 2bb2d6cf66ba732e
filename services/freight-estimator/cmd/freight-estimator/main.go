// Command freight-estimator runs the freight-estimator service: the freight pre-estimate learned from shipment history.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/events"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

// Config is the estimator's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// BaseCurrency is the platform currency estimates and history are in.
	BaseCurrency string `env:"BASE_CURRENCY" envDefault:"USD"`
	// CatalogAddr is the catalog's gRPC server (SKU lines).
	CatalogAddr string `env:"CATALOG_ADDR" envDefault:"127.0.0.1:9102"`
	// FinanceAddr is finance's gRPC server (exchange rates).
	FinanceAddr string `env:"FINANCE_ADDR" envDefault:"127.0.0.1:9106"`
	// PruneInterval is how often history older than twice the window goes.
	PruneInterval time.Duration `env:"PRUNE_INTERVAL" envDefault:"1h"`
	// WarmHistory loads every route's history into memory at start.
	WarmHistory bool `env:"WARM_HISTORY" envDefault:"true"`
	// HistoryMaxRecords bounds the shipment records held in memory (about
	// 120 bytes each); past it the least recently estimated routes are
	// dropped and reloaded on demand. Zero keeps every route.
	HistoryMaxRecords int `env:"HISTORY_MAX_RECORDS" envDefault:"2000000"`
	// RateCacheTTL is how long an exchange rate from finance is reused;
	// zero asks finance on every conversion.
	RateCacheTTL time.Duration `env:"RATE_CACHE_TTL" envDefault:"30s"`
	// SkuCacheTTL is how long what the catalog says of an SKU is reused;
	// zero asks the catalog on every estimate by SKU lines.
	SkuCacheTTL time.Duration `env:"SKU_CACHE_TTL" envDefault:"30s"`
}

// Validate checks the estimator's own settings.
func (c Config) Validate() error {
	var errs []error
	if !money.ValidCurrency(c.BaseCurrency) {
		errs = append(errs, errors.New("BASE_CURRENCY must be an ISO 4217 code such as USD"))
	}
	if c.PruneInterval < time.Minute {
		errs = append(errs, errors.New("PRUNE_INTERVAL must be at least 1m"))
	}
	if c.HistoryMaxRecords < 0 {
		errs = append(errs, errors.New("HISTORY_MAX_RECORDS must not be negative"))
	}
	if c.RateCacheTTL < 0 || c.RateCacheTTL > time.Hour {
		errs = append(errs, errors.New("RATE_CACHE_TTL must be between 0 and 1h"))
	}
	if c.SkuCacheTTL < 0 || c.SkuCacheTTL > 10*time.Minute {
		errs = append(errs, errors.New("SKU_CACHE_TTL must be between 0 and 10m"))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("freight-estimator", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:          "freight-estimator",
		Stream:        natsx.AreaStream("freight"),
		Migrations:    migrations.FS,
		PublicMethods: grpcapi.PublicMethods,
		Settings:      cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	catalogConn, err := rt.DialPeer(cfg.CatalogAddr)
	if err != nil {
		return fmt.Errorf("CATALOG_ADDR: %w", err)
	}
	defer catalogConn.Close()
	financeConn, err := rt.DialPeer(cfg.FinanceAddr)
	if err != nil {
		return fmt.Errorf("FINANCE_ADDR: %w", err)
	}
	defer financeConn.Close()

	store := postgres.New(rt.Pool)
	svc, err := app.New(store, cfg.BaseCurrency,
		app.WithHistoryLimit(cfg.HistoryMaxRecords),
		app.WithCatalog(peers.NewSkuCache(peers.NewCatalog(catalogv1.NewCatalogServiceClient(catalogConn)), cfg.SkuCacheTTL, time.Now)),
		app.WithRates(peers.NewRateCache(peers.NewFinance(financev1.NewFinanceServiceClient(financeConn)), cfg.RateCacheTTL)))
	if err != nil {
		return err
	}
	grpcapi.New(svc).Register(rt.Server.GRPC())

	// Workers start once the database is migrated and the stream exists.
	rt.Go("defaults", func(ctx context.Context) error {
		if err := svc.EnsureDefaults(ctx); err != nil {
			return err
		}
		if cfg.WarmHistory {
			start := time.Now()
			n, err := svc.WarmHistory(ctx)
			if err != nil {
				rt.Log.Warn("warming the history failed; routes load on first use", "error", err)
				return nil
			}
			routes, records := svc.History().Stats()
			rt.Log.Info("history loaded", "routes", n, "in_memory_routes", routes, "records", records, "took", time.Since(start))
		}
		return nil
	})
	rt.Consume(events.ShipmentHistory{
		Service: svc, Repo: func(tx pgx.Tx) app.Repository { return store.WithTx(tx) },
		Pool: rt.Pool, JS: rt.JS, Log: rt.Log,
	}.Consumer())
	rt.Go("maintenance", func(ctx context.Context) error { return svc.RunMaintenance(ctx, cfg.PruneInterval, rt.Log) })
	return rt.Run(ctx)
}

// Command inventory runs the inventory service: stock per SKU and warehouse, reservations and the stock journal.
package main

import (
	"context"
	"errors"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/events"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
	"github.com/crossdock/crossdock/services/inventory/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

// Config is the inventory service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// ReservationTTL is how long a reservation holds stock when the caller
	// gives no ttl: the payment window.
	ReservationTTL time.Duration `env:"RESERVATION_TTL" envDefault:"30m"`
	// ReservationSweepInterval is how often expired reservations are looked for.
	ReservationSweepInterval time.Duration `env:"RESERVATION_SWEEP_INTERVAL" envDefault:"10s"`
	// KeyRetention is how long a command's idempotency key is kept: a retry
	// after it runs as a new command.
	KeyRetention time.Duration `env:"COMMAND_KEY_RETENTION" envDefault:"720h"`
}

// keyPurgeInterval is how often idempotency keys past their retention are
// purged.
const keyPurgeInterval = time.Hour

// Validate checks the inventory service's own settings.
func (c Config) Validate() error {
	var errs []error
	if c.ReservationTTL < time.Minute || c.ReservationTTL > domain.MaxReservationTTL {
		errs = append(errs, errors.New("RESERVATION_TTL must be between 1m and 720h"))
	}
	if c.ReservationSweepInterval < 100*time.Millisecond {
		errs = append(errs, errors.New("RESERVATION_SWEEP_INTERVAL must be at least 100ms"))
	}
	if c.KeyRetention < 24*time.Hour {
		errs = append(errs, errors.New("COMMAND_KEY_RETENTION must be at least 24h: clients retry a command for a day"))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("inventory", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:          "inventory",
		Stream:        natsx.AreaStream("inventory"),
		Migrations:    migrations.FS,
		PublicMethods: grpcapi.PublicMethods,
		// Supplier ERPs call SyncStock and the stock methods directly.
		SignedRequests: true,
		Settings:       cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	store := postgres.New(rt.Pool)
	svc := app.New(store, app.Config{ReservationTTL: cfg.ReservationTTL, KeyRetention: cfg.KeyRetention})
	grpcapi.New(svc).Register(rt.Server.GRPC())

	// Workers start once the database is migrated.
	catalog := &events.Catalog{Pool: rt.Pool, JS: rt.JS, Log: rt.Log, Store: store, App: svc}
	rt.Consume(catalog.Consumer())
	rt.Go("reservation-sweeper", func(ctx context.Context) error {
		return svc.RunSweeper(ctx, cfg.ReservationSweepInterval, rt.Log)
	})
	rt.Go("key-purge", func(ctx context.Context) error {
		periodic.RunPurge(ctx, keyPurgeInterval, "idempotency keys", rt.Log, svc.PurgeKeys)
		return nil
	})
	return rt.Run(ctx)
}

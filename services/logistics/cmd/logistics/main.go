// Command logistics runs the logistics service: carriers and shipping
// methods, shipments booked with carriers, tracking from signed webhooks and
// the carriers' event feeds, freight legs paid from escrow through finance,
// and the completed shipments the freight estimator learns from.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

// Config is the service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// BaseCurrency is the platform currency completed shipments are
	// reported against (with the rate to it).
	BaseCurrency string `env:"BASE_CURRENCY" envDefault:"USD"`
	// FinanceAddr is finance's gRPC server (freight legs, exchange rates).
	FinanceAddr string `env:"FINANCE_ADDR" envDefault:"127.0.0.1:9106"`
	// InventoryAddr is inventory's gRPC server (committing reservations).
	InventoryAddr string `env:"INVENTORY_ADDR" envDefault:"127.0.0.1:9103"`
	// CarrierEnvironment names the carrier endpoint to use.
	CarrierEnvironment string `env:"LOGISTICS_CARRIER_ENVIRONMENT" envDefault:"sandbox"`
	// CarrierTimeout bounds one call to a carrier.
	CarrierTimeout time.Duration `env:"LOGISTICS_CARRIER_TIMEOUT" envDefault:"10s"`
	// PollInterval is how often every carrier's event feed is read, which
	// catches events whose webhooks were lost.
	PollInterval time.Duration `env:"LOGISTICS_POLL_INTERVAL" envDefault:"30s"`
	// WorkInterval is how often unpaid legs and uncommitted stock are
	// looked for when there is nothing to do.
	WorkInterval time.Duration `env:"LOGISTICS_WORK_INTERVAL" envDefault:"2s"`
	// TimeScale divides journey durations in ETAs: 1 for real carriers; a
	// simulated carrier running faster than real time has its own.
	TimeScale float64 `env:"LOGISTICS_TIME_SCALE" envDefault:"1"`
	// ConsolidationWindow is how long parcels wait at the central warehouse
	// for others of the same buyer to the same address (journey time,
	// divided by LOGISTICS_TIME_SCALE).
	ConsolidationWindow time.Duration `env:"LOGISTICS_CONSOLIDATION_WINDOW" envDefault:"6h"`
	// WebhookTolerance is how far a webhook's signed time may be from now.
	WebhookTolerance time.Duration `env:"LOGISTICS_WEBHOOK_TOLERANCE" envDefault:"5m"`
	// FreightGrace is how long after delivery a parcel's completion waits
	// for its last-mile charge, which a lost webhook brings from the feed
	// within PollInterval.
	FreightGrace time.Duration `env:"LOGISTICS_FREIGHT_GRACE" envDefault:"2m"`
	// SecretsKey is the key carriers' credentials are sealed under at rest
	// (pkg/kek): the base64 of 32 bytes, or "kid:base64key,..." during a
	// rotation (the first seals, every one opens).
	SecretsKey string `env:"LOGISTICS_SECRETS_KEY" secret:"true"`
	// Seed* set up a carrier at start (the local mesh's simulator): code,
	// API URL and credentials. Unset, no carrier is seeded.
	SeedCarrierCode          string `env:"LOGISTICS_SEED_CARRIER_CODE"`
	SeedCarrierURL           string `env:"LOGISTICS_SEED_CARRIER_URL"`
	SeedCarrierAPIKey        string `env:"LOGISTICS_SEED_CARRIER_API_KEY" secret:"true"`
	SeedCarrierWebhookSecret string `env:"LOGISTICS_SEED_CARRIER_WEBHOOK_SECRET" secret:"true"`
}

// Validate checks the service's own settings.
func (c Config) Validate() error {
	var errs []error
	if !money.ValidCurrency(c.BaseCurrency) {
		errs = append(errs, errors.New("BASE_CURRENCY must be an ISO 4217 code such as USD"))
	}
	if c.CarrierTimeout <= 0 || c.PollInterval <= 0 || c.WorkInterval <= 0 || c.WebhookTolerance <= 0 {
		errs = append(errs, errors.New("LOGISTICS_CARRIER_TIMEOUT, _POLL_INTERVAL, _WORK_INTERVAL and _WEBHOOK_TOLERANCE must be positive"))
	}
	if c.ConsolidationWindow < 0 || c.ConsolidationWindow > 30*24*time.Hour {
		errs = append(errs, errors.New("LOGISTICS_CONSOLIDATION_WINDOW must be between 0 and 720h"))
	}
	if c.TimeScale < 1 {
		errs = append(errs, errors.New("LOGISTICS_TIME_SCALE must be at least 1"))
	}
	if c.FreightGrace <= c.PollInterval || c.FreightGrace > 24*time.Hour {
		errs = append(errs, errors.New("LOGISTICS_FREIGHT_GRACE must be longer than LOGISTICS_POLL_INTERVAL (a lost charge comes from the feed) and at most 24h"))
	}
	if _, err := kek.ParseSetting(c.SecretsKey); err != nil {
		errs = append(errs, fmt.Errorf("LOGISTICS_SECRETS_KEY must be the base64 of 32 bytes (or kid:base64key,...): %w", err))
	}
	if c.SeedCarrierCode != "" && (c.SeedCarrierURL == "" || c.SeedCarrierAPIKey == "" || c.SeedCarrierWebhookSecret == "") {
		errs = append(errs, errors.New("LOGISTICS_SEED_CARRIER_CODE needs LOGISTICS_SEED_CARRIER_URL, _API_KEY and _WEBHOOK_SECRET"))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("logistics", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:          "logistics",
		Stream:        natsx.AreaStream("logistics"),
		Migrations:    migrations.FS,
		PublicMethods: grpcapi.PublicMethods,
		Settings:      cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	financeConn, err := rt.DialPeer(cfg.FinanceAddr)
	if err != nil {
		return fmt.Errorf("FINANCE_ADDR: %w", err)
	}
	defer financeConn.Close()
	inventoryConn, err := rt.DialPeer(cfg.InventoryAddr)
	if err != nil {
		return fmt.Errorf("INVENTORY_ADDR: %w", err)
	}
	defer inventoryConn.Close()

	keys, err := kek.ParseSetting(cfg.SecretsKey) // checked by Validate
	if err != nil {
		return fmt.Errorf("LOGISTICS_SECRETS_KEY: %w", err)
	}
	store := postgres.New(rt.Pool, keys)
	svc := app.New(store, carrierapi.New(cfg.CarrierTimeout),
		peers.Finance{Escrow: financev1.NewEscrowServiceClient(financeConn), Rates: financev1.NewFinanceServiceClient(financeConn), BaseCurrency: cfg.BaseCurrency},
		peers.Inventory{Client: inventoryv1.NewInventoryServiceClient(inventoryConn)},
		app.Config{Environment: cfg.CarrierEnvironment, BaseCurrency: cfg.BaseCurrency, TimeScale: cfg.TimeScale, WebhookTolerance: cfg.WebhookTolerance,
			ConsolidationWindow: cfg.ConsolidationWindow, FreightGrace: cfg.FreightGrace})
	grpcapi.New(svc).Register(rt.Server.GRPC())

	// Workers start once the database is migrated and the stream exists.
	// Carriers not sealed under the first key are sealed at start (a start
	// that cannot open one fails, naming it), then every poll interval:
	// during a rotation's roll-out a replica still on the old order of keys
	// may write a carrier under the old key after the new ones started.
	sealCarriers := func(ctx context.Context) error {
		sealed, err := store.SealCarrierCredentials(ctx)
		if sealed > 0 {
			rt.Log.Info("carriers' credentials sealed under the current key", "carriers", sealed, "kid", keys.Primary())
		}
		return err
	}
	rt.Go("carriers", func(ctx context.Context) error {
		if err := sealCarriers(ctx); err != nil {
			return fmt.Errorf("sealing carriers' credentials under LOGISTICS_SECRETS_KEY: %w", err)
		}
		if cfg.SeedCarrierCode != "" {
			if err := svc.EnsureSeedCarrier(ctx, app.SeedCarrier{Code: cfg.SeedCarrierCode, Name: "Carrier simulator",
				URL: cfg.SeedCarrierURL, APIKey: cfg.SeedCarrierAPIKey, WebhookSecret: cfg.SeedCarrierWebhookSecret}); err != nil {
				return err
			}
		}
		// At the interval whatever a round wrote (not app.Every, which goes
		// again at once after work): during a roll-out, a replica on the old
		// order of keys seals back what a new one sealed, and each would
		// wake the other at once, rewriting the carriers in a loop.
		periodic.Run(ctx, cfg.PollInterval, sealCarriers, func(err error) {
			rt.Log.Warn("sealing carriers' credentials failed; retrying", "error", err)
		})
		return nil
	})
	rt.Go("carrier-feeds", func(ctx context.Context) error {
		return app.Every(ctx, cfg.PollInterval, rt.Log, "reading carrier feeds", func(ctx context.Context) (int, error) {
			return 0, svc.PollCarriers(ctx, 500, rt.Log)
		})
	})
	rt.Go("freight-legs", func(ctx context.Context) error {
		return app.Every(ctx, cfg.WorkInterval, rt.Log, "paying freight legs", func(ctx context.Context) (int, error) {
			return svc.PayLegs(ctx, 100, rt.Log)
		})
	})
	rt.Go("onward-bookings", func(ctx context.Context) error {
		return app.Every(ctx, cfg.WorkInterval, rt.Log, "booking parcels onward from the central warehouse", func(ctx context.Context) (int, error) {
			return svc.BookOnward(ctx, 500, rt.Log)
		})
	})
	rt.Go("bookings", func(ctx context.Context) error {
		return app.Every(ctx, cfg.WorkInterval, rt.Log, "retrying lost bookings and cancellations", func(ctx context.Context) (int, error) {
			// Apart, so a carrier failing one kind of call holds up neither.
			booked, berr := svc.RetryBookings(ctx, 100, rt.Log)
			cancelled, cerr := svc.CancelAtCarriers(ctx, 100, rt.Log)
			return booked + cancelled, errors.Join(berr, cerr)
		})
	})
	rt.Go("stock-commits", func(ctx context.Context) error {
		return app.Every(ctx, cfg.WorkInterval, rt.Log, "committing picked-up stock", func(ctx context.Context) (int, error) {
			return svc.CommitStock(ctx, 100, rt.Log)
		})
	})
	rt.ObserveFailingSteps("freight_legs", store.FailingLegs, "unpaid", "refused")
	rt.ObserveFailingSteps("shipments", store.FailingShipments, "booking", "stock_commit", "stock_commit_refused", "carrier_cancel", "carrier_cancel_refused", "onward_refused")
	return rt.Run(ctx)
}

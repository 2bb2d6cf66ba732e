// Command finance runs the finance service: exchange rates and FX quotes,
// the double-entry ledger, and the wallets, deposits and payouts that move
// money in and out through the payment provider.
package main

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/payprovider"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("finance", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	policy, err := cfg.FXPolicy()
	if err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:          "finance",
		Stream:        natsx.AreaStream("finance"),
		Migrations:    migrations.FS,
		PublicMethods: grpcapi.PublicMethods,
		Settings:      cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	store := postgres.New(rt.Pool)
	book := postgres.NewLedger(rt.Pool, postgres.WithBatching(cfg.LedgerBatchSize, cfg.LedgerBatchConcurrency))
	rt.Go("ledger-expiry", func(ctx context.Context) error {
		book.RunExpirySweeper(ctx, cfg.LedgerExpirySweepInterval, func(err error) { rt.Log.Warn("ledger expiry sweep", "error", err) })
		return nil
	})
	grpcapi.NewLedger(app.NewLedgerViews(book)).Register(rt.Server.GRPC())
	fin := app.New(store, app.WithFX(policy))
	grpcapi.New(fin).Register(rt.Server.GRPC())
	escrows := app.NewEscrows(fin, book, store, cfg.DefaultCommissionBps, app.WithEscrowLog(rt.Log))
	grpcapi.NewEscrows(escrows).Register(rt.Server.GRPC())
	rt.Go("topup-recovery", func(ctx context.Context) error {
		escrows.RunTopUpRecovery(ctx, recoveryInterval, func(err error) { rt.Log.Warn("finishing interrupted top-ups", "error", err) })
		return nil
	})
	walletStore := postgres.NewWallets(store)
	wallets := app.NewWallets(walletStore, book, payprovider.New(cfg.PaymentProvider), app.WithTopUpAbandonAfter(cfg.TopUpAbandonAfter))
	grpcapi.NewWallets(wallets).Register(rt.Server.GRPC())
	rt.Go("payout-worker", func(ctx context.Context) error {
		wallets.RunPayoutWorker(ctx, recoveryInterval, func(err error) { rt.Log.Warn("payout retry", "error", err) })
		return nil
	})
	rt.Go("topup-checks", func(ctx context.Context) error {
		wallets.RunTopUpChecks(ctx, recoveryInterval, func(err error) { rt.Log.Warn("asking the provider about pending top-ups", "error", err) })
		return nil
	})
	rt.Go("provider-event-purge", func(ctx context.Context) error {
		periodic.RunPurge(ctx, purgeInterval, "provider events", rt.Log, func(ctx context.Context) (int, error) {
			return wallets.PurgeProviderEvents(ctx, cfg.ProviderEventRetention)
		})
		return nil
	})
	rt.Go("quote-purge", func(ctx context.Context) error {
		periodic.RunPurge(ctx, purgeInterval, "expired fx quotes", rt.Log, func(ctx context.Context) (int, error) {
			return fin.PurgeQuotes(ctx, cfg.QuoteRetention)
		})
		return nil
	})
	rt.ObserveFailingSteps("payouts", walletStore.FailingPayouts, "unsent")
	rt.ObserveFailingSteps("topups", func(ctx context.Context) ([]service.FailingSteps, error) {
		return store.FailingTopUps(ctx, app.TopUpPaymentKeyPrefix)
	}, "unsettled")
	return rt.Run(ctx)
}

// recoveryInterval is how often the payout worker, the top-up checks and
// the top-up recovery look for work left between steps (a crash, a
// provider that was down, its webhooks lost): payouts, card top-ups still
// pending at the provider's last word, and paid top-up requests whose
// sub-order was not settled; and how long that work must have waited to
// be picked up.
const recoveryInterval = 30 * time.Second

// purgeInterval is how often provider events and FX quotes past their
// retention are purged.
const purgeInterval = time.Hour

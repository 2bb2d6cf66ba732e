// Command finance runs the finance service. Today it keeps exchange rates:
// admins record them and the freight estimator converts with them. The
// double-entry ledger, escrow, payments and settlement it is meant to own are
// not built yet.
package main

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
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
	grpcapi.New(app.New(store)).Register(rt.Server.GRPC())
	if book, provider := walletPorts(rt); book != nil && provider != nil {
		wallets := app.NewWallets(postgres.NewWallets(store), book, provider)
		grpcapi.NewWallets(wallets).Register(rt.Server.GRPC())
		rt.Go("payout-worker", func(ctx context.Context) error {
			wallets.RunPayoutWorker(ctx, payoutRetryInterval, func(err error) { rt.Log.Warn("payout retry", "error", err) })
			return nil
		})
	}
	return rt.Run(ctx)
}

// payoutRetryInterval is how often the payout worker looks for payouts
// left between steps, and how old they must be.
const payoutRetryInterval = 30 * time.Second

// walletPorts returns the ledger and the payment provider that top-ups and
// payouts move money through. Neither adapter is wired yet (the postgres
// ledger and the provider's HTTP client are their own pieces of finance):
// while either is nil, WalletService is not served.
func walletPorts(*service.Runtime) (app.Ledger, app.PaymentProvider) { return nil, nil }

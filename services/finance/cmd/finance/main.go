// Command finance runs the finance service. Today it keeps exchange rates:
// admins record them and the freight estimator converts with them. The
// double-entry ledger, escrow, payments and settlement it is meant to own are
// not built yet.
package main

import (
	"context"

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
	grpcapi.New(app.New(postgres.New(rt.Pool))).Register(rt.Server.GRPC())
	return rt.Run(ctx)
}

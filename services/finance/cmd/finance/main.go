// Command finance runs the finance service: exchange rates and FX quotes,
// which admins record and the freight estimator and payments convert with.
// The double-entry ledger, escrow, payments and settlement it owns build on
// them.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// Config is the finance service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// FXMaxRateAge is how old a rate may be when a conversion uses it, for
	// sources without their own limit: ECB publishes daily, so a day and a bit.
	FXMaxRateAge time.Duration `env:"FX_MAX_RATE_AGE" envDefault:"26h"`
	// FXMaxRateAgeBySource overrides FXMaxRateAge per source,
	// "source=duration" comma-separated.
	FXMaxRateAgeBySource string `env:"FX_MAX_RATE_AGE_BY_SOURCE" envDefault:"ecb=26h,manual=720h"`
	// FXSpreadBps is what a quote takes off the mid rate, in basis points.
	FXSpreadBps int64 `env:"FX_SPREAD_BPS" envDefault:"50"`
	// FXQuoteTTL is how long a quote locks its rate.
	FXQuoteTTL time.Duration `env:"FX_QUOTE_TTL" envDefault:"10m"`
}

// FXPolicy builds the conversion policy from the settings.
func (c Config) FXPolicy() (fx.Policy, error) {
	bySource, err := fx.ParseMaxAgeBySource(c.FXMaxRateAgeBySource)
	if err != nil {
		return fx.Policy{}, fmt.Errorf("FX_MAX_RATE_AGE_BY_SOURCE: %w", err)
	}
	p := fx.Policy{MaxRateAge: c.FXMaxRateAge, MaxRateAgeBySource: bySource, SpreadBps: c.FXSpreadBps, QuoteTTL: c.FXQuoteTTL}
	if err := p.Validate(); err != nil {
		return fx.Policy{}, errors.New("FX_MAX_RATE_AGE, FX_MAX_RATE_AGE_BY_SOURCE, FX_SPREAD_BPS, FX_QUOTE_TTL: " + err.Error())
	}
	return p, nil
}

// Validate checks the finance service's own settings.
func (c Config) Validate() error {
	_, err := c.FXPolicy()
	return err
}

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
	grpcapi.New(app.New(postgres.New(rt.Pool), app.WithFX(policy))).Register(rt.Server.GRPC())
	return rt.Run(ctx)
}

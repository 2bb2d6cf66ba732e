package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/payprovider"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// Config is the finance service's configuration: the kit's settings plus its
// own. Every variable is listed in services/finance/README.md.
type Config struct {
	service.Config

	// PaymentProvider is where money enters (card top-ups) and leaves
	// (payouts): PAYMENT_PROVIDER_URL, PAYMENT_PROVIDER_API_KEY,
	// PAYMENT_PROVIDER_WEBHOOK_SECRET, PAYMENT_PROVIDER_TIMEOUT. In
	// development it is the payment sandbox `crossdock up` starts.
	PaymentProvider payprovider.Config

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
	// DefaultCommissionBps is the platform's commission on a sub-order's
	// goods for suppliers without a rate of their own (SetCommissionRate).
	DefaultCommissionBps int64 `env:"FINANCE_DEFAULT_COMMISSION_BPS" envDefault:"500"`

	// LedgerBatchSize caps how many concurrent ledger commands share one
	// transaction (group commit).
	LedgerBatchSize int `env:"LEDGER_BATCH_SIZE" envDefault:"256"`
	// LedgerBatchConcurrency is how many ledger batches may commit at once.
	LedgerBatchConcurrency int `env:"LEDGER_BATCH_CONCURRENCY" envDefault:"1"`
	// LedgerExpirySweepInterval is how often pending transfers past their
	// expiry are voided.
	LedgerExpirySweepInterval time.Duration `env:"LEDGER_EXPIRY_SWEEP_INTERVAL" envDefault:"30s"`

	// ProviderEventRetention is how long a payment provider's webhook event
	// is remembered by its id (app.Wallets.PurgeProviderEvents).
	ProviderEventRetention time.Duration `env:"PROVIDER_EVENT_RETENTION" envDefault:"2160h"`
	// QuoteRetention is how long an FX quote no payment used is kept past
	// its expiry (app.Service.PurgeQuotes).
	QuoteRetention time.Duration `env:"FX_QUOTE_RETENTION" envDefault:"720h"`
	// TopUpAbandonAfter is how long a card top-up waits for its payer to
	// confirm before its intent is canceled (app.WithTopUpAbandonAfter).
	TopUpAbandonAfter time.Duration `env:"TOP_UP_ABANDON_AFTER" envDefault:"24h"`
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
	if c.DefaultCommissionBps < 0 || c.DefaultCommissionBps > 10000 {
		err = errors.Join(err, errors.New("FINANCE_DEFAULT_COMMISSION_BPS must be between 0 and 10000"))
	}
	if c.LedgerBatchSize < 1 || c.LedgerBatchSize > 10_000 || c.LedgerBatchConcurrency < 1 || c.LedgerBatchConcurrency > 64 || c.LedgerExpirySweepInterval < time.Second {
		err = errors.Join(err, errors.New("LEDGER_BATCH_SIZE (1 to 10000), LEDGER_BATCH_CONCURRENCY (1 to 64), LEDGER_EXPIRY_SWEEP_INTERVAL (at least 1s): out of range"))
	}
	if c.ProviderEventRetention < app.MinProviderEventRetention {
		err = errors.Join(err, fmt.Errorf("PROVIDER_EVENT_RETENTION must be at least %s: a provider redelivers a webhook for days", app.MinProviderEventRetention))
	}
	if c.TopUpAbandonAfter < app.MinTopUpAbandonAfter {
		err = errors.Join(err, fmt.Errorf("TOP_UP_ABANDON_AFTER must be at least %s: the payer needs time to confirm", app.MinTopUpAbandonAfter))
	}
	if c.QuoteRetention < app.MinQuoteRetention {
		err = errors.Join(err, fmt.Errorf("FX_QUOTE_RETENTION must be at least %s: an expired quote is still read", app.MinQuoteRetention))
	}
	return err
}

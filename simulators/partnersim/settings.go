package partnersim

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// Settings are a simulated marketplace's clock, terms, background buyers
// and faults as a simulator program reads them: from its environment under
// its own prefix (a field tagged `envPrefix:"PARTNER_SIM_"` reads
// PARTNER_SIM_VISIBILITY_LAG and so on), the faults also from flags. Every
// marketplace simulator shares them, so the same fault has the same name
// on each.
type Settings struct {
	VisibilityLag   time.Duration `env:"VISIBILITY_LAG" envDefault:"2s"`
	ReviewDelay     time.Duration `env:"REVIEW_DELAY" envDefault:"5s"`
	SettlementDelay time.Duration `env:"SETTLEMENT_DELAY" envDefault:"30s"`
	FeeBps          int           `env:"FEE_BPS" envDefault:"1200"`
	FixedFeeMinor   int64         `env:"FIXED_FEE_MINOR" envDefault:"30"`
	PayoutEvery     time.Duration `env:"PAYOUT_EVERY"`
	Seed            int64         `env:"SEED"`
	BuyersPerMinute float64       `env:"BUYERS_PER_MINUTE"`

	// The faults, off by default: shares from 0 to 1.
	RateLimit             float64       `env:"RATE_LIMIT"`
	RetryAfter            time.Duration `env:"RETRY_AFTER" envDefault:"1s"`
	ServerError           float64       `env:"SERVER_ERROR"`
	Timeout               float64       `env:"TIMEOUT"`
	TimeoutDelay          time.Duration `env:"TIMEOUT_DELAY" envDefault:"30s"`
	ExtraLag              time.Duration `env:"EXTRA_LAG"`
	ExtraLagShare         float64       `env:"EXTRA_LAG_SHARE"`
	PageShift             float64       `env:"PAGE_SHIFT"`
	RejectListings        float64       `env:"REJECT_LISTINGS"`
	SettlementDelayJitter time.Duration `env:"SETTLEMENT_JITTER"`
	UnknownStatus         float64       `env:"UNKNOWN_STATUS"`
}

// Market is the marketplace the settings describe.
func (s Settings) Market() MarketConfig {
	return MarketConfig{
		VisibilityLag: s.VisibilityLag, ReviewDelay: s.ReviewDelay, SettlementDelay: s.SettlementDelay,
		FeeBps: s.FeeBps, FixedFeeMinor: s.FixedFeeMinor, PayoutEvery: s.PayoutEvery, Seed: s.Seed,
		Faults: Faults{
			RateLimit: s.RateLimit, RetryAfter: s.RetryAfter, ServerError: s.ServerError,
			Timeout: s.Timeout, TimeoutDelay: s.TimeoutDelay, ExtraLag: s.ExtraLag, ExtraLagShare: s.ExtraLagShare,
			PageShift: s.PageShift, RejectListings: s.RejectListings, SettlementDelayJitter: s.SettlementDelayJitter,
			UnknownStatus: s.UnknownStatus,
		},
	}
}

// Check validates the settings, naming each variable under prefix.
func (s Settings) Check(prefix string) error {
	var errs []error
	for name, p := range map[string]float64{"RATE_LIMIT": s.RateLimit, "SERVER_ERROR": s.ServerError, "TIMEOUT": s.Timeout,
		"EXTRA_LAG_SHARE": s.ExtraLagShare, "PAGE_SHIFT": s.PageShift, "REJECT_LISTINGS": s.RejectListings, "UNKNOWN_STATUS": s.UnknownStatus} {
		if p < 0 || p > 1 {
			errs = append(errs, fmt.Errorf("%s%s must be between 0 and 1", prefix, name))
		}
	}
	if s.PayoutEvery < 0 {
		errs = append(errs, fmt.Errorf("%sPAYOUT_EVERY must not be negative", prefix))
	}
	if s.BuyersPerMinute < 0 {
		errs = append(errs, fmt.Errorf("%sBUYERS_PER_MINUTE must not be negative", prefix))
	}
	return errors.Join(errs...)
}

// AddFlags lets the faults and the buyers be given on the command line,
// over the environment (variables under prefix).
func (s *Settings) AddFlags(fs *flag.FlagSet, prefix string) {
	v := func(name string) string { return " (" + prefix + name + ")" }
	fs.Float64Var(&s.RateLimit, "rate-limit", s.RateLimit, "share of calls refused as rate limited"+v("RATE_LIMIT"))
	fs.DurationVar(&s.RetryAfter, "retry-after", s.RetryAfter, "wait a rate-limited call asks for"+v("RETRY_AFTER"))
	fs.Float64Var(&s.ServerError, "server-error", s.ServerError, "share of calls failed as a server error"+v("SERVER_ERROR"))
	fs.Float64Var(&s.Timeout, "timeout", s.Timeout, "share of calls that hang after their work"+v("TIMEOUT"))
	fs.DurationVar(&s.TimeoutDelay, "timeout-delay", s.TimeoutDelay, "how long such a call hangs"+v("TIMEOUT_DELAY"))
	fs.DurationVar(&s.ExtraLag, "extra-lag", s.ExtraLag, "undocumented extra visibility lag"+v("EXTRA_LAG"))
	fs.Float64Var(&s.ExtraLagShare, "extra-lag-share", s.ExtraLagShare, "share of orders with the extra lag"+v("EXTRA_LAG_SHARE"))
	fs.Float64Var(&s.PageShift, "page-shift", s.PageShift, "chance a later orders page shifts"+v("PAGE_SHIFT"))
	fs.Float64Var(&s.RejectListings, "reject-listings", s.RejectListings, "share of listings rejected"+v("REJECT_LISTINGS"))
	fs.DurationVar(&s.SettlementDelayJitter, "settlement-jitter", s.SettlementDelayJitter, "settlements up to this much later"+v("SETTLEMENT_JITTER"))
	fs.Float64Var(&s.UnknownStatus, "unknown-status", s.UnknownStatus, "share of orders first listed with status 77"+v("UNKNOWN_STATUS"))
	fs.Float64Var(&s.BuyersPerMinute, "buyers-per-minute", s.BuyersPerMinute, "orders background buyers place a minute"+v("BUYERS_PER_MINUTE"))
}

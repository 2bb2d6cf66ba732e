package app

import "github.com/crossdock/crossdock/services/finance/internal/domain/fx"

// WithFX sets how conversions are priced and how old a rate may be
// (FX_MAX_RATE_AGE, FX_MAX_RATE_AGE_BY_SOURCE, FX_SPREAD_BPS, FX_QUOTE_TTL);
// without it the defaults of fx.DefaultPolicy apply.
func WithFX(p fx.Policy) Option {
	return func(s *Service) { s.fx = p }
}

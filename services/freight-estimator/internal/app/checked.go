package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ErrBaseCurrencyUnchecked refuses to estimate or record a shipment before
// EnsureDefaults has found the history's pinned base currency to be the
// configured one: a process started with another would estimate in the
// wrong currency, and refuse (or store unconverted) the shipments it is
// fed, until the check stopped it.
var ErrBaseCurrencyUnchecked = apperr.Unavailable("the estimator has not yet checked its base currency against its history's; try again in a moment").
	WithReason("BASE_CURRENCY_UNCHECKED")

// estimateWaitsForCheck is how long an estimate arriving as the process
// starts waits for the check (a few milliseconds after the migrations).
const estimateWaitsForCheck = 2 * time.Second

// baseChecked is nil once the base currency is checked, waiting up to wait
// for it; ErrBaseCurrencyUnchecked after that.
func (s *Service) baseChecked(ctx context.Context, wait time.Duration) error {
	select {
	case <-s.checked:
		return nil
	default:
	}
	if wait <= 0 {
		return ErrBaseCurrencyUnchecked
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-s.checked:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBaseCurrencyUnchecked
	}
}

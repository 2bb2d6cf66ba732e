package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
)

// ErrRateExists refuses a second, different rate for a pair at the same
// effective time: rates are history, and history is not rewritten.
var ErrRateExists = apperr.AlreadyExists("another rate is recorded for this pair at this effective time").WithReason("EXCHANGE_RATE_EXISTS")

// SetExchangeRate records the rate of a currency pair from a time (now when
// unset). Admins only. Sending the same rate again returns the recorded one and
// changes nothing; a different rate at the same time is AlreadyExists.
func (s *Service) SetExchangeRate(ctx context.Context, caller auth.Caller, in domain.ExchangeRateInput) (domain.ExchangeRate, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return domain.ExchangeRate{}, err
	}
	r, err := domain.NewExchangeRate(in, admin, s.clock())
	if err != nil {
		return domain.ExchangeRate{}, err
	}
	stored, inserted, err := s.store.InsertExchangeRate(ctx, r)
	if err != nil {
		return domain.ExchangeRate{}, err
	}
	if !inserted && !stored.Same(r) {
		return domain.ExchangeRate{}, ErrRateExists.WithMetadata("pair", r.From+"/"+r.To)
	}
	return stored, nil
}

// GetExchangeRate returns the pair's rate in force at at (now when zero): the
// latest recorded at or before it. Any authenticated caller. The inverse pair
// is never inferred: without a rate for exactly this pair it is NotFound.
// fresh asks for a rate to price with: one older at at than the FX policy
// allows its source is fx.ErrRateStale, as a quote refuses it.
func (s *Service) GetExchangeRate(ctx context.Context, caller auth.Caller, from, to string, at time.Time, fresh bool) (domain.ExchangeRate, error) {
	if caller.Subject == "" {
		return domain.ExchangeRate{}, auth.ErrAuthenticationRequired
	}
	if err := domain.ValidatePair(from, to); err != nil {
		return domain.ExchangeRate{}, err
	}
	if at.IsZero() {
		at = s.clock()
	}
	r, err := s.store.ExchangeRateAt(ctx, from, to, at)
	if err != nil || !fresh {
		return r, err
	}
	return r, s.fx.CheckFresh(r, at)
}

package app

import (
	"context"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// QuoteConversion locks the rate of a currency pair for the policy's quote
// lifetime: the rate in force now with the spread taken off. Any signed-in
// caller may quote; a service passes the quote id to a payment, which
// converts at exactly this rate. A rate older than its source allows is
// FailedPrecondition (RATE_STALE), and nothing is stored.
func (s *Service) QuoteConversion(ctx context.Context, caller auth.Caller, in fx.QuoteInput) (fx.Quote, error) {
	if caller.Subject == "" {
		return fx.Quote{}, auth.ErrAuthenticationRequired
	}
	if err := fx.ValidateQuoteInput(in); err != nil {
		return fx.Quote{}, err
	}
	if in.LockFor != 0 && !caller.IsService() {
		return fx.Quote{}, apperr.PermissionDenied("only services may choose how long a quote locks its rate")
	}
	now := s.clock()
	mid, err := s.store.ExchangeRateAt(ctx, in.From, in.To, now)
	if err != nil {
		return fx.Quote{}, err
	}
	q, err := fx.NewQuote(in, mid, s.fx, s.newID(), caller.Subject, now)
	if err != nil {
		return fx.Quote{}, err
	}
	if err := s.store.InsertQuote(ctx, q); err != nil {
		return fx.Quote{}, err
	}
	return q, nil
}

// GetQuote returns a quote to whoever asked for it, to services and to
// admins; anyone else gets NotFound, as for a quote that does not exist, so
// quote ids reveal nothing about other people's conversions. An expired
// quote is still returned: its expiry is part of the answer (until
// PurgeQuotes deletes it, if no payment used it).
func (s *Service) GetQuote(ctx context.Context, caller auth.Caller, id string) (fx.Quote, error) {
	if caller.Subject == "" {
		return fx.Quote{}, auth.ErrAuthenticationRequired
	}
	q, err := s.store.Quote(ctx, id)
	if err != nil {
		return fx.Quote{}, err
	}
	if q.CreatedBy != caller.Subject && !isServiceOrAdmin(caller) {
		return fx.Quote{}, fx.ErrQuoteNotFound(id)
	}
	return q, nil
}

// usableQuote returns a quote for a conversion from→to, refusing an
// unknown, mismatched or expired one.
func (s *Service) usableQuote(ctx context.Context, id, from, to string) (fx.Quote, error) {
	q, err := s.store.Quote(ctx, id)
	if err != nil {
		return fx.Quote{}, err
	}
	if q.From != from || q.To != to {
		return fx.Quote{}, fx.ErrQuotePair.WithMetadata("quote_id", id).WithMetadata("pair", from+"/"+to)
	}
	return q, q.Usable(s.clock())
}

package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// Store is the finance database.
type Store interface {
	// InsertExchangeRate records a rate unless one for the same pair and
	// effective time exists; it returns the stored rate and whether it was
	// new.
	InsertExchangeRate(ctx context.Context, r domain.ExchangeRate) (domain.ExchangeRate, bool, error)
	// ExchangeRateAt returns the pair's latest rate effective at or before
	// at, or an apperr NotFound error.
	ExchangeRateAt(ctx context.Context, from, to string, at time.Time) (domain.ExchangeRate, error)
	// InsertQuote records a new FX quote.
	InsertQuote(ctx context.Context, q fx.Quote) error
	// Quote returns a quote by id, or an apperr NotFound error.
	Quote(ctx context.Context, id string) (fx.Quote, error)
	// PurgeQuotesExpiredBefore looks at up to limit quotes that expired
	// before t and are not known to be booked, oldest first: it marks those
	// a ledger transfer names as booked and deletes the others. It returns
	// how many it looked at and how many it deleted.
	PurgeQuotesExpiredBefore(ctx context.Context, t time.Time, limit int) (looked, deleted int, err error)
}

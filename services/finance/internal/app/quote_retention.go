package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/periodic"
)

// quotePurgeBatch bounds the quotes one statement looks at, so a purge
// never holds one long transaction over the table.
const quotePurgeBatch = 1000

// MinQuoteRetention is the least time a quote is kept past its expiry: a
// caller may still read an expired quote (GetQuote), and a day covers any
// screen or retry that still shows one.
const MinQuoteRetention = 24 * time.Hour

// PurgeQuotes deletes the quotes that expired more than retention ago and
// that no ledger transfer names, and returns how many it deleted. A quote a
// payment converted at stays for good: its transfers name it (the rate
// snapshot's quote id, which callers look up), and a payment replayed after
// its quotes expired reads them again (Escrows.PayCheckout). An expired
// quote can no longer be paid with, so one unbooked at the purge stays
// unbooked. A retention under MinQuoteRetention is raised to it.
func (s *Service) PurgeQuotes(ctx context.Context, retention time.Duration) (int, error) {
	before := s.clock().Add(-max(retention, MinQuoteRetention))
	deleted := 0
	_, err := periodic.Drain(ctx, quotePurgeBatch, func(ctx context.Context, limit int) (int, error) {
		looked, n, err := s.store.PurgeQuotesExpiredBefore(ctx, before, limit)
		deleted += n
		return looked, err
	})
	return deleted, err
}

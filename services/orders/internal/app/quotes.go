package app

import (
	"context"
	"sync"
	"time"
)

// quoteBook keeps the last FX quote asked for each currency pair so
// checkouts placed close together share it. A quote is asked for with its
// rate locked for the longest an order may need it (the payment deadline
// and its settle time) plus the reuse window, and handed out only within
// that window: every order it prices still has its full lock. A finance
// rate recorded meanwhile reaches new checkouts at the end of the window.
type quoteBook struct {
	mu     sync.Mutex
	byPair map[[2]string]bookedQuote
}

type bookedQuote struct {
	quote Quote
	until time.Time // handed out before this
}

// quote returns a quote from → to locked at least lockFor from now,
// reusing a booked one when reuse is on (Config.QuoteReuse).
func (s *Service) quote(ctx context.Context, from, to string, lockFor time.Duration) (Quote, error) {
	b, reuse := s.quotes, s.cfg.QuoteReuse
	if reuse <= 0 {
		return s.Finance.Quote(ctx, from, to, lockFor)
	}
	pair, now := [2]string{from, to}, s.clock()
	b.mu.Lock()
	booked, ok := b.byPair[pair]
	b.mu.Unlock()
	if ok && now.Before(booked.until) {
		return booked.quote, nil
	}
	q, err := s.Finance.Quote(ctx, from, to, lockFor+reuse)
	if err != nil {
		return Quote{}, err
	}
	b.mu.Lock()
	if cur, ok := b.byPair[pair]; !ok || cur.until.Before(now.Add(reuse)) {
		b.byPair[pair] = bookedQuote{quote: q, until: now.Add(reuse)}
	}
	b.mu.Unlock()
	return q, nil
}

package peers

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
)

// RateCache remembers the rate of each currency pair for a short time, so a
// stream of estimates declared in the same currencies costs one finance call
// per pair and ttl instead of one or two per estimate. A rate fetched for time
// t answers for times in [t, t+ttl): a rate that takes effect later is used
// at most ttl late. Failures are never remembered.
type RateCache struct {
	next  app.Rates
	rates *recent[[2]string, money.Rate]
}

// ratePairs bounds the pairs remembered; there are far fewer currencies.
const ratePairs = 4096

var _ app.Rates = (*RateCache)(nil)

// NewRateCache caches next's answers for ttl; a ttl of zero or less turns
// the cache off and returns next itself.
func NewRateCache(next app.Rates, ttl time.Duration) app.Rates {
	if ttl <= 0 {
		return next
	}
	return &RateCache{next: next, rates: newRecent[[2]string, money.Rate](ttl, ratePairs)}
}

// Rate answers from the cache when it holds the pair for a time at most ttl
// before at, and asks next otherwise.
func (c *RateCache) Rate(ctx context.Context, from, to string, at time.Time) (money.Rate, error) {
	key := [2]string{from, to}
	if rate, ok := c.rates.get(key, at); ok {
		return rate, nil
	}
	rate, err := c.next.Rate(ctx, from, to, at)
	if err != nil {
		return money.Rate{}, err
	}
	c.rates.put(key, rate, at)
	return rate, nil
}

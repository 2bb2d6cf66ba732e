package fx

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
)

// Defaults of a Policy.
const (
	DefaultMaxRateAge = 26 * time.Hour
	DefaultSpreadBps  = 50
	DefaultQuoteTTL   = 10 * time.Minute
	// MaxSpreadBps bounds the spread: a quote 10 % off the mid rate is a
	// configuration mistake, not a price.
	MaxSpreadBps = 1000
)

// ErrRateStale refuses a conversion with a rate older than its source
// allows: a stale rate would sell currency at yesterday's price.
var ErrRateStale = apperr.FailedPrecondition("the exchange rate is older than its source allows; record a current rate").WithReason("RATE_STALE")

// Policy is how finance converts: the age limits of rates, the spread of a
// quote and how long a quote holds.
type Policy struct {
	// MaxRateAge is how old a rate of a source not in MaxRateAgeBySource may
	// be when it is used: ECB rates are published daily, so a day and a bit.
	MaxRateAge time.Duration
	// MaxRateAgeBySource overrides MaxRateAge per source ("manual" rates an
	// operator keeps for a month, say).
	MaxRateAgeBySource map[string]time.Duration
	// SpreadBps is what a quote takes off the mid rate, in basis points, in
	// the direction that favours the platform.
	SpreadBps int64
	// QuoteTTL is how long a quote's rate is locked.
	QuoteTTL time.Duration
}

// DefaultPolicy returns the production defaults.
func DefaultPolicy() Policy {
	return Policy{MaxRateAge: DefaultMaxRateAge, SpreadBps: DefaultSpreadBps, QuoteTTL: DefaultQuoteTTL}
}

// Validate checks a policy built from configuration.
func (p Policy) Validate() error {
	var errs []string
	if p.MaxRateAge <= 0 {
		errs = append(errs, "the maximum rate age must be positive")
	}
	for src, age := range p.MaxRateAgeBySource {
		if age <= 0 {
			errs = append(errs, fmt.Sprintf("the maximum rate age of source %q must be positive", src))
		}
	}
	if p.SpreadBps < 0 || p.SpreadBps > MaxSpreadBps {
		errs = append(errs, fmt.Sprintf("the spread must be between 0 and %d basis points", MaxSpreadBps))
	}
	if p.QuoteTTL < 10*time.Second || p.QuoteTTL > 24*time.Hour {
		errs = append(errs, "the quote lifetime must be between 10s and 24h")
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("fx policy: %s", strings.Join(errs, "; "))
	}
	return nil
}

// MaxAge returns how old a rate of source may be.
func (p Policy) MaxAge(source string) time.Duration {
	if age, ok := p.MaxRateAgeBySource[source]; ok {
		return age
	}
	return p.MaxRateAge
}

// CheckFresh refuses a rate that took effect longer ago than its source
// allows, naming the pair, the rate's time and the limit.
func (p Policy) CheckFresh(r domain.ExchangeRate, now time.Time) error {
	limit := p.MaxAge(r.Source)
	if now.Sub(r.EffectiveAt) <= limit {
		return nil
	}
	return ErrRateStale.
		WithMetadata("pair", r.From+"/"+r.To).
		WithMetadata("source", r.Source).
		WithMetadata("effective_at", r.EffectiveAt.Format(time.RFC3339)).
		WithMetadata("max_age", limit.String())
}

// ParseMaxAgeBySource reads "ecb=26h,manual=720h": source names and Go
// durations, comma-separated; empty is no overrides.
func ParseMaxAgeBySource(s string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		name, dur, ok := strings.Cut(strings.TrimSpace(item), "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("%q: want source=duration, e.g. ecb=26h", item)
		}
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q: the age must be a positive duration such as 26h", item)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("source %q is listed twice", name)
		}
		out[name] = d
	}
	return out, nil
}

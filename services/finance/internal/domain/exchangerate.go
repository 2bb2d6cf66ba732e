package domain

import (
	"regexp"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Limits of a rate: 18 fractional digits (the column is NUMERIC(38,18)) and 18
// integer digits (pkg/money parses at most 36 digits). FX quotes need 8 to 10
// significant decimals; the rest is headroom.
const (
	MaxRateFractionDigits = 18
	MaxRateIntegerDigits  = 18
)

// MaxRateClockSkew is how far in the past a new rate's effective time may
// lie: the clocks of the admin's tool and the service disagree a little, but
// a conversion already made must never find its rate changed under it, so a
// rate takes effect now or later, never earlier.
const MaxRateClockSkew = time.Minute

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// ExchangeRate says that 1 unit of From buys Rate units of To (major units),
// from EffectiveAt on.
type ExchangeRate struct {
	From, To string
	Rate     money.Rate
	// Source is where the rate came from, e.g. "ecb" or "manual".
	Source      string
	EffectiveAt time.Time
	RecordedAt  time.Time
	// RecordedBy is the admin's user id.
	RecordedBy string
}

// Same reports whether two rates say the same thing: a retried SetExchangeRate
// with these values changes nothing.
func (r ExchangeRate) Same(o ExchangeRate) bool {
	return r.From == o.From && r.To == o.To && r.Rate.Rat().Cmp(o.Rate.Rat()) == 0 &&
		r.Source == o.Source && r.EffectiveAt.Equal(o.EffectiveAt)
}

// ExchangeRateInput is an admin's rate as it arrives.
type ExchangeRateInput struct {
	From, To, Rate, Source string
	// EffectiveAt zero means now.
	EffectiveAt time.Time
}

// NewExchangeRate validates a rate: two different known currencies, a positive
// plain decimal within NUMERIC(38,18), a source name, and an effective time
// no earlier than now (MaxRateClockSkew allowed). Problems are reported
// under "rate.<field>".
func NewExchangeRate(in ExchangeRateInput, by string, now time.Time) (ExchangeRate, error) {
	var v violations
	r := ExchangeRate{
		From: strings.TrimSpace(in.From), To: strings.TrimSpace(in.To),
		Source: strings.TrimSpace(in.Source), RecordedAt: now, RecordedBy: by, EffectiveAt: now,
	}
	checkPair(&v, "rate.from_currency", "rate.to_currency", r.From, r.To)
	r.Rate = parseRate(&v, "rate.rate", strings.TrimSpace(in.Rate))
	if !sourceName.MatchString(r.Source) {
		v.Add("rate.source", "must be 1 to 32 lower-case letters, digits, dots, dashes or underscores, e.g. ecb")
	}
	if !in.EffectiveAt.IsZero() {
		r.EffectiveAt = in.EffectiveAt.UTC().Truncate(time.Microsecond)
		if r.EffectiveAt.Before(now.Add(-MaxRateClockSkew)) {
			v.Add("rate.effective_at", "must not be in the past: a rate takes effect now or later (leave it unset for now)")
		}
	}
	return r, v.Err()
}

// ValidatePair checks the currencies of a rate lookup.
func ValidatePair(from, to string) error {
	var v violations
	checkPair(&v, "from_currency", "to_currency", from, to)
	return v.Err()
}

// CheckPair adds a violation per bad currency of a pair to v: unknown, or
// the same on both sides. Quotes and conversions check their pairs with it.
func CheckPair(v *apperr.Violations, fromField, toField, from, to string) {
	checkPair(v, fromField, toField, from, to)
}

func checkPair(v *violations, fromField, toField, from, to string) {
	okFrom, okTo := money.ValidCurrency(from), money.ValidCurrency(to)
	if !okFrom {
		v.Add(fromField, "is not a known ISO 4217 currency")
	}
	if !okTo {
		v.Add(toField, "is not a known ISO 4217 currency")
	}
	if okFrom && okTo && from == to {
		v.Add(toField, "must differ from "+fromField)
	}
}

func parseRate(v *violations, field, s string) money.Rate {
	intPart, frac, _ := strings.Cut(s, ".")
	switch {
	case s == "":
		v.Add(field, "is required")
		return money.Rate{}
	case len(frac) > MaxRateFractionDigits:
		v.Add(field, "has more than 18 decimal places")
		return money.Rate{}
	case len(strings.TrimLeft(intPart, "0")) > MaxRateIntegerDigits:
		v.Add(field, "has more than 18 integer digits")
		return money.Rate{}
	}
	r, err := money.ParseRate(s)
	if err != nil {
		v.Add(field, "must be a plain decimal such as 0.92153400")
		return money.Rate{}
	}
	if r.IsZero() {
		v.Add(field, "must be positive")
	}
	return r
}

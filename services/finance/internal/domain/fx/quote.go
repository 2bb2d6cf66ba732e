package fx

import (
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// ErrQuoteExpired refuses a quote past its expiry: its rate is no longer
// locked, and the caller must ask for a new one.
var ErrQuoteExpired = apperr.FailedPrecondition("the FX quote has expired; ask for a new one").WithReason("QUOTE_EXPIRED")

// Quote locks a rate for a conversion from From to To until ExpiresAt. Rate
// is the mid rate with the spread taken off: what the customer gets for one
// unit of From.
type Quote struct {
	ID       string
	From, To string
	// Rate is what the conversion uses; Mid the rate it was derived from.
	Rate, Mid money.Rate
	SpreadBps int64
	// Source and RateEffectiveAt identify the recorded rate behind Mid.
	Source          string
	RateEffectiveAt time.Time
	// Amount, when the caller gave one, is in From; Converted is Amount at
	// Rate in To, rounded half-even. Both are zero without an amount.
	Amount, Converted int64
	// CreatedBy is the caller's subject: a user id or a service name.
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// QuoteInput is a request for a quote as it arrives.
type QuoteInput struct {
	From, To string
	// Amount is optional, in minor units of From; zero asks for the rate
	// alone.
	Amount int64
	// LockFor, when set, locks the rate this long instead of the policy's
	// QuoteTTL (services only: an order's rate holds until its payment
	// deadline).
	LockFor time.Duration
}

// MaxQuoteLock bounds a quote's lock however it is asked for.
const MaxQuoteLock = 24 * time.Hour

// ValidateQuoteInput checks a request for a quote before any rate is read.
func ValidateQuoteInput(in QuoteInput) error {
	v := &apperr.Violations{}
	domain.CheckPair(v, "from_currency", "to_currency", in.From, in.To)
	if in.Amount < 0 {
		v.Add("amount_minor", "must not be negative (leave it 0 to quote the rate alone)")
	}
	if in.LockFor != 0 && (in.LockFor < time.Second || in.LockFor > MaxQuoteLock) {
		v.Add("lock_for", "must be 0 (the default lock) or between 1s and 24h")
	}
	return v.Err()
}

// NewQuote prices a quote from the rate in force: it refuses a stale rate,
// takes the spread off the mid rate (rounded down at 18 decimal places, never
// in the customer's favour), converts the amount when there is one and sets
// the expiry.
func NewQuote(in QuoteInput, mid domain.ExchangeRate, p Policy, id, by string, now time.Time) (Quote, error) {
	if err := ValidateQuoteInput(in); err != nil {
		return Quote{}, err
	}
	if err := p.CheckFresh(mid, now); err != nil {
		return Quote{}, err
	}
	rate, err := mid.Rate.AdjustBasisPoints(-p.SpreadBps, domain.MaxRateFractionDigits, money.Floor)
	if err != nil {
		return Quote{}, apperr.FailedPrecondition("the exchange rate is too small to quote with a spread").WithReason("RATE_UNQUOTABLE").
			WithMetadata("pair", mid.From+"/"+mid.To).Wrap(err)
	}
	q := Quote{
		ID: id, From: mid.From, To: mid.To, Rate: rate, Mid: mid.Rate, SpreadBps: p.SpreadBps,
		Source: mid.Source, RateEffectiveAt: mid.EffectiveAt, CreatedBy: by,
		CreatedAt: now, ExpiresAt: now.Add(p.QuoteTTL),
	}
	if in.LockFor > 0 {
		q.ExpiresAt = now.Add(in.LockFor)
	}
	if in.Amount > 0 {
		c, err := q.Convert(money.Money{Amount: in.Amount, Currency: q.From}, now)
		if err != nil {
			return Quote{}, err
		}
		q.Amount, q.Converted = in.Amount, c.Amount
	}
	return q, nil
}

// Usable refuses an expired quote.
func (q Quote) Usable(now time.Time) error {
	if now.Before(q.ExpiresAt) {
		return nil
	}
	return ErrQuoteExpired.WithMetadata("quote_id", q.ID).WithMetadata("expired_at", q.ExpiresAt.Format(time.RFC3339))
}

// Convert converts m (in From) at the quote's rate, half-even, if the quote
// is still usable.
func (q Quote) Convert(m money.Money, now time.Time) (money.Money, error) {
	if err := q.Usable(now); err != nil {
		return money.Money{}, err
	}
	if m.Currency != q.From {
		return money.Money{}, apperr.InvalidField("amount.currency_code", "must be "+q.From+", the quote's source currency")
	}
	out, err := money.Convert(m, q.To, q.Rate)
	if err != nil {
		return money.Money{}, apperr.InvalidField("amount_minor", "is too large to convert: "+err.Error())
	}
	return out, nil
}

// Snapshot is the rate a conversion with this quote records on its ledger
// legs, so a refund can convert back at exactly that rate.
func (q Quote) Snapshot() ledger.RateSnapshot {
	return ledger.RateSnapshot{From: q.From, To: q.To, Rate: q.Rate.String(), Source: q.Source, QuoteID: q.ID, AsOf: q.CreatedAt}
}

// ErrQuotePair refuses a quote used for another currency pair than the one
// it locks.
var ErrQuotePair = apperr.FailedPrecondition("the FX quote is for another currency pair").WithReason("QUOTE_PAIR_MISMATCH")

// ErrQuoteNotFound names a quote that does not exist, or that the caller may
// not see.
func ErrQuoteNotFound(id string) error { return apperr.NotFound("fx quote", id) }

package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// MaxShipmentIDLength bounds a shipment id, in characters.
const MaxShipmentIDLength = 128

// FutureSkew is how far in the future a completion time may lie: clocks differ
// a little, deliveries do not come from the future.
const FutureSkew = 5 * time.Minute

// ErrNegativeFreight marks a record whose transaction amount is below its
// goods price: bad data, refused and counted.
var ErrNegativeFreight = apperr.InvalidField("transaction_amount", "is below goods_price: negative freight").WithReason("NEGATIVE_FREIGHT")

// ShipmentInput is a completed shipment as reported by logistics or an
// operator's import.
type ShipmentInput struct {
	ShipmentID        string
	Route             Route
	VolumeCM3         int64
	WeightG           int64
	DeclaredValue     money.Money
	TransactionAmount money.Money
	GoodsPrice        money.Money
	CompletedAt       time.Time
	// RateToBase is 1 unit of the amounts' currency in base-currency units,
	// a decimal; required when that currency is not the base currency.
	RateToBase string
}

// Shipment is a history record as stored: what the estimate reads (route,
// size, value and freight in the base currency, completion time) and the
// amounts as reported, for audit.
type Shipment struct {
	ID          string
	Route       Route
	VolumeCM3   int64
	WeightG     int64
	CompletedAt time.Time
	// Value and Freight are in minor units of the base currency.
	Value, Freight int64

	// Currency is the currency of TransactionMinor and GoodsMinor.
	Currency                     string
	TransactionMinor, GoodsMinor int64
	DeclaredCurrency             string
	DeclaredMinor                int64
	// RateToBase is the rate the amounts were converted with; empty when they
	// were in the base currency.
	RateToBase string
}

// Record is what the estimate reads of the shipment.
func (s Shipment) Record() Record {
	return Record{VolumeCM3: s.VolumeCM3, WeightG: s.WeightG, Value: s.Value, Freight: s.Freight, CompletedAt: s.CompletedAt.UnixMicro()}
}

// RejectionID is the shipment id a refused record is counted under, as
// sent but trimmed; "" (counted under none) for one that is missing, too
// long, or holds a control character, which PostgreSQL may not store.
func RejectionID(raw string) string {
	id := strings.TrimSpace(raw)
	if len(id) > MaxShipmentIDLength || strings.IndexFunc(id, unicode.IsControl) >= 0 {
		return ""
	}
	return id
}

// NewShipment validates a completed shipment and converts its amounts into
// the base currency. Freight is transaction amount − goods price, computed in
// the amounts' own currency and converted once (half-even, pkg/money's rule);
// a negative freight is ErrNegativeFreight. The transaction amount and goods
// price must share one currency; the declared value is in that currency or the
// base currency, so one rate converts everything.
func NewShipment(in ShipmentInput, base string, now time.Time) (Shipment, error) {
	var v violations
	s := Shipment{
		ID: strings.TrimSpace(in.ShipmentID), VolumeCM3: in.VolumeCM3, WeightG: in.WeightG,
		Currency: in.TransactionAmount.Currency, TransactionMinor: in.TransactionAmount.Amount, GoodsMinor: in.GoodsPrice.Amount,
		DeclaredCurrency: in.DeclaredValue.Currency, DeclaredMinor: in.DeclaredValue.Amount,
	}
	switch {
	case s.ID == "":
		v.Add("shipment_id", "is required")
	case utf8.RuneCountInString(s.ID) > MaxShipmentIDLength:
		v.Add("shipment_id", "must be at most 128 characters")
	case strings.IndexFunc(s.ID, unicode.IsControl) >= 0:
		// PostgreSQL stores no NUL: taken, it failed the whole import.
		v.Add("shipment_id", "must not contain control characters")
	}
	if in.Route.IsZero() {
		v.Add("route", "is required")
	} else {
		r, err := NewRoute("route", in.Route)
		if err := v.Merge(err); err != nil {
			return Shipment{}, err
		}
		s.Route = r
	}
	checkPositive(&v, "volume_cm3", in.VolumeCM3, MaxVolumeCM3)
	checkPositive(&v, "weight_g", in.WeightG, MaxWeightG)
	amountsOK := checkAmount(&v, "declared_value", in.DeclaredValue)
	amountsOK = checkAmount(&v, "transaction_amount", in.TransactionAmount) && amountsOK
	amountsOK = checkAmount(&v, "goods_price", in.GoodsPrice) && amountsOK
	if amountsOK {
		if in.GoodsPrice.Currency != s.Currency {
			v.Add("goods_price.currency_code", "must be the currency of transaction_amount")
			amountsOK = false
		}
		if in.DeclaredValue.Currency != s.Currency && in.DeclaredValue.Currency != base {
			v.Add("declared_value.currency_code", "must be the base currency or the currency of transaction_amount")
			amountsOK = false
		}
	}
	switch {
	case in.CompletedAt.IsZero():
		v.Add("completed_at", "is required")
	case in.CompletedAt.After(now.Add(FutureSkew)):
		v.Add("completed_at", "is in the future")
	}
	s.CompletedAt = in.CompletedAt.UTC().Truncate(time.Microsecond)

	var rate money.Rate
	if amountsOK && s.Currency != base {
		raw := strings.TrimSpace(in.RateToBase)
		if raw == "" {
			v.Add("rate_to_base", "is required for amounts in "+s.Currency+", which is not the base currency "+base)
		} else if rate = parseDecimal(&v, "rate_to_base", raw, decimalRule{positive: true}); !rate.IsZero() {
			s.RateToBase = raw
		}
	}
	if err := v.Err(); err != nil {
		return Shipment{}, err
	}
	if in.TransactionAmount.Amount < in.GoodsPrice.Amount {
		return Shipment{}, ErrNegativeFreight
	}
	freight := money.Money{Amount: in.TransactionAmount.Amount - in.GoodsPrice.Amount, Currency: s.Currency}
	value := in.DeclaredValue
	if s.Currency != base {
		f, err := money.Convert(freight, base, rate)
		if err != nil {
			return Shipment{}, apperr.InvalidField("rate_to_base", "converts the freight beyond the range of amounts").Wrap(err)
		}
		freight = f
	}
	if value.Currency != base {
		val, err := money.Convert(value, base, rate)
		if err != nil {
			return Shipment{}, apperr.InvalidField("rate_to_base", "converts the declared value beyond the range of amounts").Wrap(err)
		}
		value = val
	}
	s.Freight, s.Value = freight.Amount, value.Amount
	return s, nil
}

// checkAmount requires a known currency and a non-negative amount.
func checkAmount(v *violations, field string, m money.Money) bool {
	switch {
	case m.Currency == "" && m.Amount == 0:
		v.Add(field, "is required")
	case !money.ValidCurrency(m.Currency):
		v.Add(field+".currency_code", "is not a known ISO 4217 currency")
	case m.Amount < 0:
		v.Add(field+".amount_minor", "must not be negative")
	default:
		return true
	}
	return false
}

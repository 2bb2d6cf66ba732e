package domain

import (
	"math/big"
	"strings"

	"github.com/crossdock/crossdock/pkg/money"
)

// MaxFractionDigits bounds the decimal places of every decimal setting
// (tolerances, weights, multipliers, exchange rates), as NUMERIC(38,18) would.
const MaxFractionDigits = 18

// decimalRule bounds a decimal setting.
type decimalRule struct {
	// positive refuses zero.
	positive bool
	// max is the largest accepted value; nil for none.
	max *big.Rat
}

// parseDecimal reads a plain non-negative decimal ("0.10", "1.5") and checks it
// against the rule, reporting a problem under field.
func parseDecimal(v *violations, field, s string, rule decimalRule) money.Rate {
	s = strings.TrimSpace(s)
	if s == "" {
		v.Add(field, "is required")
		return money.Rate{}
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > MaxFractionDigits {
		v.Add(field, "has more than 18 decimal places")
		return money.Rate{}
	}
	r, err := money.ParseRate(s)
	if err != nil {
		v.Add(field, "must be a plain decimal such as 0.25")
		return money.Rate{}
	}
	switch {
	case rule.positive && r.IsZero():
		v.Add(field, "must be positive")
	case rule.max != nil && r.Rat().Cmp(rule.max) > 0:
		v.Add(field, "must be at most "+rule.max.FloatString(0))
	}
	return r
}

// FormatMinor writes an exact amount of minor units as a decimal in the
// currency's major units, with at least the currency's decimal places:
// 1234/1 USD is "12.34", 37/2 USD is "0.185". A value whose decimal expansion
// does not end within 18 places (a mean of 10/3) is written to 18 places,
// rounded to nearest; the computation itself never uses the rounded form.
func FormatMinor(x *big.Rat, currency string) string {
	exp, err := money.Exponent(currency)
	if err != nil {
		exp = 0
	}
	major := new(big.Rat).Quo(x, new(big.Rat).SetInt(pow10(exp)))
	return FormatRat(major, exp)
}

// FormatRat writes x as a plain decimal with at least minPlaces decimal
// places, exactly when its expansion ends within 18 places and rounded to 18
// places otherwise.
func FormatRat(x *big.Rat, minPlaces int) string {
	places := terminatingPlaces(x.Denom())
	if places < 0 || places > MaxFractionDigits {
		places = MaxFractionDigits
	}
	return x.FloatString(max(places, minPlaces))
}

// terminatingPlaces returns how many decimal places 1/den needs to be written
// exactly, or -1 when its expansion never ends (den has a prime factor other
// than 2 and 5).
func terminatingPlaces(den *big.Int) int {
	d := new(big.Int).Set(den)
	var twos, fives int
	two, five, zero := big.NewInt(2), big.NewInt(5), new(big.Int)
	r := new(big.Int)
	for {
		q, m := new(big.Int).QuoRem(d, two, r)
		if m.Cmp(zero) != 0 {
			break
		}
		d, twos = q, twos+1
	}
	for {
		q, m := new(big.Int).QuoRem(d, five, r)
		if m.Cmp(zero) != 0 {
			break
		}
		d, fives = q, fives+1
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return -1
	}
	return max(twos, fives)
}

// pow10 returns 10^n.
func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// ceilRat returns the smallest integer not below x, and false when it does not
// fit an int64: for bounds of volumes and weights. Money is never rounded
// here: the pre-estimate's target is rounded up by pkg/money's Ceil mode.
func ceilRat(x *big.Rat) (int64, bool) {
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

package money

import (
	"fmt"
	"math/big"
	"strings"
)

// ConvertBack undoes a conversion at the rate it was made at: m is in the
// currency the original conversion produced, to is the currency it started
// from, and rate is the original snapshot (1 unit of to bought rate units of
// m.Currency). The result is m ÷ rate rounded half-even to a minor unit of
// to. A refund of an escrowed amount goes back to the buyer this way, at the
// payment's rate and never at today's, so the buyer neither gains nor loses
// from the market moving in between.
func ConvertBack(m Money, to string, rate Rate) (Money, error) {
	if rate.IsZero() {
		return Money{}, fmt.Errorf("convert %s back to %s: %w: rate must be positive", m, to, ErrInvalidRate)
	}
	inverse := Rate{r: new(big.Rat).Inv(rate.r)}
	return ConvertRounded(m, to, inverse, HalfEven)
}

// FromRat rounds an exact amount of minor units to a whole minor unit of
// code with mode, for computations (averages, weighted sums) whose result is
// a fraction no other constructor takes.
func FromRat(minor *big.Rat, code string, mode Rounding) (Money, error) {
	if _, err := Exponent(code); err != nil {
		return Money{}, err
	}
	n, err := roundRat(minor, mode)
	if err != nil {
		return Money{}, fmt.Errorf("amount %s %s: %w", minor.FloatString(4), code, err)
	}
	return Money{Amount: n, Currency: code}, nil
}

// AdjustBasisPoints returns r × (1 + bps/10000) rounded to at most scale
// decimal places with mode: a spread on an FX quote (-50 makes the rate
// 0.5 % worse for whoever receives the target currency) or a surcharge.
// bps must be above -10000, so the rate stays positive.
func (r Rate) AdjustBasisPoints(bps int64, scale int, mode Rounding) (Rate, error) {
	if r.IsZero() {
		return Rate{}, fmt.Errorf("%w: rate must be positive", ErrInvalidRate)
	}
	if bps <= -10000 || scale < 0 || scale > maxRateDigits {
		return Rate{}, fmt.Errorf("%w: adjust by %d bps to %d places", ErrInvalidRate, bps, scale)
	}
	x := new(big.Rat).Mul(r.r, big.NewRat(10000+bps, 10000))
	x.Mul(x, new(big.Rat).SetInt(pow10(scale)))
	n, err := roundBig(x, mode)
	if err != nil {
		return Rate{}, err
	}
	out := new(big.Rat).SetFrac(n, pow10(scale))
	if out.Sign() == 0 {
		return Rate{}, fmt.Errorf("%w: %s adjusted by %d bps rounds to zero at %d places", ErrInvalidRate, r, bps, scale)
	}
	// Keep the places the result needs, no padding: 0.9217 × 0.995 is
	// 0.9170915, not 0.917091500000000000.
	s := out.FloatString(scale)
	if scale > 0 {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return ParseRate(s)
}

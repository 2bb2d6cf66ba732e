package money

import (
	"fmt"
	"math/big"
)

// Convert turns m into the currency to at rate, rounding half-even to a minor
// unit of the target. The rate is quoted in major units: how many units of to
// one unit of m.Currency buys (151.5 for USD→JPY). Converting to the same
// currency is allowed and applies the rate like any other.
func Convert(m Money, to string, rate Rate) (Money, error) {
	return ConvertRounded(m, to, rate, HalfEven)
}

// ConvertRounded is Convert with an explicit rounding mode, for the places
// that must round a converted amount up (Ceil) or down (Floor).
func ConvertRounded(m Money, to string, rate Rate, mode Rounding) (Money, error) {
	fromExp, err := Exponent(m.Currency)
	if err != nil {
		return Money{}, fmt.Errorf("convert from: %w", err)
	}
	toExp, err := Exponent(to)
	if err != nil {
		return Money{}, fmt.Errorf("convert to: %w", err)
	}
	if rate.IsZero() {
		return Money{}, fmt.Errorf("convert %s to %s: %w: rate must be positive", m, to, ErrInvalidRate)
	}
	// minor_to = minor_from / 10^fromExp × rate × 10^toExp
	x := new(big.Rat).Mul(new(big.Rat).SetInt64(m.Amount), rate.r)
	if shift := toExp - fromExp; shift > 0 {
		x.Mul(x, new(big.Rat).SetInt(pow10(shift)))
	} else if shift < 0 {
		x.Quo(x, new(big.Rat).SetInt(pow10(-shift)))
	}
	n, err := roundRat(x, mode)
	if err != nil {
		return Money{}, fmt.Errorf("convert %s to %s at %s: %w", m, to, rate, err)
	}
	return Money{Amount: n, Currency: to}, nil
}

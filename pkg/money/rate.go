package money

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrInvalidRate is returned for a rate that is not a non-negative plain
// decimal, or for a zero rate where a conversion needs a positive one.
var ErrInvalidRate = errors.New("money: invalid rate")

// maxRateDigits bounds the digits a rate may carry. FX quotes use at most 8-10
// significant decimals; the bound leaves ample room while keeping a hostile
// input from allocating huge numbers.
const maxRateDigits = 36

// Rate is an exact, non-negative decimal multiplier: an exchange rate quoted in
// major units, or a percentage such as a commission of 0.025. It is never a
// float, so "0.1" means exactly one tenth. The zero value is not a valid rate;
// build one with ParseRate.
type Rate struct {
	r     *big.Rat
	scale int // decimal places as written, so String round-trips
}

// ParseRate parses a plain decimal such as "151.23456789", "0.0066" or "1".
// Signs, exponents and thousands separators are rejected: rates come from
// machines and a lenient parser would hide their mistakes.
func ParseRate(s string) (Rate, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	digits := len(intPart) + len(frac)
	switch {
	case digits == 0, hasDot && (intPart == "" || frac == ""):
		return Rate{}, fmt.Errorf("%w: %q is not a decimal like 1.25", ErrInvalidRate, s)
	case digits > maxRateDigits:
		return Rate{}, fmt.Errorf("%w: %q has more than %d digits", ErrInvalidRate, s, maxRateDigits)
	case !allDigits(intPart) || !allDigits(frac):
		return Rate{}, fmt.Errorf("%w: %q is not a decimal like 1.25", ErrInvalidRate, s)
	}
	mantissa, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return Rate{}, fmt.Errorf("%w: %q", ErrInvalidRate, s)
	}
	r := new(big.Rat).SetFrac(mantissa, pow10(len(frac)))
	return Rate{r: r, scale: len(frac)}, nil
}

// MustParseRate is ParseRate for constants in code and tests; it panics on a
// malformed literal.
func MustParseRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// String prints the rate with the decimal places it was written with.
func (r Rate) String() string {
	if r.r == nil {
		return "<invalid rate>"
	}
	return r.r.FloatString(r.scale)
}

// Rat returns the rate as a fresh big.Rat the caller may modify.
func (r Rate) Rat() *big.Rat {
	if r.r == nil {
		return new(big.Rat)
	}
	return new(big.Rat).Set(r.r)
}

// IsZero reports whether the rate is zero or was never parsed.
func (r Rate) IsZero() bool {
	return r.r == nil || r.r.Sign() == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

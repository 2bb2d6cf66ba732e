package money

import (
	"errors"
	"fmt"
)

// ErrUnknownCurrency is returned for a code that is not a transactable ISO 4217
// currency in canonical (upper-case) form (see minorUnits).
var ErrUnknownCurrency = errors.New("money: unknown currency")

// Exponent reports how many decimal places the minor unit of the currency has
// (JPY 0, USD 2, KWD 3), as ISO 4217 defines it. The code must be three
// upper-case letters naming a currency in use that a buyer can pay with.
func Exponent(code string) (int, error) {
	if len(code) != 3 || !isUpper(code) {
		return 0, fmt.Errorf("%w: %q is not a three-letter upper-case ISO 4217 code", ErrUnknownCurrency, code)
	}
	exp, ok := minorUnits[code]
	if !ok {
		return 0, fmt.Errorf("%w: %q is not a currency in use (ISO 4217)", ErrUnknownCurrency, code)
	}
	return exp, nil
}

// ValidCurrency reports whether code is accepted by New, for callers that only
// need a yes or no (request validation).
func ValidCurrency(code string) bool {
	_, err := Exponent(code)
	return err == nil
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

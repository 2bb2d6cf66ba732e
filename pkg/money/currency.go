package money

import (
	"errors"
	"fmt"

	"golang.org/x/text/currency"
)

// ErrUnknownCurrency is returned for a code that is not a transactable ISO 4217
// currency in canonical (upper-case) form.
var ErrUnknownCurrency = errors.New("money: unknown currency")

// notTransactable lists ISO 4217 codes that parse but do not denote money a
// buyer can pay with: "no currency", the testing code, precious metals and
// units of account. Accepting them would let nonsense amounts into ledgers.
var notTransactable = map[string]bool{
	"XXX": true, "XTS": true,
	"XAU": true, "XAG": true, "XPT": true, "XPD": true,
	"XDR": true, "XBA": true, "XBB": true, "XBC": true, "XBD": true,
	"XSU": true, "XUA": true,
}

// Exponent reports how many decimal places the minor unit of the currency has
// (JPY 0, USD 2, KWD 3). The code must be three upper-case letters naming a
// known, transactable currency.
func Exponent(code string) (int, error) {
	u, err := unit(code)
	if err != nil {
		return 0, err
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// ValidCurrency reports whether code is accepted by New, for callers that only
// need a yes or no (request validation).
func ValidCurrency(code string) bool {
	_, err := unit(code)
	return err == nil
}

func unit(code string) (currency.Unit, error) {
	if len(code) != 3 || !isUpper(code) {
		return currency.Unit{}, fmt.Errorf("%w: %q is not a three-letter upper-case ISO 4217 code", ErrUnknownCurrency, code)
	}
	if notTransactable[code] {
		return currency.Unit{}, fmt.Errorf("%w: %q is not a transactable currency", ErrUnknownCurrency, code)
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return currency.Unit{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	return u, nil
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

package restmarket

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crossdock/crossdock/pkg/money"
)

// formatMajor writes an amount in minor units as the protocol's decimal in
// major units, with the currency's ISO 4217 exponent: 1234 USD is "12.34",
// 1234 JPY is "1234". Integer arithmetic only, so no amount is ever
// rounded.
func formatMajor(m money.Money) (string, error) {
	exp, err := money.Exponent(m.Currency)
	if err != nil {
		return "", err
	}
	s := strconv.FormatInt(m.Amount, 10)
	if exp == 0 {
		return s, nil
	}
	sign := ""
	if digits, neg := strings.CutPrefix(s, "-"); neg {
		sign, s = "-", digits
	}
	if len(s) <= exp {
		s = strings.Repeat("0", exp-len(s)+1) + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:], nil
}

// parseMajor reads the protocol's decimal in major units into minor units of
// currency. It refuses more decimal places than the currency has rather
// than round: a partner's amount is taken exactly or not at all.
func parseMajor(s, currency string) (money.Money, error) {
	exp, err := money.Exponent(currency)
	if err != nil {
		return money.Money{}, err
	}
	digits, neg := strings.CutPrefix(s, "-")
	whole, frac, dot := strings.Cut(digits, ".")
	if whole == "" || (dot && frac == "") || len(frac) > exp || !allDigits(whole) || !allDigits(frac) {
		return money.Money{}, fmt.Errorf("amount %q is not a decimal with at most %d places for %s", s, exp, currency)
	}
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", exp-len(frac)), 10, 64)
	if err != nil {
		return money.Money{}, fmt.Errorf("amount %q %s is out of range", s, currency)
	}
	if neg {
		n = -n
	}
	return money.New(n, currency)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

package restmarket

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// partnerZone is the platform's clock: times are written as UTC+8 wall
// clock without a zone, as TOP writes Beijing time.
var partnerZone = time.FixedZone("UTC+8", 8*60*60)

// timeLayout is how the protocol writes a time, to the second.
const timeLayout = "2006-01-02 15:04:05"

func formatTime(t time.Time) string { return t.In(partnerZone).Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(timeLayout, s, partnerZone)
	if err != nil {
		return time.Time{}, fmt.Errorf("is not a time like %q (UTC+8)", timeLayout)
	}
	return t, nil
}

// formatMajor writes minor units as a decimal in major units with the
// currency's ISO 4217 exponent, in integer arithmetic: 1234 USD is
// "12.34", 1234 JPY is "1234". An unknown currency is written as is.
func formatMajor(minor int64, currency string) string {
	s := strconv.FormatInt(minor, 10)
	exp, err := money.Exponent(currency)
	if err != nil || exp == 0 {
		return s
	}
	sign := ""
	if digits, neg := strings.CutPrefix(s, "-"); neg {
		sign, s = "-", digits
	}
	if len(s) <= exp {
		s = strings.Repeat("0", exp-len(s)+1) + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// parseMajor reads a non-negative decimal in major units into minor units,
// refusing more places than the currency has.
func parseMajor(s, currency string) (int64, error) {
	exp, err := money.Exponent(currency)
	if err != nil {
		return 0, fmt.Errorf("currency %q is not ISO 4217", currency)
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") || len(frac) > exp || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%q is not a decimal with at most %d places for %s", s, exp, currency)
	}
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", exp-len(frac)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return n, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

package supplysim

import (
	"errors"
	"strconv"
	"strings"
)

// parseMinor reads a price the platform writes as "12.30" (places
// decimals, the currency's: "1230" for yen) into minor units; more places
// than the currency has is not a price.
func parseMinor(s string, places int) (int64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > places || (dot && frac == "") || strings.HasPrefix(whole, "-") {
		return 0, errors.New("not a price with at most " + strconv.Itoa(places) + " decimals: " + strconv.Quote(s))
	}
	frac += strings.Repeat("0", places-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, errors.New("not a price: " + strconv.Quote(s))
	}
	return n, nil
}

// formatMinor writes minor units as the platform does, with the currency's
// places: "12.30", or "1230" for yen.
func formatMinor(n int64, places int) string {
	s := strconv.FormatInt(n, 10)
	if places == 0 {
		return s
	}
	for len(s) <= places {
		s = "0" + s
	}
	return s[:len(s)-places] + "." + s[len(s)-places:]
}

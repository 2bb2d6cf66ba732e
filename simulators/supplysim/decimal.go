package supplysim

import (
	"errors"
	"strconv"
	"strings"
)

// parseMinor reads a price the platform writes as "12.30" into minor units.
func parseMinor(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "-") {
		return 0, errors.New("not a price: " + strconv.Quote(s))
	}
	frac += strings.Repeat("0", 2-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, errors.New("not a price: " + strconv.Quote(s))
	}
	return n, nil
}

// formatMinor writes minor units as the platform does: "12.30".
func formatMinor(n int64) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	return s[:len(s)-2] + "." + s[len(s)-2:]
}

package domain

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/iso3166"
)

// violations collects every bad field of an input (apperr.Violations).
type violations = apperr.Violations

// checkText trims s and checks it holds between min and max characters and
// no control characters; problems are added to v under field.
func checkText(v *violations, field, s string, min, max int) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		v.Add(field, "is required")
	case n < min:
		v.Add(field, "is too short")
	case n > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "must not contain control characters")
	}
	return s
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)

// checkCode checks a carrier's or method's code: what URLs and bookings
// carry, so lower-case letters, digits and dashes only.
func checkCode(v *violations, field, s string) string {
	if !codePattern.MatchString(s) {
		v.Add(field, "must be 2 to 32 lower-case letters, digits or dashes, starting with a letter or digit")
	}
	return s
}

// checkCountry checks an ISO 3166-1 alpha-2 code.
func checkCountry(v *violations, field, code string) {
	if !iso3166.IsCountry(code) {
		v.Add(field, "must be an ISO 3166-1 alpha-2 code such as DE")
	}
}

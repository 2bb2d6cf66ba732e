package domain

import (
	"regexp"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/iso3166"
)

// violations collects every bad field of an input (apperr.Violations).
type violations = apperr.Violations

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

package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// violations collects every bad field of an input (apperr.Violations).
type violations = apperr.Violations

// checkText trims s and checks it holds between min and max characters and no
// control characters; problems are added to v under field.
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

// checkQuantity checks a quantity of units: positive and at most MaxQuantity.
func checkQuantity(v *violations, field string, q int64) {
	switch {
	case q <= 0:
		v.Add(field, "must be positive")
	case q > MaxQuantity:
		v.Add(field, "must be at most "+strconv.FormatInt(MaxQuantity, 10))
	}
}

// Text checks a free-text field (a reason, a reference) for the edge and use
// cases: trimmed, at most max characters, no control characters; empty is
// allowed unless required.
func Text(field, s string, max int, required bool) (string, error) {
	var v violations
	min := 0
	if required {
		min = 1
	}
	s = checkText(&v, field, s, min, max)
	return s, v.Err()
}

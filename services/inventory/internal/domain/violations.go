package domain

import (
	"strconv"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// violations collects every bad field of an input (apperr.Violations).
type violations = apperr.Violations

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
	s = apperr.CheckText(&v, field, s, min, max)
	return s, v.Err()
}

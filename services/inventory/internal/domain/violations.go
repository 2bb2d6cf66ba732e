package domain

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// violations collects every bad field of an input so a client learns all its
// mistakes in one answer rather than one per attempt.
type violations []apperr.FieldViolation

func (v *violations) add(field, description string) {
	*v = append(*v, apperr.FieldViolation{Field: field, Description: description})
}

// err returns nil when nothing was added, else an InvalidArgument error.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return apperr.Invalid(v...)
}

// merge adds the field violations of a validation error from another check.
func (v *violations) merge(err error) {
	var e *apperr.Error
	if errors.As(err, &e) {
		*v = append(*v, e.Violations...)
	}
}

// checkText trims s and checks it holds between min and max characters and no
// control characters; problems are added to v under field.
func checkText(v *violations, field, s string, min, max int) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		v.add(field, "is required")
	case n < min:
		v.add(field, "is too short")
	case n > max:
		v.add(field, "must be at most "+strconv.Itoa(max)+" characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "must not contain control characters")
	}
	return s
}

// checkQuantity checks a quantity of units: positive and at most MaxQuantity.
func checkQuantity(v *violations, field string, q int64) {
	switch {
	case q <= 0:
		v.add(field, "must be positive")
	case q > MaxQuantity:
		v.add(field, "must be at most "+strconv.FormatInt(MaxQuantity, 10))
	}
}

// indexed names the element i of a repeated field: "lines[2].quantity".
func indexed(field string, i int, sub string) string {
	s := field + "[" + strconv.Itoa(i) + "]"
	if sub != "" {
		s += "." + sub
	}
	return s
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
	return s, v.err()
}

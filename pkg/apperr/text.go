package apperr

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckText trims a one-line text field (a name, a reason, an address line)
// and checks it holds between min and max characters and no control
// characters; what is wrong is added to v under field. It returns the
// trimmed text, which is what a service stores.
func CheckText(v *Violations, field, s string, min, max int) string {
	return checkText(v, field, s, min, max, unicode.IsControl, "must not contain control characters")
}

// CheckLongText is CheckText for text of several lines (a description, a
// note): line breaks and tabs are allowed, other control characters are not.
func CheckLongText(v *Violations, field, s string, min, max int) string {
	return checkText(v, field, s, min, max, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	}, "must not contain control characters other than line breaks and tabs")
}

func checkText(v *Violations, field, s string, min, max int, bad func(rune) bool, badText string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		v.Add(field, "is required")
	case n < min:
		v.Add(field, "is too short")
	case n > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters")
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case strings.IndexFunc(s, bad) >= 0:
		v.Add(field, badText)
	}
	return s
}

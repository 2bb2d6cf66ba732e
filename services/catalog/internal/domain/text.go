package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// checkText trims s and checks it holds between min and max characters and no
// control characters; problems are added to v under field.
func checkText(v *violations, field, s string, min, max int) string {
	return check(v, field, s, min, max, unicode.IsControl)
}

// checkLongText is checkText for multi-line text: line breaks and tabs are
// allowed, other control characters are not.
func checkLongText(v *violations, field, s string, min, max int) string {
	return check(v, field, s, min, max, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}

func check(v *violations, field, s string, min, max int, bad func(rune) bool) string {
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
		v.Add(field, "must not contain control characters")
	}
	return s
}

// parseID reads a UUID field; empty gives uuid.Nil, and a violation when
// the field is required.
func parseID(v *violations, field, raw string, required bool) uuid.UUID {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if required {
			v.Add(field, "is required")
		}
		return uuid.Nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		v.Add(field, "must be a UUID")
		return uuid.Nil
	}
	return id
}

package domain

import (
	"strings"
	"unicode/utf8"
)

// TextProblem is the problem noted on a partner's record holding text
// PostgreSQL cannot store: a NUL character, or bytes that are not UTF-8.
// Such text is kept with U+FFFD in their place, and the record unreadable,
// for an operator, rather than failing the page it came on every round.
const TextProblem = "text with a NUL character or invalid UTF-8 (kept with U+FFFD in its place)"

// cleanText is s with every NUL character and invalid UTF-8 sequence
// replaced by U+FFFD, and whether there was any.
func cleanText(s string) (string, bool) {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s, false
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD"), true
}

// cleanFields cleans each field in place (cleanText) and reports whether
// any held text to replace.
func cleanFields(fields ...*string) bool {
	dirty := false
	for _, f := range fields {
		var d bool
		*f, d = cleanText(*f)
		dirty = dirty || d
	}
	return dirty
}

// cleanAll cleans every string of a list in place, reporting whether any
// held text to replace.
func cleanAll(list []string) bool {
	dirty := false
	for i := range list {
		var d bool
		list[i], d = cleanText(list[i])
		dirty = dirty || d
	}
	return dirty
}

package domain

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextProblem is the problem noted on a partner's record holding text
// PostgreSQL cannot store: a NUL character, or bytes that are not UTF-8.
// Such text is kept with U+FFFD in their place, and the record unreadable,
// for an operator, rather than failing the page it came on every round.
const TextProblem = "text with a NUL character or invalid UTF-8 (kept with U+FFFD in its place)"

// WithTextProblem is problems with TextProblem among them, once.
func WithTextProblem(problems []string) []string {
	if slices.Contains(problems, TextProblem) {
		return problems
	}
	return append(problems, TextProblem)
}

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

// UnstorableJSON reports JSON text that decoding would not give back as
// sent, for want of what PostgreSQL can store: bytes that are not UTF-8, a
// NUL character (\u0000) or a lone UTF-16 surrogate escape (\ud800 without
// its pair). Go's decoder quietly puts U+FFFD in place of the last two
// kinds, so a connector must look at the raw text to know.
func UnstorableJSON(raw []byte) bool {
	if !utf8.Valid(raw) {
		return true
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character: a backslash, a quote, ...
			continue
		}
		r, ok := hex4(raw, i+2)
		switch {
		case !ok:
			i++
		case r == 0:
			return true
		case r >= 0xD800 && r < 0xDC00: // high surrogate: its low one must follow
			low, ok := hex4(raw, i+8)
			if i+7 >= len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' || !ok || low < 0xDC00 || low >= 0xE000 {
				return true
			}
			i += 11
		case r >= 0xDC00 && r < 0xE000:
			return true
		default:
			i += 5
		}
	}
	return false
}

// hex4 reads the four hex digits at raw[at:].
func hex4(raw []byte, at int) (rune, bool) {
	if at+4 > len(raw) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(raw[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// CleanListingState is a listing's state as a partner reported it, with
// what PostgreSQL cannot store replaced in its text (cleanText): a
// rejection reason holding a NUL would otherwise fail every poll of the
// partner's listing states.
func CleanListingState(s ListingState) ListingState {
	cleanFields(&s.Marker, &s.PartnerListingID)
	s.Reasons = slices.Clone(s.Reasons)
	cleanAll(s.Reasons)
	return s
}

package domain

import (
	"strings"
	"unicode/utf8"
)

// Password length bounds, in characters. The upper bound keeps the hashing
// cost of a request bounded.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// minLocalPartToCheck is the shortest e-mail local part the password is
// checked against: forbidding a one- or two-letter local part would forbid
// most passwords without making any of them harder to guess.
const minLocalPartToCheck = 3

// CheckPassword applies the password policy: 12 to 128 characters, not all one
// character, and not containing the e-mail's local part (case-insensitive).
// email must already be normalised. The violation is on field "password".
func CheckPassword(password, email string) error {
	var problems []string
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		problems = append(problems, "must be at least 12 characters")
	case n > MaxPasswordLength:
		problems = append(problems, "must be at most 128 characters")
	}
	if n > 0 && allOneCharacter(password) {
		problems = append(problems, "must not repeat a single character")
	}
	if local := localPart(email); utf8.RuneCountInString(local) >= minLocalPartToCheck &&
		strings.Contains(strings.ToLower(password), local) {
		problems = append(problems, "must not contain the e-mail address's name part")
	}
	var v violations
	if len(problems) > 0 {
		v.Add("password", strings.Join(problems, "; "))
	}
	return v.Err()
}

func allOneCharacter(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

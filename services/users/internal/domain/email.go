package domain

import (
	"net/mail"
	"strings"
)

// maxEmailLength is the longest usable address (RFC 5321 path limit less the
// angle brackets).
const maxEmailLength = 254

// NormalizeEmail trims and lower-cases an e-mail address and checks that it is
// a bare address (no "Name <addr>" form). Lower-casing the local part is not
// strictly RFC 5321, but every mailbox provider treats it case-insensitively
// and one account per address is what users expect.
func NormalizeEmail(raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	var v violations
	switch {
	case email == "":
		v.Add("email", "is required")
	case len(email) > maxEmailLength:
		v.Add("email", "must be at most 254 characters")
	default:
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Name != "" || addr.Address != email {
			v.Add("email", "must be a plain e-mail address such as name@example.com")
		}
	}
	return email, v.Err()
}

// localPart is the part of a normalised address before the last "@".
func localPart(email string) string {
	if i := strings.LastIndex(email, "@"); i >= 0 {
		return email[:i]
	}
	return email
}

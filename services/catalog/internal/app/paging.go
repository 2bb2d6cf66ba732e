package app

import (
	"encoding/base64"
	"encoding/json"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Page sizes of the product lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// pageLimit returns the page size to use for a requested one: def when 0,
// capped at max; a negative size is bad input.
func pageLimit(requested, def, max int) (int, error) {
	switch {
	case requested < 0:
		return 0, apperr.InvalidField("page.page_size", "must not be negative")
	case requested == 0:
		return def, nil
	default:
		return min(requested, max), nil
	}
}

var errBadPageToken = apperr.InvalidField("page.page_token", "is not a token from a previous page of this query")

// encodeToken makes an opaque page token of a cursor.
func encodeToken(cursor any) string {
	b, _ := json.Marshal(cursor)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken reads a page token made by encodeToken into cursor.
func decodeToken(token string, cursor any) error {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return errBadPageToken
	}
	if err := json.Unmarshal(b, cursor); err != nil {
		return errBadPageToken
	}
	return nil
}

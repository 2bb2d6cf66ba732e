package app

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Page sizes of the list methods.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Page is how much of a list to return and where to start.
type Page struct {
	Size  int
	Token string
}

func (p Page) limit() (int, error) {
	switch {
	case p.Size < 0:
		return 0, apperr.InvalidField("page.page_size", "must not be negative")
	case p.Size == 0:
		return DefaultPageSize, nil
	default:
		return min(p.Size, MaxPageSize), nil
	}
}

var errBadPageToken = apperr.InvalidField("page.page_token", "is not a token from a previous page")

// uuidCursor decodes a page token holding the last id of the previous page.
func uuidCursor(token string) (uuid.UUID, error) {
	if token == "" {
		return uuid.Nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return uuid.Nil, errBadPageToken
	}
	id, err := uuid.FromBytes(b)
	if err != nil {
		return uuid.Nil, errBadPageToken
	}
	return id, nil
}

func uuidToken(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// int64Cursor decodes a page token holding the last journal entry id.
func int64Cursor(token string) (int64, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, errBadPageToken
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n <= 0 {
		return 0, errBadPageToken
	}
	return n, nil
}

func int64Token(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10)))
}

// fingerprint hashes a request's canonical form, so a reused idempotency key
// can be told apart from a retry.
func fingerprint(v any) string {
	b, _ := json.Marshal(v) // plain structs of strings and numbers always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

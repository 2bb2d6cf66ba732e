package app

import (
	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/paging"
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
	return paging.Limits{Default: DefaultPageSize, Max: MaxPageSize}.Size(p.Size)
}

// idCursor is the page token of a list in id order: the last id served.
type idCursor struct {
	ID uuid.UUID `json:"i"`
}

func (c *idCursor) Valid() bool { return c.ID != uuid.Nil }

// seqCursor is the page token of a list in sequence order (the journal):
// the last entry served.
type seqCursor struct {
	Seq int64 `json:"s"`
}

func (c *seqCursor) Valid() bool { return c.Seq > 0 }

// uuidCursor decodes a page token holding the last id of the previous page
// of the list filtered by query (nil: none; see paging.EncodeFor).
func uuidCursor(token string, query any) (uuid.UUID, error) {
	if token == "" {
		return uuid.Nil, nil
	}
	var c idCursor
	err := paging.DecodeFor(token, query, &c)
	return c.ID, err
}

func uuidToken(query any, id uuid.UUID) string { return paging.EncodeFor(query, idCursor{ID: id}) }

// int64Cursor decodes a page token holding the last journal entry id of
// the list filtered by query.
func int64Cursor(token string, query any) (int64, error) {
	if token == "" {
		return 0, nil
	}
	var c seqCursor
	err := paging.DecodeFor(token, query, &c)
	return c.Seq, err
}

func int64Token(query any, n int64) string { return paging.EncodeFor(query, seqCursor{Seq: n}) }

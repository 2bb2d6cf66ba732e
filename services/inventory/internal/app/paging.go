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

// uuidCursor decodes a page token holding the last id of the previous page.
func uuidCursor(token string) (uuid.UUID, error) {
	if token == "" {
		return uuid.Nil, nil
	}
	var c idCursor
	err := paging.Decode(token, &c)
	return c.ID, err
}

func uuidToken(id uuid.UUID) string { return paging.Encode(idCursor{ID: id}) }

// int64Cursor decodes a page token holding the last journal entry id.
func int64Cursor(token string) (int64, error) {
	if token == "" {
		return 0, nil
	}
	var c seqCursor
	err := paging.Decode(token, &c)
	return c.Seq, err
}

func int64Token(n int64) string { return paging.Encode(seqCursor{Seq: n}) }

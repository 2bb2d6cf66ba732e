package supplysim

import (
	"encoding/base64"
	"strings"
	"time"
)

// cursor is where a catalogue page ended: the last product's update time
// and id. Keyset paging, so products updated while a client pages move to
// a later page instead of shifting the pages between.
type cursor struct {
	at time.Time
	id string
}

func (c cursor) before(at time.Time, id string) bool {
	if c.id == "" {
		return true
	}
	return at.After(c.at) || (at.Equal(c.at) && id > c.id)
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.at.Format(time.RFC3339Nano) + "|" + c.id))
}

func parseCursor(s string) (cursor, bool) {
	if s == "" {
		return cursor{}, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return cursor{}, false
	}
	return cursor{at: t, id: id}, true
}

package domain

import (
	"strings"

	"github.com/google/uuid"
)

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
	switch {
	case err != nil:
		v.Add(field, "must be a UUID")
	case id == uuid.Nil:
		// The all-zero UUID, a client's unset default, names nothing: taken
		// for no id, a required category was skipped and the product kept
		// none.
		v.Add(field, "must not be the nil UUID")
	}
	return id
}

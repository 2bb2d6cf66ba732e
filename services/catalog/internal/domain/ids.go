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
	if err != nil {
		v.Add(field, "must be a UUID")
		return uuid.Nil
	}
	return id
}

package apperr

import "github.com/google/uuid"

// ParseID reads a required UUID field of a request: empty is "is required",
// anything else unparsable "must be a UUID", both InvalidArgument on field.
func ParseID(field, raw string) (uuid.UUID, error) {
	if raw == "" {
		return uuid.Nil, InvalidField(field, "is required")
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil, InvalidField(field, "must be a UUID")
	}
	return id, nil
}

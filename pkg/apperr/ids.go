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

// ParseIDs reads a repeated UUID field of a request, adding to v a "must be
// a UUID" violation naming each bad entry (field[i]); the good ones are
// returned in order, nil when there are none.
func ParseIDs(v *Violations, field string, raw []string) []uuid.UUID {
	var out []uuid.UUID
	for i, s := range raw {
		id, err := uuid.Parse(s)
		if err != nil {
			v.Add(Index(field, i, ""), "must be a UUID")
			continue
		}
		out = append(out, id)
	}
	return out
}

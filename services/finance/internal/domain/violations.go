package domain

import "github.com/crossdock/crossdock/pkg/apperr"

// violations collects every bad field of an input so a client learns all its
// mistakes in one answer rather than one per attempt.
type violations []apperr.FieldViolation

func (v *violations) add(field, description string) {
	*v = append(*v, apperr.FieldViolation{Field: field, Description: description})
}

// err returns nil when nothing was added, else an InvalidArgument error.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return apperr.Invalid(v...)
}

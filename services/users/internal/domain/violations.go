package domain

import (
	"errors"

	"github.com/crossdock/crossdock/pkg/apperr"
)

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

// JoinInvalid merges the field violations of several validation errors into
// one InvalidArgument error; nil errors are skipped. An error that is not a
// validation error is returned unchanged, since it is not the caller's fault.
func JoinInvalid(errs ...error) error {
	var all violations
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *apperr.Error
		if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
			return err
		}
		all = append(all, e.Violations...)
	}
	return all.err()
}

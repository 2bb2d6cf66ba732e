package domain

import (
	"errors"
	"strings"

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

// merge appends the violations of a validation error; any other error is
// returned, since it is not the caller's fault.
func (v *violations) merge(err error) error {
	if err == nil {
		return nil
	}
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
		return err
	}
	*v = append(*v, e.Violations...)
	return nil
}

// join prefixes a field path: join("parcel", "weight_g") is "parcel.weight_g".
func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// Reason turns a validation error into one line for a per-row report, e.g.
// "volume_cm3: must be positive; completed_at: is required". Other errors give
// their message.
func Reason(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		if len(e.Violations) == 0 {
			return e.Message
		}
		parts := make([]string, 0, len(e.Violations))
		for _, fv := range e.Violations {
			parts = append(parts, fv.Field+": "+fv.Description)
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

package apperr

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// Violations collects every bad field of an input, so a client learns all
// its mistakes in one answer rather than one per attempt. The zero value is
// ready to use; domain code validates a whole input into one and ends with
// Err.
type Violations []FieldViolation

// Add records one bad field.
func (v *Violations) Add(field, description string) {
	*v = append(*v, FieldViolation{Field: field, Description: description})
}

// Merge adds the violations of a validation error from another check. Any
// other error is returned unchanged, since it is not the caller's fault;
// nil and validation errors give nil.
func (v *Violations) Merge(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalid {
		return err
	}
	*v = append(*v, e.Violations...)
	return nil
}

// Err returns nil when nothing was added, else one InvalidArgument error
// naming every field.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return Invalid(v...)
}

// JoinInvalid merges the field violations of several validation errors into
// one InvalidArgument error; nil errors are skipped. The first error that is
// not a validation error is returned unchanged.
func JoinInvalid(errs ...error) error {
	var all Violations
	for _, err := range errs {
		if other := all.Merge(err); other != nil {
			return other
		}
	}
	return all.Err()
}

// Index names element i of a repeated field, the way BadRequest field paths
// do: Index("content.skus", 2, "weight_g") is "content.skus[2].weight_g", and
// with an empty sub just "content.skus[2]".
func Index(list string, i int, sub string) string {
	f := list + "[" + strconv.Itoa(i) + "]"
	if sub != "" {
		f += "." + sub
	}
	return f
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// MapKey names one entry of a map field the way field masks do (AIP-161):
// "content.attributes.colour", with back-quotes around keys that are not
// plain identifiers.
func MapKey(m, key string) string {
	if plainKey.MatchString(key) {
		return m + "." + key
	}
	return m + ".`" + key + "`"
}

// Summary turns an error into one line for a per-row report: a validation
// error as "volume_cm3: must be positive; completed_at: is required", any
// other error as its message.
func Summary(err error) string {
	var e *Error
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

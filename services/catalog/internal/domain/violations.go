package domain

import (
	"errors"
	"regexp"
	"strconv"

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

// Field builds a violation's field path: Field("content.skus", 2, "weight_g")
// is "content.skus[2].weight_g".
func Field(list string, i int, sub string) string {
	f := list + "[" + strconv.Itoa(i) + "]"
	if sub != "" {
		f += "." + sub
	}
	return f
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// MapField names one entry of a map field the way field masks do (AIP-161):
// "content.attributes.colour", with back-quotes around keys that are not
// plain identifiers.
func MapField(m, key string) string {
	if plainKey.MatchString(key) {
		return m + "." + key
	}
	return m + ".`" + key + "`"
}

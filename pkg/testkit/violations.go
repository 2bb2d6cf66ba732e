package testkit

import (
	"errors"
	"slices"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Fields returns the sorted field names of a validation error's
// violations (their order is no part of the contract), or nil for a nil
// error; any other error fails the test, so a table test of bad input checks
// the kind and the fields in one line.
func Fields(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
		t.Fatalf("error %v is not InvalidArgument", err)
	}
	out := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		out = append(out, v.Field)
	}
	slices.Sort(out)
	return out
}

// FieldsOf returns the sorted field names of an error's violations, nil
// for an error without any (or no error): for tests whose cases mix bad
// fields with other refusals (NotFound, FailedPrecondition).
func FieldsOf(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	out := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		out = append(out, v.Field)
	}
	slices.Sort(out)
	return out
}

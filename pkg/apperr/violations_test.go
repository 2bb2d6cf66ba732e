package apperr_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
)

func fields(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, v := range e.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestViolations(t *testing.T) {
	var v apperr.Violations
	if v.Err() != nil {
		t.Fatal("no violations must be no error")
	}
	v.Add("name", "is required")
	if other := v.Merge(apperr.InvalidField("lines[0].quantity", "must be positive")); other != nil {
		t.Fatalf("merging a validation error returned %v", other)
	}
	boom := errors.New("database down")
	if other := v.Merge(boom); other != boom {
		t.Fatalf("merging another error returned %v, want it back", other)
	}
	err := v.Err()
	if apperr.KindOf(err) != apperr.KindInvalid || !slices.Equal(fields(err), []string{"name", "lines[0].quantity"}) {
		t.Errorf("Err() = %v with fields %v", err, fields(err))
	}
	if got := apperr.Summary(err); got != "name: is required; lines[0].quantity: must be positive" {
		t.Errorf("Summary = %q", got)
	}
	if got := apperr.Summary(boom); got != "database down" {
		t.Errorf("Summary of another error = %q", got)
	}
}

func TestJoinInvalid(t *testing.T) {
	boom := errors.New("database down")
	for _, tt := range []struct {
		name   string
		errs   []error
		fields []string
		other  error
	}{
		{"all nil", []error{nil, nil}, nil, nil},
		{"merged in order", []error{apperr.InvalidField("a", "x"), nil, apperr.InvalidField("b", "y")}, []string{"a", "b"}, nil},
		{"another error wins", []error{apperr.InvalidField("a", "x"), boom}, nil, boom},
	} {
		err := apperr.JoinInvalid(tt.errs...)
		switch {
		case tt.other != nil && err != tt.other:
			t.Errorf("%s: %v, want %v", tt.name, err, tt.other)
		case tt.other == nil && !slices.Equal(fields(err), tt.fields):
			t.Errorf("%s: fields %v, want %v", tt.name, fields(err), tt.fields)
		}
	}
}

func TestFieldPaths(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{apperr.Index("content.skus", 2, "weight_g"), "content.skus[2].weight_g"},
		{apperr.Index("lines", 0, ""), "lines[0]"},
		{apperr.MapKey("content.attributes", "colour"), "content.attributes.colour"},
		{apperr.MapKey("spec_values", "screen size"), "spec_values.`screen size`"},
	} {
		if tt.got != tt.want {
			t.Errorf("%q, want %q", tt.got, tt.want)
		}
	}
}

func TestParseID(t *testing.T) {
	if id, err := apperr.ParseID("product_id", "01a20282-6cb2-74ae-81d2-2b5f952c2d3d"); err != nil || id.String() != "01a20282-6cb2-74ae-81d2-2b5f952c2d3d" {
		t.Errorf("a UUID: %v %v", id, err)
	}
	for raw, want := range map[string]string{"": "is required", "42": "must be a UUID"} {
		_, err := apperr.ParseID("product_id", raw)
		var e *apperr.Error
		if !errors.As(err, &e) || len(e.Violations) != 1 || e.Violations[0].Field != "product_id" || e.Violations[0].Description != want {
			t.Errorf("ParseID(%q) = %v, want product_id %s", raw, err, want)
		}
	}
}

package apperr_test

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
)

func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		name     string
		check    func(*apperr.Violations, string, string, int, int) string
		in       string
		min, max int
		want     string // the text returned
		problem  string // the violation's description, "" for none
	}{
		{"trimmed", apperr.CheckText, "  Berlin \t", 1, 10, "Berlin", ""},
		{"empty and optional", apperr.CheckText, "", 0, 10, "", ""},
		{"blank and required", apperr.CheckText, "   ", 1, 10, "", "is required"},
		{"too short", apperr.CheckText, "a", 2, 10, "a", "is too short"},
		{"counted in characters, not bytes", apperr.CheckText, "Köln", 1, 4, "Köln", ""},
		{"too long", apperr.CheckText, "Kölnische", 1, 4, "Kölnische", "must be at most 4 characters"},
		{"invalid UTF-8", apperr.CheckText, "a\xffb", 1, 10, "a\xffb", "must be valid UTF-8"},
		{"line break in one line", apperr.CheckText, "a\nb", 1, 10, "a\nb", "must not contain control characters"},
		{"line break in long text", apperr.CheckLongText, "a\r\n\tb", 1, 10, "a\r\n\tb", ""},
		{"escape in long text", apperr.CheckLongText, "a\x1bb", 1, 10, "a\x1bb",
			"must not contain control characters other than line breaks and tabs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v apperr.Violations
			got := tt.check(&v, "f", tt.in, tt.min, tt.max)
			if got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			switch {
			case tt.problem == "" && len(v) > 0:
				t.Errorf("violations = %v, want none", v)
			case tt.problem != "" && (len(v) != 1 || v[0].Field != "f" || v[0].Description != tt.problem):
				t.Errorf("violations = %v, want f: %s", v, tt.problem)
			}
		})
	}
}

package restmarket

import (
	"testing"
	"time"
)

// The partner writes times as UTC+8 wall clock: 23:30 UTC is the next day
// there.
func TestPartnerTime(t *testing.T) {
	utc := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	if got := formatTime(utc); got != "2026-04-01 07:30:00" {
		t.Errorf("formatTime = %q", got)
	}
	back, err := parseTime("2026-04-01 07:30:00")
	if err != nil || !back.Equal(utc) || back.Location() != time.UTC {
		t.Errorf("parseTime = %v, %v; want %v", back, err, utc)
	}
	if _, err := parseTime("2026-04-01T07:30:00Z"); err == nil {
		t.Error("parseTime accepted RFC 3339")
	}
}

// A window is widened to whole seconds, never narrowed.
func TestWindowBounds(t *testing.T) {
	tests := []struct {
		name       string
		from, to   time.Time
		start, end string
	}{
		{"whole seconds", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC),
			"2026-01-01 08:00:00", "2026-01-01 09:00:00"},
		{"fractions", time.Date(2026, 1, 1, 15, 59, 59, 700, time.UTC), time.Date(2026, 1, 1, 16, 0, 0, 1, time.UTC),
			"2026-01-01 23:59:59", "2026-01-02 00:00:01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := windowBounds(tt.from, tt.to)
			if start != tt.start || end != tt.end {
				t.Errorf("windowBounds = %s, %s; want %s, %s", start, end, tt.start, tt.end)
			}
		})
	}
}

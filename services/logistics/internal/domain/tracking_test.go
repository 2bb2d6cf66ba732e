package domain_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

func TestDatedAhead(t *testing.T) {
	received := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		reported time.Time
		want     bool
	}{
		{"before its arrival", received.Add(-time.Hour), false},
		{"at its arrival", received, false},
		{"ahead within the tolerance", received.Add(domain.FutureTolerance), false},
		{"beyond the tolerance", received.Add(domain.FutureTolerance + time.Second), true},
		{"a year ahead", received.AddDate(1, 0, 0), true},
	} {
		if got := domain.DatedAhead(tc.reported, received); got != tc.want {
			t.Errorf("%s: DatedAhead = %v, want %v", tc.name, got, tc.want)
		}
	}
}

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

// An event dated ahead moves a parcel as if it occurred when it arrived;
// one within the tolerance keeps its date.
func TestAsApplied(t *testing.T) {
	received := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		reported, want time.Time
	}{
		{received.Add(-time.Hour), received.Add(-time.Hour)},
		{received.Add(domain.FutureTolerance), received.Add(domain.FutureTolerance)},
		{received.Add(20 * time.Minute), received},
		{received.AddDate(1, 0, 0), received},
	} {
		if got := domain.AsApplied(domain.TrackingEvent{OccurredAt: tc.reported}, received).OccurredAt; !got.Equal(tc.want) {
			t.Errorf("reported %v: applied at %v, want %v", tc.reported, got, tc.want)
		}
	}
}

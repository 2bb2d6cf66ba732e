package domain_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func TestCheckCountedAt(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		counted time.Time
		want    time.Time
		wantErr bool
	}{
		{name: "unset is now", want: now},
		{name: "an hour ago", counted: now.Add(-time.Hour), want: now.Add(-time.Hour)},
		{name: "a day ago, just", counted: now.Add(-domain.CountAge), want: now.Add(-domain.CountAge)},
		{name: "older than a day", counted: now.Add(-domain.CountAge - time.Second), wantErr: true},
		{name: "a little ahead (clock skew)", counted: now.Add(domain.CountAhead), want: now.Add(domain.CountAhead)},
		{name: "too far ahead", counted: now.Add(domain.CountAhead + time.Second), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.CheckCountedAt(tt.counted, now)
			if (err != nil) != tt.wantErr || (!tt.wantErr && !got.Equal(tt.want)) {
				t.Fatalf("CheckCountedAt = %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCountedOnHand(t *testing.T) {
	tests := []struct{ count, moved, want int64 }{
		{count: 10, moved: 0, want: 10},
		{count: 10, moved: -3, want: 7}, // 3 picked up after the count
		{count: 10, moved: 5, want: 15}, // 5 received after the count
		{count: 2, moved: -3, want: 0},  // the count missed goods that left since: never below zero
	}
	for _, tt := range tests {
		if got := domain.CountedOnHand(tt.count, tt.moved); got != tt.want {
			t.Errorf("CountedOnHand(%d, %d) = %d, want %d", tt.count, tt.moved, got, tt.want)
		}
	}
}

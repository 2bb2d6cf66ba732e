package load

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestScheduleArrivals(t *testing.T) {
	tests := []struct {
		rate     float64
		duration time.Duration
		want     int
		last     time.Duration // when the last arrival is due
	}{
		{10, 30 * time.Second, 300, 29900 * time.Millisecond},
		{5, 5 * time.Second, 25, 4800 * time.Millisecond},
		{1, time.Second, 1, 0},
		{3, time.Second, 3, 666666667},
		{0.5, 5 * time.Second, 3, 4 * time.Second},
		{2.5, 2 * time.Second, 5, 1600 * time.Millisecond},
		{1000, 100 * time.Millisecond, 100, 99 * time.Millisecond},
		{0.1, 15 * time.Second, 2, 10 * time.Second},
		{0.01, time.Second, 1, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/s for %v", tt.rate, tt.duration), func(t *testing.T) {
			s, err := NewSchedule(tt.rate, tt.duration)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Arrivals(); got != tt.want {
				t.Fatalf("%d arrivals, want %d", got, tt.want)
			}
			if got := s.At(s.Arrivals() - 1); got != tt.last {
				t.Errorf("the last arrival is due at %v, want %v", got, tt.last)
			}
			if s.At(s.Arrivals()-1) >= tt.duration {
				t.Errorf("the last arrival is due at %v, not within %v", s.At(s.Arrivals()-1), tt.duration)
			}
		})
	}
}

func TestNewScheduleRefuses(t *testing.T) {
	tests := []struct {
		rate     float64
		duration time.Duration
		want     string
	}{
		{0, time.Second, "positive number of arrivals"},
		{-1, time.Second, "positive number of arrivals"},
		{10, 0, "duration must be positive"},
		{100000, time.Hour, "more than 1000000"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/s for %v", tt.rate, tt.duration), func(t *testing.T) {
			if _, err := NewSchedule(tt.rate, tt.duration); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// Run fires every arrival at its due time on the clock, counted from the
// start, however long each fire takes; one whose time passed during a slow
// fire goes at once and is told how late it is.
func TestScheduleRunFiresOnTime(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64
		duration time.Duration
		fireTook func(k int) time.Duration // time a fire holds the scheduler
		late     map[int]time.Duration     // arrivals fired late, and by how much
	}{
		{name: "10/s for 2s", rate: 10, duration: 2 * time.Second, fireTook: func(int) time.Duration { return 0 }},
		{name: "3/s for 1s", rate: 3, duration: time.Second, fireTook: func(int) time.Duration { return 0 }},
		{name: "fires that take time do not shift the timetable", rate: 4, duration: 2 * time.Second,
			fireTook: func(int) time.Duration { return 100 * time.Millisecond }},
		{name: "a stall makes the next arrivals late, not later ones", rate: 10, duration: time.Second,
			fireTook: func(k int) time.Duration {
				if k == 2 {
					return 250 * time.Millisecond
				}
				return 0
			},
			late: map[int]time.Duration{3: 150 * time.Millisecond, 4: 50 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.rate, tt.duration)
			if err != nil {
				t.Fatal(err)
			}
			clock := newFakeClock()
			start := clock.Now()
			var fired []int
			n := s.Run(context.Background(), clock, func(k int, late time.Duration) {
				fired = append(fired, k)
				want := s.At(k) + tt.late[k]
				if at := clock.Now().Sub(start); at != want {
					t.Errorf("arrival %d fired at %v, want %v", k, at, want)
				}
				if late != tt.late[k] {
					t.Errorf("arrival %d told it is %v late, want %v", k, late, tt.late[k])
				}
				clock.advance(tt.fireTook(k))
			})
			if n != s.Arrivals() || len(fired) != s.Arrivals() {
				t.Fatalf("fired %d (returned %d), want %d", len(fired), n, s.Arrivals())
			}
			for i, k := range fired {
				if k != i {
					t.Fatalf("fired out of order: %v", fired)
				}
			}
		})
	}
}

// A cancelled run stops firing.
func TestScheduleRunStops(t *testing.T) {
	s, _ := NewSchedule(10, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	n := s.Run(ctx, newFakeClock(), func(k int, _ time.Duration) {
		if k == 4 {
			cancel()
		}
	})
	if n != 5 {
		t.Fatalf("fired %d arrivals after a cancel at the fifth, want 5", n)
	}
}

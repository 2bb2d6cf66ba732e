package load

import (
	"context"
	"fmt"
	"math"
	"time"
)

// MaxArrivals bounds one run: the plan of every arrival is made before the
// run starts, and a generator on a laptop has no business launching more.
const MaxArrivals = 1_000_000

// Schedule is the fixed timetable of an open-model run: arrival k is due at
// k/Rate seconds after the start, for every k with k/Rate < Duration. It does
// not depend on how fast anything answers.
type Schedule struct {
	Rate     float64 // arrivals per second
	Duration time.Duration
}

// NewSchedule checks a rate and a duration and returns their schedule.
func NewSchedule(rate float64, d time.Duration) (Schedule, error) {
	s := Schedule{Rate: rate, Duration: d}
	switch {
	case math.IsNaN(rate) || math.IsInf(rate, 0) || rate <= 0:
		return Schedule{}, fmt.Errorf("the rate must be a positive number of arrivals per second, not %v", rate)
	case d <= 0:
		return Schedule{}, fmt.Errorf("the duration must be positive, not %v", d)
	case s.Arrivals() > MaxArrivals:
		return Schedule{}, fmt.Errorf("%v at %v/s schedules %d arrivals, more than %d", d, rate, s.Arrivals(), MaxArrivals)
	}
	return s, nil
}

// Arrivals is how many arrivals the schedule holds: ⌈Rate × Duration⌉, the
// count of k ≥ 0 with k/Rate < Duration.
func (s Schedule) Arrivals() int {
	n := math.Ceil(s.Rate * s.Duration.Seconds())
	if n > MaxArrivals+1 {
		return MaxArrivals + 1
	}
	// A product that should be a whole number may land a hair above it
	// (5/s × 5s = 25.000000000000004): it is not one more arrival.
	if whole := math.Round(s.Rate * s.Duration.Seconds()); math.Abs(whole-s.Rate*s.Duration.Seconds()) < 1e-9 {
		n = whole
	}
	return int(n)
}

// At is when arrival k is due, from the start of the run.
func (s Schedule) At(k int) time.Duration {
	return time.Duration(math.Round(float64(k) * float64(time.Second) / s.Rate))
}

// Clock is the time source of a run; tests give a fake one.
type Clock interface {
	Now() time.Time
	// After delivers once d has passed.
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns the current time.
func (RealClock) Now() time.Time { return time.Now() }

// After waits on a timer.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Run calls fire for every arrival at its due time, from the clock's now,
// until the schedule ends or ctx is done. It never waits for what fire
// started: fire must return at once (launching its work elsewhere), which is
// what keeps the model open. An arrival whose time passed while the process
// was held up (a pause, a slow fire) is fired at once, late, rather than
// skipped; fire is told how late. Run returns how many arrivals it fired.
func (s Schedule) Run(ctx context.Context, clock Clock, fire func(k int, late time.Duration)) int {
	start := clock.Now()
	n := s.Arrivals()
	for k := range n {
		if ctx.Err() != nil {
			return k
		}
		due := start.Add(s.At(k))
		if wait := due.Sub(clock.Now()); wait > 0 {
			select {
			case <-clock.After(wait):
			case <-ctx.Done():
				return k
			}
		}
		fire(k, max(0, clock.Now().Sub(due)))
	}
	return n
}

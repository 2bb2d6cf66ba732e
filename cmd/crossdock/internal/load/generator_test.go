package load

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
)

// blockingJourneys is a fake journey: each tells started its arrival and
// then waits for release, as a request to a stalled mesh would.
type blockingJourneys struct {
	started chan int
	release chan struct{}
	outcome func(k int) Outcome
}

func newBlockingJourneys(n int) *blockingJourneys {
	return &blockingJourneys{started: make(chan int, n), release: make(chan struct{}),
		outcome: func(int) Outcome {
			return Outcome{Samples: []Sample{{Step: StepBrowse, Took: time.Millisecond}, {Step: StepJourney, Took: 3 * time.Millisecond}}}
		}}
}

func (b *blockingJourneys) run(_ context.Context, k int, _ time.Time) Outcome {
	b.started <- k
	<-b.release
	return b.outcome(k)
}

// waitFor polls cond in real time: the generator's goroutines run for real
// even when its clock is fake.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The open-model property: while the first journeys are stuck, every later
// arrival is still launched, at its own time (none late), instead of
// waiting for a worker to come free.
func TestGeneratorDoesNotWaitForSlowJourneys(t *testing.T) {
	s, _ := NewSchedule(20, time.Second)
	n := s.Arrivals()
	journeys := newBlockingJourneys(n)
	rec := NewRecorder()
	gen := &Generator{Schedule: s, Clock: newFakeClock(), MaxInFlight: 1000, Journey: journeys.run, Recorder: rec}
	done := make(chan time.Duration)
	go func() { done <- gen.Run(context.Background()) }()

	waitFor(t, "every arrival to start", func() bool { return len(journeys.started) == n })
	c := rec.Counts()
	if c.Arrivals != int64(n) || c.InFlight != int64(n) || c.Dropped != 0 || c.Completed != 0 {
		t.Fatalf("with every journey stuck: %+v, want %d arrivals all in flight", c, n)
	}
	if late := time.Duration(rec.maxLate.Load()); late != 0 {
		t.Errorf("an arrival was launched %v late behind stuck journeys", late)
	}
	select {
	case <-done:
		t.Fatal("Run returned while journeys were in flight")
	default:
	}
	close(journeys.release)
	if elapsed := <-done; elapsed != s.At(n-1) {
		t.Errorf("elapsed %v on the fake clock, want %v (the last arrival's time)", elapsed, s.At(n-1))
	}
	if c := rec.Counts(); c.Completed != int64(n) || c.InFlight != 0 {
		t.Errorf("after release: %+v", c)
	}
}

// At the in-flight bound an arrival is dropped and counted, never queued.
func TestGeneratorDropsAtTheBound(t *testing.T) {
	tests := []struct {
		maxInFlight, arrivals int
	}{
		{1, 10}, {3, 10}, {10, 10}, {50, 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d in flight of %d", tt.maxInFlight, tt.arrivals), func(t *testing.T) {
			s, _ := NewSchedule(float64(tt.arrivals), time.Second)
			journeys := newBlockingJourneys(tt.arrivals)
			rec := NewRecorder()
			gen := &Generator{Schedule: s, Clock: newFakeClock(), MaxInFlight: tt.maxInFlight, Journey: journeys.run, Recorder: rec}
			done := make(chan time.Duration)
			go func() { done <- gen.Run(context.Background()) }()

			launched := min(tt.maxInFlight, tt.arrivals)
			waitFor(t, "the schedule to end", func() bool { return rec.Counts().Arrivals == int64(tt.arrivals) })
			c := rec.Counts()
			if c.InFlight != int64(launched) || c.Dropped != int64(tt.arrivals-launched) {
				t.Errorf("%+v, want %d in flight and %d dropped", c, launched, tt.arrivals-launched)
			}
			close(journeys.release)
			<-done
			if c := rec.Counts(); c.Completed != int64(launched) || c.InFlight != 0 {
				t.Errorf("after release: %+v, want %d completed", c, launched)
			}
		})
	}
}

// Failed journeys are counted as errors by step and class; their successful
// steps still count in the latency table.
func TestGeneratorRecordsOutcomes(t *testing.T) {
	s, _ := NewSchedule(6, time.Second)
	stock := &APIError{Method: "POST", Path: "/v1/checkouts", Status: 400, Code: codes.FailedPrecondition, Reason: "INSUFFICIENT_STOCK", Message: "only 0 left"}
	journeys := newBlockingJourneys(s.Arrivals())
	journeys.outcome = func(k int) Outcome {
		browse := Sample{Step: StepBrowse, Took: time.Duration(k+1) * time.Millisecond}
		switch k % 3 {
		case 1:
			return Outcome{Samples: []Sample{browse, {Step: StepCheckout, Took: time.Millisecond, Err: stock}}}
		case 2:
			return Outcome{Samples: []Sample{browse, {Step: StepCheckout, Took: time.Millisecond}, {Step: StepPay, Err: fmt.Errorf("POST /pay: %w", context.DeadlineExceeded)}}}
		}
		return Outcome{Samples: []Sample{browse, {Step: StepCheckout, Took: 2 * time.Millisecond}, {Step: StepPay, Took: time.Millisecond},
			{Step: StepPlacedToPaid, Took: time.Millisecond}, {Step: StepJourney, Took: 5 * time.Millisecond}}}
	}
	close(journeys.release)
	rec := NewRecorder()
	gen := &Generator{Schedule: s, Clock: newFakeClock(), MaxInFlight: 10, Journey: journeys.run, Recorder: rec}
	gen.Run(context.Background())

	if c := rec.Counts(); c.Completed != 2 || c.Failed != 4 {
		t.Fatalf("%+v, want 2 completed and 4 failed", c)
	}
	steps, errs := rec.stats()
	want := map[Step][2]int{StepBrowse: {6, 0}, StepCheckout: {4, 2}, StepPay: {2, 2}, StepPlacedToPaid: {2, 0}, StepJourney: {2, 0}}
	for _, st := range steps {
		if got := [2]int{st.Count, st.Errors}; got != want[st.Step] {
			t.Errorf("%s: %d ok and %d errors, want %v", st.Step, st.Count, st.Errors, want[st.Step])
		}
	}
	if steps[0].Step != StepBrowse || steps[0].Max != 6*time.Millisecond || steps[0].P50 != 3*time.Millisecond {
		t.Errorf("browse stats %+v", steps[0])
	}
	if len(errs) != 2 ||
		errs[0] != (ErrorCount{Step: StepCheckout, Class: "HTTP 400 FAILED_PRECONDITION INSUFFICIENT_STOCK", Count: 2, Example: stock.Error()}) ||
		errs[1].Step != StepPay || errs[1].Class != "timeout" || errs[1].Count != 2 {
		t.Errorf("errors %+v", errs)
	}
}

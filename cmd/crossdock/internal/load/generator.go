package load

import (
	"context"
	"sync"
	"time"
)

// JourneyFunc runs arrival k's journey and reports what happened. It gets a
// context that outlives an interrupted run (its own calls are bounded by
// their timeouts), so journeys in flight finish and are counted, and the
// time the arrival was due, from which the journey counts: a generator
// late to fire it, or a goroutine slow to start, is time the buyer waited
// too (leaving it out hides exactly the delays of a saturated machine).
type JourneyFunc func(ctx context.Context, k int, due time.Time) Outcome

// Generator launches the journeys of a schedule as an open model.
type Generator struct {
	Schedule Schedule
	Clock    Clock
	// MaxInFlight bounds the journeys running at once. A journey makes one
	// request at a time, so this also bounds the requests in flight. An
	// arrival that finds the bound reached is dropped, not queued: queueing
	// would turn the open model back into a closed one.
	MaxInFlight int
	Journey     JourneyFunc
	Recorder    *Recorder
}

// Run fires the schedule until it ends or ctx is done, then waits for the
// journeys in flight, and returns how long that took from the first
// arrival: the load phase's elapsed time.
func (g *Generator) Run(ctx context.Context) time.Duration {
	slots := make(chan struct{}, g.MaxInFlight)
	journeys := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	start := g.Clock.Now()
	g.Schedule.Run(ctx, g.Clock, func(k int, late time.Duration) {
		due := g.Clock.Now().Add(-late)
		select {
		case slots <- struct{}{}:
		default:
			g.Recorder.arrived(late, true)
			return
		}
		g.Recorder.arrived(late, false)
		wg.Go(func() {
			defer func() { <-slots }()
			g.Recorder.finished(g.Journey(journeys, k, due))
		})
	})
	wg.Wait()
	return g.Clock.Now().Sub(start)
}

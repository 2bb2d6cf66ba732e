package load

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress shows a run as it goes, once a second: redrawn in place (\r) on a
// terminal, one line each time otherwise (a log keeps every line).
type Progress struct {
	W        io.Writer
	Terminal bool
	Recorder *Recorder

	start         time.Time
	lastCompleted int64
	lastAt        time.Time
	width         int
}

// Run updates the line every second until ctx is done, then ends the line
// (a terminal's cursor is left after it). The caller cancels ctx once the
// run is over and waits for Run to return.
func (p *Progress) Run(ctx context.Context) {
	p.start, p.lastAt = time.Now(), time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case now := <-tick.C:
			p.show(now)
		case <-ctx.Done():
			if p.Terminal && p.width > 0 {
				fmt.Fprintln(p.W)
			}
			return
		}
	}
}

func (p *Progress) show(now time.Time) {
	c := p.Recorder.Counts()
	rate := float64(c.Completed-p.lastCompleted) / max(now.Sub(p.lastAt).Seconds(), 1e-9)
	p.lastCompleted, p.lastAt = c.Completed, now
	line := progressLine(now.Sub(p.start), c, rate)
	if !p.Terminal {
		fmt.Fprintln(p.W, line)
		return
	}
	// Pad over what a longer previous line left on screen.
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	fmt.Fprint(p.W, "\r"+line+strings.Repeat(" ", pad))
}

// progressLine is one progress report: elapsed, arrivals, completed, in
// flight, errors (failed journeys), dropped arrivals, and the journeys
// completed per second over the last interval.
func progressLine(elapsed time.Duration, c Counts, rate float64) string {
	line := fmt.Sprintf("%5s  arrivals %d  completed %d  in flight %d  errors %d",
		elapsed.Round(time.Second), c.Arrivals, c.Completed, c.InFlight, c.Failed)
	if c.Dropped > 0 {
		line += fmt.Sprintf("  dropped %d", c.Dropped)
	}
	return line + fmt.Sprintf("  %.1f/s", rate)
}

// Package periodic runs a service's background step (a purge, a sweep, a
// retry of what failed) at start and then at a fixed interval, for as long
// as the service runs.
package periodic

import (
	"context"
	"log/slog"
	"time"
)

// Run runs step at once and then every interval until ctx ends. A step's
// error goes to report, except one that came from ctx ending; the next tick
// runs the step again. A step that overruns the interval is followed by
// the next without a pause, never by two at once.
func Run(ctx context.Context, interval time.Duration, step func(context.Context) error, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := step(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		if ctx.Err() != nil {
			return // the tick may be due too: a select would pick either
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Drain calls step, which works on at most limit rows (a purge deleting
// them), until a call does fewer than limit or fails, and returns how many
// rows the calls did in all. A purge in bounded steps never holds one long
// transaction over a large backlog.
func Drain(ctx context.Context, limit int, step func(ctx context.Context, limit int) (int, error)) (int, error) {
	total := 0
	for {
		n, err := step(ctx, limit)
		total += n
		if err != nil || n < limit {
			return total, err
		}
	}
}

// RunPurge runs purge with Run, logging how many of what it purged when it
// purged some, and its failures as warnings: the loop behind every
// retention rule.
func RunPurge(ctx context.Context, interval time.Duration, what string, log *slog.Logger, purge func(context.Context) (int, error)) {
	Run(ctx, interval, func(ctx context.Context) error {
		n, err := purge(ctx)
		if n > 0 {
			log.Info("purged "+what, "count", n)
		}
		return err
	}, func(err error) { log.Warn("purging "+what, "error", err) })
}

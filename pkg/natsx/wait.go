package natsx

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/nats-io/nats.go/jetstream"
)

// Bounds of the wait for another area's stream: the first retry comes soon
// (the owner is usually starting beside us), later ones at most every
// streamWaitMax, so a long wait costs one log line and one request a while.
const (
	streamWaitInitial = 250 * time.Millisecond
	streamWaitMax     = 10 * time.Second
)

// WaitForStream returns the named stream once it exists, waiting as long as
// ctx allows. Only the owning area's service creates and configures a stream;
// a consumer of another area must neither create it (it would fix the
// owner's configuration) nor fail because it started first. Every failed
// look-up (no stream yet, the broker not reachable) is logged and retried
// with jittered exponential backoff; the error is ctx's once it ends.
func WaitForStream(ctx context.Context, js jetstream.JetStream, name string, log *slog.Logger) (jetstream.Stream, error) {
	if log == nil {
		log = slog.Default()
	}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = streamWaitInitial, streamWaitMax
	start := time.Now()
	s, err := backoff.Retry(ctx, func() (jetstream.Stream, error) {
		return js.Stream(ctx, name)
	},
		backoff.WithBackOff(b),
		backoff.WithMaxElapsedTime(0), // until ctx ends
		backoff.WithNotify(func(err error, next time.Duration) {
			log.Info("waiting for stream", "stream", name, "waited", time.Since(start).Round(time.Millisecond),
				"retry_in", next.Round(time.Millisecond), "error", err)
		}))
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, fmt.Errorf("wait for stream %s: %w", name, err)
	}
	return s, nil
}

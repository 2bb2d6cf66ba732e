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
	start := time.Now()
	s, err := RetryUntil(ctx, func() (jetstream.Stream, error) {
		return js.Stream(ctx, name)
	}, func(err error, next time.Duration) {
		log.Info("waiting for stream", "stream", name, "waited", time.Since(start).Round(time.Millisecond),
			"retry_in", next.Round(time.Millisecond), "error", err)
	})
	if err != nil {
		return nil, fmt.Errorf("wait for stream %s: %w", name, err)
	}
	return s, nil
}

// RetryUntil runs fn until it succeeds or ctx ends (the error is then
// ctx's cause), with the stream wait's jittered exponential backoff
// between tries, calling notify after each failure. Setting up against
// the broker (a stream, a durable consumer) goes through it: a broker
// that is restarting or electing a leader is waited for, never a reason
// for the service to stop.
func RetryUntil[T any](ctx context.Context, fn func() (T, error), notify func(err error, next time.Duration)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = streamWaitInitial, streamWaitMax
	v, err := backoff.Retry(ctx, fn,
		backoff.WithBackOff(b),
		backoff.WithMaxElapsedTime(0), // until ctx ends
		backoff.WithNotify(notify))
	if err != nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	return v, err
}

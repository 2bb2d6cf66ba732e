// Package retry holds the kit's one backoff shape for github.com/cenkalti/backoff/v5,
// so every loop that waits for a dependency or re-runs a lost transaction
// paces itself the same way: exponential, doubling, jittered by ±50 % so that
// replicas and goroutines that failed together do not retry together. Callers
// pass it to backoff.Retry, which also stops on the context.
package retry

import (
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Exponential returns a backoff that starts near initial, doubles after every
// failure and never waits longer than ceiling (both ±50 % jitter). Each call
// returns a fresh one: a backoff holds the state of one retry loop.
func Exponential(initial, ceiling time.Duration) *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     initial,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         ceiling,
	}
}

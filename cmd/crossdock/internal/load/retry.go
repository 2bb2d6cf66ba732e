package load

import (
	"context"
	"errors"
	"time"
)

// setupPatience is how long setup keeps retrying a call the gateway answered
// with "not now" (429 or 503): the credential routes are rate-limited per
// client address, and the payment sandbox may inject 503s.
const setupPatience = 60 * time.Second

// retrying runs call until it succeeds, fails with an answer other than 429
// or 503, or setupPatience has passed, waiting as Retry-After asks (at least
// 200ms) in between. Only setup retries: during the load phase every answer
// counts as it came.
func retrying(ctx context.Context, call func() error) error {
	stop := time.Now().Add(setupPatience)
	for {
		err := call()
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || !ae.Retryable() || time.Now().After(stop) {
			return err
		}
		select {
		case <-time.After(max(ae.RetryAfter, 200*time.Millisecond)):
		case <-ctx.Done():
			return err
		}
	}
}

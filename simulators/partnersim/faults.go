package partnersim

import (
	"context"
	"time"
)

// FaultKind is how an injected fault fails a call.
type FaultKind int

// The kinds of call failures.
const (
	// FaultRateLimited asks the caller to wait RetryAfter.
	FaultRateLimited FaultKind = iota + 1
	// FaultServerError fails the call as the partner's server breaking.
	FaultServerError
)

// FaultError is a call failed on purpose; frontends answer it in their
// protocol (gRPC RESOURCE_EXHAUSTED with a "retry-after" trailer or
// UNAVAILABLE; REST 429 with Retry-After or 503).
type FaultError struct {
	Kind FaultKind
	// RetryAfter is how long a rate-limited caller is asked to wait.
	RetryAfter time.Duration
}

func (e *FaultError) Error() string {
	if e.Kind == FaultRateLimited {
		return "partnersim: rate limited, retry after " + e.RetryAfter.String()
	}
	return "partnersim: server error injected on purpose"
}

// Fault decides, for one incoming call, whether to fail it before it does
// anything: nil, or a *FaultError. Frontends call it first in every call
// but the handshake.
func (m *Market) Fault() error {
	f := m.callFaults.Load()
	switch {
	case m.rand.chance(f.RateLimit):
		return &FaultError{Kind: FaultRateLimited, RetryAfter: f.RetryAfter}
	case m.rand.chance(f.ServerError):
		return &FaultError{Kind: FaultServerError}
	}
	return nil
}

// Delay hangs for Faults.TimeoutDelay in a share Faults.Timeout of the
// calls, or until ctx ends. Frontends call it after doing a call's work
// and before answering, so the caller times out on a call that happened.
// Cut short by ctx it returns ctx's error, which the frontend answers
// instead of the result: a caller whose deadline the server saw pass first
// (deadlines travel rounded) must not hear a success.
func (m *Market) Delay(ctx context.Context) error {
	f := m.cfg.Faults
	if f.TimeoutDelay <= 0 || !m.rand.chance(f.Timeout) {
		return nil
	}
	t := time.NewTimer(f.TimeoutDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

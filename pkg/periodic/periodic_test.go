package periodic_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/periodic"
)

// The step runs at start, again on every tick, its errors are reported,
// and Run returns when ctx ends; an error caused by ctx ending is not
// reported.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	var reported []error
	failing := errors.New("database down")
	done := make(chan struct{})
	go func() {
		defer close(done)
		periodic.Run(ctx, 10*time.Millisecond, func(ctx context.Context) error {
			switch runs.Add(1) {
			case 1:
				return failing
			case 3:
				cancel()
				return ctx.Err()
			}
			return nil
		}, func(err error) { reported = append(reported, err) })
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
	if got := runs.Load(); got != 3 {
		t.Errorf("the step ran %d times, want 3: at start, then on two ticks", got)
	}
	if len(reported) != 1 || !errors.Is(reported[0], failing) {
		t.Errorf("reported %v, want only the step's own failure", reported)
	}
}

// The first run does not wait for the interval.
func TestRunStartsAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go periodic.Run(ctx, time.Hour, func(context.Context) error {
		cancel()
		close(ran)
		return nil
	}, func(error) {})
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the step waited for the interval")
	}
}

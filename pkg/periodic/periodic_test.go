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

// Drain steps until a short step, or a failing one, and counts every row.
func TestDrain(t *testing.T) {
	failing := errors.New("lock timeout")
	tests := []struct {
		name      string
		backlog   int
		failAt    int // the call that fails (1-based); 0: none
		wantTotal int
		wantCalls int
		wantErr   error
	}{
		{name: "nothing to do", backlog: 0, wantTotal: 0, wantCalls: 1},
		{name: "less than a step", backlog: 3, wantTotal: 3, wantCalls: 1},
		{name: "exactly two steps", backlog: 20, wantTotal: 20, wantCalls: 3},
		{name: "two steps and a part", backlog: 25, wantTotal: 25, wantCalls: 3},
		{name: "a failing step", backlog: 25, failAt: 2, wantTotal: 10, wantCalls: 2, wantErr: failing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			left, calls := tt.backlog, 0
			total, err := periodic.Drain(context.Background(), 10, func(_ context.Context, limit int) (int, error) {
				calls++
				if calls == tt.failAt {
					return 0, failing
				}
				n := min(left, limit)
				left -= n
				return n, nil
			})
			if total != tt.wantTotal || calls != tt.wantCalls || !errors.Is(err, tt.wantErr) {
				t.Errorf("Drain = %d after %d calls, %v; want %d after %d, %v", total, calls, err, tt.wantTotal, tt.wantCalls, tt.wantErr)
			}
		})
	}
}

package periodic_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
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

// RunPurge logs what a purge removed, stays quiet when it removed nothing,
// and warns of a failure.
func TestRunPurgeLogs(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	ctx, cancel := context.WithCancel(context.Background())
	results := []struct {
		n   int
		err error
	}{{n: 7}, {n: 0}, {n: 2, err: errors.New("lock timeout")}, {n: 0}} // ctx ends in the last
	calls := 0
	periodic.RunPurge(ctx, time.Millisecond, "old rows", log, func(context.Context) (int, error) {
		r := results[calls]
		calls++
		if calls == len(results) {
			cancel()
		}
		return r.n, r.err
	})
	got := out.String()
	for _, want := range []string{`level=INFO msg="purged old rows" count=7`, `level=INFO msg="purged old rows" count=2`, `level=WARN msg="purging old rows" error="lock timeout"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "purged old rows"); n != 2 {
		t.Errorf("%d purge lines, want 2 (none for a purge of nothing):\n%s", n, got)
	}
}

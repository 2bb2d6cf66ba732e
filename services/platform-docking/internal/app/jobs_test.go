package app

import (
	"context"
	"testing"
	"time"
)

func TestWaitForRound(t *testing.T) {
	// At-once rows carry a gap far longer than their generous bound, so
	// waiting it out fails them while a slow, busy machine does not.
	const gap, atOnce = 10 * time.Second, 2 * time.Second
	tests := []struct {
		name    string
		tick    bool
		nudge   bool
		gap     time.Duration
		cancel  bool
		want    bool
		atLeast time.Duration
		atMost  time.Duration
	}{
		{name: "a tick runs the round at once", tick: true, gap: gap, want: true, atMost: atOnce},
		{name: "a nudge waits out the gap", nudge: true, gap: 80 * time.Millisecond, want: true, atLeast: 80 * time.Millisecond},
		{name: "a nudge after the gap runs at once", nudge: true, gap: -time.Millisecond, want: true, atMost: atOnce},
		{name: "an ended context stops the loop", cancel: true, gap: gap, want: false, atMost: atOnce},
		{name: "an ended context stops a nudge's wait", nudge: true, cancel: true, gap: time.Hour, want: false, atMost: atOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tick := make(chan time.Time, 1)
			wake := make(chan struct{}, 1)
			if tt.tick {
				tick <- time.Now()
			}
			if tt.nudge {
				wake <- struct{}{}
			}
			if tt.cancel {
				if tt.nudge {
					time.AfterFunc(20*time.Millisecond, cancel)
				} else {
					cancel()
				}
			}
			start := time.Now()
			got := waitForRound(ctx, tick, wake, tt.gap)
			took := time.Since(start)
			if got != tt.want {
				t.Fatalf("waitForRound = %v, want %v", got, tt.want)
			}
			if took < tt.atLeast {
				t.Errorf("returned after %v, want at least %v", took, tt.atLeast)
			}
			if tt.atMost > 0 && took > tt.atMost {
				t.Errorf("returned after %v, want at most %v", took, tt.atMost)
			}
		})
	}
}

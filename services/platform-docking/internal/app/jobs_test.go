package app

import (
	"context"
	"testing"
	"time"
)

func TestWaitForRound(t *testing.T) {
	const gap = 80 * time.Millisecond
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
		{name: "a tick runs the round at once", tick: true, gap: gap, want: true, atMost: gap / 2},
		{name: "a nudge waits out the gap", nudge: true, gap: gap, want: true, atLeast: gap},
		{name: "a nudge after the gap runs at once", nudge: true, gap: -time.Millisecond, want: true, atMost: gap / 2},
		{name: "an ended context stops the loop", cancel: true, gap: gap, want: false, atMost: gap / 2},
		{name: "an ended context stops a nudge's wait", nudge: true, cancel: true, gap: time.Hour, want: false, atMost: time.Second},
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

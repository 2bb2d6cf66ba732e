package retry_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/retry"
)

func TestExponentialDoublesWithJitterUpToItsCap(t *testing.T) {
	const initial, ceiling = 10 * time.Millisecond, 75 * time.Millisecond
	b := retry.Exponential(initial, ceiling)
	// The un-jittered intervals are 10, 20, 40, then 75 ms for good; each
	// wait lies within ±50 % of its interval.
	for i, want := range []time.Duration{10, 20, 40, 75, 75, 75} {
		want *= time.Millisecond
		got := b.NextBackOff()
		if got < want/2 || got > want*3/2 {
			t.Errorf("wait %d = %v, want %v ± 50 %%", i+1, got, want)
		}
	}
	b.Reset()
	if got := b.NextBackOff(); got < initial/2 || got > initial*3/2 {
		t.Errorf("after Reset: wait = %v, want %v ± 50 %%", got, initial)
	}
}

func TestExponentialJitters(t *testing.T) {
	// Twenty fresh backoffs that all waited the same would retry in lockstep.
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[retry.Exponential(time.Second, time.Minute).NextBackOff()] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 first waits were all %v: no jitter", seen)
	}
}

package load

import (
	"fmt"
	"testing"
	"time"
)

// ms makes sorted samples 1ms, 2ms, … n ms.
func ms(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{7}, 50, 7},
		{[]time.Duration{7}, 99, 7},
		{[]time.Duration{7}, 100, 7},
		{[]time.Duration{1, 2}, 50, 1},
		{[]time.Duration{1, 2}, 51, 2},
		{[]time.Duration{1, 2, 3, 4}, 50, 2},
		{[]time.Duration{1, 2, 3, 4}, 75, 3},
		{[]time.Duration{1, 2, 3, 4}, 76, 4},
		{ms(100), 50, 50 * time.Millisecond},
		{ms(100), 95, 95 * time.Millisecond},
		{ms(100), 99, 99 * time.Millisecond},
		{ms(100), 100, 100 * time.Millisecond},
		{ms(1000), 99.9, 999 * time.Millisecond},
		{ms(10), 95, 10 * time.Millisecond},
		{ms(10), 90, 9 * time.Millisecond},
		{ms(20), 95, 19 * time.Millisecond},
		{ms(3), 0, 1 * time.Millisecond},
		{ms(3), -5, 1 * time.Millisecond},
		{ms(3), 150, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("p%v of %d", tt.p, len(tt.samples)), func(t *testing.T) {
			if got := Percentile(tt.samples, tt.p); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

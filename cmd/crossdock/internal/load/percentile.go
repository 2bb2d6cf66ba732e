package load

import (
	"math"
	"time"
)

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted samples by
// the nearest-rank method: the smallest sample with at least p% of the
// samples at or below it. It is exact (a recorded sample, never an
// interpolation) and 0 when there are no samples. p ≤ 0 gives the minimum.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// p×n/100 in that order keeps whole ranks exact (95×100/100 is 95, where
	// 0.95×100 is not); the epsilon absorbs the error of fractional p.
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9))
	return sorted[min(max(rank, 1), n)-1]
}

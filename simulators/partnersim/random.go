package partnersim

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// random is the marketplace's one source of chance. A seeded math/rand/v2
// generator is not safe for concurrent use, and calls, faults and the
// background buyers all draw from it, so it is locked.
type random struct {
	mu   sync.Mutex
	seed int64
	r    *rand.Rand
}

func newRandom(seed int64) *random {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &random{seed: seed, r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// Float64 returns a number in [0, 1).
func (r *random) Float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Float64()
}

// IntN returns a number in [0, n).
func (r *random) IntN(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.IntN(n)
}

// chance reports true with probability p.
func (r *random) chance(p float64) bool { return p > 0 && r.Float64() < p }

// upTo returns a duration in [0, d].
func (r *random) upTo(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.r.Int64N(int64(d) + 1))
}

// hashed returns a number in [0, 1) that depends only on the seed and
// parts, for verdicts that must not change when the same thing is asked
// again (a listing's review).
func (r *random) hashed(parts ...string) float64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(r.seed, 10)))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return float64(h.Sum64()>>11) / (1 << 53)
}

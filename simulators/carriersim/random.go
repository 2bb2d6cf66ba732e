package carriersim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// random is the simulator's one source of chance. A seeded math/rand/v2
// generator is not safe for concurrent use, and the API, the loop and the
// fault checks all draw from it, so it is locked.
type random struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRandom(seed int64) *random {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &random{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// Float64 returns a number in [0, 1).
func (r *random) Float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Float64()
}

// chance reports true with probability p.
func (r *random) chance(p float64) bool { return p > 0 && r.Float64() < p }

// digits returns n random decimal digits.
func (r *random) digits(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.r.IntN(10))
	}
	return string(b)
}

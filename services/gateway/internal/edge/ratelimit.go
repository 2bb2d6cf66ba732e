package edge

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
)

// Limit is a token bucket: Rate requests per second, bursts of Burst.
type Limit struct {
	Rate  float64
	Burst int
}

// Limiter holds one token bucket per key (a client address, a subject). Idle
// buckets are dropped, so memory follows the active clients, not all clients
// ever seen.
type Limiter struct {
	limit Limit
	idle  time.Duration
	now   func() time.Time

	mu       sync.Mutex
	buckets  map[string]*bucket
	lastSwep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter builds a limiter; buckets idle for 10 minutes are forgotten.
func NewLimiter(l Limit) *Limiter {
	return &Limiter{limit: l, idle: 10 * time.Minute, now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes a token for key. When none is left it reports how long until one
// will be.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSwep) < time.Minute {
		return
	}
	l.lastSwep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > l.idle {
			delete(l.buckets, k)
		}
	}
}

// TooManyRequests answers 429 with Retry-After in whole seconds (at least 1).
func TooManyRequests(w http.ResponseWriter, retryAfter time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retryAfter.Seconds())))))
	WriteError(w, http.StatusTooManyRequests, codes.ResourceExhausted, "too many requests; retry later")
}

// UnmarshalText parses "rate:burst", e.g. "2:10" (2 per second, bursts of 10),
// so limits can be set from the environment.
func (l *Limit) UnmarshalText(b []byte) error {
	r, burst, ok := strings.Cut(string(b), ":")
	if !ok {
		return fmt.Errorf("limit %q: want rate:burst, e.g. 2:10", b)
	}
	rv, err := strconv.ParseFloat(r, 64)
	if err != nil || rv <= 0 {
		return fmt.Errorf("limit %q: rate must be a positive number", b)
	}
	bv, err := strconv.Atoi(burst)
	if err != nil || bv < 1 {
		return fmt.Errorf("limit %q: burst must be a positive integer", b)
	}
	l.Rate, l.Burst = rv, bv
	return nil
}

// String formats the limit as UnmarshalText reads it.
func (l Limit) String() string {
	return strconv.FormatFloat(l.Rate, 'f', -1, 64) + ":" + strconv.Itoa(l.Burst)
}

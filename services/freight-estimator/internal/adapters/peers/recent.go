package peers

import (
	"sync"
	"time"
)

// recent remembers values fetched from a peer for ttl: a value fetched for
// time t answers asks for times in [t, t+ttl), so what the peer changes is
// seen at most ttl late. It holds at most max entries: past it the expired
// ones go, and if none has expired everything goes, so a stream of distinct
// keys cannot grow it without bound. Safe for concurrent use.
type recent[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[K]stamped[V]
}

type stamped[V any] struct {
	value V
	at    time.Time // the time the value was fetched for
}

func newRecent[K comparable, V any](ttl time.Duration, max int) *recent[K, V] {
	return &recent[K, V]{ttl: ttl, max: max, entries: map[K]stamped[V]{}}
}

// get returns the value of k when it was fetched for a time at most ttl
// before at.
func (r *recent[K, V]) get(k K, at time.Time) (V, bool) {
	r.mu.Lock()
	e, ok := r.entries[k]
	r.mu.Unlock()
	if ok && r.fresh(e, at) {
		return e.value, true
	}
	var zero V
	return zero, false
}

// put remembers v as k's value fetched for at, unless a value fetched for a
// later time is already held.
func (r *recent[K, V]) put(k K, v V, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.entries[k]
	if ok && !at.After(cur.at) {
		return
	}
	if !ok && len(r.entries) >= r.max {
		for key, e := range r.entries {
			if !r.fresh(e, at) {
				delete(r.entries, key)
			}
		}
		if len(r.entries) >= r.max {
			clear(r.entries)
		}
	}
	r.entries[k] = stamped[V]{value: v, at: at}
}

func (r *recent[K, V]) fresh(e stamped[V], at time.Time) bool {
	return !at.Before(e.at) && at.Sub(e.at) < r.ttl
}

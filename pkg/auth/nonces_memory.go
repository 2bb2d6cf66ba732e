package auth

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// DefaultNonceCapacity bounds a memory nonce store: with a 10-minute memory,
// room for about 1,700 signed requests a second.
const DefaultNonceCapacity = 1 << 20

// ErrNonceStoreFull is returned when a memory nonce store holds as many live
// nonces as it may. Forgetting one early would reopen a replay, so the
// request is refused instead; the client retries later.
var ErrNonceStoreFull = apperr.ResourceExhausted("too many signed requests; retry later")

// MemoryNonceOption changes a memory nonce store's defaults.
type MemoryNonceOption func(*memoryNonces)

// WithNonceCapacity sets how many live nonces the store holds at most.
func WithNonceCapacity(n int) MemoryNonceOption {
	return func(m *memoryNonces) { m.capacity = n }
}

// WithNonceClock sets the clock that decides when entries have expired.
func WithNonceClock(now func() time.Time) MemoryNonceOption {
	return func(m *memoryNonces) { m.now = now }
}

// NewMemoryNonceStore returns a nonce store in process memory, bounded and
// expiring entries as they age. It protects a single replica only: with
// several, use NewPostgresNonceStore.
func NewMemoryNonceStore(opts ...MemoryNonceOption) NonceStore {
	m := &memoryNonces{
		capacity: DefaultNonceCapacity,
		now:      time.Now,
		byKey:    map[nonceKey]*nonceEntry{},
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

type nonceKey struct{ clientID, nonce string }

type nonceEntry struct {
	key   nonceKey
	until time.Time
}

// memoryNonces keeps the entries in a map for lookups and in a min-heap by
// expiry so that expired ones are dropped in order, cheaply, on every call.
type memoryNonces struct {
	capacity int
	now      func() time.Time

	mu     sync.Mutex
	byKey  map[nonceKey]*nonceEntry
	expiry expiryHeap
}

func (m *memoryNonces) Remember(_ context.Context, clientID, nonce string, until time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.expiry) > 0 && !m.expiry[0].until.After(now) {
		e := heap.Pop(&m.expiry).(*nonceEntry)
		delete(m.byKey, e.key)
	}
	k := nonceKey{clientID, nonce}
	if _, seen := m.byKey[k]; seen {
		return false, nil
	}
	if !until.After(now) {
		return true, nil // already expired: nothing to remember
	}
	if len(m.byKey) >= m.capacity {
		return false, ErrNonceStoreFull
	}
	e := &nonceEntry{key: k, until: until}
	m.byKey[k] = e
	heap.Push(&m.expiry, e)
	return true, nil
}

type expiryHeap []*nonceEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(*nonceEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

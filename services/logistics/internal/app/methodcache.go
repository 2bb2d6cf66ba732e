package app

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// methodCacheTTL is how long a shipping method read for applying events is
// reused: a speed profile changed by an operator reaches ETAs within it on
// every replica (at once on the replica that changed it).
const methodCacheTTL = 30 * time.Second

// methodCache keeps the shipping methods tracking events are applied
// with, so a burst of events does not read the same row for each.
type methodCache struct {
	store Carriers
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[uuid.UUID]cachedMethod
}

type cachedMethod struct {
	m       domain.Method
	expires time.Time
}

func newMethodCache(store Carriers, ttl time.Duration, now func() time.Time) *methodCache {
	return &methodCache{store: store, ttl: ttl, now: now, entries: map[uuid.UUID]cachedMethod{}}
}

func (c *methodCache) get(ctx context.Context, id uuid.UUID) (domain.Method, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.m, nil
	}
	m, err := c.store.GetMethod(ctx, id)
	if err != nil {
		return m, err
	}
	c.mu.Lock()
	c.entries[id] = cachedMethod{m: m, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return m, nil
}

// forget drops a method changed here, so this replica uses the change at
// once.
func (c *methodCache) forget(id uuid.UUID) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

package history

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// Loader reads routes' records from the database, the source of truth.
type Loader interface {
	// LoadRoute returns the route's records completed at or after since
	// (Unix microseconds) whose sequence number is above afterSeq, and the
	// highest sequence number among them (0 when there are none).
	LoadRoute(ctx context.Context, routeID, since, afterSeq int64) ([]domain.Record, int64, error)
}

// Cache holds a snapshot per route, loaded on first use and brought up to date
// incrementally. It is safe for concurrent use.
//
// With a record limit, the cache drops the snapshots of the routes used least
// recently whenever a load takes it over the limit, so memory follows the busy
// routes rather than every route ever asked for. A dropped route is loaded
// again, in full, on its next estimate; results never change, only latency.
type Cache struct {
	loader     Loader
	maxRecords int
	uses       atomic.Int64 // logical clock of route use, for recency

	mu     sync.Mutex
	routes map[int64]*entry
}

type entry struct {
	// mu serialises loads of the route; readers never take it when the
	// snapshot is current.
	mu      sync.Mutex
	snap    atomic.Pointer[Snapshot]
	lastUse atomic.Int64
}

// NewCache returns an empty cache over loader that holds at most maxRecords
// records (zero: no limit). The route being estimated is always held, even
// when it alone is over the limit.
func NewCache(loader Loader, maxRecords int) *Cache {
	return &Cache{loader: loader, maxRecords: max(maxRecords, 0), routes: map[int64]*entry{}}
}

// Tally classifies the route's records against q, first bringing the route's
// snapshot up to seq, the route's sequence number read from the database
// before the call: every record committed by then is counted.
func (c *Cache) Tally(ctx context.Context, routeID, seq int64, q domain.Query) (domain.Tallies, error) {
	s, err := c.Snapshot(ctx, routeID, seq, q.Since)
	if err != nil {
		return domain.Tallies{}, err
	}
	return s.Tally(q), nil
}

// Snapshot returns the route's snapshot, complete up to seq and holding every
// record completed at or after since.
func (c *Cache) Snapshot(ctx context.Context, routeID, seq, since int64) (*Snapshot, error) {
	e := c.entry(routeID)
	e.lastUse.Store(c.uses.Add(1))
	if s := e.snap.Load(); current(s, seq, since) {
		return s, nil
	}
	s, loaded, err := c.load(ctx, e, routeID, seq, since)
	if loaded && c.maxRecords > 0 {
		// Outside the route's lock: eviction takes other routes' locks.
		c.evict(routeID)
	}
	return s, err
}

// load brings the route's snapshot up to seq and since under its lock; loaded
// reports whether it read from the database.
func (c *Cache) load(ctx context.Context, e *entry, routeID, seq, since int64) (s *Snapshot, loaded bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s = e.snap.Load()
	if current(s, seq, since) {
		return s, false, nil
	}
	if s == nil || s.Since > since {
		// First use, or a longer window than the snapshot holds: load it all.
		records, maxSeq, err := c.loader.LoadRoute(ctx, routeID, since, 0)
		if err != nil {
			return nil, false, err
		}
		s = Build(records, max(seq, maxSeq), since)
	} else {
		records, maxSeq, err := c.loader.LoadRoute(ctx, routeID, s.Since, s.Seq)
		if err != nil {
			return nil, false, err
		}
		s = s.With(records, max(seq, maxSeq))
	}
	e.snap.Store(s)
	return s, true, nil
}

// evict drops the least recently used snapshots, never keep's, until the
// cache holds at most maxRecords records. A route being loaded right now is
// skipped rather than waited for.
func (c *Cache) evict(keep int64) {
	type held struct {
		e       *entry
		lastUse int64
	}
	total := 0
	var others []held
	c.mu.Lock()
	for id, e := range c.routes {
		s := e.snap.Load()
		if s == nil {
			continue
		}
		total += s.Len()
		if id != keep {
			others = append(others, held{e, e.lastUse.Load()})
		}
	}
	c.mu.Unlock()
	if total <= c.maxRecords {
		return
	}
	slices.SortFunc(others, func(a, b held) int { return cmp.Compare(a.lastUse, b.lastUse) })
	for _, h := range others {
		if total <= c.maxRecords {
			return
		}
		if !h.e.mu.TryLock() {
			continue
		}
		if s := h.e.snap.Load(); s != nil {
			total -= s.Len()
			h.e.snap.Store(nil)
		}
		h.e.mu.Unlock()
	}
}

func current(s *Snapshot, seq, since int64) bool {
	return s != nil && s.Seq >= seq && s.Since <= since
}

func (c *Cache) entry(routeID int64) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.routes[routeID]
	if !ok {
		e = &entry{}
		c.routes[routeID] = e
	}
	return e
}

// Compact drops from every snapshot the records completed before since, which
// no estimate with the current window can count any more. A later estimate
// with a longer window reloads its route.
func (c *Cache) Compact(since int64) {
	c.mu.Lock()
	entries := make([]*entry, 0, len(c.routes))
	for _, e := range c.routes {
		entries = append(entries, e)
	}
	c.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		if s := e.snap.Load(); s != nil {
			e.snap.Store(s.Compact(since))
		}
		e.mu.Unlock()
	}
}

// Stats reports how many routes and records the cache holds.
func (c *Cache) Stats() (routes, records int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.routes {
		if s := e.snap.Load(); s != nil {
			routes++
			records += s.Len()
		}
	}
	return routes, records
}

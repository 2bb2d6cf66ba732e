package history

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
	held       atomic.Int64 // records in all snapshots, kept by replace

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
	if c.maxRecords > 0 {
		e.lastUse.Store(c.uses.Add(1))
	}
	if s := e.snap.Load(); current(s, seq, since) {
		return s, nil
	}
	s, loaded, err := c.load(ctx, e, routeID, seq, since)
	if loaded && c.maxRecords > 0 && c.held.Load() > int64(c.maxRecords) {
		// Outside the route's lock: eviction takes other routes' locks.
		c.evict(routeID)
	}
	return s, err
}

// replace stores s as e's snapshot and keeps the record count; the caller
// holds e.mu, under which every change of a snapshot happens.
func (c *Cache) replace(e *entry, s *Snapshot) {
	delta := 0
	if old := e.snap.Load(); old != nil {
		delta -= old.Len()
	}
	if s != nil {
		delta += s.Len()
	}
	c.held.Add(int64(delta))
	e.snap.Store(s)
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
		// First use, or a longer window than the snapshot holds: load it
		// all, from a little earlier (snapshotSlack), so that an estimate
		// whose clock read a moment before this one's is served too.
		from := since - snapshotSlack
		records, maxSeq, err := c.loader.LoadRoute(ctx, routeID, from, 0)
		if err != nil {
			return nil, false, err
		}
		s = Build(records, max(seq, maxSeq), from)
	} else {
		records, maxSeq, err := c.loader.LoadRoute(ctx, routeID, s.Since, s.Seq)
		if err != nil {
			return nil, false, err
		}
		s = s.With(records, max(seq, maxSeq))
	}
	c.replace(e, s)
	return s, true, nil
}

// evict drops the least recently used snapshots, never keep's, until the
// cache holds at most maxRecords records. A route being loaded right now is
// skipped rather than waited for.
func (c *Cache) evict(keep int64) {
	type candidate struct {
		e       *entry
		lastUse int64
	}
	var others []candidate
	c.mu.Lock()
	for id, e := range c.routes {
		if id != keep && e.snap.Load() != nil {
			others = append(others, candidate{e, e.lastUse.Load()})
		}
	}
	c.mu.Unlock()
	slices.SortFunc(others, func(a, b candidate) int { return cmp.Compare(a.lastUse, b.lastUse) })
	for _, o := range others {
		if c.held.Load() <= int64(c.maxRecords) {
			return
		}
		if !o.e.mu.TryLock() {
			continue
		}
		c.replace(o.e, nil)
		o.e.mu.Unlock()
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

// snapshotSlack is how much earlier than asked a snapshot starts (Unix
// microseconds): estimates running at once read the clock moments apart,
// and one whose window starts a microsecond before the snapshot's would
// otherwise load the whole route again (seconds on a busy route), as would
// every estimate in flight when the pruning compacts.
const snapshotSlack = int64(10 * time.Minute / time.Microsecond)

// Compact drops from every snapshot the records completed before since
// (less snapshotSlack), which no estimate with the current window can count
// any more. A later estimate with a longer window reloads its route.
func (c *Cache) Compact(since int64) {
	since -= snapshotSlack
	c.mu.Lock()
	entries := make([]*entry, 0, len(c.routes))
	for _, e := range c.routes {
		entries = append(entries, e)
	}
	c.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		if s := e.snap.Load(); s != nil {
			c.replace(e, s.Compact(since))
		}
		e.mu.Unlock()
	}
}

// Stats reports how many routes and records the cache holds.
func (c *Cache) Stats() (routes, records int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.routes {
		if e.snap.Load() != nil {
			routes++
		}
	}
	return routes, int(c.held.Load())
}

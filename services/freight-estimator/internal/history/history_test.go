package history_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/history"
)

var (
	now   = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	route = domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "US", DestinationRegion: "US-CA"}
)

// randomRecord draws sizes from narrow ranges so that every number of matches
// is common, times around the window's start, and some negative freights.
func randomRecord(r *rand.Rand) domain.ReferenceRecord {
	return domain.ReferenceRecord{
		Route:       route,
		VolumeCM3:   80 + r.Int64N(60),
		WeightG:     160 + r.Int64N(120),
		Value:       400 + r.Int64N(300),
		Freight:     r.Int64N(2000) - 100,
		CompletedAt: now.Add(-time.Duration(r.Int64N(int64(100 * 24 * time.Hour)))).Truncate(time.Microsecond),
	}
}

func toRecord(rr domain.ReferenceRecord) domain.Record {
	return domain.Record{VolumeCM3: rr.VolumeCM3, WeightG: rr.WeightG, Value: rr.Value, Freight: rr.Freight, CompletedAt: rr.CompletedAt.UnixMicro()}
}

// The snapshot, built in random increments (through the delta, merges and
// compactions), classifies exactly like the reference scan of every record.
func TestSnapshotMatchesReference(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	base := domain.DefaultConfig()
	m := domain.Multiplier{Value: base.Multiplier}
	for iter := range 40 {
		cfg := base
		cfg.VolumeTolerance = money.MustParseRate([]string{"0", "0.05", "0.10", "0.25"}[r.IntN(4)])
		cfg.WeightTolerance = money.MustParseRate([]string{"0.02", "0.10", "0.5"}[r.IntN(3)])
		cfg.ValueTolerance = money.MustParseRate([]string{"0.10", "0.15", "1"}[r.IntN(3)])
		since := now.Add(-cfg.Window).UnixMicro()

		var all []domain.ReferenceRecord
		var snap *history.Snapshot
		for step := range 1 + r.IntN(8) {
			var batch []domain.Record
			for range r.IntN(2000) {
				rr := randomRecord(r)
				all = append(all, rr)
				if rr.Freight >= 0 { // bad data never reaches the index
					batch = append(batch, toRecord(rr))
				}
			}
			if step == 0 {
				snap = history.Build(batch, int64(step+1), since-int64(r.IntN(3))*int64(24*time.Hour/time.Microsecond))
			} else {
				snap = snap.With(batch, int64(step+1))
			}
			if r.IntN(4) == 0 {
				snap = snap.Compact(since)
			}
		}
		for range 20 {
			p := domain.Parcel{VolumeCM3: 80 + r.Int64N(60), WeightG: 160 + r.Int64N(120), Value: money.MustNew(400+r.Int64N(300), "USD")}
			got, gotOK, err := domain.HistoryEstimate(snap.Tally(domain.NewQuery(p, cfg, now)), cfg, m, "USD")
			if err != nil {
				t.Fatal(err)
			}
			want, wantOK := domain.ReferenceEstimate(all, route, p, cfg, m, now)
			if gotOK != wantOK {
				t.Fatalf("seed %d iteration %d: ok %v, reference %v", seed, iter, gotOK, wantOK)
			}
			if !gotOK {
				continue
			}
			if got.Target != want.Target || got.Total.Cmp(want.Total) != 0 {
				t.Fatalf("seed %d iteration %d parcel %+v: target %v total %s, reference %v %s",
					seed, iter, p, got.Target, got.Total, want.Target, want.Total)
			}
			for g := range got.Groups {
				a, b := got.Groups[g], want.Groups[g]
				if a.Count != b.Count || (a.Mean == nil) != (b.Mean == nil) || (a.Mean != nil && a.Mean.Cmp(b.Mean) != 0) {
					t.Fatalf("seed %d iteration %d group %d: %+v, reference %+v", seed, iter, g, a, b)
				}
			}
		}
	}
}

// loader serves records from memory, counting loads.
type loader struct {
	records []domain.Record
	seqs    []int64
	loads   int
}

func (l *loader) LoadRoute(_ context.Context, _ int64, since, afterSeq int64) ([]domain.Record, int64, error) {
	l.loads++
	var out []domain.Record
	var maxSeq int64
	for i, r := range l.records {
		if r.CompletedAt >= since && l.seqs[i] > afterSeq {
			out = append(out, r)
			maxSeq = max(maxSeq, l.seqs[i])
		}
	}
	return out, maxSeq, nil
}

// The cache loads a route once, then only increments, and reloads in full
// when a longer window asks for older records.
func TestCacheLoadsIncrements(t *testing.T) {
	ctx := context.Background()
	l := &loader{}
	c := history.NewCache(l, 0)
	add := func(seq int64, freight int64, age time.Duration) {
		l.records = append(l.records, domain.Record{VolumeCM3: 100, WeightG: 100, Value: 100, Freight: freight, CompletedAt: now.Add(-age).UnixMicro()})
		l.seqs = append(l.seqs, seq)
	}
	cfg := domain.DefaultConfig()
	q := domain.NewQuery(domain.Parcel{VolumeCM3: 100, WeightG: 100, Value: money.MustNew(100, "USD")}, cfg, now)
	count := func(seq int64, q domain.Query) int64 {
		ts, err := c.Tally(ctx, 7, seq, q)
		if err != nil {
			t.Fatal(err)
		}
		return ts[domain.GroupFirst].Count
	}

	add(1, 10, time.Hour)
	add(1, 20, 100*24*time.Hour) // outside the 90-day window
	if n := count(1, q); n != 1 || l.loads != 1 {
		t.Fatalf("first tally: %d records, %d loads", n, l.loads)
	}
	if n := count(1, q); n != 1 || l.loads != 1 {
		t.Fatalf("current snapshot reloaded: %d records, %d loads", n, l.loads)
	}
	add(2, 30, 2*time.Hour)
	if n := count(2, q); n != 2 || l.loads != 2 {
		t.Fatalf("after an increment: %d records, %d loads", n, l.loads)
	}
	// A 200-day window reaches back beyond what the snapshot holds.
	long := q
	long.Since = now.Add(-200 * 24 * time.Hour).UnixMicro()
	if n := count(2, long); n != 3 || l.loads != 3 {
		t.Fatalf("longer window: %d records, %d loads", n, l.loads)
	}
	c.Compact(q.Since)
	if n := count(2, q); n != 2 || l.loads != 3 {
		t.Fatalf("after compaction: %d records, %d loads", n, l.loads)
	}
	// An estimate whose clock was read a moment before the compaction's
	// (its window starting a little earlier) is served without a reload.
	earlier := q
	earlier.Since -= time.Second.Microseconds()
	if n := count(2, earlier); n != 2 || l.loads != 3 {
		t.Fatalf("a window starting a second earlier: %d records, %d loads; want no reload", n, l.loads)
	}
	if routes, records := c.Stats(); routes != 1 || records != 2 {
		t.Errorf("stats = %d routes, %d records", routes, records)
	}
}

// routeLoader serves each route a number of identical recent records and
// counts the loads per route.
type routeLoader struct {
	sizes map[int64]int
	loads map[int64]int
}

func (l *routeLoader) LoadRoute(_ context.Context, routeID, since, afterSeq int64) ([]domain.Record, int64, error) {
	l.loads[routeID]++
	if afterSeq >= 1 {
		return nil, 0, nil
	}
	out := make([]domain.Record, l.sizes[routeID])
	for i := range out {
		out[i] = domain.Record{VolumeCM3: 100, WeightG: 100, Value: 100, Freight: 10, CompletedAt: now.Add(-time.Hour).UnixMicro()}
	}
	return out, 1, nil
}

// With a record limit the cache drops the least recently estimated routes,
// never the one being estimated, and a dropped route comes back with the
// same answer at the cost of one load.
func TestCacheEvictsLeastRecentlyUsedRoutes(t *testing.T) {
	ctx := context.Background()
	l := &routeLoader{sizes: map[int64]int{1: 10, 2: 10, 3: 10, 4: 40}, loads: map[int64]int{}}
	c := history.NewCache(l, 25)
	q := domain.NewQuery(domain.Parcel{VolumeCM3: 100, WeightG: 100, Value: money.MustNew(100, "USD")}, domain.DefaultConfig(), now)
	estimate := func(route int64) {
		t.Helper()
		ts, err := c.Tally(ctx, route, 1, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ts[domain.GroupFirst].Count, int64(l.sizes[route]); got != want {
			t.Fatalf("route %d counted %d records, want %d", route, got, want)
		}
	}
	held := func(wantRoutes, wantRecords int) {
		t.Helper()
		if routes, records := c.Stats(); routes != wantRoutes || records != wantRecords {
			t.Fatalf("cache holds %d routes, %d records; want %d, %d", routes, records, wantRoutes, wantRecords)
		}
	}

	estimate(1)
	estimate(2)
	held(2, 20)
	estimate(1) // route 2 is now the least recent
	estimate(3) // 30 records: over the limit
	held(2, 20)
	estimate(1)
	if l.loads[1] != 1 {
		t.Fatalf("route 1 was loaded %d times, want once: it was used recently", l.loads[1])
	}
	estimate(2) // dropped: loaded again, and route 3 goes
	if l.loads[2] != 2 {
		t.Fatalf("route 2 was loaded %d times, want twice", l.loads[2])
	}
	held(2, 20)

	// A route over the limit by itself is still held while it is estimated.
	estimate(4)
	held(1, 40)
	estimate(4)
	if l.loads[4] != 1 {
		t.Errorf("route 4 was loaded %d times, want once", l.loads[4])
	}
}

// Estimates racing over more routes than the limit holds always count every
// record of their route, and loads never deadlock on each other's evictions.
func TestCacheEvictionUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	sizes := map[int64]int{}
	for route := range int64(12) {
		sizes[route] = 5 + int(route)
	}
	l := &lockedLoader{next: &routeLoader{sizes: sizes, loads: map[int64]int{}}}
	c := history.NewCache(l, 30)
	q := domain.NewQuery(domain.Parcel{VolumeCM3: 100, WeightG: 100, Value: money.MustNew(100, "USD")}, domain.DefaultConfig(), now)
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range 500 {
				route := r.Int64N(12)
				ts, err := c.Tally(ctx, route, 1, q)
				if err == nil && ts[domain.GroupFirst].Count != int64(sizes[route]) {
					err = fmt.Errorf("route %d counted %d, want %d", route, ts[domain.GroupFirst].Count, sizes[route])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, records := c.Stats(); records > 30+16 {
		t.Errorf("cache holds %d records, want at most the limit plus one route", records)
	}
}

// lockedLoader serialises a loader that is not safe for concurrent use.
type lockedLoader struct {
	mu   sync.Mutex
	next history.Loader
}

func (l *lockedLoader) LoadRoute(ctx context.Context, routeID, since, afterSeq int64) ([]domain.Record, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next.LoadRoute(ctx, routeID, since, afterSeq)
}

package history_test

import (
	"context"
	"math/rand/v2"
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
	c := history.NewCache(l)
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
	if routes, records := c.Stats(); routes != 1 || records != 2 {
		t.Errorf("stats = %d routes, %d records", routes, records)
	}
}

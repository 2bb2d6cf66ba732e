package peers_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// countingCatalog answers from a table and records the ids of every call.
type countingCatalog struct {
	skus  map[string]domain.SkuInfo
	asked [][]string
	fail  error
}

func (c *countingCatalog) Skus(_ context.Context, ids []string) (map[string]domain.SkuInfo, error) {
	c.asked = append(c.asked, slices.Clone(ids))
	if c.fail != nil {
		return nil, c.fail
	}
	out := map[string]domain.SkuInfo{}
	for _, id := range ids {
		if s, ok := c.skus[id]; ok {
			out[id] = s
		}
	}
	return out, nil
}

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestSkuCacheAsksOnlyForWhatItDoesNotHold(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	next := &countingCatalog{skus: map[string]domain.SkuInfo{
		"a": {ID: "a", WeightG: 100}, "b": {ID: "b", WeightG: 200},
	}}
	cache := peers.NewSkuCache(next, 30*time.Second, clock.now)

	ask := func(ids ...string) map[string]domain.SkuInfo {
		t.Helper()
		got, err := cache.Skus(ctx, ids)
		if err != nil {
			t.Fatalf("Skus(%v): %v", ids, err)
		}
		return got
	}
	if got := ask("a"); got["a"].WeightG != 100 || len(got) != 1 {
		t.Fatalf("first ask = %v", got)
	}
	clock.t = clock.t.Add(10 * time.Second)
	next.skus["a"] = domain.SkuInfo{ID: "a", WeightG: 999} // changed in the catalog
	got := ask("a", "b", "unknown")
	if got["a"].WeightG != 100 || got["b"].WeightG != 200 || len(got) != 2 {
		t.Fatalf("second ask = %v, want a from memory (100 g), b from the catalog, unknown absent", got)
	}
	ask("unknown")
	clock.t = clock.t.Add(20 * time.Second) // a is 30 s old: expired; b is 20 s old
	if got := ask("a", "b"); got["a"].WeightG != 999 || got["b"].WeightG != 200 {
		t.Fatalf("after the ttl = %v, want a's new weight", got)
	}
	want := [][]string{{"a"}, {"b", "unknown"}, {"unknown"}, {"a"}}
	if !slices.EqualFunc(next.asked, want, slices.Equal[[]string]) {
		t.Errorf("catalog asked %v, want %v", next.asked, want)
	}
}

func TestSkuCacheForgetsFailuresAndCanBeOff(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Now()}
	next := &countingCatalog{skus: map[string]domain.SkuInfo{"a": {ID: "a"}}, fail: errors.New("catalog down")}
	cache := peers.NewSkuCache(next, time.Minute, clock.now)
	if _, err := cache.Skus(ctx, []string{"a"}); err == nil {
		t.Fatal("a failed catalog call answered no error")
	}
	next.fail = nil
	if got, err := cache.Skus(ctx, []string{"a"}); err != nil || len(got) != 1 {
		t.Fatalf("after the catalog came back: %v, %v", got, err)
	}
	if len(next.asked) != 2 {
		t.Errorf("catalog asked %d times, want 2: a failure is not remembered", len(next.asked))
	}
	if off := peers.NewSkuCache(next, 0, clock.now); off != next {
		t.Errorf("a zero ttl returned %T, want the catalog adapter itself", off)
	}
}

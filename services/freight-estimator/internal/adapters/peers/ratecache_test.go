package peers_test

import (
	"context"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/peers"
)

// countingRates answers from a table and counts the calls per pair.
type countingRates struct {
	rates map[string]string
	calls map[string]int
}

func (r *countingRates) Rate(_ context.Context, from, to string, _ time.Time) (money.Rate, error) {
	r.calls[from+to]++
	s, ok := r.rates[from+to]
	if !ok {
		return money.Rate{}, apperr.NotFound("exchange rate", from+"/"+to)
	}
	return money.MustParseRate(s), nil
}

func TestRateCache(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		asks      []time.Duration // offsets from t0 of successive EUR→USD asks
		wantCalls int
	}{
		{"one ask", []time.Duration{0}, 1},
		{"repeats within the ttl are answered from memory", []time.Duration{0, time.Second, 29 * time.Second}, 1},
		{"an ask at the ttl fetches again", []time.Duration{0, 30 * time.Second}, 2},
		{"an ask before the cached time fetches", []time.Duration{10 * time.Second, 0}, 2},
		{"a refetch starts a new period: 31 s serves until 61 s", []time.Duration{0, 31 * time.Second, 60 * time.Second, 61 * time.Second}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &countingRates{rates: map[string]string{"EURUSD": "1.05"}, calls: map[string]int{}}
			cache := peers.NewRateCache(next, 30*time.Second)
			for _, d := range tt.asks {
				r, err := cache.Rate(context.Background(), "EUR", "USD", t0.Add(d))
				if err != nil || r.String() != money.MustParseRate("1.05").String() {
					t.Fatalf("rate at +%v = %v, %v", d, r, err)
				}
			}
			if got := next.calls["EURUSD"]; got != tt.wantCalls {
				t.Errorf("%d finance calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestRateCacheKeepsPairsApartAndForgetsFailures(t *testing.T) {
	ctx, t0 := context.Background(), time.Now()
	next := &countingRates{rates: map[string]string{"EURUSD": "1.05", "USDEUR": "0.95"}, calls: map[string]int{}}
	cache := peers.NewRateCache(next, time.Minute)
	eurusd, _ := cache.Rate(ctx, "EUR", "USD", t0)
	usdeur, _ := cache.Rate(ctx, "USD", "EUR", t0)
	if eurusd.String() == usdeur.String() {
		t.Fatalf("EUR→USD and USD→EUR share an answer: %v", eurusd)
	}
	for range 2 {
		if _, err := cache.Rate(ctx, "GBP", "USD", t0); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("unknown pair: %v, want NotFound", err)
		}
	}
	if got := next.calls["GBPUSD"]; got != 2 {
		t.Errorf("a missing rate was asked for %d times, want 2: failures are not cached", got)
	}
	if off := peers.NewRateCache(next, 0); off != next {
		t.Errorf("a zero ttl returned %T, want the finance adapter itself", off)
	}
}

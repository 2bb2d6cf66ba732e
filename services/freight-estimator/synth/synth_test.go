package synth_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

var end = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// The same seed gives the same history; another seed another one.
func TestDeterministic(t *testing.T) {
	a, b := synth.New(synth.Options{Seed: 7, End: end}), synth.New(synth.Options{Seed: 7, End: end})
	c := synth.New(synth.Options{Seed: 8, End: end})
	differs := false
	for range 1000 {
		x, y, z := a.Next(), b.Next(), c.Next()
		if x != y {
			t.Fatalf("same seed, different shipments: %+v vs %+v", x, y)
		}
		if x.VolumeCM3 != z.VolumeCM3 || x.TransactionAmount != z.TransactionAmount {
			differs = true
		}
	}
	if !differs {
		t.Error("two seeds gave the same history")
	}
}

// The history has the advertised shape: in the span, positive sizes, the busy
// lane's share, a few bad and foreign rows, and freight growing with weight.
func TestShape(t *testing.T) {
	const n = 20000
	g := synth.New(synth.Options{Seed: 1, End: end, BusyShare: 0.5})
	var busy, bad, foreign int
	var lightFreight, heavyFreight, light, heavy int64
	for range n {
		s := g.Next()
		if s.CompletedAt.After(end) || s.CompletedAt.Before(end.Add(-90*24*time.Hour)) {
			t.Fatalf("completed_at %v outside the span", s.CompletedAt)
		}
		if s.VolumeCM3 <= 0 || s.WeightG <= 0 || s.GoodsPrice <= 0 {
			t.Fatalf("bad sizes: %+v", s)
		}
		if s.Origin == synth.Lanes[0].Origin && s.Destination == synth.Lanes[0].Destination {
			busy++
		}
		if s.Bad != (s.TransactionAmount < s.GoodsPrice) {
			t.Fatalf("Bad flag disagrees with the amounts: %+v", s)
		}
		if s.Bad {
			bad++
			continue
		}
		if s.Currency != "USD" {
			foreign++
			if s.RateToBase == "" {
				t.Fatalf("foreign row without a rate: %+v", s)
			}
			continue
		}
		f := s.TransactionAmount - s.GoodsPrice
		switch {
		case s.WeightG < 500 && s.VolumeCM3 < 2500:
			light++
			lightFreight += f
		case s.WeightG > 3000:
			heavy++
			heavyFreight += f
		}
	}
	if share := float64(busy) / n; share < 0.47 || share > 0.53 {
		t.Errorf("busy lane share %.3f, want about 0.5", share)
	}
	if share := float64(bad) / n; share < 0.02 || share > 0.04 {
		t.Errorf("bad share %.3f, want about 0.03", share)
	}
	if share := float64(foreign) / n; share < 0.07 || share > 0.13 {
		t.Errorf("foreign share %.3f, want about 0.1", share)
	}
	if light == 0 || heavy == 0 || heavyFreight/heavy <= 2*lightFreight/light {
		t.Errorf("freight does not grow with weight: light %d mean %d, heavy %d mean %d", light, lightFreight/max(light, 1), heavy, heavyFreight/max(heavy, 1))
	}
}

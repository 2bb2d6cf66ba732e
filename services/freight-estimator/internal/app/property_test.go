package app_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// The estimate served from the database and the in-memory index equals the
// reference scan of every record, on random histories fed in random batches
// between estimates (so increments, duplicates and bad rows all occur). The
// seed is logged: rerun a failure with it.
func TestEstimateEqualsReference(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	routes := []domain.Route{routeR, routeR2}
	m := domain.Multiplier{Value: money.MustParseRate("1.5")}
	var full, fallback int // estimates with all three groups; rate-card answers
	for iter := range 8 {
		f := newFixture(t, "USD")
		cfg := domain.DefaultConfig()
		var history []domain.ReferenceRecord
		stored := map[string]bool{}
		for step := range 6 {
			f.clock.Set(t0.Add(time.Duration(step) * time.Hour))
			var batch []domain.ShipmentInput
			for range r.IntN(400) {
				in := domain.ShipmentInput{
					ShipmentID: fmt.Sprintf("i%d-%d", iter, r.IntN(2000)), // repeats are duplicates
					Route:      routes[r.IntN(len(routes))],
					VolumeCM3:  80 + r.Int64N(60),
					WeightG:    160 + r.Int64N(120),
				}
				value, freight := 400+r.Int64N(300), r.Int64N(2000)-100
				in.DeclaredValue, in.GoodsPrice = money.MustNew(value, "USD"), money.MustNew(value, "USD")
				in.TransactionAmount = money.MustNew(value+freight, "USD")
				in.CompletedAt = f.clock.Now().Add(-time.Duration(r.Int64N(int64(100 * 24 * time.Hour)))).Truncate(time.Microsecond)
				batch = append(batch, in)
			}
			if _, err := f.svc.ImportShipments(ctx, admin, batch); err != nil {
				t.Fatal(err)
			}
			// What the import stored: the first valid occurrence of every id.
			// Negative-freight rows go to the reference too, which must
			// ignore them itself.
			for _, in := range batch {
				freight := in.TransactionAmount.Amount - in.GoodsPrice.Amount
				if stored[in.ShipmentID] {
					continue
				}
				stored[in.ShipmentID] = freight >= 0
				history = append(history, domain.ReferenceRecord{
					Route: in.Route, VolumeCM3: in.VolumeCM3, WeightG: in.WeightG,
					Value: in.DeclaredValue.Amount, Freight: freight, CompletedAt: in.CompletedAt,
				})
			}
			now := f.clock.Now()
			for range 10 {
				route := routes[r.IntN(len(routes))]
				p := domain.Parcel{VolumeCM3: 40 + r.Int64N(140), WeightG: 100 + r.Int64N(240), Value: money.MustNew(250+r.Int64N(600), "USD")}
				got, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: route, Parcel: &domain.ParcelInput{
					VolumeCM3: p.VolumeCM3, WeightG: p.WeightG, DeclaredValue: p.Value}})
				if err != nil {
					t.Fatal(err)
				}
				want, ok := domain.ReferenceEstimate(history, route, p, cfg, m, now)
				if !ok {
					fallback++
					if got.Basis != domain.BasisRateCard {
						t.Fatalf("seed %d: no reference match but basis %v", seed, got.Basis)
					}
					continue
				}
				if got.Basis != domain.BasisHistory || got.Target != want.Target || got.Total.Cmp(want.Total) != 0 {
					t.Fatalf("seed %d iteration %d step %d %s %+v: target %v total %s, reference %v %s",
						seed, iter, step, route, p, got.Target, got.Total, want.Target, want.Total)
				}
				if got.Groups[0].Count > 0 && got.Groups[1].Count > 0 && got.Groups[2].Count > 0 {
					full++
				}
				for g := range got.Groups {
					a, b := got.Groups[g], want.Groups[g]
					if a.Count != b.Count || (a.Mean == nil) != (b.Mean == nil) || (a.Mean != nil && a.Mean.Cmp(b.Mean) != 0) {
						t.Fatalf("seed %d: group %d %+v, reference %+v", seed, g, a, b)
					}
				}
			}
		}
	}
	t.Logf("%d estimates with all three groups, %d from the rate card", full, fallback)
	if full == 0 {
		t.Error("no estimate had all three groups: the histories are too sparse to test anything")
	}
}

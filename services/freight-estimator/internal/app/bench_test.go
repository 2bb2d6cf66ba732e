package app_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

// busyShare is the part of the history on the busy route, the one estimated.
const busyShare = 0.8

// busyRoute is synth's busiest lane.
var busyRoute = domain.Route{
	OriginCountry: synth.Lanes[0].Origin.Country, OriginRegion: synth.Lanes[0].Origin.Region,
	DestinationCountry: synth.Lanes[0].Destination.Country, DestinationRegion: synth.Lanes[0].Destination.Region,
}

// shipmentInput turns a generated shipment into the history's input.
func shipmentInput(s synth.Shipment) domain.ShipmentInput {
	return domain.ShipmentInput{
		ShipmentID: s.ID,
		Route: domain.Route{OriginCountry: s.Origin.Country, OriginRegion: s.Origin.Region,
			DestinationCountry: s.Destination.Country, DestinationRegion: s.Destination.Region},
		VolumeCM3: s.VolumeCM3, WeightG: s.WeightG,
		DeclaredValue:     money.Money{Amount: s.DeclaredValue, Currency: s.Currency},
		TransactionAmount: money.Money{Amount: s.TransactionAmount, Currency: s.Currency},
		GoodsPrice:        money.Money{Amount: s.GoodsPrice, Currency: s.Currency},
		CompletedAt:       s.CompletedAt,
		RateToBase:        s.RateToBase,
	}
}

// seedHistory bulk-loads n valid generated records completed in the 90 days
// before t0 (bad rows are drawn and skipped, as an import would refuse them).
func seedHistory(b *testing.B, n int) *fixture {
	f := newFixture(b, "USD")
	start := time.Now()
	g := synth.New(synth.Options{Seed: uint64(n), End: t0, BusyShare: busyShare})
	const chunk = 50_000
	batch := make([]domain.Shipment, 0, chunk)
	for loaded := 0; loaded < n; {
		s, err := domain.NewShipment(shipmentInput(g.Next()), "USD", t0)
		if err != nil {
			continue
		}
		batch = append(batch, s)
		loaded++
		if len(batch) == chunk || loaded == n {
			if err := f.store.CopyShipments(ctx, batch, app.SourceImport); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := f.pool.Exec(ctx, `VACUUM ANALYZE shipments`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d records in %v", n, time.Since(start).Round(time.Millisecond))
	return f
}

// BenchmarkEstimate times estimates on the busy route of a history of 100,000
// and of 1,000,000 records in the window, 80 % of them on that route (seeding
// the larger one takes about 20 s on two cores; CROSSDOCK_BENCH_SMALL=1 skips
// it). Parcels are drawn from the same generator, so they
// match history the way real parcels do. The route's first load into memory
// is timed apart (load-s).
func BenchmarkEstimate(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if os.Getenv("CROSSDOCK_BENCH_SMALL") == "1" {
		sizes = sizes[:1]
	}
	for _, n := range sizes {
		f := seedHistory(b, n)
		g := synth.New(synth.Options{Seed: 99, End: t0})
		parcels := make([]*domain.ParcelInput, 1000)
		for i := range parcels {
			s := g.Next()
			parcels[i] = &domain.ParcelInput{VolumeCM3: s.VolumeCM3, WeightG: s.WeightG, DeclaredValue: money.MustNew(max(s.GoodsPrice, 1), "USD")}
		}
		start := time.Now()
		if _, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: busyRoute, Parcel: parcels[0]}); err != nil {
			b.Fatal(err)
		}
		load := time.Since(start)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			durations := make([]time.Duration, 0, b.N)
			var matched int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t := time.Now()
				res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: busyRoute, Parcel: parcels[i%len(parcels)]})
				durations = append(durations, time.Since(t))
				if err != nil {
					b.Fatal(err)
				}
				for _, g := range res.Groups {
					matched += g.Count
				}
			}
			b.StopTimer()
			slices.Sort(durations)
			ms := func(q float64) float64 {
				return float64(durations[int(q*float64(len(durations)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(matched)/float64(b.N), "matched/op")
			b.ReportMetric(load.Seconds(), "load-s")
		})
	}
}

// BenchmarkIngest measures imports through ImportShipments' use case in
// batches of 1,000 generated records (about 3 % of them bad rows, refused).
func BenchmarkIngest(b *testing.B) {
	f := newFixture(b, "USD")
	g := synth.New(synth.Options{Seed: 5, End: t0})
	b.Run("batch=1000", func(b *testing.B) {
		batches := make([][]domain.ShipmentInput, b.N)
		for i := range batches {
			batches[i] = make([]domain.ShipmentInput, 1000)
			for j := range batches[i] {
				batches[i][j] = shipmentInput(g.Next())
			}
		}
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if _, err := f.svc.ImportShipments(ctx, admin, batches[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*1000)/time.Since(start).Seconds(), "records/s")
	})
}

package app_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// benchReserve reserves one unit per operation from callers concurrent
// goroutines, each call with its own order id, picking SKUs round robin from
// skus, and reports reservations per second. Stock is ample, so every
// reservation succeeds: the figure is the cost of a reservation and of
// waiting for the SKU's row lock, not of refusals.
func benchReserve(b *testing.B, skuCount, callers int) {
	f := newFixture(b, 32)
	sup := supplier()
	w := f.warehouse(b, sup)
	skus := make([]uuid.UUID, skuCount)
	for i := range skus {
		skus[i] = f.sku(b, sup, fmt.Sprintf("SKU-%d", i))
		f.stock(b, sup, w, skus[i], domain.MaxQuantity)
	}
	var seq atomic.Int64
	b.SetParallelism(max(callers/runtime.GOMAXPROCS(0), 1))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{
				OrderID: fmt.Sprintf("bench-%d", n), Lines: []domain.OrderLine{line(skus[int(n)%len(skus)], 1)},
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reservations/s")
	if err := f.invariants(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReserveSpreadSKUs reserves across 1,000 SKUs: reservations rarely
// wait for each other's row locks.
func BenchmarkReserveSpreadSKUs(b *testing.B) { benchReserveCallers(b, 1000) }

// BenchmarkReserveHotSKU reserves one SKU from every goroutine: the
// reservations queue on its row lock, one transaction at a time.
func BenchmarkReserveHotSKU(b *testing.B) { benchReserveCallers(b, 1) }

// benchReserveCallers runs benchReserve with 16 concurrent callers and with
// 64. A batch is at most as large as the callers waiting, so the rate grows
// with them: 64 is what a service taking 3,000 checkouts a second at about
// 20 ms each has in flight (Little's law).
func benchReserveCallers(b *testing.B, skuCount int) {
	for _, callers := range []int{16, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) { benchReserve(b, skuCount, callers) })
	}
}

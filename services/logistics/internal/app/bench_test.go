package app_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

// benchFixture is the service on a fresh database with n booked shipments
// of the seeded carrier, created in bulk by SQL (booking each through a
// carrier would measure the carrier).
func benchFixture(b *testing.B, n int) (*app.Service, *pgxpool.Pool, uuid.UUID, []uuid.UUID) {
	b.Helper()
	base := testkit.Database(b, testkit.Migrations{Name: "logistics", FS: migrations.FS})
	cfg := base.Config()
	cfg.MaxConns = 40
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	svc := app.New(postgres.New(pool, testKeys), carrierapi.New(time.Second), &financeLedger{}, &stockLedger{}, app.DefaultConfig())
	if err := svc.EnsureSeedCarrier(ctx, app.SeedCarrier{Code: carrierCode, Name: "Bench", URL: "http://127.0.0.1:1", APIKey: apiKey, WebhookSecret: webhookSecret}); err != nil {
		b.Fatal(err)
	}
	var carrierID uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT carrier_id FROM carriers`).Scan(&carrierID); err != nil {
		b.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO shipments (shipment_id, kind, sub_order_id, order_id, buyer_id, supplier_org_id,
		method_id, carrier_id, waybill, status, from_address, to_address, lines, weight_g, volume_cm3, declared_minor,
		declared_currency, goods_minor, goods_currency, reservation_id, eta, created_at, fingerprint)
		SELECT gen_random_uuid(), 'outbound', gen_random_uuid(), gen_random_uuid(), gen_random_uuid()::text, gen_random_uuid(),
			(SELECT method_id FROM shipping_methods WHERE code = 'air'), $1, 'CS' || lpad(i::text, 10, '0'), 'booked',
			'{"recipient":"W","country":"CN","region":"CN-GD","city":"Shenzhen","lines":["1"],"location":{"Lat":22.54,"Lng":114.05}}',
			'{"recipient":"B","country":"US","region":"US-CA","city":"Los Angeles","lines":["2"]}',
			'[]', 1000, 2000, 5000, 'USD', 4500, 'USD', 'res-' || i, now() + interval '9 days', now() - i * interval '1 second', '\x00'
		FROM generate_series(1, $2::int) AS i`, carrierID, n)
	if err != nil {
		b.Fatal(err)
	}
	// Measure the steady state, not the bulk load's aftermath: the load's
	// dirty pages are flushed and the table's statistics and visibility map
	// are fresh before the clock starts.
	for _, q := range []string{`VACUUM (ANALYZE) shipments`, `CHECKPOINT`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := pool.Query(ctx, `SELECT shipment_id FROM shipments`)
	if err != nil {
		b.Fatal(err)
	}
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	return svc, pool, carrierID, ids
}

// BenchmarkTrackingIngestion applies tracking events the way webhooks
// bring them, one transaction each (dedup, the parcel's row locked, the
// event recorded, position, distance and ETA updated), from 32 senders at
// once over 10,000 parcels. The goal is 2,000 events/s with fsync on.
func BenchmarkTrackingIngestion(b *testing.B) {
	svc, _, carrierID, ids := benchFixture(b, 10_000)
	const senders = 32
	var seq atomic.Int64
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				s := seq.Add(1)
				id := ids[int(i)%len(ids)]
				p := geo.Along(geo.Point{Lat: 22.54, Lng: 114.05}, geo.Point{Lat: 34.05, Lng: -118.24}, float64(i%100)/100)
				_, err := svc.ApplyCarrierEvent(ctx, domain.Carrier{ID: carrierID, Code: "sim"}, app.CarrierEvent{
					ID: fmt.Sprintf("cev_%d", s), Seq: s, SeqInShipment: s, Type: "tracking", Reference: id.String(),
					OccurredAt: start.Add(time.Duration(s) * time.Millisecond), Status: "in_transit", Leg: "international",
					LocationName: "in flight", Point: &p,
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkWhereIsMyParcel reads parcels as a buyer's page does
// (position, distance left, ETA, legs and the latest events) among 100,000
// active shipments, offered at a steady 1,000 reads/s for 5 s after the
// pool is warm and a second's warm-up at that rate. Latency counts from when each read was due, so a read
// that waited behind others counts its wait. The goal is p99 under 10 ms.
func BenchmarkWhereIsMyParcel(b *testing.B) {
	svc, _, _, ids := benchFixture(b, 100_000)
	const rate, warm, measure = 1000, time.Second, 5 * time.Second
	// A running service has its connections open and its statements
	// prepared on each: open and prepare them before the clock starts, so
	// the pool's growth is not measured as parcel reads.
	var warming sync.WaitGroup
	for w := range 32 {
		warming.Go(func() {
			for i := range 20 {
				if _, err := svc.GetShipment(ctx, orders, ids[(w*20+i)%len(ids)]); err != nil {
					b.Error(err)
				}
			}
		})
	}
	warming.Wait()
	b.ResetTimer()
	for range b.N {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		start := time.Now()
		interval := time.Second / rate
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * interval)
			if due.Sub(start) >= warm+measure {
				break
			}
			time.Sleep(time.Until(due))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.GetShipment(ctx, orders, ids[(i*7919)%len(ids)]); err != nil {
					b.Error(err)
					return
				}
				if due.Sub(start) >= warm {
					mu.Lock()
					lat = append(lat, time.Since(due))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(lat)
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
		b.ReportMetric(q(0.50), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(q(1), "max-ms")
	}
}

package app_test

import (
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// faultShipments is how many parcels the all-faults run books; the
// acceptance figure is 1,000 (LOGISTICS_FAULT_SHIPMENTS lowers it for a
// quick local run).
func faultShipments(t *testing.T) int {
	if v := os.Getenv("LOGISTICS_FAULT_SHIPMENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("LOGISTICS_FAULT_SHIPMENTS=%q", v)
		}
		return n
	}
	return 1000
}

// Against the carrier simulator with every fault on (lost, duplicated,
// reordered and late webhooks, customs holds, failed delivery attempts,
// 503s from its API and from our webhook receiver), over 1,000 parcels:
// every event is applied exactly once, no parcel moves backwards, the final
// status is the carrier's, every leg is paid exactly once, every completed
// event is emitted once, and every picked-up parcel's stock is committed.
func TestEveryFaultOverAThousandShipments(t *testing.T) {
	n := faultShipments(t)
	f := newFixture(t, carriersim.Config{
		TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 7,
		LoseRate: 0.2, DuplicateRate: 0.2, ReorderRate: 0.2, LateRate: 0.1, LateDelay: 150 * time.Millisecond,
		CustomsHoldRate: 0.3, FailedAttemptRate: 0.3, FailRate: 0.05,
		RetryInitial: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond, MaxAttempts: 30, Workers: 8,
		UnservedCountries: []string{},
	}, 16)
	f.webhookFailRate = 0.1

	stop := make(chan struct{})
	var workers sync.WaitGroup
	log := testkit.Logger(t)
	background := func(fn func()) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					fn()
				}
			}
		}()
	}
	background(func() { _ = f.svc.PollCarriers(ctx, 500, log) })
	background(func() { _, _ = f.svc.PayLegs(ctx, 200, log) })
	background(func() { _, _ = f.svc.CommitStock(ctx, 200, log) })

	methods := []string{"air", "express", "sea", "ground"}
	ids := make([]domain.Shipment, n)
	var booking sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 8; w++ {
		booking.Add(1)
		go func() {
			defer booking.Done()
			for i := range next {
				ids[i] = f.create(t, f.input(i, methods[i%len(methods)]))
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	booking.Wait()

	f.waitQuiet(t, 5*time.Minute)
	// The feed has every event; the last poll and payment round catch up.
	close(stop)
	workers.Wait()
	f.catchUp(t)
	f.payAllLegs(t, log)
	if _, err := f.svc.CommitStock(ctx, 10_000, log); err != nil {
		t.Fatal(err)
	}

	// Every event exactly once.
	events := f.allSimEvents(t)
	tracking, charges := map[string]bool{}, map[string]int64{}
	for _, e := range events {
		if e.Type == "charge" {
			charges[e.Charge.LegID] += e.Charge.Amount
		} else {
			tracking[e.ID] = true
		}
	}
	var stored, distinct int
	if err := f.pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT event_id) FROM tracking_events`).Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	if stored != len(tracking) || distinct != len(tracking) {
		t.Errorf("%d tracking events stored (%d distinct), the carrier produced %d", stored, distinct, len(tracking))
		f.logMissing(t, events)
	}

	// No position regression: in the order the service applied them, the
	// events that moved a parcel advance in event time.
	var regressions int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM (
		SELECT occurred_at, seq, lag(occurred_at) OVER w AS prev_at, lag(seq) OVER w AS prev_seq
		FROM tracking_events WHERE applied WINDOW w AS (PARTITION BY shipment_id ORDER BY received_at, event_id)) x
		WHERE (occurred_at, seq) < (prev_at, prev_seq)`).Scan(&regressions); err != nil {
		t.Fatal(err)
	}
	if regressions != 0 {
		t.Errorf("%d applied events moved a parcel backwards", regressions)
	}

	// The final status is the carrier's truth; delivered parcels complete
	// once however often completion is asked for.
	delivered := 0
	for _, sh := range ids {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		truth := f.truth(t, v.Waybill)
		if string(v.Status) != truth.Status {
			t.Errorf("shipment %s is %s, the carrier says %s", v.ID, v.Status, truth.Status)
		}
		if v.Status == domain.StatusDelivered {
			delivered++
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := f.svc.CompleteShipment(ctx, orders, sh.ID); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		if v.PickedUpAt == nil {
			t.Errorf("shipment %s was never picked up", v.ID)
		}
	}
	if delivered == 0 || delivered == n {
		t.Errorf("%d of %d delivered: the failed-attempt fault should return some and not all", delivered, n)
	}
	var completed int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = $1`, app.SubjectShipmentCompleted).Scan(&completed); err != nil {
		t.Fatal(err)
	}
	if completed != delivered {
		t.Errorf("%d completed events for %d delivered parcels", completed, delivered)
	}

	// Every leg recorded once and paid once, with the carrier's amount.
	var legs int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM freight_legs WHERE paid_at IS NOT NULL`).Scan(&legs); err != nil {
		t.Fatal(err)
	}
	if legs != len(charges) || len(f.finance.paid) != len(charges) || f.finance.conflicts != 0 {
		t.Errorf("%d legs paid, finance moved %d (%d conflicts), the carrier charged %d", legs, len(f.finance.paid), f.finance.conflicts, len(charges))
	}
	for leg, amount := range charges {
		if got := f.finance.paid[domain.LegPaymentRef(f.carrier.ID, leg)]; got.Amount != amount {
			t.Errorf("leg %s: finance moved %v, the carrier charged %d", leg, got, amount)
		}
	}
	// Every picked-up parcel's stock committed.
	if len(f.inventory.commits) != n {
		t.Errorf("%d reservations committed, %d parcels picked up", len(f.inventory.commits), n)
	}
}

// logMissing logs up to five of the carrier's tracking events the service
// did not store.
func (f *fixture) logMissing(t *testing.T, events []carrierapi.EventJSON) {
	t.Helper()
	have := map[string]bool{}
	rows, err := f.pool.Query(ctx, `SELECT event_id FROM tracking_events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		have[id] = true
	}
	shown := 0
	for _, e := range events {
		if e.Type != "charge" && !have[e.ID] && shown < 5 {
			shown++
			t.Logf("missing %+v", e)
		}
	}
}

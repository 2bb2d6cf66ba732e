package app_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// run starts n goroutines at once (behind a barrier) and waits for them.
func run(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// 200 orders race for 50 units of one SKU: exactly 50 get one, the others
// are told there is not enough stock, and the books agree.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	f := newFixture(t, 40)
	sup := supplier()
	sku := f.sku(t, sup, "HOT")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 50)

	var ok, insufficient atomic.Int32
	var other sync.Map
	run(200, func(i int) {
		_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: fmt.Sprintf("order-%03d", i), Lines: []domain.OrderLine{line(sku, 1)}})
		switch {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, domain.ErrInsufficientStock) && err.Error() == "insufficient stock":
			insufficient.Add(1)
		default:
			other.Store(i, err)
		}
	})
	other.Range(func(k, v any) bool { t.Errorf("order %v: unexpected error %v", k, v); return true })
	if ok.Load() != 50 || insufficient.Load() != 150 {
		t.Fatalf("reserved %d, refused %d; want 50 and 150", ok.Load(), insufficient.Load())
	}
	if l := f.level(t, w.ID, sku); l.OnHand != 50 || l.Reserved != 50 || l.Available() != 0 {
		t.Errorf("level = %+v, want on hand 50, reserved 50", l)
	}
	if n := f.count(t, "SELECT count(*) FROM stock_journal WHERE kind = 'reservation' AND reserved_delta = 1"); n != 50 {
		t.Errorf("reservation journal entries = %d, want 50", n)
	}
	if n := f.count(t, "SELECT count(*) FROM reservations WHERE status = 'active'"); n != 50 {
		t.Errorf("active reservations = %d, want 50", n)
	}
	if n := f.count(t, "SELECT count(*) FROM outbox WHERE subject = $1", app.SubjectReservationReserved); n != 50 {
		t.Errorf("ReservationReserved events = %d, want 50", n)
	}
	// Every reserved level 1..50 appears once in the journal: the
	// reservations ran one after the other on the locked row.
	if n := f.count(t, "SELECT count(DISTINCT reserved) FROM stock_journal WHERE kind = 'reservation'"); n != 50 {
		t.Errorf("distinct reserved levels in the journal = %d, want 50", n)
	}
	f.mustHoldInvariants(t)
	f.noDeadlocks(t)
}

// Orders of two SKUs each, listed in either order and split over two
// warehouses, race for stock: all or nothing per order, no deadlock, and
// exactly as many orders succeed as the scarcer SKU allows.
func TestConcurrentMultiLineReservationsAreAllOrNothing(t *testing.T) {
	f := newFixture(t, 40)
	sup := supplier()
	a, b := f.sku(t, sup, "A"), f.sku(t, sup, "B")
	w1, w2 := f.warehouse(t, sup), f.warehouse(t, sup)
	f.stock(t, sup, w1, a, 20)
	f.stock(t, sup, w2, a, 10) // 30 of A in two warehouses
	f.stock(t, sup, w1, b, 25)
	f.stock(t, sup, w2, b, 25) // 50 of B

	var ok atomic.Int32
	var other sync.Map
	run(120, func(i int) {
		lines := []domain.OrderLine{line(a, 1), line(b, 1)}
		if i%2 == 1 {
			lines[0], lines[1] = lines[1], lines[0]
		}
		_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: fmt.Sprintf("o%d", i), Lines: lines})
		switch {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, domain.ErrInsufficientStock):
		default:
			other.Store(i, err)
		}
	})
	other.Range(func(k, v any) bool { t.Errorf("order %v: unexpected error %v", k, v); return true })
	if ok.Load() != 30 {
		t.Fatalf("reserved %d orders, want 30 (all of A)", ok.Load())
	}
	if n := f.count(t, "SELECT coalesce(sum(reserved), 0) FROM stock WHERE sku_id = $1", b); n != 30 {
		t.Errorf("reserved of B = %d, want 30: every order took both lines or none", n)
	}
	f.mustHoldInvariants(t)
	f.noDeadlocks(t)
}

// The sweeper, releases and commits race over many reservations that are all
// due: each reservation ends exactly once, and the journal still adds up.
func TestExpiryAndReleaseRacingCommits(t *testing.T) {
	f := newFixture(t, 40)
	sup := supplier()
	skus := []uuid.UUID{f.sku(t, sup, "X"), f.sku(t, sup, "Y"), f.sku(t, sup, "Z")}
	w1, w2 := f.warehouse(t, sup), f.warehouse(t, sup)
	for _, s := range skus {
		f.stock(t, sup, w1, s, 100)
		f.stock(t, sup, w2, s, 100)
	}
	const n = 120
	rng := rand.New(rand.NewPCG(1, 2))
	qty := map[string]int64{}
	for i := range n {
		order := fmt.Sprintf("race-%d", i)
		lines := []domain.OrderLine{line(skus[i%3], 1+rng.Int64N(3)), line(skus[(i+1)%3], 1+rng.Int64N(3))}
		res, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: lines, TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Lines {
			qty[order] += l.Quantity
		}
	}
	f.clock.Advance(2 * time.Minute) // every reservation is due

	var other sync.Map
	note := func(what string, i int, err error) {
		if err != nil && !apperr.IsKind(err, apperr.KindFailedPrecondition) {
			other.Store(fmt.Sprintf("%s %d", what, i), err)
		}
	}
	run(2*n+4, func(i int) {
		switch {
		case i >= 2*n: // four sweepers
			for {
				k, err := f.svc.ExpireDue(ctx, 10)
				note("sweep", i, err)
				if k == 0 || err != nil {
					return
				}
			}
		case i%2 == 0:
			_, err := f.svc.Commit(ctx, orders, fmt.Sprintf("race-%d", i/2), time.Time{})
			note("commit", i/2, err)
		default:
			if (i/2)%3 == 0 { // a third of the orders are also cancelled
				_, err := f.svc.Release(ctx, orders, fmt.Sprintf("race-%d", i/2), "cancelled")
				note("release", i/2, err)
			}
		}
	})
	other.Range(func(k, v any) bool { t.Errorf("%v: unexpected error %v", k, v); return true })
	if _, err := f.svc.ExpireDue(ctx, n); err != nil {
		t.Fatal(err)
	}

	statuses := map[string]int{}
	var shipped int64
	rows, err := f.pool.Query(ctx, "SELECT order_id, status FROM reservations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var order, status string
		if err := rows.Scan(&order, &status); err != nil {
			t.Fatal(err)
		}
		statuses[status]++
		if status == "committed" {
			shipped += qty[order]
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if statuses["active"] != 0 || statuses["committed"] == 0 {
		t.Errorf("statuses = %v: want none active, some committed", statuses)
	}
	t.Logf("outcomes: %v", statuses)
	if got := int64(f.count(t, "SELECT sum(on_hand) FROM stock")); got != 600-shipped {
		t.Errorf("on hand = %d, want %d (600 − %d shipped)", got, 600-shipped, shipped)
	}
	if got := f.count(t, "SELECT sum(reserved) FROM stock"); got != 0 {
		t.Errorf("reserved = %d, want 0", got)
	}
	// One terminal event per reservation, matching its status.
	for subject, status := range map[string]string{
		app.SubjectReservationCommitted: "committed", app.SubjectReservationReleased: "released", app.SubjectReservationExpired: "expired",
	} {
		if got := f.count(t, "SELECT count(*) FROM outbox WHERE subject = $1", subject); got != statuses[status] {
			t.Errorf("%s events = %d, want %d", subject, got, statuses[status])
		}
	}
	f.mustHoldInvariants(t)
	f.noDeadlocks(t)
}

package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// payload decodes the newest outbox event of a subject.
func (f *fixture) payload(t *testing.T, subject string, msg proto.Message) {
	t.Helper()
	var raw []byte
	var typ string
	if err := f.pool.QueryRow(ctx, "SELECT payload, event_type FROM outbox WHERE subject = $1 ORDER BY seq DESC LIMIT 1", subject).Scan(&raw, &typ); err != nil {
		t.Fatalf("%s: %v", subject, err)
	}
	if typ != string(proto.MessageName(msg)) {
		t.Errorf("%s type = %s", subject, typ)
	}
	if err := proto.Unmarshal(raw, msg); err != nil {
		t.Fatal(err)
	}
}

func TestEventsAreWrittenToTheOutbox(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 10)                                                   // StockChanged
	if _, err := f.svc.SetLowStockThreshold(ctx, sup, w.ID, sku, 3); err != nil { // not low yet: nothing
		t.Fatal(err)
	}
	res, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o1", Lines: []domain.OrderLine{line(sku, 6)}})
	if err != nil { // StockChanged, ReservationReserved
		t.Fatal(err)
	}
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o2", Lines: []domain.OrderLine{line(sku, 1)}}); err != nil {
		t.Fatal(err) // available 4 → 3: StockChanged, LowStock, ReservationReserved
	}
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o3", Lines: []domain.OrderLine{line(sku, 1)}}); err != nil {
		t.Fatal(err) // 3 → 2: still low, no second LowStock
	}
	// A finished reservation's event comes from its update, before the
	// stock it gives back or ships.
	if _, err := f.svc.Commit(ctx, orders, "o1", time.Time{}); err != nil { // ReservationCommitted, StockChanged
		t.Fatal(err)
	}
	if _, err := f.svc.Release(ctx, orders, "o2", "buyer cancelled"); err != nil { // ReservationReleased, StockChanged
		t.Fatal(err)
	}
	want := []string{
		app.SubjectStockChanged,
		app.SubjectStockChanged, app.SubjectReservationReserved,
		app.SubjectStockChanged, app.SubjectLowStock, app.SubjectReservationReserved,
		app.SubjectStockChanged, app.SubjectReservationReserved,
		app.SubjectReservationCommitted, app.SubjectStockChanged,
		app.SubjectReservationReleased, app.SubjectStockChanged,
	}
	if got := f.events(t); !slices.Equal(got, want) {
		t.Fatalf("outbox = %v\nwant     %v", got, want)
	}

	var changed inventoryv1.StockChanged
	f.payload(t, app.SubjectStockChanged, &changed)
	if changed.GetSkuId() != sku.String() || changed.GetWarehouseId() != w.ID.String() || changed.GetQuantityDelta() != 0 ||
		changed.GetOnHand() != 4 || changed.GetAvailable() != 3 || changed.GetReason() != "release" || changed.GetOccurredAt() == nil {
		t.Errorf("StockChanged = %v", &changed)
	}
	var low inventoryv1.LowStock
	f.payload(t, app.SubjectLowStock, &low)
	if low.GetAvailable() != 3 || low.GetThreshold() != 3 || low.GetSkuId() != sku.String() {
		t.Errorf("LowStock = %v", &low)
	}
	var reserved inventoryv1.ReservationReserved
	f.payload(t, app.SubjectReservationReserved, &reserved)
	if reserved.GetOrderId() != "o3" || len(reserved.GetLines()) != 1 || reserved.GetLines()[0].GetQuantity() != 1 ||
		reserved.GetLines()[0].GetWarehouseId() != w.ID.String() || reserved.GetExpiresAt() == nil {
		t.Errorf("ReservationReserved = %v", &reserved)
	}
	var committed inventoryv1.ReservationCommitted
	f.payload(t, app.SubjectReservationCommitted, &committed)
	if committed.GetOrderId() != "o1" || committed.GetReservationId() != res.ID.String() {
		t.Errorf("ReservationCommitted = %v", &committed)
	}
	var released inventoryv1.ReservationReleased
	f.payload(t, app.SubjectReservationReleased, &released)
	if released.GetOrderId() != "o2" || released.GetReason() != "buyer cancelled" {
		t.Errorf("ReservationReleased = %v", &released)
	}
}

func TestLowStockIsEmittedWhenCrossingOnly(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 3)
	lows := func() int { return f.count(t, "SELECT count(*) FROM outbox WHERE subject = $1", app.SubjectLowStock) }
	// Setting a threshold at or above what is available crosses it.
	if _, err := f.svc.SetLowStockThreshold(ctx, sup, w.ID, sku, 5); err != nil {
		t.Fatal(err)
	}
	if lows() != 1 {
		t.Fatalf("LowStock events = %d, want 1", lows())
	}
	f.stock(t, sup, w, sku, 10) // 13: no longer low
	f.stock(t, sup, w, sku, -8) // 5: low again
	f.stock(t, sup, w, sku, -1) // 4: still low
	if lows() != 2 {
		t.Errorf("LowStock events = %d, want 2", lows())
	}
	if _, err := f.svc.SetLowStockThreshold(ctx, sup, w.ID, sku, 0); err != nil { // off
		t.Fatal(err)
	}
	f.stock(t, sup, w, sku, -4)
	if lows() != 2 {
		t.Errorf("LowStock with the alert off: %d events", lows())
	}
	if l := f.level(t, w.ID, sku); l.LowStockThreshold != 0 || l.OnHand != 0 {
		t.Errorf("level = %+v", l)
	}
}

func TestExpiryEmitsReservationExpired(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 3)
	res, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "late", Lines: []domain.OrderLine{line(sku, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Minute)
	if n, err := f.svc.ExpireDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	var ev inventoryv1.ReservationExpired
	f.payload(t, app.SubjectReservationExpired, &ev)
	if ev.GetOrderId() != "late" || ev.GetReservationId() != res.ID.String() {
		t.Errorf("ReservationExpired = %v", &ev)
	}
	var actor, reason string
	if err := f.pool.QueryRow(ctx, "SELECT actor_id, reason FROM stock_journal WHERE kind = 'expiry'").Scan(&actor, &reason); err != nil ||
		actor != app.SystemActor || reason == "" {
		t.Errorf("expiry journal: %q %q %v", actor, reason, err)
	}
}

// A reservation whose expiry fails (its stock's reserved level put below
// it by hand) is passed over and reported, and the reservations due after
// it still expire. Before, the sweep stopped at it, and, the most overdue,
// it was taken first by every sweep: nothing expired any more.
func TestAReservationThatCannotExpireDoesNotHoldTheSweep(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	broken, fine := f.sku(t, sup, "A"), f.sku(t, sup, "B")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, broken, 3)
	f.stock(t, sup, w, fine, 3)
	stuck, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "stuck", Lines: []domain.OrderLine{line(broken, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "later", Lines: []domain.OrderLine{line(fine, 1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE stock SET reserved = 0 WHERE sku_id = $1`, broken); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Minute)
	n, err := f.svc.ExpireDue(ctx, 10)
	if n != 1 || err == nil || !strings.Contains(err.Error(), stuck.ID.String()) {
		t.Fatalf("ExpireDue = %d, %v; want the later reservation expired and the stuck one reported", n, err)
	}
	var status string
	if err := f.pool.QueryRow(ctx, `SELECT status FROM reservations WHERE order_id = 'later'`).Scan(&status); err != nil || status != "expired" {
		t.Errorf("the reservation due after the stuck one is %q (%v), want expired", status, err)
	}
}

// The sweeper goes on while whole batches expire, a reservation it cannot
// expire among them: before, a sweep that met one stopped after its first
// batch of 500 and waited for the next tick, so one bad row held a
// replica's expiries to a batch per interval however many were overdue.
func TestTheSweeperGoesOnPastAReservationThatCannotExpire(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	broken, fine := f.sku(t, sup, "A"), f.sku(t, sup, "B")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, broken, 3)
	const due = 501 // one more than a sweep's batch
	f.stock(t, sup, w, fine, due)
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "stuck", Lines: []domain.OrderLine{line(broken, 2)}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	for i := range due {
		if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: fmt.Sprintf("later-%d", i), Lines: []domain.OrderLine{line(fine, 1)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.pool.Exec(ctx, `UPDATE stock SET reserved = 0 WHERE sku_id = $1`, broken); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Minute)

	sweeping, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.svc.RunSweeper(sweeping, time.Hour, slog.New(slog.DiscardHandler)) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	expired := 0
	for deadline := time.Now().Add(time.Minute); expired < due && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM reservations WHERE status = 'expired'`).Scan(&expired); err != nil {
			t.Fatal(err)
		}
	}
	if expired != due {
		t.Errorf("%d of the %d reservations due expired before the sweeper's next tick", expired, due)
	}
}

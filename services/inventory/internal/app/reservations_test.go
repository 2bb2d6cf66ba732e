package app_test

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func TestReserveSplitsAcrossWarehousesMostAvailableFirst(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "TEE-M")
	w1, w2 := f.warehouse(t, sup), f.warehouse(t, sup)
	central := f.warehouse(t, admin)
	f.stock(t, sup, w1, sku, 3)
	f.stock(t, sup, w2, sku, 5)
	f.stock(t, admin, central, sku, 1)

	// Two lines of the same SKU are combined: 6 units, 5 from w2 then 1 from w1
	// (w1 has 3, central 1: most available first).
	res, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "order-1", Lines: []domain.OrderLine{line(sku, 4), line(sku, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != domain.ReservationActive || len(res.Lines) != 2 {
		t.Fatalf("reservation = %+v", res)
	}
	got := map[uuid.UUID]int64{}
	for _, l := range res.Lines {
		got[l.WarehouseID] = l.Quantity
	}
	if got[w2.ID] != 5 || got[w1.ID] != 1 || got[central.ID] != 0 {
		t.Errorf("allocation = %v", got)
	}
	if want := f.clock.Now().Add(30 * time.Minute).Truncate(time.Microsecond); !res.ExpiresAt.Equal(want) {
		t.Errorf("expires_at = %v, want %v (default 30 min)", res.ExpiresAt, want)
	}
	if l := f.level(t, w2.ID, sku); l.OnHand != 5 || l.Reserved != 5 {
		t.Errorf("w2 = %+v", l)
	}
	avail, err := f.svc.GetAvailability(ctx, []uuid.UUID{sku})
	if err != nil || avail[0].Available != 3 {
		t.Fatalf("availability = %v, %v; want 3", avail, err)
	}

	// Asking for more than is left reserves nothing at all.
	other := f.sku(t, sup, "TEE-L")
	f.stock(t, sup, w1, other, 10)
	before := f.rowCounts(t)
	_, err = f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "order-2", Lines: []domain.OrderLine{line(other, 1), line(sku, 4)}})
	wantKind(t, err, apperr.KindFailedPrecondition)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Message != "insufficient stock" || e.Metadata["sku_id"] != sku.String() || e.Metadata["available"] != "3" {
		t.Errorf("error = %#v", err)
	}
	if after := f.rowCounts(t); !maps.Equal(before, after) {
		t.Errorf("rows changed: %v → %v", before, after)
	}
	f.mustHoldInvariants(t)
}

func TestCommitReleaseAndExpiry(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "MUG")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 10)
	reserve := func(order string, q int64, ttl time.Duration) domain.Reservation {
		t.Helper()
		r, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: []domain.OrderLine{line(sku, q)}, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	reserve("a", 2, 0)
	reserve("b", 3, 0)
	reserve("c", 1, time.Minute)

	res, err := f.svc.Commit(ctx, orders, "a", time.Time{})
	if err != nil || res.Status != domain.ReservationCommitted {
		t.Fatalf("commit = %+v, %v", res, err)
	}
	if _, err := f.svc.Commit(ctx, orders, "a", time.Time{}); err != nil {
		t.Errorf("commit again: %v", err)
	}
	if l := f.level(t, w.ID, sku); l.OnHand != 8 || l.Reserved != 4 {
		t.Errorf("after commit = %+v, want on hand 8, reserved 4", l)
	}
	if res, err = f.svc.Release(ctx, orders, "b", "buyer cancelled"); err != nil || res.Status != domain.ReservationReleased {
		t.Fatalf("release = %+v, %v", res, err)
	}
	_, err = f.svc.Release(ctx, orders, "a", "")
	wantKind(t, err, apperr.KindFailedPrecondition)
	_, err = f.svc.Commit(ctx, orders, "b", time.Time{})
	wantKind(t, err, apperr.KindFailedPrecondition)

	// Not due yet: nothing expires.
	if n, err := f.svc.ExpireDue(ctx, 10); err != nil || n != 0 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	f.clock.Advance(2 * time.Minute)
	if n, err := f.svc.ExpireDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v; want 1", n, err)
	}
	got, err := f.svc.GetReservation(ctx, reviewer, "c")
	if err != nil || got.Status != domain.ReservationExpired {
		t.Fatalf("c = %+v, %v", got, err)
	}
	_, err = f.svc.Commit(ctx, orders, "c", time.Time{})
	wantKind(t, err, apperr.KindFailedPrecondition)
	if _, err := f.svc.Release(ctx, orders, "c", ""); err != nil {
		t.Errorf("releasing an expired reservation is a no-op, got %v", err)
	}
	if l := f.level(t, w.ID, sku); l.OnHand != 8 || l.Reserved != 0 {
		t.Errorf("after all = %+v, want on hand 8, reserved 0", l)
	}

	rows, err := f.pool.Query(ctx, "SELECT kind FROM stock_journal ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"adjustment", "reservation", "reservation", "reservation", "commit", "release", "expiry"}
	if !slices.Equal(kinds, want) {
		t.Errorf("journal = %v, want %v", kinds, want)
	}
	f.mustHoldInvariants(t)
}

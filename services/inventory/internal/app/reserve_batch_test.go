package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// One group-committed batch gives every call its own answer: refusals undo
// only their own writes, calls see the earlier calls of the batch, and an
// order id repeated in the batch gets the reservation its first call made.
func TestReserveBatchAnswersEachCallOnItsOwn(t *testing.T) {
	f := newFixture(t, 8)
	sup := supplier()
	w := f.warehouse(t, sup)
	hot, other := f.sku(t, sup, "HOT"), f.sku(t, sup, "OTHER")
	f.stock(t, sup, w, hot, 3)
	f.stock(t, sup, w, other, 10)
	unknown := uuid.Must(uuid.NewV7())

	in := []app.ReserveInput{
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}},
		{OrderID: "o2", Lines: []domain.OrderLine{line(hot, 2), line(other, 1)}}, // only 1 hot left
		{OrderID: "o3", Lines: []domain.OrderLine{line(unknown, 1)}},
		{OrderID: "o4", Lines: []domain.OrderLine{line(hot, 1), line(other, 4)}},
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}}, // a retry of o1
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 1)}}, // o1 with other lines
		{OrderID: "o2", Lines: []domain.OrderLine{line(other, 1)}},
	}
	res, errs := app.ReserveAsOneBatch(ctx, f.svc, orders, in)

	const succeeds = apperr.KindUnknown
	for _, tc := range []struct {
		i    int
		kind apperr.Kind
	}{
		{0, succeeds}, {1, apperr.KindFailedPrecondition}, {2, apperr.KindNotFound}, {3, succeeds},
		{4, succeeds}, {5, apperr.KindAlreadyExists}, {6, succeeds},
	} {
		t.Run(fmt.Sprintf("call %d of %s", tc.i, in[tc.i].OrderID), func(t *testing.T) {
			err := errs[tc.i]
			if tc.kind == succeeds && err != nil || apperr.KindOf(err) != tc.kind {
				t.Fatalf("error %v (%v), want %v", err, apperr.KindOf(err), tc.kind)
			}
		})
	}
	if !errors.Is(errs[1], domain.ErrInsufficientStock) {
		t.Errorf("o2's first call: %v, want insufficient stock", errs[1])
	}
	if res[4].ID != res[0].ID {
		t.Errorf("o1's retry in the batch returned reservation %s, want the first call's %s", res[4].ID, res[0].ID)
	}
	if l := f.level(t, w.ID, hot); l.Reserved != 3 || l.OnHand != 3 {
		t.Errorf("hot level = %+v, want 3 reserved of 3", l)
	}
	if l := f.level(t, w.ID, other); l.Reserved != 5 {
		t.Errorf("other level = %+v, want 5 reserved (o4's 4, o2's 1)", l)
	}
	if n := f.count(t, "SELECT count(*) FROM reservations"); n != 3 {
		t.Errorf("reservations = %d, want 3 (o1, o4, o2)", n)
	}
	if n := f.count(t, "SELECT count(*) FROM outbox WHERE subject = $1", app.SubjectReservationReserved); n != 3 {
		t.Errorf("ReservationReserved events = %d, want 3", n)
	}
	f.mustHoldInvariants(t)
}

// A caller that gives up while its reservation waits for a batch gets its
// context's error at once, and its reservation is never made.
func TestReserveCallerGivingUpInTheQueue(t *testing.T) {
	f := newFixture(t, 8)
	svc := app.New(f.store, app.Config{ReserveConcurrency: 1}, app.WithClock(f.clock.now))
	sup := supplier()
	w := f.warehouse(t, sup)
	sku := f.sku(t, sup, "HOT")
	f.stock(t, sup, w, sku, 10)

	// Hold the stock row, so the first batch waits for it.
	lock, err := f.base.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, "SELECT 1 FROM stock WHERE sku_id = $1 FOR UPDATE", sku); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "first", Lines: []domain.OrderLine{line(sku, 1)}})
		first <- err
	}()
	waitFor(t, func() bool {
		return f.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1
	}, "the first batch did not wait for the stock row")

	waiting, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() {
		_, err := svc.Reserve(waiting, orders, app.ReserveInput{OrderID: "gave-up", Lines: []domain.OrderLine{line(sku, 1)}})
		gaveUp <- err
	}()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}

	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// Queued behind the call that gave up: once it is answered, that call
	// was passed over.
	if _, err := svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "last", Lines: []domain.OrderLine{line(sku, 1)}}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, "SELECT count(*) FROM reservations WHERE order_id = 'gave-up'"); n != 0 {
		t.Errorf("the reservation of the caller that gave up was made")
	}
	if l := f.level(t, w.ID, sku); l.Reserved != 2 {
		t.Errorf("reserved = %d, want 2", l.Reserved)
	}
	f.mustHoldInvariants(t)
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

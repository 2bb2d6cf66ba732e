package postgres_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// A write made on an order read unlocked lands only at the version it was
// read at: once another write came first, none of its statements land (not
// the order, its log, its steps or its events), and the command is told so
// it can redo itself under the lock.
func TestWritesAtAVersionLandWholeOrNotAtAll(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	store := postgres.New(pool)
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	id := uuid.New()
	placed := domain.Order{
		ID: id, BuyerID: uuid.NewString(), CheckoutID: "c-1", Channel: domain.OwnStore, Status: domain.PendingPayment,
		Currency: "USD", Total: 1200, Quotes: map[string]string{}, PaymentDueAt: at.Add(30 * time.Minute), PlacedAt: at, UpdatedAt: at,
		SubOrders: []domain.SubOrder{{
			ID: uuid.New(), OrderID: id, SupplierID: uuid.New(), Type: domain.Virtual, Status: domain.PendingPayment,
			Goods: money.MustNew(1200, "USD"), Freight: money.MustNew(0, "USD"), BuyerAmount: 1200, Rate: "1", UpdatedAt: at,
			Lines: []domain.OrderLine{{SKUID: uuid.New(), ProductID: uuid.New(), Quantity: 1, UnitPrice: money.MustNew(1200, "USD")}},
		}},
	}
	if ok, err := store.InsertOrder(ctx, placed); err != nil || !ok {
		t.Fatalf("InsertOrder = %v, %v", ok, err)
	}
	read := func() domain.Order {
		t.Helper()
		o, err := store.GetOrder(ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := read()
	if o.Version != 0 {
		t.Fatalf("a new order is at version %d", o.Version)
	}

	started := o
	startedAt := at.Add(time.Minute)
	started.PaymentStartedAt, started.UpdatedAt = &startedAt, startedAt
	if ok, err := store.SaveOrderRowAtVersion(ctx, started); err != nil || !ok {
		t.Fatalf("SaveOrderRowAtVersion at the version read = %v, %v", ok, err)
	}
	if got := read(); got.Version != 1 || got.PaymentStartedAt == nil {
		t.Fatalf("after the write: version %d, payment started %v", got.Version, got.PaymentStartedAt)
	}
	cancelled := o // still at version 0
	cancelled.Status, cancelled.CancelReason = domain.Cancelled, "late"
	if ok, err := store.SaveOrderRowAtVersion(ctx, cancelled); err != nil || ok {
		t.Fatalf("SaveOrderRowAtVersion at a version passed = %v, %v; want refused", ok, err)
	}

	paid := read()
	paid.SubOrders = append([]domain.SubOrder(nil), paid.SubOrders...)
	paidAt := at.Add(2 * time.Minute)
	changes, err := paid.RecordPayment(domain.Actor{Kind: domain.ActorBuyer, ID: paid.BuyerID}, paidAt)
	if err != nil {
		t.Fatal(err)
	}
	paid.PaidAt, paid.UpdatedAt = &paidAt, paidAt
	w := app.Writes{
		Order: &paid, Changes: changes, Schedule: []app.Task{{Kind: app.TaskHoldOrderStock, Subject: id, OrderID: id, DueAt: paidAt}},
		Events: []app.Event{{Subject: app.SubjectOrderPaid, Payload: &ordersv1.OrderPaid{OrderId: id.String()}}},
	}
	count := func(table string) (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if ok, err := store.WriteAtVersion(ctx, 0, w); err != nil || ok {
		t.Fatalf("WriteAtVersion a version passed = %v, %v; want refused", ok, err)
	}
	if got := read(); got.Status != domain.PendingPayment || got.Version != 1 || got.SubOrders[0].Status != domain.PendingPayment {
		t.Errorf("a refused write changed the order: %s (sub-order %s) at version %d", got.Status, got.SubOrders[0].Status, got.Version)
	}
	for _, table := range []string{"order_changes", "saga_tasks", "outbox"} {
		if n := count(table); n != 0 {
			t.Errorf("a refused write left %d rows in %s", n, table)
		}
	}

	if ok, err := store.WriteAtVersion(ctx, 1, w); err != nil || !ok {
		t.Fatalf("WriteAtVersion the version read = %v, %v", ok, err)
	}
	got := read()
	if got.Status != domain.Paid || got.SubOrders[0].Status != domain.Paid || got.Version != 2 {
		t.Errorf("after the write: %s (sub-order %s) at version %d", got.Status, got.SubOrders[0].Status, got.Version)
	}
	for table, want := range map[string]int{"saga_tasks": 1, "outbox": 1} {
		if n := count(table); n != want {
			t.Errorf("%s holds %d rows, want %d", table, n, want)
		}
	}
	// The log reads back in the order written, the order's own entry
	// without a sub-order.
	logged, err := store.ListChanges(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) < 2 || changes[0].SubOrderID != uuid.Nil {
		t.Fatalf("the payment's log is %+v; want the order's entry, then its sub-order's", changes)
	}
	for i := range logged {
		logged[i].At = logged[i].At.UTC()
	}
	if !reflect.DeepEqual(logged, changes) {
		t.Errorf("the log reads\n%+v\nwant\n%+v", logged, changes)
	}
}

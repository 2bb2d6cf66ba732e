package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/events"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func publish(t *testing.T, js jetstream.JetStream, subject string, eventID uuid.UUID, ev proto.Message) {
	t.Helper()
	payload, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = payload
	msg.Header.Set(natsx.HeaderEventID, eventID.String())
	msg.Header.Set(natsx.HeaderEventType, string(proto.MessageName(ev)))
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

// The sales consumer reads the service's own stream: a paid order counted
// once though delivered twice, its sub-order's cancellation refunded, and a
// payment that cannot be counted dead-lettered at once rather than retried.
func TestSalesConsumer(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	_, _, js := testkit.JetStream(t)
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("orders")); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewSales(pool)
	sales := app.NewSales(store, nil, nil)
	c := events.SalesConsumer{Sales: sales, Repo: store.WithTx, Backoff: []time.Duration{10 * time.Millisecond}}.Consumer()
	c.Pool, c.JS, c.Log = pool, js, testkit.Logger(t)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	supplier, sub := uuid.New(), uuid.New()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	line := &ordersv1.SubOrderLine{SkuId: uuid.NewString(), ProductId: uuid.NewString(), Quantity: 2,
		UnitPrice: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 2500}}
	paid := &ordersv1.OrderPaid{OrderId: uuid.NewString(), Channel: "own_store", OccurredAt: timestamppb.New(at),
		SubOrders: []*ordersv1.PaidSubOrder{{SubOrderId: sub.String(), SupplierId: supplier.String(), Lines: []*ordersv1.SubOrderLine{line}}}}
	paidID, badID, cancelID := uuid.New(), uuid.New(), uuid.New()
	publish(t, js, app.SubjectOrderPaid, paidID, paid)
	publish(t, js, app.SubjectOrderPaid, paidID, paid) // a redelivery under the same event id
	bad := proto.Clone(paid).(*ordersv1.OrderPaid)
	bad.OrderId, bad.Channel = uuid.NewString(), ""
	publish(t, js, app.SubjectOrderPaid, badID, bad)
	publish(t, js, app.SubjectSubOrderCancelled, cancelID, &ordersv1.SubOrderCancelled{SubOrderId: sub.String(),
		SupplierId: supplier.String(), Channel: "own_store", OccurredAt: timestamppb.New(at.Add(time.Hour))})

	deadline := time.Now().Add(20 * time.Second)
	for {
		var applied int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM inbox WHERE consumer = $1`, events.SalesConsumerName).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		letters, err := inbox.ListDeadLetters(ctx, js, events.SalesConsumerName)
		if err != nil {
			t.Fatal(err)
		}
		if applied == 2 && len(letters) == 1 {
			if l := letters[0]; l.EventID != badID.String() || l.Deliveries != 1 {
				t.Errorf("dead letter of %s after %d deliveries, want %s after 1", l.EventID, l.Deliveries, badID)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("applied %d events and dead-lettered %d, want 2 and 1", applied, len(letters))
		}
		time.Sleep(50 * time.Millisecond)
	}
	operator := auth.Caller{Subject: "op", Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
	rows, _, err := sales.ListSales(ctx, operator, app.SalesQuery{}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].UnitsSold != 2 || rows[0].GrossMinor != 5000 || rows[0].UnitsRefunded != 2 || rows[0].RefundsMinor != 5000 {
		t.Errorf("rows %+v, want 2 units and 50.00 EUR sold and refunded the same day", rows)
	}
}

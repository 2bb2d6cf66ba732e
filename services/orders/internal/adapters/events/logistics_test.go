package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/events"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// A parcel's delivered event can overtake its booked event; the sub-order is
// then recorded shipped from the delivered event alone, so its carrier code
// must come from that event: docking sends it to partners with the waybill,
// and a waybill without its carrier cannot be tracked.
func TestShipmentDeliveredAheadOfItsBookingRecordsTheCarrierCode(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	store := postgres.New(pool)
	consumers := events.Consumers{Service: app.New(store, app.Peers{}, app.Config{}), Repo: store.WithTx}.All()
	var logistics *inbox.Consumer
	for _, c := range consumers {
		if c.Name == "orders-logistics" {
			logistics = c
		}
	}
	if logistics == nil {
		t.Fatal("no orders-logistics consumer")
	}

	for _, tc := range []struct {
		name string
		// accepted has the supplier accept the sub-order before its parcel
		// is delivered.
		accepted bool
	}{
		{name: "paid", accepted: false},
		{name: "accepted by its supplier", accepted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := paidSubOrder(t, store, tc.accepted)
			delivered := &logisticsv1.ShipmentDelivered{
				ShipmentId: uuid.NewString(), SubOrderId: sub.ID.String(), OrderId: sub.OrderID.String(), Kind: "outbound",
				Waybill: "WB-" + sub.ID.String()[:8], CarrierCode: "dhl-express", DeliveredAt: timestamppb.Now(),
			}
			payload, err := proto.Marshal(delivered)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			msg := inbox.Message{EventID: uuid.New(), Subject: "logistics.shipment.delivered",
				Type: string(proto.MessageName(delivered)), Payload: payload, Delivery: 1}
			if err := logistics.Handler(ctx, tx, msg); err != nil {
				t.Fatalf("handling %s: %v", msg.Subject, err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}

			o, err := store.GetOrder(ctx, sub.OrderID, false)
			if err != nil {
				t.Fatal(err)
			}
			got := o.SubOrder(sub.ID)
			if got.Status != domain.Delivered {
				t.Fatalf("sub-order %s, want %s", got.Status, domain.Delivered)
			}
			if got.CarrierCode != delivered.GetCarrierCode() || got.Waybill != delivered.GetWaybill() {
				t.Errorf("sub-order carrier %q waybill %q, want the delivered event's %q and %q",
					got.CarrierCode, got.Waybill, delivered.GetCarrierCode(), delivered.GetWaybill())
			}
			if got.ShipmentID == nil || got.ShipmentID.String() != delivered.GetShipmentId() {
				t.Errorf("sub-order shipment %v, want the delivered event's %s", got.ShipmentID, delivered.GetShipmentId())
			}
		})
	}
}

// paidSubOrder stores a paid order of one physical sub-order whose parcel
// was never recorded, accepted by its supplier if asked, and returns the
// sub-order.
func paidSubOrder(t *testing.T, store *postgres.Store, accepted bool) domain.SubOrder {
	t.Helper()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	id, subID := uuid.New(), uuid.New()
	o := domain.Order{
		ID: id, BuyerID: uuid.NewString(), CheckoutID: "c-" + id.String(), Channel: domain.OwnStore, Status: domain.PendingPayment,
		Currency: "EUR", Total: 5000, Quotes: map[string]string{}, PaymentDueAt: at.Add(30 * time.Minute), PlacedAt: at, UpdatedAt: at,
		SubOrders: []domain.SubOrder{{
			ID: subID, OrderID: id, SupplierID: uuid.New(), Type: domain.Physical, Status: domain.PendingPayment,
			Goods: money.MustNew(5000, "EUR"), Freight: money.MustNew(0, "EUR"), BuyerAmount: 5000, Rate: "1", UpdatedAt: at,
			Lines: []domain.OrderLine{{SKUID: uuid.New(), ProductID: uuid.New(), Quantity: 2, UnitPrice: money.MustNew(2500, "EUR")}},
		}},
	}
	paidAt := at.Add(time.Minute)
	if _, err := o.RecordPayment(domain.Actor{Kind: domain.ActorBuyer, ID: o.BuyerID}, paidAt); err != nil {
		t.Fatal(err)
	}
	o.PaidAt = &paidAt
	if accepted {
		supplier := domain.Actor{Kind: domain.ActorSupplier, ID: o.SubOrders[0].SupplierID.String()}
		if _, err := o.MoveSubOrder(subID, domain.Accepted, supplier, "accepted", paidAt.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := store.InsertOrder(context.Background(), o); err != nil || !ok {
		t.Fatalf("InsertOrder = %v, %v", ok, err)
	}
	return *o.SubOrder(subID)
}

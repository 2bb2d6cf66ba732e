// Package events feeds the events the order saga awaits into it through
// inbox consumers: finance's payments and settlements, logistics' parcels
// and inventory's lapsed reservations; and the service's own order events
// into the sales figures (SalesConsumer). Each is applied in the inbox's
// transaction, so it changes the saga or the figures exactly once.
package events

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/services/orders/internal/app"
)

// Consumers builds the saga's inbox consumers.
type Consumers struct {
	Service *app.Service
	// Repo gives the repository inside the inbox's transaction.
	Repo func(pgx.Tx) app.Repository
	// Backoff overrides the consumers' redelivery delays (tests shorten them).
	Backoff []time.Duration
}

// All returns one consumer per stream the saga reads. Pool, JS and Log are
// the runtime's (service.Runtime.Consume fills them).
func (c Consumers) All() []*inbox.Consumer {
	return []*inbox.Consumer{
		c.consumer("orders-finance", "finance", map[string]handler[app.Repository]{
			"finance.payment.captured": c.paymentCaptured,
			"finance.escrow.settled":   c.escrowSettled,
		}),
		c.consumer("orders-logistics", "logistics", map[string]handler[app.Repository]{
			"logistics.shipment.booked":    c.shipmentBooked,
			"logistics.shipment.delivered": c.shipmentDelivered,
			"logistics.shipment.returned":  c.shipmentReturned,
		}),
		c.consumer("orders-inventory", "inventory", map[string]handler[app.Repository]{
			"inventory.reservation.expired": c.reservationExpired,
		}),
	}
}

// handler applies one subject's payload on R, the repository of the
// inbox's transaction.
type handler[R any] func(ctx context.Context, r R, payload []byte) error

func (c Consumers) consumer(name, area string, handlers map[string]handler[app.Repository]) *inbox.Consumer {
	return newConsumer(name, area, c.Backoff, c.Repo, handlers)
}

// newConsumer is the durable consumer name of area's stream, reading the
// handlers' subjects and applying each on repo of the inbox's transaction.
func newConsumer[R any](name, area string, backoff []time.Duration, repo func(pgx.Tx) R, handlers map[string]handler[R]) *inbox.Consumer {
	subjects := make([]string, 0, len(handlers))
	for s := range handlers {
		subjects = append(subjects, s)
	}
	return &inbox.Consumer{
		Name: name, Stream: natsx.AreaStream(area).Name, Subjects: subjects, Backoff: backoff,
		Handler: func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
			h, ok := handlers[msg.Subject]
			if !ok {
				return nil
			}
			return h(ctx, repo(tx), msg.Payload)
		},
	}
}

// decode reads a payload; one that does not decode, or lacks its id, can
// never succeed and is dead-lettered at once.
func decode(payload []byte, m proto.Message, id func() string) (uuid.UUID, error) {
	if err := proto.Unmarshal(payload, m); err != nil {
		return uuid.Nil, inbox.Permanent(fmt.Errorf("decode %T: %w", m, err))
	}
	parsed, err := uuid.Parse(id())
	if err != nil {
		return uuid.Nil, inbox.Permanent(fmt.Errorf("%T without a valid id: %w", m, err))
	}
	return parsed, nil
}

func (c Consumers) paymentCaptured(ctx context.Context, r app.Repository, payload []byte) error {
	var ev financev1.PaymentCaptured
	id, err := decode(payload, &ev, ev.GetOrderId)
	if err != nil {
		return err
	}
	return c.Service.PaymentCaptured(ctx, r, id)
}

func (c Consumers) escrowSettled(ctx context.Context, r app.Repository, payload []byte) error {
	var ev financev1.EscrowSettled
	id, err := decode(payload, &ev, ev.GetSubOrderId)
	if err != nil {
		return err
	}
	return c.Service.EscrowSettled(ctx, r, id)
}

func (c Consumers) shipmentBooked(ctx context.Context, r app.Repository, payload []byte) error {
	var ev logisticsv1.ShipmentBooked
	id, err := decode(payload, &ev, ev.GetSubOrderId)
	if err != nil || ev.GetKind() != "outbound" {
		return err
	}
	shipment, _ := uuid.Parse(ev.GetShipmentId())
	return c.Service.ShipmentBooked(ctx, r, id, app.Shipment{ID: shipment, Waybill: ev.GetWaybill(), CarrierCode: ev.GetCarrierCode()})
}

func (c Consumers) shipmentDelivered(ctx context.Context, r app.Repository, payload []byte) error {
	var ev logisticsv1.ShipmentDelivered
	id, err := decode(payload, &ev, ev.GetSubOrderId)
	if err != nil {
		return err
	}
	if ev.GetKind() == "return" {
		// A request's goods back with their supplier.
		returnID, err := uuid.Parse(ev.GetReturnId())
		if err != nil {
			return nil // not one of ours
		}
		var deliveredAt time.Time // unset: taken as now
		if ev.GetDeliveredAt().IsValid() {
			deliveredAt = ev.GetDeliveredAt().AsTime()
		}
		return c.Service.ReturnParcelDelivered(ctx, r, returnID, deliveredAt)
	}
	if ev.GetKind() != "outbound" {
		return nil
	}
	shipment, _ := uuid.Parse(ev.GetShipmentId())
	return c.Service.ShipmentDelivered(ctx, r, id, app.Shipment{ID: shipment, Waybill: ev.GetWaybill(), CarrierCode: ev.GetCarrierCode()})
}

func (c Consumers) shipmentReturned(ctx context.Context, r app.Repository, payload []byte) error {
	var ev logisticsv1.ShipmentReturned
	id, err := decode(payload, &ev, ev.GetSubOrderId)
	if err != nil {
		return err
	}
	if ev.GetKind() == "return" {
		// A request's goods back with the buyer, undelivered.
		returnID, err := uuid.Parse(ev.GetReturnId())
		if err != nil {
			return nil // not one of ours
		}
		return c.Service.ReturnParcelBack(ctx, r, returnID)
	}
	if ev.GetKind() != "" && ev.GetKind() != "outbound" {
		return nil
	}
	shipment, _ := uuid.Parse(ev.GetShipmentId())
	return c.Service.ShipmentReturned(ctx, r, id, app.Shipment{ID: shipment, Waybill: ev.GetWaybill()})
}

func (c Consumers) reservationExpired(ctx context.Context, r app.Repository, payload []byte) error {
	var ev inventoryv1.ReservationExpired
	id, err := decode(payload, &ev, ev.GetOrderId)
	if err != nil {
		// Reservations of others (not a sub-order id) are not ours.
		return nil
	}
	return c.Service.ReservationLapsed(ctx, r, id)
}

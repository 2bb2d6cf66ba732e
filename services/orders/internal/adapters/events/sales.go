package events

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// SalesConsumerName is the sales figures' durable consumer on the ORDERS
// stream (and its inbox key): the figures have their own, so they can lag,
// fail or be rebuilt without touching the saga.
const SalesConsumerName = "orders-sales"

// SalesConsumer builds the sales figures' consumer of the service's own
// order events.
type SalesConsumer struct {
	Sales *app.Sales
	// Repo gives the sales repository inside the inbox's transaction.
	Repo func(pgx.Tx) app.SalesRepository
	// Backoff overrides the consumer's redelivery delays (tests shorten them).
	Backoff []time.Duration
}

// Consumer returns the inbox consumer; Pool, JS and Log are the runtime's
// (service.Runtime.Consume fills them).
func (c SalesConsumer) Consumer() *inbox.Consumer {
	return newConsumer(SalesConsumerName, "orders", c.Backoff, c.Repo, map[string]handler[app.SalesRepository]{
		app.SubjectOrderPaid:         c.orderPaid,
		app.SubjectSubOrderCancelled: c.subOrderCancelled,
		app.SubjectReturnRefunded:    c.returnRefunded,
	})
}

// badSale makes a fact the figures cannot count permanent: it is
// dead-lettered at once, visible and replayable.
func badSale(err error) error {
	if errors.Is(err, domain.ErrBadSale) {
		return inbox.Permanent(err)
	}
	return err
}

func (c SalesConsumer) orderPaid(ctx context.Context, r app.SalesRepository, payload []byte) error {
	var ev ordersv1.OrderPaid
	orderID, err := decode(payload, &ev, ev.GetOrderId)
	if err != nil {
		return err
	}
	subs := make([]domain.SoldSubOrder, 0, len(ev.GetSubOrders()))
	for _, ps := range ev.GetSubOrders() {
		lines := make([]domain.PaidLine, len(ps.GetLines()))
		for i, l := range ps.GetLines() {
			lines[i] = domain.PaidLine{SKUID: parseID(l.GetSkuId()), ProductID: parseID(l.GetProductId()),
				Quantity: int64(l.GetQuantity()), UnitPrice: moneyOf(l.GetUnitPrice())}
		}
		sub, err := domain.NewSoldSubOrder(parseID(ps.GetSubOrderId()), orderID, parseID(ps.GetSupplierId()), ev.GetChannel(),
			occurred(ev.GetOccurredAt()), lines)
		if err != nil {
			return badSale(err)
		}
		subs = append(subs, sub)
	}
	return c.Sales.OrderPaid(ctx, r, subs)
}

func (c SalesConsumer) subOrderCancelled(ctx context.Context, r app.SalesRepository, payload []byte) error {
	var ev ordersv1.SubOrderCancelled
	id, err := decode(payload, &ev, ev.GetSubOrderId)
	if err != nil {
		return err
	}
	at := occurred(ev.GetOccurredAt())
	if at.IsZero() {
		return inbox.Permanent(errors.New("sub-order cancelled without its time"))
	}
	order, _ := uuid.Parse(ev.GetOrderId())
	supplier, _ := uuid.Parse(ev.GetSupplierId())
	return c.Sales.SubOrderCancelled(ctx, r, domain.SoldSubOrder{ID: id, OrderID: order, SupplierID: supplier, Channel: ev.GetChannel()}, at)
}

func (c SalesConsumer) returnRefunded(ctx context.Context, r app.SalesRepository, payload []byte) error {
	var ev ordersv1.ReturnRefunded
	subID, err := decode(payload, &ev, ev.GetSubOrderId)
	if err != nil {
		return err
	}
	ret := domain.SalesReturn{ID: ev.GetReturnId(), SubOrderID: subID, SupplierID: parseID(ev.GetSupplierId()), Channel: ev.GetChannel(),
		RefundedAt: occurred(ev.GetOccurredAt())}
	for _, l := range ev.GetLines() {
		ret.Lines = append(ret.Lines, domain.ReturnedLine{SKUID: parseID(l.GetSkuId()), ProductID: parseID(l.GetProductId()),
			Quantity: int64(l.GetQuantity()), Amount: moneyOf(l.GetAmount())})
	}
	if err := ret.Check(); err != nil {
		return badSale(err)
	}
	return c.Sales.ReturnRefunded(ctx, r, ret)
}

// parseID reads an id of a payload; a malformed one is uuid.Nil, which the
// domain refuses.
func parseID(raw string) uuid.UUID {
	id, _ := uuid.Parse(raw)
	return id
}

func moneyOf(m *commonv1.Money) money.Money {
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}

// occurred is an event's time, zero when it carries none (which the domain
// refuses).
func occurred(ts *timestamppb.Timestamp) time.Time {
	if !ts.IsValid() {
		return time.Time{}
	}
	return ts.AsTime()
}

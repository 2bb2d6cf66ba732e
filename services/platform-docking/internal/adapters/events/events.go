// Package events feeds docking's queues from the mesh's events, each in
// its inbox's transaction so it is queued exactly once: catalogue and stock
// changes queue a product for a push; a partner sub-order's shipment queues
// its waybill for the partner; a paid order's sub-orders of a supply
// platform's supplier are queued for placing with the platform.
package events

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Consumers builds docking's inbox consumers.
type Consumers struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Nudge asks the jobs for a round once something was queued.
	Nudge func()
	// StockPushDelay is how long a product waits for its push after a
	// stock change: the changes of a busy product within it (every
	// reservation is one) reach partners in one push.
	StockPushDelay time.Duration
}

// productEvent is a catalogue event naming a product.
type productEvent interface {
	proto.Message
	GetProductId() string
}

// All returns the consumers: docking-catalog, docking-inventory,
// docking-orders and docking-supply.
func (c Consumers) All() []*inbox.Consumer {
	product := func(new func() productEvent) handler {
		return func(ctx context.Context, tx pgx.Tx, payload []byte) error {
			ev := new()
			if err := proto.Unmarshal(payload, ev); err != nil {
				return inbox.Permanent(fmt.Errorf("decode %T: %w", ev, err))
			}
			id, err := uuid.Parse(ev.GetProductId())
			if err != nil {
				return inbox.Permanent(fmt.Errorf("%T without a product id: %w", ev, err))
			}
			return postgres.QueueProducts(ctx, tx, []uuid.UUID{id}, c.now())
		}
	}
	return []*inbox.Consumer{
		c.consumer("docking-catalog", "catalog", map[string]handler{
			"catalog.product.listed":     product(func() productEvent { return &catalogv1.ProductListed{} }),
			"catalog.product.delisted":   product(func() productEvent { return &catalogv1.ProductDelisted{} }),
			"catalog.product.updated":    product(func() productEvent { return &catalogv1.ProductUpdated{} }),
			"catalog.product.deleted":    product(func() productEvent { return &catalogv1.ProductDeleted{} }),
			"catalog.product.restored":   product(func() productEvent { return &catalogv1.ProductRestored{} }),
			"catalog.product.translated": product(func() productEvent { return &catalogv1.ProductTranslated{} }),
			"catalog.sku.created":        product(func() productEvent { return &catalogv1.SkuCreated{} }),
			"catalog.sku.price_changed":  product(func() productEvent { return &catalogv1.SkuPriceChanged{} }),
		}),
		c.consumer("docking-inventory", "inventory", map[string]handler{
			"inventory.stock.changed": c.stockChanged,
		}),
		c.consumer("docking-orders", "orders", map[string]handler{
			"orders.sub_order.shipped": c.subOrderShipped,
		}),
		c.consumer("docking-supply", "orders", map[string]handler{
			"orders.order.paid":          c.orderPaid,
			"orders.sub_order.cancelled": c.subOrderCancelled,
		}),
	}
}

type handler func(ctx context.Context, tx pgx.Tx, payload []byte) error

func (c Consumers) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

func (c Consumers) consumer(name, area string, handlers map[string]handler) *inbox.Consumer {
	subjects := make([]string, 0, len(handlers))
	for s := range handlers {
		subjects = append(subjects, s)
	}
	return &inbox.Consumer{
		Name: name, Stream: natsx.AreaStream(area).Name, Subjects: subjects,
		Handler: func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
			h, ok := handlers[msg.Subject]
			if !ok {
				return nil
			}
			if err := h(ctx, tx, msg.Payload); err != nil {
				return err
			}
			if c.Nudge != nil {
				c.Nudge()
			}
			return nil
		},
	}
}

// stockChanged queues the product of a SKU listed on partners: its stock
// there follows, within StockPushDelay.
func (c Consumers) stockChanged(ctx context.Context, tx pgx.Tx, payload []byte) error {
	var ev inventoryv1.StockChanged
	if err := proto.Unmarshal(payload, &ev); err != nil {
		return inbox.Permanent(fmt.Errorf("decode stock change: %w", err))
	}
	sku, err := uuid.Parse(ev.GetSkuId())
	if err != nil {
		return inbox.Permanent(fmt.Errorf("stock change without a SKU id: %w", err))
	}
	now := c.now()
	return postgres.QueueProductsOfSKU(ctx, tx, sku, now, now.Add(c.StockPushDelay))
}

// subOrderShipped queues the waybill of a partner channel's sub-order;
// our own store's sub-orders are not docking's.
func (c Consumers) subOrderShipped(ctx context.Context, tx pgx.Tx, payload []byte) error {
	var ev ordersv1.SubOrderShipped
	if err := proto.Unmarshal(payload, &ev); err != nil {
		return inbox.Permanent(fmt.Errorf("decode sub-order shipped: %w", err))
	}
	code, ok := domain.CodeOfChannel(ev.GetChannel())
	if !ok {
		return nil
	}
	sub, err := uuid.Parse(ev.GetSubOrderId())
	if err != nil || ev.GetExternalOrderId() == "" || ev.GetWaybill() == "" {
		return inbox.Permanent(fmt.Errorf("partner sub-order shipped without its ids or waybill: %q", ev.GetSubOrderId()))
	}
	return postgres.QueueWaybill(ctx, tx, app.Waybill{SubOrderID: sub, PartnerCode: code, PartnerOrderID: ev.GetExternalOrderId(),
		CarrierCode: ev.GetCarrierCode(), Waybill: ev.GetWaybill(), QueuedAt: c.now()})
}

// orderPaid queues the sub-orders a supply platform fulfils (those whose
// supplier is a platform's organization), with the order's merchant, for
// placing with the platform. Other sub-orders are not docking's.
func (c Consumers) orderPaid(ctx context.Context, tx pgx.Tx, payload []byte) error {
	var ev ordersv1.OrderPaid
	if err := proto.Unmarshal(payload, &ev); err != nil {
		return inbox.Permanent(fmt.Errorf("decode order paid: %w", err))
	}
	order, err := uuid.Parse(ev.GetOrderId())
	if err != nil {
		return inbox.Permanent(fmt.Errorf("order paid without an order id: %w", err))
	}
	var merchant uuid.UUID
	if m := ev.GetMerchantOrgId(); m != "" {
		if merchant, err = uuid.Parse(m); err != nil {
			return inbox.Permanent(fmt.Errorf("order %s paid for merchant %q: %w", order, m, err))
		}
	}
	subs := make([]app.PaidSubOrder, 0, len(ev.GetSubOrders()))
	for _, s := range ev.GetSubOrders() {
		id, err1 := uuid.Parse(s.GetSubOrderId())
		supplier, err2 := uuid.Parse(s.GetSupplierId())
		if err1 != nil || err2 != nil {
			return inbox.Permanent(fmt.Errorf("order %s paid with a sub-order without its ids", order))
		}
		sub := app.PaidSubOrder{SubOrderID: id, SupplierID: supplier}
		for _, l := range s.GetLines() {
			sub.Lines = append(sub.Lines, domain.PaidLine{SKUID: l.GetSkuId(), Quantity: int64(l.GetQuantity())})
		}
		subs = append(subs, sub)
	}
	_, err = postgres.QueueSupplyOrders(ctx, tx, order, merchant, subs, c.now())
	return err
}

// subOrderCancelled asks for a cancelled sub-order's purchase order, if a
// supply platform's, to be cancelled at the platform.
func (c Consumers) subOrderCancelled(ctx context.Context, tx pgx.Tx, payload []byte) error {
	var ev ordersv1.SubOrderCancelled
	if err := proto.Unmarshal(payload, &ev); err != nil {
		return inbox.Permanent(fmt.Errorf("decode sub-order cancelled: %w", err))
	}
	id, err := uuid.Parse(ev.GetSubOrderId())
	if err != nil {
		return inbox.Permanent(fmt.Errorf("sub-order cancelled without its id: %w", err))
	}
	return postgres.RequestSupplyOrderCancel(ctx, tx, id, c.now())
}

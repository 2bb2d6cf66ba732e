package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Sales keeps the sales figures, a read model of the service's own events
// with its own consumer and tables, and answers the suppliers' and
// operators' questions about them: what sold per product, channel and day,
// and a SKU's purchases, sales and stock side by side. It shares nothing
// with the order saga but the database.
type Sales struct {
	store   SalesRepository
	catalog Catalog
	supply  Supply
}

// NewSales returns the sales use cases: store reads the figures, catalog
// tells a SKU's supplier, supply reads inventory's purchase orders and
// stock.
func NewSales(store SalesRepository, catalog Catalog, supply Supply) *Sales {
	return &Sales{store: store, catalog: catalog, supply: supply}
}

// SalesRepository is the sales read model's storage: the figures and the
// paid sub-orders and returns they counted.
type SalesRepository interface {
	// AddSoldSubOrders remembers paid sub-orders with their lines and
	// returns those whose payment it had not remembered already, each with
	// the time it was cancelled when its cancellation came first (nil
	// otherwise).
	AddSoldSubOrders(ctx context.Context, subs []domain.SoldSubOrder) (map[uuid.UUID]*time.Time, error)
	// CancelSoldSubOrder marks a remembered sub-order cancelled at `at` and
	// returns it; nil when it was cancelled already, or not remembered as
	// paid: it is then remembered as cancelled, and its payment's event,
	// when it comes, counts the sale and its cancellation (AddSoldSubOrders).
	CancelSoldSubOrder(ctx context.Context, sub domain.SoldSubOrder, at time.Time) (*domain.SoldSubOrder, error)
	// AddReturn remembers a refunded return and adds its lines to the
	// refunded part of the sub-order's lines; false when it was remembered
	// already.
	AddReturn(ctx context.Context, r domain.SalesReturn) (bool, error)
	// AddSales adds the entries to the daily figures.
	AddSales(ctx context.Context, entries []domain.SalesEntry) error
	// ListSales returns up to limit rows matching q after the cursor, in
	// the cursor's order.
	ListSales(ctx context.Context, q SalesQuery, after *SalesCursor, limit int) ([]domain.SalesRow, error)
}

// The events the figures follow, applied in the inbox's transaction (r).
// Each is also safe to apply twice: the sub-orders and returns counted are
// remembered, so a repeat changes nothing.

// OrderPaid counts each paid sub-order's units and gross on the day it was
// paid, and, for one whose cancellation's event came first, the refund on
// the day it was cancelled: the figures are those of the events in order.
func (s *Sales) OrderPaid(ctx context.Context, r SalesRepository, subs []domain.SoldSubOrder) error {
	added, err := r.AddSoldSubOrders(ctx, subs)
	if err != nil || len(added) == 0 {
		return err
	}
	var entries []domain.SalesEntry
	for _, sub := range subs {
		cancelledAt, ok := added[sub.ID]
		if !ok {
			continue
		}
		delete(added, sub.ID) // an id the event repeats counts once
		entries = append(entries, sub.Sale()...)
		if cancelledAt != nil {
			entries = append(entries, sub.Cancellation(*cancelledAt)...)
		}
	}
	return r.AddSales(ctx, entries)
}

// SubOrderCancelled refunds a paid sub-order's gross and units on the day
// of the cancellation; a sub-order whose payment has not been counted yet
// has nothing to refund now, and is refunded when its payment's event
// comes (OrderPaid).
func (s *Sales) SubOrderCancelled(ctx context.Context, r SalesRepository, cancelled domain.SoldSubOrder, at time.Time) error {
	sub, err := r.CancelSoldSubOrder(ctx, cancelled, at)
	if err != nil || sub == nil {
		return err
	}
	return r.AddSales(ctx, sub.Cancellation(at))
}

// ReturnRefunded counts a return's refunded units and amounts on the day it
// was refunded.
func (s *Sales) ReturnRefunded(ctx context.Context, r SalesRepository, ret domain.SalesReturn) error {
	added, err := r.AddReturn(ctx, ret)
	if err != nil || !added {
		return err
	}
	return r.AddSales(ctx, ret.Refunds())
}

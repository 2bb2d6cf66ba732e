package app

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Page sizes of the lists.
var listLimits = paging.Limits{Default: 20, Max: 100}

// OrderView is an order with, for each shipped sub-order, where its parcel
// is now.
type OrderView struct {
	domain.Order
	Parcels map[uuid.UUID]*Parcel
}

// GetOrder returns an order to its buyer, admins and services, with its
// shipped parcels' positions.
func (s *Service) GetOrder(ctx context.Context, c auth.Caller, id uuid.UUID) (OrderView, error) {
	o, err := s.store.GetOrder(ctx, id, false)
	if err != nil {
		return OrderView{}, err
	}
	if !canReadOrder(c, o) {
		return OrderView{}, notFoundOrder(id)
	}
	return s.withParcels(ctx, o, o.SubOrders), nil
}

// withParcels asks logistics where each shipped sub-order's parcel is,
// the parcels at once. A logistics that does not answer leaves the
// positions out, not the order.
func (s *Service) withParcels(ctx context.Context, o domain.Order, subs []domain.SubOrder) OrderView {
	v := OrderView{Order: o, Parcels: map[uuid.UUID]*Parcel{}}
	shipped := make([]domain.SubOrder, 0, len(subs))
	for _, sub := range subs {
		if sub.ShipmentID != nil {
			shipped = append(shipped, sub)
		}
	}
	if len(shipped) == 0 {
		return v
	}
	parcels := make([]*Parcel, len(shipped))
	_ = concurrently(len(shipped), func(i int) error {
		parcels[i], _ = s.Logistics.Parcel(ctx, shipped[i].ID)
		return nil
	})
	for i, p := range parcels {
		if p != nil {
			v.Parcels[shipped[i].ID] = p
		}
	}
	return v
}

// ListOrders lists the caller's own orders, newest first, each shipped
// sub-order with where its parcel is: the buyer's order history.
func (s *Service) ListOrders(ctx context.Context, c auth.Caller, size int, token string) ([]OrderView, string, error) {
	if c.Kind != auth.KindUser {
		return nil, "", ErrBuyersOnly
	}
	limit, after, err := page(size, token, nil)
	if err != nil {
		return nil, "", err
	}
	merchant, _ := c.MerchantOrg()
	list, err := s.store.ListOrders(ctx, c.Subject, merchant, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	orders, next, err := pageOf(list, limit, byPlaced, nil)
	if err != nil {
		return nil, "", err
	}
	views := make([]OrderView, len(orders))
	_ = concurrently(len(orders), func(i int) error {
		views[i] = s.withParcels(ctx, orders[i], orders[i].SubOrders)
		return nil
	})
	return views, next, nil
}

// ListSupplierSubOrders lists a supplier's paid sub-orders, newest first:
// its members and ERP their own, admins and services relaying for a
// supplier (docking for its ERP) the supplier they name.
func (s *Service) ListSupplierSubOrders(ctx context.Context, c auth.Caller, supplier uuid.UUID, statuses []domain.Status, size int, token string) ([]domain.Order, string, error) {
	org, member := c.SupplierOrg()
	switch {
	case member && (supplier == uuid.Nil || supplier == org):
		supplier = org
	case (c.IsAdmin() || c.IsService()) && supplier != uuid.Nil:
	case c.IsAdmin() || c.IsService():
		return nil, "", apperr.InvalidField("supplier_id", "is required for an admin or a service")
	default:
		return nil, "", ErrSuppliersOnly
	}
	query := supplierQuery{Supplier: supplier, Statuses: slices.Sorted(slices.Values(statuses))}
	limit, after, err := page(size, token, query)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.ListSupplierSubOrders(ctx, supplier, statuses, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	return pageOf(list, limit, bySupplierPaid, query)
}

// supplierQuery is what a supplier's list is filtered by, which its page
// tokens are bound to (paging.EncodeFor): a token of the paid sub-orders'
// list, used with the shipped ones', would skip the shipped ones before it.
type supplierQuery struct {
	Supplier uuid.UUID       `json:"o"`
	Statuses []domain.Status `json:"s"`
}

// page reads a list's page size and token, the token bound to query.
func page(size int, token string, query any) (int, *OrderCursor, error) {
	limit, err := listLimits.Size(size)
	if err != nil || token == "" {
		return limit, nil, err
	}
	var cur OrderCursor
	if err := paging.DecodeFor(token, query, &cur); err != nil {
		return 0, nil, err
	}
	return limit, &cur, nil
}

// pageOf cuts a list read with one row more than the page and makes the
// next page's token from the page's last row's sort key.
func pageOf[T any](list []T, limit int, key func(T) OrderCursor, query any) ([]T, string, error) {
	if len(list) <= limit {
		return list, "", nil
	}
	list = list[:limit]
	return list, paging.EncodeFor(query, key(list[limit-1])), nil
}

// byPlaced is a buyer's list's sort key; bySupplierPaid a supplier's, whose
// entries hold one sub-order each.
func byPlaced(o domain.Order) OrderCursor { return OrderCursor{At: o.PlacedAt, ID: o.ID} }

func bySupplierPaid(o domain.Order) OrderCursor {
	return OrderCursor{At: *o.SubOrders[0].PaidAt, ID: o.SubOrders[0].ID}
}

// ListOrderChanges returns an order's change log: all of it to the order's
// readers, the entries of its own sub-orders to a supplier.
func (s *Service) ListOrderChanges(ctx context.Context, c auth.Caller, id uuid.UUID) ([]domain.Change, error) {
	o, err := s.store.GetOrder(ctx, id, false)
	if err != nil {
		return nil, err
	}
	mine := map[uuid.UUID]bool{}
	if !canReadOrder(c, o) {
		for _, sub := range o.SubOrders {
			if canReadSubOrder(c, o, sub) {
				mine[sub.ID] = true
			}
		}
		if len(mine) == 0 {
			return nil, notFoundOrder(id)
		}
	}
	changes, err := s.store.ListChanges(ctx, id)
	if err != nil || len(mine) == 0 {
		return changes, err
	}
	var out []domain.Change
	for _, ch := range changes {
		if mine[ch.SubOrderID] {
			out = append(out, ch)
		}
	}
	return out, nil
}

// SubOrderView is one sub-order with its order's buyer and channel and
// its parcel.
type SubOrderView struct {
	Order    domain.Order
	SubOrder domain.SubOrder
	Parcel   *Parcel
}

// GetSubOrder returns a sub-order to its buyer, its supplier, admins and
// services.
func (s *Service) GetSubOrder(ctx context.Context, c auth.Caller, id uuid.UUID) (SubOrderView, error) {
	o, sub, err := s.subOrder(ctx, id)
	if err != nil {
		return SubOrderView{}, err
	}
	if !canReadSubOrder(c, o, sub) {
		return SubOrderView{}, notFoundSubOrder(id)
	}
	v := s.withParcels(ctx, o, []domain.SubOrder{sub})
	return SubOrderView{Order: o, SubOrder: sub, Parcel: v.Parcels[id]}, nil
}

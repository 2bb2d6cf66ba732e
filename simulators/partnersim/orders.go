package partnersim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// OrderStatus is an order's status as a number, as many platforms send it.
type OrderStatus int

// The order statuses. FaultStatus is undocumented: the UnknownStatus fault
// reports it (see Faults).
const (
	StatusAwaitingPayment OrderStatus = 10
	StatusPaid            OrderStatus = 20
	StatusShipped         OrderStatus = 30
	StatusCompleted       OrderStatus = 40
	StatusCancelled       OrderStatus = 90
	FaultStatus           OrderStatus = 77
)

// Address is where a buyer wants the goods.
type Address struct {
	Recipient, Phone, CountryCode, RegionCode, City, Postcode string
	Lines                                                     []string
}

// ItemInput is a line a buyer orders: Quantity units of the listing with
// Marker. An empty Marker orders another seller's goods (a line with
// ListingID "other-seller-…" and no marker), which Crossdock must ignore.
type ItemInput struct {
	Marker   string
	Quantity int32
	// PriceMinor, when above zero, is what the buyer pays for a unit of a
	// marked item instead of the listing's price: a price of the
	// marketplace's own (a promotion), which its settlement then pays on.
	PriceMinor int64
}

// Item is a line of an order.
type Item struct {
	ItemID, ListingID, Marker, Currency string
	Quantity                            int32
	UnitPriceMinor                      int64
}

// Shipment is a package confirmed shipped.
type Shipment struct {
	Waybill, CarrierCode string
	ItemIDs              []string
	At                   time.Time
}

// Order is a buyer's order.
type Order struct {
	OrderID, BuyerRef string
	Status            OrderStatus
	Address           Address
	Items             []Item
	Currency          string
	TotalMinor        int64
	PlacedAt          time.Time
	PaidAt            *time.Time
	UpdatedAt         time.Time
	Shipments         []Shipment
}

// order is an order and what the faults decided for it.
type order struct {
	Order
	// lag is how long after an update ListOrders shows it.
	lag time.Duration
	// unknownStatus reports FaultStatus until ListOrders has returned it.
	unknownStatus bool
}

// view is the order as the marketplace's API reports it, a deep copy.
func (o *order) view() Order {
	v := o.truth()
	if o.unknownStatus {
		v.Status = FaultStatus
	}
	return v
}

// truth is the order as it is, faults aside (the back office's view), a
// deep copy.
func (o *order) truth() Order {
	v := o.Order
	v.Address.Lines = slices.Clone(v.Address.Lines)
	v.Items = slices.Clone(v.Items)
	if v.PaidAt != nil {
		at := *v.PaidAt
		v.PaidAt = &at
	}
	v.Shipments = slices.Clone(v.Shipments)
	for i := range v.Shipments {
		v.Shipments[i].ItemIDs = slices.Clone(v.Shipments[i].ItemIDs)
	}
	return v
}

// otherSellerCurrency is the currency of an order of other sellers' goods
// only.
const otherSellerCurrency = "EUR"

// PlaceOrder places a buyer's order, paid or awaiting payment. Marked items
// must be of live listings with the stock, all in one currency; the stock is
// taken from the listings. Items without a marker are another seller's goods.
func (m *Market) PlaceOrder(buyer string, addr Address, items []ItemInput, paid bool) (Order, error) {
	if len(items) == 0 {
		return Order{}, fmt.Errorf("%w: an order needs items", ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	currency := ""
	want := map[string]int64{}
	for i, in := range items {
		if in.Quantity <= 0 {
			return Order{}, fmt.Errorf("%w: items[%d].quantity must be positive", ErrInvalid, i)
		}
		if in.PriceMinor < 0 {
			return Order{}, fmt.Errorf("%w: items[%d].price_minor must not be negative", ErrInvalid, i)
		}
		if in.Marker == "" {
			continue
		}
		l, ok := m.listings[in.Marker]
		if !ok {
			return Order{}, fmt.Errorf("%w: listing %q", ErrNotFound, in.Marker)
		}
		m.review(l, now)
		want[in.Marker] += int64(in.Quantity)
		switch {
		case l.view.Status != ListingLive:
			return Order{}, fmt.Errorf("%w: listing %q is %s", ErrConflict, in.Marker, l.view.Status)
		case l.view.Stock < want[in.Marker]:
			return Order{}, fmt.Errorf("%w: listing %q has %d in stock", ErrConflict, in.Marker, l.view.Stock)
		case currency != "" && currency != l.view.Currency:
			return Order{}, fmt.Errorf("%w: items in %s and %s", ErrInvalid, currency, l.view.Currency)
		}
		currency = l.view.Currency
	}
	if currency == "" {
		currency = otherSellerCurrency
	}
	o := &order{Order: Order{
		OrderID:  m.nextID("po"),
		BuyerRef: buyer, Status: StatusAwaitingPayment,
		Address: addr, Currency: currency, PlacedAt: now, UpdatedAt: now,
	}}
	o.Address.Lines = slices.Clone(addr.Lines)
	for i, in := range items {
		it := Item{ItemID: o.OrderID + "-" + strconv.Itoa(i+1), Marker: in.Marker, Currency: currency, Quantity: in.Quantity}
		if in.Marker == "" {
			it.ListingID = "other-seller-" + strconv.FormatInt(m.nextSeq(), 10)
			it.UnitPriceMinor = int64(500 + m.rand.IntN(5000))
		} else {
			l := m.listings[in.Marker]
			l.view.Stock -= int64(in.Quantity)
			it.ListingID, it.UnitPriceMinor = l.view.ListingID, cmp.Or(in.PriceMinor, l.view.PriceMinor)
		}
		o.Items = append(o.Items, it)
		o.TotalMinor += it.UnitPriceMinor * int64(in.Quantity)
	}
	if paid {
		o.Status, o.PaidAt = StatusPaid, &now
	}
	o.lag = m.cfg.VisibilityLag
	if m.rand.chance(m.cfg.Faults.ExtraLagShare) {
		o.lag += m.cfg.Faults.ExtraLag
	}
	o.unknownStatus = m.rand.chance(m.cfg.Faults.UnknownStatus)
	m.orders[o.OrderID] = o
	m.changed(o)
	return o.truth(), nil
}

// Pay records a buyer paying an order awaiting payment.
func (m *Market) Pay(orderID string) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[orderID]
	if !ok {
		return Order{}, fmt.Errorf("%w: order %q", ErrNotFound, orderID)
	}
	if o.Status != StatusAwaitingPayment {
		return Order{}, fmt.Errorf("%w: order %q is not awaiting payment", ErrConflict, orderID)
	}
	now := m.now()
	o.Status, o.PaidAt, o.UpdatedAt = StatusPaid, &now, now
	m.changed(o)
	return o.view(), nil
}

// Cancel cancels an order before anything of it shipped and gives its
// stock back to the listings. Cancelling a cancelled order changes nothing.
func (m *Market) Cancel(orderID string) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[orderID]
	if !ok {
		return Order{}, fmt.Errorf("%w: order %q", ErrNotFound, orderID)
	}
	switch {
	case o.Status == StatusCancelled:
		return o.view(), nil
	case len(o.Shipments) > 0 || (o.Status != StatusAwaitingPayment && o.Status != StatusPaid):
		return Order{}, fmt.Errorf("%w: order %q has shipped", ErrConflict, orderID)
	}
	for _, it := range o.Items {
		if l, ok := m.listings[it.Marker]; ok && it.Marker != "" {
			l.view.Stock += int64(it.Quantity)
		}
	}
	o.Status, o.UpdatedAt = StatusCancelled, m.now()
	m.changed(o)
	return o.view(), nil
}

// Complete closes a shipped order as delivered.
func (m *Market) Complete(orderID string) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[orderID]
	if !ok {
		return Order{}, fmt.Errorf("%w: order %q", ErrNotFound, orderID)
	}
	if o.Status != StatusShipped {
		return Order{}, fmt.Errorf("%w: order %q has not shipped", ErrConflict, orderID)
	}
	o.Status, o.UpdatedAt = StatusCompleted, m.now()
	m.changed(o)
	return o.view(), nil
}

// Order returns one order as the API reports it (with the faults).
func (m *Market) Order(orderID string) (Order, bool) { return m.orderAs(orderID, (*order).view) }

// Orders returns every order, by id, as the back office sees them: whatever
// the lag, without the faults.
func (m *Market) Orders() []Order {
	m.mu.Lock()
	defer m.mu.Unlock()
	orders := make([]Order, 0, len(m.orders))
	for _, id := range slices.Sorted(maps.Keys(m.orders)) {
		orders = append(orders, m.orders[id].truth())
	}
	return orders
}

// BackOfficeOrder returns one order as the back office sees it, without the
// faults.
func (m *Market) BackOfficeOrder(orderID string) (Order, bool) {
	return m.orderAs(orderID, (*order).truth)
}

// orderAs returns one order as see shows it.
func (m *Market) orderAs(orderID string, see func(*order) Order) (Order, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[orderID]
	if !ok {
		return Order{}, false
	}
	return see(o), true
}

// ListOrders returns the orders whose last update is in [from, to) and
// visible (UpdatedAt plus the lag is not after now), sorted by (UpdatedAt,
// OrderID), from offset, at most limit of them (limit <= 0: all); more is
// true when further orders follow. With the PageShift fault, a call with an
// offset may first update one of the orders before offset (UpdatedAt = now,
// as a buyer editing a remark would), which really moves it: out of the
// window or to its end, each later order one place earlier.
func (m *Market) ListOrders(from, to time.Time, offset, limit int) (orders []Order, more bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	window := m.window(from, to, now)
	if offset > 0 && len(window) > 0 && m.rand.chance(m.cfg.Faults.PageShift) {
		o := window[m.rand.IntN(min(offset, len(window)))]
		o.UpdatedAt = now
		window = m.window(from, to, now)
	}
	page, more := pageOf(window, offset, limit)
	for _, o := range page {
		orders = append(orders, o.view())
		o.unknownStatus = false
	}
	return orders, more
}

// window returns the visible orders updated in [from, to), in listing
// order; the caller holds mu.
func (m *Market) window(from, to, now time.Time) []*order {
	var w []*order
	for _, o := range m.orders {
		if !o.UpdatedAt.Before(from) && o.UpdatedAt.Before(to) && !o.UpdatedAt.Add(o.lag).After(now) {
			w = append(w, o)
		}
	}
	slices.SortFunc(w, func(a, b *order) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.OrderID, b.OrderID))
	})
	return w
}

// pageOf cuts the page at offset, at most limit long (limit <= 0: the
// rest), and reports whether more follow.
func pageOf[T any](all []T, offset, limit int) (page []T, more bool) {
	if offset >= len(all) {
		return nil, false
	}
	all = all[max(offset, 0):]
	if limit <= 0 || limit >= len(all) {
		return all, false
	}
	return all[:limit], true
}

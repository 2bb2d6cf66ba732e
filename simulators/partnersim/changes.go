package partnersim

import "time"

// OrderChange is an order's update as a webhook reports it: which order,
// and its UpdatedAt after the change. It says nothing else: a receiver
// reads the order through the API.
type OrderChange struct {
	OrderID   string
	UpdatedAt time.Time
}

// OnOrderChange calls fn after every change of an order (placed, paid,
// cancelled, a package confirmed shipped, completed), in the order the
// changes happened. fn runs under the marketplace's lock, so it must
// return at once and must not call the Market: a frontend queues the
// change and delivers it on a goroutine of its own.
func (m *Market) OnOrderChange(fn func(OrderChange)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.watchers = append(m.watchers, fn)
}

// changed tells the watchers of an order's change; the caller holds mu.
func (m *Market) changed(o *order) {
	for _, fn := range m.watchers {
		fn(OrderChange{OrderID: o.OrderID, UpdatedAt: o.UpdatedAt})
	}
}

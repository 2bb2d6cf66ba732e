package partnersim

import (
	"context"
	"fmt"
	"time"
)

// buyerPlaces are where the background buyers live.
var buyerPlaces = []Address{
	{CountryCode: "DE", RegionCode: "DE-BE", City: "Berlin", Postcode: "10115", Lines: []string{"Invalidenstraße 12"}},
	{CountryCode: "DE", RegionCode: "DE-BY", City: "München", Postcode: "80331", Lines: []string{"Sendlinger Str. 3"}},
	{CountryCode: "FR", RegionCode: "FR-IDF", City: "Paris", Postcode: "75011", Lines: []string{"12 rue Oberkampf"}},
	{CountryCode: "FR", RegionCode: "FR-ARA", City: "Lyon", Postcode: "69002", Lines: []string{"4 quai Saint-Antoine"}},
	{CountryCode: "GB", RegionCode: "GB-LND", City: "London", Postcode: "E1 6AN", Lines: []string{"20 Brick Lane"}},
	{CountryCode: "GB", RegionCode: "GB-MAN", City: "Manchester", Postcode: "M1 1AE", Lines: []string{"1 Piccadilly"}},
}

var buyerNames = []string{"Anna Weber", "Lukas Schmidt", "Camille Martin", "Hugo Bernard", "Olivia Smith", "Jack Taylor"}

// pendingPayment is an order the buyer pays or abandons later.
type pendingPayment struct {
	orderID string
	at      time.Time
	cancel  bool
}

// RunBuyers places orders on live listings at about perMinute a minute
// until ctx ends: random buyers in DE, FR and GB, one to three items,
// sometimes another seller's goods too; about one order in ten is placed
// unpaid and paid a few seconds later, and about 3% are placed unpaid and
// cancelled instead. Timing is real time, whatever MarketConfig.Now says.
// perMinute <= 0 returns at once.
func (m *Market) RunBuyers(ctx context.Context, perMinute float64) {
	if perMinute <= 0 {
		return
	}
	interval := time.Duration(float64(time.Minute) / perMinute)
	tick := time.NewTicker(min(interval/4, 250*time.Millisecond) + time.Millisecond)
	defer tick.Stop()
	next := time.Now().Add(m.rand.upTo(interval))
	var pending []pendingPayment
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			pending = m.settlePayments(pending, now)
			if now.Before(next) {
				continue
			}
			next = now.Add(interval/2 + m.rand.upTo(interval))
			if p, ok := m.placeRandomOrder(now); ok {
				pending = append(pending, p)
			}
		}
	}
}

// settlePayments pays or cancels the pending orders whose time has come and
// returns the others. An order cancelled meanwhile is simply dropped.
func (m *Market) settlePayments(pending []pendingPayment, now time.Time) []pendingPayment {
	var later []pendingPayment
	for _, p := range pending {
		switch {
		case now.Before(p.at):
			later = append(later, p)
		case p.cancel:
			_, _ = m.Cancel(p.orderID)
		default:
			_, _ = m.Pay(p.orderID)
		}
	}
	return later
}

// placeRandomOrder places one random buyer's order of live listings in
// stock, if there are any, and returns the payment still to come.
func (m *Market) placeRandomOrder(now time.Time) (pendingPayment, bool) {
	var live []ListingView
	for _, l := range m.Listings(nil) {
		if l.Status == ListingLive && l.Stock > 0 {
			live = append(live, l)
		}
	}
	if len(live) == 0 {
		return pendingPayment{}, false
	}
	first := live[m.rand.IntN(len(live))]
	var items []ItemInput
	for i := range 1 + m.rand.IntN(3) {
		l := first
		if i > 0 {
			l = live[m.rand.IntN(len(live))]
		}
		if l.Currency != first.Currency {
			continue
		}
		items = append(items, ItemInput{Marker: l.Marker, Quantity: 1})
	}
	if m.rand.chance(0.2) {
		items = append(items, ItemInput{Quantity: int32(1 + m.rand.IntN(2))})
	}
	n := m.rand.IntN(len(buyerNames))
	addr := buyerPlaces[m.rand.IntN(len(buyerPlaces))]
	addr.Recipient, addr.Phone = buyerNames[n], fmt.Sprintf("+44 7700 9%05d", m.rand.IntN(100000))
	roll := m.rand.Float64()
	paid := roll >= 0.13
	o, err := m.PlaceOrder(fmt.Sprintf("buyer-%04d", m.rand.IntN(10000)), addr, items, paid)
	if err != nil || paid {
		// A listing sold out between the look and the order: that buyer
		// went elsewhere.
		return pendingPayment{}, false
	}
	return pendingPayment{orderID: o.OrderID, at: now.Add(2*time.Second + m.rand.upTo(3*time.Second)), cancel: roll < 0.03}, true
}

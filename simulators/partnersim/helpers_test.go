package partnersim_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// clock is a settable clock for MarketConfig.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// listing is a valid listing of the SKU n.
func listing(n int) partnersim.ListingInput {
	return partnersim.ListingInput{Marker: fmt.Sprintf("crossdock:sku-%d", n), SKUID: fmt.Sprintf("sku-%d", n),
		Title: fmt.Sprintf("Teapot %d", n), Currency: "EUR", PriceMinor: 1999, Stock: 100}
}

// liveMarket is a market on clk with n live listings.
func liveMarket(t *testing.T, clk *clock, cfg partnersim.MarketConfig, n int) *partnersim.Market {
	t.Helper()
	cfg.Now = clk.Now
	cfg.Seed = 7
	m := partnersim.NewMarket(cfg)
	for i := range n {
		if _, err := m.UpsertListing(listing(i)); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(cfg.ReviewDelay)
	return m
}

var berlin = partnersim.Address{Recipient: "Anna Weber", CountryCode: "DE", City: "Berlin", Postcode: "10115", Lines: []string{"Invalidenstraße 12"}}

// place places a paid order of one unit of listing n.
func place(t *testing.T, m *partnersim.Market, n int) partnersim.Order {
	t.Helper()
	o, err := m.PlaceOrder("buyer", berlin, []partnersim.ItemInput{{Marker: listing(n).Marker, Quantity: 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

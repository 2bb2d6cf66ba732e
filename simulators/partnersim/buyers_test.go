package partnersim_test

import (
	"context"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// Background buyers order live listings only, and stop with their context.
func TestRunBuyers(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{ReviewDelay: time.Minute}, 2)
	m.UpsertListing(partnersim.ListingInput{Marker: "crossdock:pending", Title: "x", Currency: "EUR", PriceMinor: 1, Stock: 9})
	m.WithdrawListing(listing(1).Marker)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	m.RunBuyers(ctx, 1200)
	orders := m.Orders()
	if len(orders) < 5 {
		t.Fatalf("%d orders in 1.5s at 20 a second", len(orders))
	}
	for _, o := range orders {
		for _, it := range o.Items {
			if it.Marker != "" && it.Marker != listing(0).Marker {
				t.Errorf("order %s bought %s, which is not live", o.OrderID, it.Marker)
			}
		}
	}
}

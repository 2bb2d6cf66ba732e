package restmarket_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

var start = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)

// A listing goes out with its price in major units and comes back through
// review; the partner keeps the exact minor amount for 0- and 2-decimal
// currencies.
func TestListings(t *testing.T) {
	tests := []struct {
		name   string
		faults partnersim.Faults
		minor  int64
		cur    string
		status domain.ListingStatus
	}{
		{"JPY, live", partnersim.Faults{}, 1234, "JPY", domain.ListingLive},
		{"USD, live", partnersim.Faults{}, 1234, "USD", domain.ListingLive},
		{"rejected", partnersim.Faults{RejectListings: 1}, 990, "EUR", domain.ListingRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startMarket(t, partnersim.MarketConfig{ReviewDelay: time.Minute, Faults: tt.faults}, start)
			l := listing("sku-1", tt.minor, tt.cur)
			got, err := m.client.UpsertListing(t.Context(), m.partner, l)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != domain.ListingPending || got.Marker != l.Marker || got.PartnerListingID == "" || !got.UpdatedAt.Equal(start) {
				t.Errorf("upsert = %+v, want pending at %v with a listing id", got, start)
			}
			held := m.Listings([]string{l.Marker})
			if len(held) != 1 || held[0].PriceMinor != tt.minor || held[0].Currency != tt.cur || held[0].SKUCode != l.SKUCode ||
				held[0].Description != l.Description || held[0].Attributes["weight"] != "100g" || held[0].WeightG != 120 {
				t.Fatalf("the partner holds %+v", held)
			}

			m.clock.Advance(time.Minute)
			states, err := m.client.ListingStates(t.Context(), m.partner, []string{l.Marker, domain.Marker("unknown")})
			if err != nil {
				t.Fatal(err)
			}
			if len(states) != 1 || states[0].Status != tt.status || states[0].PartnerListingID != got.PartnerListingID {
				t.Fatalf("states = %+v, want one %s", states, tt.status)
			}
			if (tt.status == domain.ListingRejected) != (len(states[0].Reasons) > 0) {
				t.Errorf("reasons %q for a %s listing", states[0].Reasons, tt.status)
			}

			w, err := m.client.WithdrawListing(t.Context(), m.partner, l.Marker)
			if err != nil || w.Status != domain.ListingWithdrawn || w.PartnerListingID != got.PartnerListingID {
				t.Errorf("withdraw = %+v, %v", w, err)
			}
		})
	}
}

func TestWithdrawUnknownListing(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{}, start)
	w, err := m.client.WithdrawListing(t.Context(), m.partner, domain.Marker("never"))
	if err != nil || w.Status != domain.ListingWithdrawn || w.Marker != domain.Marker("never") {
		t.Errorf("withdraw = %+v, %v; want withdrawn", w, err)
	}
}

func TestListingStatesBatchLimit(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{}, start)
	markers := make([]string, 101)
	for i := range markers {
		markers[i] = domain.Marker("s" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	if _, err := m.client.ListingStates(t.Context(), m.partner, markers); err == nil {
		t.Error("101 markers accepted")
	}
	if got, err := m.client.ListingStates(t.Context(), m.partner, slices.Clone(markers[:100])); err != nil || len(got) != 0 {
		t.Errorf("100 unknown markers = %v, %v", got, err)
	}
}

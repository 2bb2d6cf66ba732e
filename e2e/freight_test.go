package e2e

import (
	"math/big"
	"net/url"
	"slices"
	"testing"
)

// estimate posts a freight estimate request.
func estimate(c *restClient, token string, body map[string]any) response {
	return c.do("POST", "/v1/freight/estimates", token, body)
}

func route(from, fromRegion, to, toRegion string) map[string]any {
	return map[string]any{"originCountryCode": from, "originRegionCode": fromRegion, "destinationCountryCode": to, "destinationRegionCode": toRegion}
}

// rat parses a decimal string of the breakdown.
func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a decimal: %q", s)
	}
	return r
}

// Freight estimates through the gateway for a signed-in buyer, against the
// history `crossdock up` seeds: a busy lane is estimated from history with
// its breakdown, a lane without history from the rate card, SKU lines are
// measured by the catalog, and bad input names every bad field.
func TestFreightEstimateThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.24")
	buyer, _ := c.login(buyerEmail, demoPassword)
	busy := route("CN", "CN-GD", "US", "US-CA")
	parcel := map[string]any{"volumeCm3": 3000, "weightG": 900, "declaredValue": map[string]any{"currencyCode": "USD", "amountMinor": 3000}}

	if r := estimate(c, "", map[string]any{"route": busy, "parcel": parcel}); r.Status != 401 {
		t.Fatalf("anonymous estimate: %d, want 401", r.Status)
	}

	t.Run("history", func(t *testing.T) {
		r := estimate(c, buyer, map[string]any{"route": busy, "parcel": parcel, "displayCurrency": "EUR"}).must(t, 200, "estimate on the busy lane")
		if b := r.str("basis"); b != "BASIS_HISTORY" {
			t.Fatalf("basis %s on the seeded lane: %s", b, r.Raw)
		}
		matched := 0
		for _, g := range r.list("groups") {
			if n, _ := g["count"].(string); n != "" && n != "0" { // int64 is a JSON string
				matched++
			}
		}
		if matched == 0 {
			t.Fatalf("no group counts records: %s", r.Raw)
		}
		// target = ⌈total × multiplier⌉ in cents.
		want := new(big.Rat).Mul(rat(t, r.str("totalBeforeMultiplier")), rat(t, r.str("multiplier")))
		want.Mul(want, big.NewRat(100, 1))
		cents := new(big.Int).Quo(want.Num(), want.Denom())
		if !want.IsInt() {
			cents.Add(cents, big.NewInt(1))
		}
		if got := r.str("targetFreight", "amountMinor"); got != cents.String() || r.str("targetFreight", "currencyCode") != "USD" {
			t.Errorf("target %s %s, want ⌈total × multiplier⌉ = %s USD cents: %s", got, r.str("targetFreight", "currencyCode"), cents, r.Raw)
		}
		if r.str("displayFreight", "currencyCode") != "EUR" || r.str("displayFreight", "amountMinor") == "" || r.str("displayRate") == "" {
			t.Errorf("no display amount in EUR: %s", r.Raw)
		}
		if r.str("config", "firstWeight") != "0.648" {
			t.Errorf("the breakdown does not carry the configuration used: %s", r.Raw)
		}
	})

	t.Run("rate card", func(t *testing.T) {
		r := estimate(c, buyer, map[string]any{"route": route("PT", "PT-13", "DE", "DE-BY"), "parcel": map[string]any{
			"volumeCm3": 20000, "weightG": 1000, "declaredValue": map[string]any{"currencyCode": "EUR", "amountMinor": 2500},
		}}).must(t, 200, "estimate on a lane without history")
		if b := r.str("basis"); b != "BASIS_RATE_CARD" {
			t.Fatalf("basis %s on a lane without history: %s", b, r.Raw)
		}
		// 20,000 cm³ / 5000 = 4 kg volumetric beats 1 kg actual.
		if got := r.str("rateCard", "chargeableWeightG"); got != "4000" {
			t.Errorf("chargeable weight %s g, want the volumetric 4000: %s", got, r.Raw)
		}
	})

	t.Run("SKU lines", func(t *testing.T) {
		found := c.do("GET", "/v1/listings?"+url.Values{"query": {"Soundwave"}}.Encode(), "", nil).must(t, 200, "find the demo headphones")
		products := found.list("products")
		if len(products) == 0 {
			t.Fatal("the demo catalogue has no Soundwave listing")
		}
		id, _ := products[0]["productId"].(string)
		listing := c.do("GET", "/v1/listings/"+id, "", nil).must(t, 200, "the headphones' listing")
		skus, _ := listing.Body["listing"].(map[string]any)["skus"].([]any)
		if len(skus) == 0 {
			t.Fatalf("listing without SKUs: %s", listing.Raw)
		}
		sku, _ := skus[0].(map[string]any)["skuId"].(string)
		r := estimate(c, buyer, map[string]any{"route": map[string]any{"destinationCountryCode": "US", "destinationRegionCode": "US-CA"},
			"lines": map[string]any{"lines": []map[string]any{{"skuId": sku, "quantity": 2}}}}).must(t, 200, "estimate of SKU lines")
		// Two headphones of 200 × 180 × 90 mm and 310 g each, shipped from CN-GD.
		if v, w := r.str("parcel", "volumeCm3"), r.str("parcel", "weightG"); v != "6480" || w != "620" {
			t.Errorf("parcel %s cm³, %s g; want 6480 cm³, 620 g: %s", v, w, r.Raw)
		}
		if o := r.str("route", "originRegionCode"); o != "CN-GD" {
			t.Errorf("origin %q, want the SKUs' CN-GD", o)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		r := estimate(c, buyer, map[string]any{"route": route("XX", "", "US", "US-ZZ"), "parcel": map[string]any{
			"volumeCm3": 0, "weightG": -1, "declaredValue": map[string]any{"currencyCode": "USD", "amountMinor": 0},
		}})
		if r.Status != 400 {
			t.Fatalf("bad estimate: %d, want 400: %s", r.Status, r.Raw)
		}
		got := r.fieldViolations()
		for _, f := range []string{"route.originCountryCode", "route.destinationRegionCode", "parcel.volumeCm3", "parcel.weightG", "parcel.declaredValue.amountMinor"} {
			if !slices.Contains(got, f) {
				t.Errorf("no violation of %s in %v", f, got)
			}
		}
		r = estimate(c, buyer, map[string]any{"parcel": parcel})
		if r.Status != 400 || !slices.Contains(r.fieldViolations(), "route") {
			t.Errorf("estimate without a route: %d %v, want 400 naming route", r.Status, r.fieldViolations())
		}
	})
}

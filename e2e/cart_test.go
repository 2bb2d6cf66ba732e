package e2e

import (
	"strings"
	"testing"
)

// A buyer's cart through the gateway, against the demo catalogue: lines
// show the current price and availability, the cart survives signing in
// again, bad lines are refused with the field named, and each person's cart
// is their own (the cart's routes are in TestOrdersAuthorizationMatrix).
func TestCartThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.39")
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")

	products := c.do("GET", "/v1/listings?locale=en", "", nil).must(t, 200, "listings").list("products")
	if len(products) < 2 {
		t.Fatalf("the demo catalogue lists %d products", len(products))
	}
	var skus []string
	for _, p := range products[:2] {
		id, _ := p["productId"].(string)
		listing := c.do("GET", "/v1/listings/"+id+"?locale=en", "", nil).must(t, 200, "listing")
		l, _ := listing.Body["listing"].(map[string]any)
		s, _ := l["skus"].([]any)
		if len(s) == 0 {
			t.Fatalf("listing %s has no SKUs: %s", id, listing.Raw)
		}
		sku, _ := s[0].(map[string]any)["skuId"].(string)
		skus = append(skus, sku)
	}
	c.do("PUT", "/v1/cart/lines/"+skus[0], buyer.Access, map[string]any{"quantity": 2}).must(t, 200, "add a line")
	cart := c.do("PUT", "/v1/cart/lines/"+skus[1], buyer.Access, map[string]any{"quantity": 1}).must(t, 200, "add another")
	lines := linesOf(cart)
	if len(lines) != 2 || lines[0]["skuId"] != skus[0] || lines[0]["quantity"] != float64(2) || lines[0]["onSale"] != true {
		t.Fatalf("cart after two lines: %s", cart.Raw)
	}
	if price, _ := lines[0]["unitPrice"].(map[string]any); price["amountMinor"] == nil || lines[0]["supplierId"] == "" {
		t.Errorf("a line without its price or supplier: %v", lines[0])
	}

	again, _ := c.login(buyer.Email, testPassword)
	if got := linesOf(c.do("GET", "/v1/cart", again, nil).must(t, 200, "cart after signing in again")); len(got) != 2 {
		t.Errorf("the cart after signing in again has %d lines", len(got))
	}
	c.do("PUT", "/v1/cart/lines/00000000-0000-4000-8000-000000000000", again, map[string]any{"quantity": 1}).must(t, 404, "an unknown SKU")
	if r := c.do("PUT", "/v1/cart/lines/"+skus[0], again, map[string]any{"quantity": -1}).must(t, 400, "a negative quantity"); !strings.Contains(strings.Join(r.fieldViolations(), ","), "quantity") {
		t.Errorf("the refusal does not name quantity: %s", r.Raw)
	}
	if got := linesOf(c.do("DELETE", "/v1/cart", again, nil).must(t, 200, "clear")); len(got) != 0 {
		t.Errorf("a cleared cart has %d lines", len(got))
	}
}

// linesOf returns a cart response's lines.
func linesOf(r response) []map[string]any {
	cart, _ := r.Body["cart"].(map[string]any)
	items, _ := cart["lines"].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

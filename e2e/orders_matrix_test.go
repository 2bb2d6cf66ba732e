package e2e

import (
	"strings"
	"testing"
)

// The authorization matrix of every orders route. A buyer's order exists
// only for that buyer and admins; a supplier sees a sub-order of its own
// once it is paid, and nothing of another supplier's; only buyers check out,
// only the supplier of a sub-order fulfils it, only the buyer confirms its
// receipt. Everyone has a cart and a list of their own orders.
func TestOrdersAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.42")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "supplier": supplierEmail, "supplier2": supplier2Email, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	tokens["buyer"] = buyer.Access
	tokens["other"] = c.signUp("ACCOUNT_TYPE_BUYER", "").Access
	c.do("POST", "/v1/me/addresses", tokens["other"], address("DE", "DE-BE", "Berlin")).must(t, 200, "the other buyer's address")
	c.do("POST", "/v1/me/addresses", buyer.Access, address("PT", "PT-11", "Lisboa")).must(t, 200, "the buyer's address")
	fundWallet(t, c, buyer.Access, "USD", 500_000, "orders-matrix-"+buyer.ID)

	// The demo supplier's physical SKU, found through the cart (which shows
	// each line's supplier and type).
	supplierOrg := c.do("GET", "/v1/me", tokens["supplier"], nil).must(t, 200, "the supplier").str("organization", "organizationId")
	sku := ""
	for _, p := range c.do("GET", "/v1/listings?locale=en", "", nil).must(t, 200, "listings").list("products") {
		id, _ := p["productId"].(string)
		l, _ := c.do("GET", "/v1/listings/"+id+"?locale=en", "", nil).must(t, 200, "listing").Body["listing"].(map[string]any)
		skus, _ := l["skus"].([]any)
		if len(skus) == 0 {
			continue
		}
		candidate, _ := skus[0].(map[string]any)["skuId"].(string)
		lines := linesOf(c.do("PUT", "/v1/cart/lines/"+candidate, buyer.Access, map[string]any{"quantity": 1}).must(t, 200, "a cart line"))
		c.do("DELETE", "/v1/cart", buyer.Access, nil).must(t, 200, "clear the cart")
		if len(lines) == 1 && lines[0]["supplierId"] == supplierOrg && lines[0]["type"] == "PRODUCT_TYPE_PHYSICAL" && lines[0]["available"] != "0" {
			sku = candidate
			break
		}
	}
	if sku == "" {
		t.Fatal("the demo catalogue has no physical SKU of the demo supplier in stock")
	}
	checkout := func(token, id string) response {
		return c.do("POST", "/v1/checkouts", token, map[string]any{"checkoutId": id, "currency": "USD", "lines": []map[string]any{{"skuId": sku, "quantity": 1}}})
	}
	paid := checkout(buyer.Access, "matrix-paid-"+buyer.ID).must(t, 200, "checkout")
	order, sub := paid.str("order", "orderId"), subOrderIDs(paid)[0]
	c.do("POST", "/v1/orders/"+order+"/pay", buyer.Access, nil).must(t, 200, "pay")
	doomed := checkout(buyer.Access, "matrix-doomed-"+buyer.ID).must(t, 200, "a second checkout").str("order", "orderId")

	o, s := "/v1/orders/"+order, "/v1/sub-orders/"+sub
	unknown := "00000000-0000-4000-8000-000000000000"
	from := map[string]any{"methodId": unknown, "from": map[string]any{"recipient": "Works", "countryCode": "CN", "city": "Shenzhen", "lines": []string{"Dock 4"}}}
	parcel := map[string]any{"carrierCode": "YTO", "waybill": "YT7000000001"}
	notFound, refused := []int{404}, []int{400, 409}
	check := func(actor, path string, body any, want []int) authzCheck {
		return authzCheck{actor: actor, path: path, body: body, want: want}
	}
	all := func(path string, body any, want []int) []authzCheck {
		var out []authzCheck
		for _, a := range []string{"buyer", "supplier", "merchant", "admin"} {
			out = append(out, check(a, path, body, want))
		}
		return out
	}
	onlyBuyerAndAdmin := func(path string) []authzCheck {
		return []authzCheck{check("buyer", path, nil, ok), check("admin", path, nil, ok), check("other", path, nil, notFound),
			check("supplier2", path, nil, notFound), check("merchant", path, nil, notFound)}
	}
	// The sub-order's own supplier may fulfil it; everyone else is told it
	// does not exist.
	strangers := func(path string, body any) []authzCheck {
		return []authzCheck{check("supplier2", path, body, notFound), check("buyer", path, body, notFound),
			check("other", path, body, notFound), check("merchant", path, body, notFound)}
	}
	fulfil := func(path string, body any, supplierWant []int) []authzCheck {
		return append(strangers(path, body), check("supplier", path, body, supplierWant))
	}
	authzMatrix{
		services: []string{"crossdock.orders.v1.OrdersService"},
		rows: map[string][]authzCheck{
			"GET /v1/cart": all("/v1/cart", nil, ok),
			// A merchant's cart is priced at its tier's cost: this SKU has
			// none for the merchant's tier, so it cannot be added.
			"PUT /v1/cart/lines/{sku_id}": {
				check("buyer", "/v1/cart/lines/"+sku, map[string]any{"quantity": 1}, ok),
				check("supplier", "/v1/cart/lines/"+sku, map[string]any{"quantity": 1}, ok),
				check("admin", "/v1/cart/lines/"+sku, map[string]any{"quantity": 1}, ok),
				check("merchant", "/v1/cart/lines/"+sku, map[string]any{"quantity": 1}, []int{400}),
			},
			"DELETE /v1/cart": all("/v1/cart", nil, ok),
			"POST /v1/checkouts": {
				check("other", "", map[string]any{"checkoutId": "matrix-" + buyer.ID, "currency": "USD", "lines": []map[string]any{{"skuId": sku, "quantity": 1}}}, ok),
				check("supplier", "", map[string]any{"checkoutId": "m", "currency": "USD", "lines": []map[string]any{{"skuId": sku, "quantity": 1}}}, denied),
				// A merchant checks out at its tier's cost price: this SKU has
				// none for the merchant's tier.
				check("merchant", "", map[string]any{"checkoutId": "m", "currency": "USD", "lines": []map[string]any{{"skuId": sku, "quantity": 1}}}, []int{400}),
				check("admin", "", map[string]any{"checkoutId": "m", "currency": "USD", "lines": []map[string]any{{"skuId": sku, "quantity": 1}}}, denied),
			},
			"POST /v1/orders/{order_id}/pay": {check("other", o+"/pay", nil, notFound), check("supplier", o+"/pay", nil, notFound),
				check("admin", o+"/pay", nil, notFound), check("buyer", o+"/pay", nil, refused)},
			"POST /v1/orders/{order_id}/cancel": {check("other", o+"/cancel", nil, notFound), check("supplier", o+"/cancel", nil, notFound),
				check("merchant", o+"/cancel", nil, notFound), check("admin", "/v1/orders/"+doomed+"/cancel", map[string]any{"reason": "matrix"}, ok)},
			"GET /v1/orders/{order_id}":         onlyBuyerAndAdmin(o),
			"GET /v1/orders":                    all("/v1/orders", nil, ok),
			"GET /v1/orders/{order_id}/changes": append(onlyBuyerAndAdmin(o+"/changes"), check("supplier", o+"/changes", nil, ok)),
			"GET /v1/sub-orders/{sub_order_id}": append(onlyBuyerAndAdmin(s), check("supplier", s, nil, ok)),
			"GET /v1/supplier/sub-orders": {check("supplier", "", nil, ok), check("supplier2", "", nil, ok),
				check("admin", "/v1/supplier/sub-orders?supplierId="+supplierOrg, nil, ok), check("buyer", "", nil, denied),
				check("merchant", "", nil, denied), check("supplier2", "/v1/supplier/sub-orders?supplierId="+supplierOrg, nil, denied)},
			"POST /v1/sub-orders/{sub_order_id}/accept":  fulfil(s+"/accept", nil, ok),
			"POST /v1/sub-orders/{sub_order_id}/ship":    fulfil(s+"/ship", from, []int{400, 404}),
			"POST /v1/sub-orders/{sub_order_id}/deliver": fulfil(s+"/deliver", nil, refused),
			// The supplier's parcel lacks its waybill, so the sub-order stays
			// unshipped for the other rows.
			"POST /v1/sub-orders/{sub_order_id}/external-shipment": append(strangers(s+"/external-shipment", parcel),
				check("supplier", s+"/external-shipment", map[string]any{"carrierCode": "YTO"}, []int{400})),
			"POST /v1/sub-orders/{sub_order_id}/confirm-receipt": {check("supplier", s+"/confirm-receipt", nil, notFound), check("other", s+"/confirm-receipt", nil, notFound), check("admin", s+"/confirm-receipt", nil, notFound), check("buyer", s+"/confirm-receipt", nil, refused)},
			// Operators only; the paid sub-order has not shipped.
			"POST /v1/sub-orders/{sub_order_id}/declare-lost": {check("buyer", s+"/declare-lost", map[string]any{"reason": "lost"}, denied),
				check("supplier", s+"/declare-lost", map[string]any{"reason": "lost"}, denied), check("other", s+"/declare-lost", map[string]any{"reason": "lost"}, denied),
				check("admin", s+"/declare-lost", map[string]any{"reason": "lost"}, refused)},
		},
		tokens:  tokens,
		params:  strings.NewReplacer("{sku_id}", sku, "{order_id}", order, "{sub_order_id}", sub),
		secrets: []string{buyer.ID},
	}.run(t, c)

	// The other supplier's list never shows this sub-order.
	if r := c.do("GET", "/v1/supplier/sub-orders", tokens["supplier2"], nil).must(t, 200, "the other supplier's list"); strings.Contains(r.Raw, sub) {
		t.Errorf("another supplier lists the sub-order: %s", r.Raw)
	}
}

// subOrderIDs returns an order answer's sub-order ids.
func subOrderIDs(r response) []string {
	o, _ := r.Body["order"].(map[string]any)
	subs, _ := o["subOrders"].([]any)
	var out []string
	for _, s := range subs {
		if m, ok := s.(map[string]any); ok {
			id, _ := m["subOrderId"].(string)
			out = append(out, id)
		}
	}
	return out
}

package e2e

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// supplyPlatformCode is the demo supply platform's code (crossdock up).
	supplyPlatformCode = "demo-supply"
	// supplyEmail is the demo supply platform's supplier.
	supplyEmail = "supply@demo.crossdock.test"
	// merchantEmail is the demo merchant, which buys from the supply
	// platform through an account of its own.
	merchantEmail = "merchant@demo.crossdock.test"
	// supplySimPort and supplyAdminPort are the supply simulator's API and
	// back office.
	supplySimPort   = 9304
	supplyAdminPort = 9404
	// The accounts `crossdock up` holds at the supply simulator.
	supplyDefaultAccount  = "crossdock-default"
	supplyMerchantAccount = "lisboa-corner-shop"
)

// supplyPlatformByCode returns a registered supply platform's id.
func supplyPlatformByCode(t testing.TB, c *restClient, admin, code string) string {
	t.Helper()
	for _, p := range c.do("GET", "/v1/docking/supply-platforms", admin, nil).must(t, 200, "list supply platforms").list("platforms") {
		if p["code"] == code {
			return fmt.Sprint(p["platformId"])
		}
	}
	t.Fatalf("no supply platform %s", code)
	return ""
}

// importedProducts are the supply supplier's products by the SKU codes
// they hold (the platform's), as its own product list shows them.
func importedProducts(t *testing.T, c *restClient, token string) (map[string]map[string]any, response) {
	t.Helper()
	r := c.do("GET", "/v1/supplier/products", token, nil).must(t, 200, "the supply supplier's products")
	out := map[string]map[string]any{}
	for _, p := range r.list("products") {
		for _, rev := range []string{"live", "pending"} {
			for _, s := range objects(p, rev, "content", "skus") {
				out[fmt.Sprint(s["skuCode"])] = p
			}
		}
	}
	return out, r
}

// skuByCode is the id of the SKU coded code in a product's live revision.
func skuByCode(p map[string]any, code string) string {
	for _, s := range objects(p, "live", "content", "skus") {
		if s["skuCode"] == code {
			return fmt.Sprint(s["skuId"])
		}
	}
	return ""
}

// The demo docks onto the supply simulator: the admin finds the demo
// platform registered; its products (SP-1001…) are imported as the supply
// supplier's and wait for review; the reviewer approves them and docking
// puts them on sale with the platform's stock. The demo buyer buys a
// cutting board and the demo merchant a kettle (the supplier gives the
// kettle its tier price first: a platform has no merchant prices, so
// imported products have none); docking places each sub-order with the
// platform, the buyer's under the default account and the merchant's under
// its own, and the simulator's back office shows both under those accounts,
// shipped with a waybill a few seconds later. The waybill ships the local
// sub-orders; the buyer confirms receipt and the sub-order settles.
func TestSupplyPlatformDemo(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.71")
	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	supplier, _ := c.login(supplyEmail, demoPassword)
	buyer, _ := c.login(buyerEmail, demoPassword)
	merchant, _ := c.login(merchantEmail, demoPassword)
	word := strings.ToLower(rand.Text()[:8])

	// 1. Registered by `crossdock up`, its keys never answered.
	id := supplyPlatformByCode(t, c, admin, supplyPlatformCode)
	platform := c.do("GET", "/v1/docking/supply-platforms/"+id, admin, nil).must(t, 200, "the demo supply platform")
	if platform.str("platform", "defaultAccount", "accountId") != supplyDefaultAccount || platform.Body["platform"].(map[string]any)["hasErpKey"] != true ||
		len(objects(platform.Body, "platform", "merchantAccounts")) != 1 {
		t.Fatalf("the demo supply platform: %s", platform.Raw)
	}
	merchantOrg := c.do("GET", "/v1/me", merchant, nil).must(t, 200, "the demo merchant").str("organization", "organizationId")
	if got := at(objects(platform.Body, "platform", "merchantAccounts")[0], "merchantOrgId"); got != merchantOrg {
		t.Fatalf("the merchant account routes organization %v, want the demo merchant's %s", got, merchantOrg)
	}

	// 2. Imported within a minute, reviewed, then put on sale by docking
	// with the platform's stock.
	codes := []string{"SP-1001-SL", "SP-1001-BK", "SP-1002-3", "SP-1003-WH"}
	waitFor(t, "the platform's products imported", 60*time.Second, func() (bool, string) {
		products, r := importedProducts(t, c, supplier)
		for _, code := range codes {
			if products[code] == nil {
				e := c.do("GET", "/v1/docking/supply-platforms/"+id, admin, nil).must(t, 200, "the platform's activity").str("platform", "activity", "lastError")
				return false, "last error: " + e + "; products: " + r.Raw
			}
		}
		return true, r.Raw
	})
	products, _ := importedProducts(t, c, supplier)
	approved := map[any]bool{} // two codes may be SKUs of one product
	for _, code := range codes {
		p := products[code]
		if p["status"] == "PRODUCT_STATUS_SUBMITTED" && !approved[p["productId"]] {
			c.do("POST", fmt.Sprintf("/v1/products/%v:approve", p["productId"]), reviewer, map[string]any{}).must(t, 200, "approve "+code)
			approved[p["productId"]] = true
		}
	}
	var board, kettle string
	waitFor(t, "the platform's products on sale with stock", 60*time.Second, func() (bool, string) {
		products, r := importedProducts(t, c, supplier)
		var skus []string
		for _, code := range codes {
			p := products[code]
			if p["status"] != "PRODUCT_STATUS_LISTED" || skuByCode(p, code) == "" {
				return false, r.Raw
			}
			skus = append(skus, skuByCode(p, code))
		}
		board, kettle = skuByCode(products["SP-1002-3"], "SP-1002-3"), skuByCode(products["SP-1001-SL"], "SP-1001-SL")
		stock := availability(t, c, skus...)
		for _, s := range skus {
			if stock[s] <= 0 {
				return false, fmt.Sprintf("availability %v", stock)
			}
		}
		return true, r.Raw
	})
	// Operators see the same in docking's records: each platform product
	// listed as the catalogue product it became, nothing wrong with it.
	waitFor(t, "docking's records of the platform's products", 30*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/docking/supply-platforms/"+id+"/products", admin, nil).must(t, 200, "the platform's products")
		records := map[string]map[string]any{}
		for _, rec := range r.list("products") {
			records[fmt.Sprint(rec["platformProductId"])] = rec
		}
		for _, code := range codes {
			rec := records[code[:len("SP-1001")]]
			if rec == nil || rec["state"] != "SUPPLY_PRODUCT_STATE_LISTED" || rec["productId"] != products[code]["productId"] || rec["problem"] != "" {
				return false, r.Raw
			}
		}
		return true, r.Raw
	})
	listing := c.do("GET", fmt.Sprintf("/v1/listings/%v", products["SP-1002-3"]["productId"]), "", nil).must(t, 200, "the board's listing")
	if !strings.Contains(listing.Raw, "Bamboo cutting board set") {
		t.Errorf("the board's listing: %s", listing.Raw)
	}

	// 3. The buyer buys a board from its wallet.
	to := address("DE", "DE-BE", "Berlin")["address"]
	line := func(sku string) []any { return []any{map[string]any{"skuId": sku, "quantity": 1}} }
	fundWallet(t, c, buyer, "USD", 50_000, "supply-buyer-"+word)
	placed := c.do("POST", "/v1/checkouts", buyer, map[string]any{"checkoutId": "supply-buyer-" + word, "currency": "USD",
		"lines": line(board), "address": to}).must(t, 200, "the buyer's checkout")
	buyerOrder := obj(placed.Body, "order")
	c.do("POST", fmt.Sprintf("/v1/orders/%v/pay", buyerOrder["orderId"]), buyer, map[string]any{}).must(t, 200, "the buyer pays")
	buyerSub := fmt.Sprint(objects(buyerOrder, "subOrders")[0]["subOrderId"])

	// 4. The merchant buys a kettle from its deposit, at the tier price
	// the supplier gave it (reviewed like any change).
	kettleProduct := fmt.Sprint(products["SP-1001-SL"]["productId"])
	current := c.do("GET", "/v1/products/"+kettleProduct, supplier, nil).must(t, 200, "the kettle")
	content := obj(current.Body, "product", "live", "content")
	for _, s := range objects(content, "skus") {
		s["tierPrices"] = []any{map[string]any{"tierCode": demoTier, "price": map[string]any{"currencyCode": at(s, "retailPrice", "currencyCode"),
			"amountMinor": minor(s, "retailPrice", "amountMinor") * 8 / 10}}}
	}
	c.do("PUT", "/v1/products/"+kettleProduct+"/content", supplier, content).must(t, 200, "the kettle's tier price")
	c.do("POST", "/v1/products/"+kettleProduct+":submit", supplier, map[string]any{}).must(t, 200, "submit the kettle's tier price")
	c.do("POST", "/v1/products/"+kettleProduct+":approve", reviewer, map[string]any{}).must(t, 200, "approve the kettle's tier price")
	fundDeposit(t, c, merchant, merchantOrg, "USD", 50_000, "supply-merchant-"+word)
	bought := c.do("POST", "/v1/checkouts", merchant, map[string]any{"checkoutId": "supply-merchant-" + word, "currency": "USD",
		"lines": line(kettle), "address": address("PT", "PT-11", "Lisboa")["address"]}).must(t, 200, "the merchant's checkout")
	merchantOrder := obj(bought.Body, "order")
	if merchantOrder["status"] != "ORDER_STATUS_PAID" || merchantOrder["merchantOrgId"] != merchantOrg {
		t.Fatalf("the merchant's order: %s", bought.Raw)
	}
	merchantSub := fmt.Sprint(objects(merchantOrder, "subOrders")[0]["subOrderId"])

	// 5. Docking places each with the platform, under the account of the
	// order's merchant, else the default; both ship a few seconds later.
	want := map[string]string{buyerSub: supplyDefaultAccount, merchantSub: supplyMerchantAccount}
	placedOrders := map[string]string{} // sub-order → the platform's order id
	waitFor(t, "both sub-orders placed with the platform and shipped", 90*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/docking/supply-platforms/"+id+"/orders", admin, nil).must(t, 200, "the platform's purchase orders")
		for _, o := range r.list("orders") {
			sub := fmt.Sprint(o["subOrderId"])
			if account, ok := want[sub]; ok && o["state"] != "SUPPLY_ORDER_STATE_QUEUED" {
				// Queued, it has no account yet; from its first attempt on, its
				// account is fixed.
				if o["accountId"] != account {
					t.Fatalf("sub-order %s placed under %v, want %s: %s", sub, o["accountId"], account, r.Raw)
				}
				if o["state"] == "SUPPLY_ORDER_STATE_SHIPPED" && o["waybill"] != nil && o["waybill"] != "" {
					placedOrders[sub] = fmt.Sprint(o["platformOrderId"])
				}
			}
		}
		return len(placedOrders) == 2, r.Raw
	})
	if buyerView := c.do("GET", "/v1/docking/supply-platforms/"+id+"/orders", admin, nil).Raw; !strings.Contains(buyerView, merchantOrg) {
		t.Errorf("the merchant's purchase order does not name its organization: %s", buyerView)
	}

	// 6. The platform's back office shows them under those two accounts.
	back := simAdmin(t, "GET", "http://"+addr(supplyAdminPort, offset)+"/admin/orders", nil)
	seen := map[string]bool{}
	for _, o := range objects(back, "orders") {
		for sub, platformOrder := range placedOrders {
			if o["id"] == platformOrder {
				seen[sub] = true
				if o["reference"] != sub || o["account_id"] != want[sub] || o["status"] != "shipped" {
					t.Errorf("the platform's order %s: %v; want reference %s under %s, shipped", platformOrder, o, sub, want[sub])
				}
			}
		}
	}
	if len(seen) != 2 {
		t.Fatalf("the back office shows %v of %v: %v", seen, placedOrders, back)
	}

	// 7. The platform's waybill ships the local sub-orders: the buyer sees
	// the platform's carrier and waybill, confirms receipt (nobody else
	// reports an external parcel's arrival) and the sub-order settles, the
	// freight it paid coming back (no carrier of ours was paid).
	for sub, token := range map[string]string{buyerSub: buyer, merchantSub: merchant} {
		view := c.do("GET", "/v1/sub-orders/"+sub, token, nil).must(t, 200, "the shipped sub-order")
		if view.str("subOrder", "status") != "SUB_ORDER_STATUS_SHIPPED" || view.str("subOrder", "parcel", "waybill") == "" ||
			at(view.Body, "subOrder", "parcel", "external") != true {
			t.Errorf("sub-order %s after the platform shipped it: %s", sub, view.Raw)
		}
	}
	wallet := walletUSD(t, c, buyer)
	c.do("POST", "/v1/sub-orders/"+buyerSub+"/confirm-receipt", buyer, map[string]any{}).must(t, 200, "the buyer confirms receipt")
	waitFor(t, "the buyer's sub-order settled", 60*time.Second, func() (bool, string) {
		view := c.do("GET", "/v1/sub-orders/"+buyerSub, buyer, nil).must(t, 200, "the settling sub-order")
		return view.str("subOrder", "status") == "SUB_ORDER_STATUS_COMPLETED", view.Raw
	})
	// The refund is what the escrow gave back, and (no carrier of ours paid)
	// that is the whole freight the buyer paid.
	refund := walletUSD(t, c, buyer) - wallet
	escrow := c.do("GET", "/v1/escrow/sub-orders/"+buyerSub, buyer, nil).must(t, 200, "the settled escrow")
	refunded, _ := strconv.ParseInt(escrow.str("escrow", "refunded", "amountMinor"), 10, 64)
	view := c.do("GET", "/v1/sub-orders/"+buyerSub, buyer, nil).must(t, 200, "the settled sub-order")
	freight, _ := strconv.ParseInt(view.str("subOrder", "freight", "amountMinor"), 10, 64)
	if refund <= 0 || refund != refunded || escrow.str("escrow", "refunded", "currencyCode") != "USD" {
		t.Errorf("the buyer got %d back at settlement, the escrow refunded %s: want the same, above zero", refund, escrow.Raw)
	}
	if view.str("subOrder", "freight", "currencyCode") == "USD" && refunded != freight {
		t.Errorf("the escrow refunded %d, want the freight of %d: a carrier of ours was paid from it", refunded, freight)
	}
}

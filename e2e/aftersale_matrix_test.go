package e2e

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The authorization matrix of after-sale, coupons and sales data. A return
// request exists for its buyer, its supplier and admins only; only the
// supplier (or an admin) decides and receives it, only the buyer disputes
// or withdraws it. Only admins run coupon campaigns; a coupon exists for
// its holder and admins. A supplier reads its own sales figures and the
// purchase-sales-inventory of its own SKUs; buyers and merchants read none.
func TestAfterSaleCouponsAndSalesAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.53")
	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	merchant, _ := c.login("merchant@demo.crossdock.test", demoPassword)
	f := newCatalogFixture(t, c, admin)
	word := strings.ToLower(rand.Text()[:8])
	supplier := newSeller(t, c, admin, "Matrix Codes "+word, "CN", "CN-GD", "Shenzhen", "USD")
	supplier2 := newSeller(t, c, admin, "Matrix Others "+word, "CN", "CN-GD", "Shenzhen", "USD")
	codeA := supplier.offer(t, c, f, reviewer, "PRODUCT_TYPE_VIRTUAL", 1500, 10)
	codeB := supplier.offer(t, c, f, reviewer, "PRODUCT_TYPE_VIRTUAL", 900, 10)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	other := c.signUp("ACCOUNT_TYPE_BUYER", "")
	tokens := map[string]string{"admin": admin, "merchant": merchant, "buyer": buyer.Access, "other": other.Access,
		"supplier": supplier.Access, "supplier2": supplier2.Access}
	fundWallet(t, c, buyer.Access, "USD", 10_000, "after-sale-matrix-"+word)

	// A delivered sub-order of two codes, and a return request on each.
	placed := c.do("POST", "/v1/checkouts", buyer.Access, map[string]any{"checkoutId": "matrix-" + word, "currency": "USD",
		"lines": []any{map[string]any{"skuId": codeA, "quantity": 1}, map[string]any{"skuId": codeB, "quantity": 1}}}).must(t, 200, "checkout")
	sub := subOrderIDs(placed)[0]
	c.do("POST", "/v1/orders/"+placed.str("order", "orderId")+"/pay", buyer.Access, map[string]any{}).must(t, 200, "pay")
	c.do("POST", "/v1/sub-orders/"+sub+"/deliver", supplier.Access, map[string]any{}).must(t, 200, "deliver")
	fileOn := func(sku string) map[string]any {
		return map[string]any{"requestId": "matrix-" + sku, "kind": "AFTER_SALE_KIND_RETURN", "reason": "not what I ordered",
			"lines": []any{map[string]any{"skuId": sku, "quantity": 1}}}
	}
	request := c.do("POST", "/v1/sub-orders/"+sub+"/after-sales", buyer.Access, fileOn(codeA)).must(t, 200, "a return").str("afterSale", "afterSaleId")
	doomed := c.do("POST", "/v1/sub-orders/"+sub+"/after-sales", buyer.Access, fileOn(codeB)).must(t, 200, "another return").str("afterSale", "afterSaleId")

	// A campaign and a buyer's coupon of it.
	now := time.Now().UTC()
	campaignBody := map[string]any{
		"name": "Matrix " + word, "kind": "CAMPAIGN_KIND_FIXED_AMOUNT", "currencyCode": "USD", "amount": usd(100),
		"validFrom": now.Add(-time.Minute).Format(time.RFC3339Nano), "validUntil": now.Add(time.Hour).Format(time.RFC3339Nano),
		"fundedBy": "CAMPAIGN_FUNDER_PLATFORM", "channel": "COUPON_CHANNEL_OWN_STORE",
	}
	campaign := c.do("POST", "/v1/coupon-campaigns", admin, campaignBody).must(t, 200, "a campaign").str("campaign", "campaignId")
	issuance := map[string]any{"issuanceId": "matrix-" + word, "holders": []any{map[string]any{"kind": "COUPON_HOLDER_KIND_USER", "id": buyer.ID}}}
	coupon := fmt.Sprint(c.do("POST", "/v1/coupon-campaigns/"+campaign+"/issue", admin, issuance).must(t, 200, "issue").Body["couponIds"].([]any)[0])

	check := func(actor, path string, body any, want []int) authzCheck {
		return authzCheck{actor: actor, path: path, body: body, want: want}
	}
	each := func(actors []string, path string, body any, want []int) []authzCheck {
		var out []authzCheck
		for _, a := range actors {
			out = append(out, check(a, path, body, want))
		}
		return out
	}
	everyone := []string{"buyer", "other", "supplier", "supplier2", "merchant", "admin"}
	strangers := []string{"other", "supplier2", "merchant"}
	notFound, refused := []int{404}, []int{400}
	a := "/v1/after-sales/" + request
	from := map[string]any{"methodId": "00000000-0000-4000-8000-000000000000", "from": supplier.from}
	// The supplier's decisions and receipts are refused for the request's
	// state or a missing reason, which shows they passed authorization
	// without changing anything; the buyer is told the same of disputing
	// without a reason.
	supplierOnly := func(path string, body, supplierBody any) []authzCheck {
		return append(each(append(strangers, "buyer"), path, body, notFound), check("supplier", path, supplierBody, refused))
	}
	buyerOnly := func(path string, body, buyerBody any, buyerWant []int) []authzCheck {
		return append(each(append(strangers, "supplier", "admin"), path, body, notFound), check("buyer", path, buyerBody, buyerWant))
	}
	salesAs := func(path string) []authzCheck {
		return []authzCheck{check("supplier", path, nil, ok), check("supplier2", path, nil, ok), check("admin", path+"?supplierId="+supplier.OrgID, nil, ok),
			check("supplier2", path+"?supplierId="+supplier.OrgID, nil, denied), check("buyer", path, nil, denied), check("merchant", path, nil, denied)}
	}
	authzMatrix{
		services: []string{"crossdock.orders.v1.AfterSaleService", "crossdock.orders.v1.CouponsService", "crossdock.orders.v1.SalesService"},
		rows: map[string][]authzCheck{
			"POST /v1/sub-orders/{sub_order_id}/after-sales": append(each(append(strangers, "supplier", "admin"), "/v1/sub-orders/"+sub+"/after-sales", fileOn(codeA), notFound),
				check("buyer", "/v1/sub-orders/"+sub+"/after-sales", fileOn(codeA), ok)),
			"GET /v1/after-sales/{after_sale_id}": append(each([]string{"buyer", "supplier", "admin"}, a, nil, ok), each(strangers, a, nil, notFound)...),
			"GET /v1/after-sales":                 each(everyone, "", nil, ok),
			"POST /v1/after-sales/{after_sale_id}/decide": append(supplierOnly(a+"/decide", map[string]any{"approve": true}, map[string]any{"approve": false}),
				check("admin", a+"/decide", map[string]any{"approve": false}, refused)),
			"POST /v1/after-sales/{after_sale_id}/dispute": buyerOnly(a+"/dispute", map[string]any{"reason": "I say so"}, map[string]any{}, refused),
			"POST /v1/after-sales/{after_sale_id}/withdraw": append(each(append(strangers, "supplier", "admin"), a+"/withdraw", nil, notFound),
				check("buyer", "/v1/after-sales/"+doomed+"/withdraw", nil, ok)),
			"POST /v1/after-sales/{after_sale_id}/receive": append(supplierOnly(a+"/receive", map[string]any{}, map[string]any{}),
				check("admin", a+"/receive", map[string]any{}, refused)),
			"POST /v1/after-sales/{after_sale_id}/ship-replacement": supplierOnly(a+"/ship-replacement", from, from),
			// Operators only; the request is no exchange with a replacement on its way.
			"POST /v1/after-sales/{after_sale_id}/declare-replacement-lost": append(
				each(append(strangers, "buyer", "supplier"), a+"/declare-replacement-lost", map[string]any{"reason": "lost"}, denied),
				check("admin", a+"/declare-replacement-lost", map[string]any{"reason": "lost"}, refused)),

			"POST /v1/coupon-campaigns": append(each([]string{"buyer", "supplier", "merchant"}, "", campaignBody, []int{403}), check("admin", "", campaignBody, ok)),
			"GET /v1/coupon-campaigns/{campaign_id}": append(each([]string{"buyer", "supplier", "merchant"}, "/v1/coupon-campaigns/"+campaign, nil, []int{403}),
				check("admin", "/v1/coupon-campaigns/"+campaign, nil, ok)),
			"GET /v1/coupon-campaigns": append(each([]string{"buyer", "supplier", "merchant"}, "", nil, []int{403}), check("admin", "", nil, ok)),
			"POST /v1/coupon-campaigns/{campaign_id}/issue": append(each([]string{"buyer", "supplier", "merchant"}, "/v1/coupon-campaigns/"+campaign+"/issue", issuance, []int{403}),
				check("admin", "/v1/coupon-campaigns/"+campaign+"/issue", issuance, ok)),
			"GET /v1/coupons": each(everyone, "", nil, ok),
			"GET /v1/coupons/{coupon_id}": append(each([]string{"buyer", "admin"}, "/v1/coupons/"+coupon, nil, ok),
				each([]string{"other", "supplier", "merchant"}, "/v1/coupons/"+coupon, nil, notFound)...),

			"GET /v1/sales":        salesAs("/v1/sales"),
			"GET /v1/sales:export": salesAs("/v1/sales:export"),
			"GET /v1/skus/{sku_id}/psi": {check("supplier", "/v1/skus/"+codeA+"/psi", nil, ok), check("admin", "/v1/skus/"+codeA+"/psi", nil, ok),
				check("supplier2", "/v1/skus/"+codeA+"/psi", nil, notFound), check("buyer", "/v1/skus/"+codeA+"/psi", nil, denied),
				check("merchant", "/v1/skus/"+codeA+"/psi", nil, denied)},
		},
		tokens: tokens,
		params: strings.NewReplacer("{sub_order_id}", sub, "{after_sale_id}", request, "{campaign_id}", campaign, "{coupon_id}", coupon,
			"{sku_id}", codeA),
		secrets: []string{buyer.ID},
	}.run(t, c)

	// Nothing refused took effect: the request is as filed, the other one
	// withdrawn, and only its parties list it.
	if st := afterSale(t, c, buyer.Access, request)["status"]; st != "requested" {
		t.Errorf("after the matrix the request is %v", st)
	}
	if st := afterSale(t, c, buyer.Access, doomed)["status"]; st != "withdrawn" {
		t.Errorf("the withdrawn request is %v", st)
	}
	for actor, sees := range map[string]bool{"buyer": true, "supplier": true, "admin": true, "other": false, "supplier2": false, "merchant": false} {
		r := c.do("GET", "/v1/after-sales?page.page_size=100", tokens[actor], nil).must(t, 200, actor+"'s requests")
		if strings.Contains(r.Raw, request) != sees {
			t.Errorf("%s lists the request: %v, want %v", actor, !sees, sees)
		}
	}
	// Once the sale is counted, the other supplier's figures still hold
	// none of it.
	waitFor(t, "the sale counted", time.Minute, func() (bool, string) {
		r := c.do("GET", "/v1/sales", supplier.Access, nil).must(t, 200, "the supplier's sales")
		return len(r.list("rows")) > 0, r.Raw
	})
	for _, path := range []string{"/v1/sales", "/v1/sales:export"} {
		if r := c.do("GET", path, supplier2.Access, nil).must(t, 200, "the other supplier's sales"); strings.Contains(r.Raw, supplier.OrgID) || strings.Contains(r.Raw, codeA) {
			t.Errorf("%s as the other supplier shows the supplier's sales: %s", path, r.Raw)
		}
	}
}

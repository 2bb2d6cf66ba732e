package e2e

import (
	"crypto/rand"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// catalogPublicRoutes take no token: buyers browse without signing in.
var catalogPublicRoutes = []string{
	"GET /v1/categories", "GET /v1/brands", "GET /v1/listings", "GET /v1/listings/{product_id}",
	"GET /v1/listings/{product_id}/offers", "GET /v1/availability",
}

// firstSKU returns the id of the first SKU of a product's live revision, or
// of its pending one before the first approval.
func firstSKU(t testing.TB, r response) string {
	t.Helper()
	for _, rev := range []string{"live", "pending"} {
		product, _ := r.Body["product"].(map[string]any)
		revision, _ := product[rev].(map[string]any)
		content, _ := revision["content"].(map[string]any)
		skus, _ := content["skus"].([]any)
		if len(skus) > 0 {
			if id, _ := skus[0].(map[string]any)["skuId"].(string); id != "" {
				return id
			}
		}
	}
	t.Fatalf("no SKU id in %s", r.Raw)
	return ""
}

// supplierWarehouse creates a warehouse in CN-GD for the supplier whose token
// is given and returns its id.
func supplierWarehouse(t *testing.T, c *restClient, token, name string) string {
	t.Helper()
	return c.do("POST", "/v1/warehouses", token, map[string]any{
		"name": name, "kind": "WAREHOUSE_KIND_SUPPLIER", "countryCode": "CN", "regionCode": "CN-GD",
	}).must(t, 200, "warehouse "+name).str("warehouse", "warehouseId")
}

// stockOnce adjusts stock, retrying while inventory has not yet learned of a
// SKU created a moment ago (it hears of SKUs through catalog events).
func stockOnce(t testing.TB, c *restClient, token, warehouse, sku string, delta int) response {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := c.do("POST", "/v1/warehouses/"+warehouse+"/stock/"+sku+":adjust", token, map[string]any{
			"quantityDelta": delta, "reason": "e2e stock", "idempotencyKey": "e2e-" + rand.Text(),
		})
		if r.Status != 404 || time.Now().After(deadline) {
			return r
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The authorization matrix of catalog and inventory: for every REST route,
// a supplier cannot see or change another supplier's products, stock or
// purchase orders; operators do only their own jobs; buyers never see a
// product that is not listed, and nothing refused takes effect.
func TestCatalogAndInventoryAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.22")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "reviewer": reviewerEmail, "translator": translatorEmail, "buyer": buyerEmail,
		"supplier1": supplierEmail, "supplier2": supplier2Email, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	s1 := tokens["supplier1"]
	f := newCatalogFixture(t, c, tokens["admin"])
	word := "zq" + strings.ToLower(rand.Text()[:10])

	// Supplier one's products in every state buyers must or must not see.
	product := func(state string) string {
		id := c.do("POST", "/v1/products", s1, map[string]any{
			"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": map[string]any{"countryCode": "CN", "regionCode": "CN-GD"},
			"defaultLocale": "en", "content": lampContent(f, "Lamp "+word+" "+state, "AZ-"+strings.ToUpper(word)+"-"+state, 1500),
		}).must(t, 200, "create the "+state+" product").str("product", "productId")
		if state == "draft" {
			return id
		}
		c.do("POST", "/v1/products/"+id+":submit", s1, map[string]any{}).must(t, 200, "submit "+state)
		if state == "submitted" {
			return id
		}
		c.do("POST", "/v1/products/"+id+":approve", tokens["reviewer"], map[string]any{}).must(t, 200, "approve "+state)
		c.do("POST", "/v1/products/"+id+":list", s1, map[string]any{}).must(t, 200, "list "+state)
		switch state {
		case "delisted":
			c.do("POST", "/v1/products/"+id+":delist", s1, map[string]any{"reason": "season over"}).must(t, 200, "delist")
		case "binned":
			c.do("DELETE", "/v1/products/"+id, s1, nil).must(t, 200, "delete")
		}
		return id
	}
	listed, draft, submitted, delisted, binned := product("listed"), product("draft"), product("submitted"), product("delisted"), product("binned")
	sku := firstSKU(t, c.do("GET", "/v1/products/"+listed, s1, nil).must(t, 200, "the listed product"))
	skuCode := "AZ-" + strings.ToUpper(word) + "-listed"

	w1, w2 := supplierWarehouse(t, c, s1, "Matrix one "+word), supplierWarehouse(t, c, tokens["supplier2"], "Matrix two "+word)
	stockOnce(t, c, s1, w1, sku, 10).must(t, 200, "stock the listed SKU")
	purchaseOrder := func() string {
		return c.do("POST", "/v1/purchase-orders", s1, map[string]any{
			"warehouseId": w1, "lines": []map[string]any{{"skuId": sku, "quantity": 5}}, "reference": "PO " + word,
		}).must(t, 200, "purchase order").str("purchaseOrder", "purchaseOrderId")
	}
	po := purchaseOrder()

	p := func(id string) string { return "/v1/products/" + id }
	adjust := map[string]any{"quantityDelta": 1, "reason": "matrix", "idempotencyKey": "matrix-" + word}
	translation := map[string]any{"title": "Lampe " + word, "description": "Eine Lampe.", "attributeLabels": map[string]string{"colour": "Farbe"}}
	content := lampContent(f, "Lamp "+word+" hijacked", "AZ-"+strings.ToUpper(word)+"-draft", 1)
	sync := func(id string) map[string]any {
		return map[string]any{"syncId": "matrix-" + id + "-" + word, "lines": []map[string]any{{"skuCode": skuCode, "onHand": 999}}}
	}
	poLines := map[string]any{"warehouseId": w1, "lines": []map[string]any{{"skuId": sku, "quantity": 3}}}
	receipt := map[string]any{"receiptId": "matrix-" + word, "lines": []map[string]any{{"skuId": sku, "quantity": 5}}}
	buyerSees := func(id string) []authzCheck {
		return []authzCheck{
			{"buyer", "/v1/listings/" + id, nil, ok},
			{"buyer", "/v1/listings/" + draft, nil, []int{404}}, {"buyer", "/v1/listings/" + submitted, nil, []int{404}},
			{"buyer", "/v1/listings/" + delisted, nil, []int{404}}, {"buyer", "/v1/listings/" + binned, nil, []int{404}},
		}
	}
	offers := buyerSees(listed)
	for i := range offers {
		offers[i].path += "/offers"
	}

	rows := map[string][]authzCheck{
		"POST /v1/categories": {
			{"buyer", "", map[string]any{"name": "X", "slug": "x-" + word}, denied},
			{"supplier1", "", map[string]any{"name": "X", "slug": "x-" + word}, denied},
			{"translator", "", map[string]any{"name": "X", "slug": "x-" + word}, denied},
			{"reviewer", "", map[string]any{"parentId": f.root, "name": "Shades", "slug": "shades"}, ok},
		},
		"GET /v1/categories": {{"buyer", "", nil, ok}},
		"POST /v1/brands": {
			{"supplier1", "", map[string]any{"name": "Brand s " + word}, denied}, {"buyer", "", map[string]any{"name": "Brand b " + word}, denied},
			{"admin", "", map[string]any{"name": "Brand a " + word}, ok},
		},
		"GET /v1/brands": {{"buyer", "", nil, ok}},
		"POST /v1/product-models": {
			{"supplier1", "", map[string]any{"name": "Model " + word}, denied}, {"translator", "", map[string]any{"name": "Model " + word}, denied},
		},
		"GET /v1/product-models/{model_id}": {{"supplier2", "/v1/product-models/" + f.model, nil, ok}},
		"GET /v1/product-models":            {{"supplier1", "", nil, ok}},
		"POST /v1/products": {
			{"buyer", "", map[string]any{"modelId": f.model, "content": content}, denied},
			{"merchant", "", map[string]any{"modelId": f.model, "content": content}, denied},
			{"reviewer", "", map[string]any{"modelId": f.model, "content": content}, denied},
		},
		"PUT /v1/products/{product_id}/content": {
			{"supplier2", p(draft) + "/content", content, denied}, {"reviewer", p(draft) + "/content", content, denied},
			{"buyer", p(listed) + "/content", content, denied},
		},
		"GET /v1/products/{product_id}": {
			{"supplier2", p(draft), nil, denied}, {"buyer", p(listed), nil, denied}, {"merchant", p(draft), nil, denied},
			{"supplier1", p(draft), nil, ok}, {"reviewer", p(submitted), nil, ok}, {"supplier1", p(binned), nil, ok},
		},
		"GET /v1/supplier/products": {{"buyer", "", nil, denied}, {"reviewer", "", nil, denied}, {"supplier2", "", nil, ok}},
		"POST /v1/products/{product_id}:submit": {
			{"supplier2", p(draft) + ":submit", map[string]any{}, denied}, {"reviewer", p(draft) + ":submit", map[string]any{}, denied},
		},
		"GET /v1/review-queue": {{"supplier1", "", nil, denied}, {"buyer", "", nil, denied}, {"reviewer", "", nil, ok}},
		"POST /v1/products/{product_id}:approve": {
			{"supplier1", p(submitted) + ":approve", map[string]any{}, denied}, {"translator", p(submitted) + ":approve", map[string]any{}, denied},
			{"buyer", p(submitted) + ":approve", map[string]any{}, denied},
		},
		"POST /v1/products/{product_id}:reject": {
			{"supplier1", p(submitted) + ":reject", map[string]any{"reason": "no"}, denied},
			{"merchant", p(submitted) + ":reject", map[string]any{"reason": "no"}, denied},
		},
		"POST /v1/products/{product_id}:requestChanges": {
			{"supplier2", p(submitted) + ":requestChanges", map[string]any{"reason": "no"}, denied},
			{"translator", p(submitted) + ":requestChanges", map[string]any{"reason": "no"}, denied},
		},
		"POST /v1/products/{product_id}/quality-check": {
			{"supplier1", p(submitted) + "/quality-check", map[string]any{"passed": true}, denied},
			{"buyer", p(submitted) + "/quality-check", map[string]any{"passed": true}, denied},
			{"reviewer", p(submitted) + "/quality-check", map[string]any{"passed": true, "notes": "stitching fine"}, ok},
		},
		"POST /v1/products/{product_id}:list": {
			{"supplier2", p(delisted) + ":list", map[string]any{}, denied}, {"reviewer", p(delisted) + ":list", map[string]any{}, denied},
		},
		"POST /v1/products/{product_id}:delist": {
			{"supplier2", p(listed) + ":delist", map[string]any{"reason": "x"}, denied}, {"buyer", p(listed) + ":delist", map[string]any{"reason": "x"}, denied},
		},
		"DELETE /v1/products/{product_id}": {
			{"supplier2", p(listed), nil, denied}, {"reviewer", p(listed), nil, denied}, {"buyer", p(listed), nil, denied},
		},
		"POST /v1/products/{product_id}:restore": {
			{"supplier2", p(binned) + ":restore", map[string]any{}, denied}, {"admin", p(binned) + ":restore", map[string]any{}, denied},
		},
		"PUT /v1/products/{product_id}/translations/{translation.locale}": {
			{"supplier2", p(listed) + "/translations/de", translation, denied}, {"buyer", p(listed) + "/translations/de", translation, denied},
			{"translator", p(listed) + "/translations/de", translation, ok},
		},
		"GET /v1/products/{product_id}/history": {
			{"supplier2", p(listed) + "/history", nil, denied}, {"buyer", p(listed) + "/history", nil, denied},
			{"supplier1", p(listed) + "/history", nil, ok},
		},
		"GET /v1/listings":                     {{"buyer", "/v1/listings?query=" + word, nil, ok}},
		"GET /v1/listings/{product_id}":        buyerSees(listed),
		"GET /v1/listings/{product_id}/offers": offers,
		"GET /v1/merchant/prices/{product_id}": {
			{"buyer", "/v1/merchant/prices/" + listed, nil, denied}, {"supplier1", "/v1/merchant/prices/" + listed, nil, denied},
			{"merchant", "/v1/merchant/prices/" + draft, nil, []int{404}}, {"merchant", "/v1/merchant/prices/" + listed, nil, ok},
		},

		"POST /v1/warehouses": {
			{"buyer", "", map[string]any{"name": "B", "kind": "WAREHOUSE_KIND_SUPPLIER", "countryCode": "DE"}, denied},
			{"merchant", "", map[string]any{"name": "M", "kind": "WAREHOUSE_KIND_SUPPLIER", "countryCode": "DE"}, denied},
			{"supplier1", "", map[string]any{"name": "Central?", "kind": "WAREHOUSE_KIND_CENTRAL", "countryCode": "DE"}, denied},
		},
		"GET /v1/warehouses": {{"buyer", "", nil, denied}, {"supplier2", "", nil, ok}},
		"POST /v1/warehouses/{warehouse_id}/stock/{sku_id}:adjust": {
			{"supplier2", "/v1/warehouses/" + w1 + "/stock/" + sku + ":adjust", adjust, denied},
			{"supplier2", "/v1/warehouses/" + w2 + "/stock/" + sku + ":adjust", adjust, denied},
			{"reviewer", "/v1/warehouses/" + w1 + "/stock/" + sku + ":adjust", adjust, denied},
			{"buyer", "/v1/warehouses/" + w1 + "/stock/" + sku + ":adjust", adjust, denied},
		},
		"GET /v1/stock/{sku_id}": {
			{"supplier2", "/v1/stock/" + sku, nil, denied}, {"buyer", "/v1/stock/" + sku, nil, denied},
			{"supplier1", "/v1/stock/" + sku, nil, ok}, {"reviewer", "/v1/stock/" + sku, nil, ok},
		},
		"GET /v1/warehouses/{warehouse_id}/stock": {
			{"supplier2", "/v1/warehouses/" + w1 + "/stock", nil, denied}, {"buyer", "/v1/warehouses/" + w1 + "/stock", nil, denied},
			{"supplier1", "/v1/warehouses/" + w1 + "/stock", nil, ok},
		},
		"GET /v1/availability": {{"buyer", "/v1/availability?skuIds=" + sku, nil, ok}},
		"PUT /v1/warehouses/{warehouse_id}/stock/{sku_id}/low-stock-threshold": {
			{"supplier2", "/v1/warehouses/" + w1 + "/stock/" + sku + "/low-stock-threshold", map[string]any{"threshold": 50}, denied},
			{"translator", "/v1/warehouses/" + w1 + "/stock/" + sku + "/low-stock-threshold", map[string]any{"threshold": 50}, denied},
		},
		"GET /v1/stock/{sku_id}/journal": {
			{"supplier2", "/v1/stock/" + sku + "/journal", nil, denied}, {"buyer", "/v1/stock/" + sku + "/journal", nil, denied},
			{"supplier1", "/v1/stock/" + sku + "/journal", nil, ok},
		},
		"POST /v1/warehouses/{warehouse_id}/stock:sync": {
			{"supplier2", "/v1/warehouses/" + w1 + "/stock:sync", sync("s2"), denied},
			{"buyer", "/v1/warehouses/" + w1 + "/stock:sync", sync("b"), denied},
		},
		"POST /v1/purchase-orders": {{"supplier2", "", poLines, denied}, {"buyer", "", poLines, denied}},
		"POST /v1/purchase-orders/{purchase_order_id}:receive": {
			{"supplier2", "/v1/purchase-orders/" + po + ":receive", receipt, denied},
			{"reviewer", "/v1/purchase-orders/" + po + ":receive", receipt, denied},
		},
		"POST /v1/purchase-orders/{purchase_order_id}:cancel": {
			{"supplier2", "/v1/purchase-orders/" + po + ":cancel", map[string]any{"reason": "x"}, denied},
			{"buyer", "/v1/purchase-orders/" + po + ":cancel", map[string]any{"reason": "x"}, denied},
		},
		"GET /v1/purchase-orders/{purchase_order_id}": {
			{"supplier2", "/v1/purchase-orders/" + po, nil, denied}, {"buyer", "/v1/purchase-orders/" + po, nil, denied},
			{"supplier1", "/v1/purchase-orders/" + po, nil, ok},
		},
		"GET /v1/purchase-orders": {{"supplier2", "", nil, ok}, {"buyer", "", nil, denied}},
	}
	authzMatrix{
		services: []string{"crossdock.catalog.v1.CatalogService", "crossdock.inventory.v1.InventoryService"},
		public:   catalogPublicRoutes,
		rows:     rows,
		tokens:   tokens,
		params: strings.NewReplacer("{model_id}", f.model, "{product_id}", draft, "{translation.locale}", "de",
			"{warehouse_id}", w1, "{sku_id}", sku, "{purchase_order_id}", po),
		secrets: []string{word, skuCode},
	}.run(t, c)

	// Buyers find only the listed product, by text and by category.
	for _, q := range []url.Values{{"query": {word}}, {"categoryId": {f.root}}} {
		if got := searchIDs(t, c, tokens["buyer"], q); !slices.Equal(got, []string{listed}) {
			t.Errorf("buyers searching %s find %v, want only the listed product %s", q.Encode(), got, listed)
		}
	}
	// Supplier two's lists hold nothing of supplier one's.
	for _, list := range []struct{ path, key, id string }{
		{"/v1/supplier/products", "products", listed}, {"/v1/warehouses", "warehouses", w1}, {"/v1/purchase-orders", "purchaseOrders", po},
	} {
		r := c.do("GET", list.path, tokens["supplier2"], nil).must(t, 200, "supplier two lists "+list.path)
		if strings.Contains(r.Raw, list.id) {
			t.Errorf("supplier two's %s shows supplier one's %s", list.path, list.id)
		}
	}

	// Nothing refused took effect.
	states := map[string]string{draft: "PRODUCT_STATUS_DRAFT", submitted: "PRODUCT_STATUS_SUBMITTED", listed: "PRODUCT_STATUS_LISTED",
		delisted: "PRODUCT_STATUS_DELISTED"}
	for id, want := range states {
		got := c.do("GET", p(id), s1, nil).must(t, 200, "supplier one reads its product")
		if st := got.str("product", "status"); st != want {
			t.Errorf("product %s is %s, want %s", id, st, want)
		}
		if strings.Contains(got.Raw, "hijacked") {
			t.Errorf("product %s took another's edit: %s", id, got.Raw)
		}
	}
	if got := c.do("GET", p(binned), s1, nil).must(t, 200, "the binned product"); got.str("product", "deletedAt") == "" {
		t.Errorf("the binned product was restored: %s", got.Raw)
	}
	levels := c.do("GET", "/v1/stock/"+sku, s1, nil).must(t, 200, "stock").list("levels")
	if len(levels) != 1 || levels[0]["onHand"] != "10" {
		t.Errorf("stock after refused changes: %v, want 10 on hand in one warehouse", levels)
	}
	if st := c.do("GET", "/v1/purchase-orders/"+po, s1, nil).str("purchaseOrder", "status"); st != "PURCHASE_ORDER_STATUS_OPEN" {
		t.Errorf("purchase order is %s after refused receipts and cancels", st)
	}
}

package e2e

import (
	"crypto/rand"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Demo accounts `crossdock up` seeds with approved organizations.
const (
	supplierEmail   = "supplier@demo.crossdock.test"
	supplier2Email  = "supplier2@demo.crossdock.test"
	reviewerEmail   = "reviewer@demo.crossdock.test"
	translatorEmail = "translator@demo.crossdock.test"
	buyerEmail      = "buyer@demo.crossdock.test"
)

// catalogFixture is a category pair and a model made by the admin for one test.
type catalogFixture struct {
	root, child, model string
}

func newCatalogFixture(t testing.TB, c *restClient, admin string) catalogFixture {
	t.Helper()
	tag := strings.ToLower(rand.Text()[:8])
	root := c.do("POST", "/v1/categories", admin, map[string]any{"name": "E2E " + tag, "slug": "e2e-" + tag}).
		must(t, 200, "root category").str("category", "categoryId")
	child := c.do("POST", "/v1/categories", admin, map[string]any{"parentId": root, "name": "Lamps " + tag, "slug": "lamps"}).
		must(t, 200, "child category").str("category", "categoryId")
	model := c.do("POST", "/v1/product-models", admin, map[string]any{"name": "Lamp " + tag, "attributes": []map[string]any{
		{"name": "colour", "kind": "ATTRIBUTE_KIND_CHOICE", "allowedValues": []string{"red", "blue"}, "required": true, "spec": true},
	}}).must(t, 200, "product model").str("model", "modelId")
	return catalogFixture{root: root, child: child, model: model}
}

func lampContent(f catalogFixture, title, skuCode string, cents int) map[string]any {
	return map[string]any{
		"categoryId": f.child, "title": title, "description": "A lamp for end-to-end tests.",
		"images": []string{"https://images.crossdock.test/lamp.jpg"},
		"skus": []map[string]any{{
			"skuCode": skuCode, "specValues": map[string]string{"colour": "red"},
			"retailPrice": map[string]any{"currencyCode": "USD", "amountMinor": cents},
			"weightG":     500, "dimensions": map[string]any{"lengthMm": 200, "widthMm": 150, "heightMm": 150},
		}},
	}
}

// searchIDs runs a buyer's search and returns the product ids found.
func searchIDs(t *testing.T, c *restClient, token string, params url.Values) []string {
	t.Helper()
	r := c.do("GET", "/v1/listings?"+params.Encode(), token, nil).must(t, 200, "search "+params.Encode())
	var ids []string
	for _, p := range r.list("products") {
		id, _ := p["productId"].(string)
		ids = append(ids, id)
	}
	return ids
}

// The catalog journey of the issue, through the gateway against the running
// mesh: create with SKUs → submit → changes requested → edit → approve →
// translate → list → a buyer finds it by text and by category in that locale
// → an edit of the listed product stays invisible until it is approved.
func TestCatalogJourneyThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.21")
	admin, _ := c.login(adminEmail, demoPassword)
	supplier, _ := c.login(supplierEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	translator, _ := c.login(translatorEmail, demoPassword)
	buyer, _ := c.login(buyerEmail, demoPassword)
	f := newCatalogFixture(t, c, admin)
	word := "zq" + strings.ToLower(rand.Text()[:10])
	sku := "LAMP-" + strings.ToUpper(word)

	created := c.do("POST", "/v1/products", supplier, map[string]any{
		"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": map[string]any{"countryCode": "CN", "regionCode": "CN-GD"},
		"defaultLocale": "en", "content": lampContent(f, "Desk lamp "+word, sku, 1999),
	}).must(t, 200, "create product")
	id := created.str("product", "productId")
	if st := created.str("product", "status"); st != "PRODUCT_STATUS_DRAFT" {
		t.Fatalf("new product is %s", st)
	}
	c.do("POST", "/v1/products/"+id+":submit", supplier, map[string]any{}).must(t, 200, "submit")
	c.do("POST", "/v1/products/"+id+":requestChanges", reviewer, map[string]any{"reason": "add a better title"}).must(t, 200, "request changes")
	if st := c.do("GET", "/v1/products/"+id, supplier, nil).str("product", "status"); st != "PRODUCT_STATUS_CHANGES_REQUESTED" {
		t.Fatalf("after the change request the product is %s", st)
	}
	c.do("PUT", "/v1/products/"+id+"/content", supplier, lampContent(f, "Brass desk lamp "+word, sku, 1999)).must(t, 200, "edit after changes requested")
	c.do("POST", "/v1/products/"+id+":submit", supplier, map[string]any{}).must(t, 200, "resubmit")
	c.do("POST", "/v1/products/"+id+":approve", reviewer, map[string]any{}).must(t, 200, "approve")
	c.do("PUT", "/v1/products/"+id+"/translations/de", translator, map[string]any{
		"title": "Messing-Schreibtischlampe " + word, "description": "Eine Lampe für Tests.", "attributeLabels": map[string]string{"colour": "Farbe"},
	}).must(t, 200, "translate to de")

	// Approved but not listed: invisible to buyers.
	if ids := searchIDs(t, c, buyer, url.Values{"query": {word}}); slices.Contains(ids, id) {
		t.Fatal("an unlisted product is found by buyers")
	}
	c.do("GET", "/v1/listings/"+id, buyer, nil).must(t, 404, "an unlisted product's listing")
	c.do("POST", "/v1/products/"+id+":list", supplier, map[string]any{}).must(t, 200, "list")

	byText := searchIDs(t, c, buyer, url.Values{"locale": {"de"}, "query": {word}})
	byCategory := searchIDs(t, c, "", url.Values{"locale": {"de"}, "categoryId": {f.root}})
	if !slices.Contains(byText, id) || !slices.Contains(byCategory, id) {
		t.Fatalf("listed product not found: by text %v, by parent category %v", byText, byCategory)
	}
	listing := c.do("GET", "/v1/listings/"+id+"?locale=de", "", nil).must(t, 200, "listing in de")
	if title := listing.str("listing", "title"); !strings.HasPrefix(title, "Messing") {
		t.Errorf("de listing title %q", title)
	}

	// Editing the listed product: a new revision in review, the old one stays live.
	c.do("PUT", "/v1/products/"+id+"/content", supplier, lampContent(f, "Copper desk lamp "+word, sku, 2499)).must(t, 200, "edit the listed product")
	c.do("POST", "/v1/products/"+id+":submit", supplier, map[string]any{}).must(t, 200, "submit the edit")
	live := c.do("GET", "/v1/listings/"+id+"?locale=en", buyer, nil).must(t, 200, "listing during review")
	if title := live.str("listing", "title"); !strings.HasPrefix(title, "Brass") {
		t.Fatalf("during review buyers see %q, want the approved Brass revision", title)
	}
	c.do("POST", "/v1/products/"+id+":approve", reviewer, map[string]any{}).must(t, 200, "approve the edit")
	after := c.do("GET", "/v1/listings/"+id+"?locale=en", buyer, nil).must(t, 200, "listing after approval")
	if title := after.str("listing", "title"); !strings.HasPrefix(title, "Copper") {
		t.Errorf("after approval buyers see %q, want the Copper revision", title)
	}
	history := c.do("GET", "/v1/products/"+id+"/history", supplier, nil).must(t, 200, "history")
	if n := len(history.list("transitions")); n < 7 {
		t.Errorf("history has %d transitions: %s", n, history.Raw)
	}
	// A page at a time: the first two, then the rest from the token.
	first := c.do("GET", "/v1/products/"+id+"/history?page.pageSize=2", supplier, nil).must(t, 200, "history page")
	token := first.str("page", "nextPageToken")
	if n := len(first.list("transitions")); n != 2 || token == "" {
		t.Fatalf("the first page of 2: %d transitions, token %q: %s", n, token, first.Raw)
	}
	rest := c.do("GET", "/v1/products/"+id+"/history?page.pageSize=200&page.pageToken="+url.QueryEscape(token), supplier, nil).must(t, 200, "history rest")
	if n, all := len(rest.list("transitions")), len(history.list("transitions")); n != all-2 {
		t.Errorf("the rest after a page of 2: %d transitions, want %d", n, all-2)
	}
}

// Bad product input through the gateway: 400 with a field violation per
// problem, 409 for a SKU code another product holds, and nothing written.
func TestCatalogBadInputThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.23")
	admin, _ := c.login(adminEmail, demoPassword)
	fresh := c.signUp("ACCOUNT_TYPE_SUPPLIER", "Bad Input Lamps")
	c.do("POST", "/v1/organizations/"+fresh.OrgID+":approve", admin, map[string]any{}).must(t, 200, "approve the supplier")
	supplier, _ := c.login(fresh.Email, testPassword) // a token with the supplier role
	f := newCatalogFixture(t, c, admin)
	word := "zq" + strings.ToLower(rand.Text()[:10])
	origin := map[string]any{"countryCode": "CN", "regionCode": "CN-GD"}
	taken := "LAMP-" + strings.ToUpper(word)
	c.do("POST", "/v1/products", supplier, map[string]any{
		"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": origin, "defaultLocale": "en", "content": lampContent(f, "Lamp "+word, taken, 1000),
	}).must(t, 200, "the product holding the SKU code")

	tests := []struct {
		name   string
		change func(content map[string]any)
		status int
		fields []string
	}{
		{"unknown category", func(m map[string]any) { m["categoryId"] = "01a20282-6cb2-74ae-81d2-2b5f952c2d3d" }, 400, []string{"content.categoryId"}},
		{"spec value outside the model, negative price and weight", func(m map[string]any) {
			sku := m["skus"].([]map[string]any)[0]
			sku["specValues"] = map[string]string{"colour": "purple"}
			sku["retailPrice"] = map[string]any{"currencyCode": "USD", "amountMinor": -1}
			sku["weightG"] = -5
		}, 400, []string{"content.skus[0].specValues.colour", "content.skus[0].retailPrice.amountMinor", "content.skus[0].weightG"}},
		{"SKU code of another product", func(m map[string]any) { m["skus"].([]map[string]any)[0]["skuCode"] = taken }, 409, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := lampContent(f, "Bad lamp "+word, "BAD-"+strings.ToUpper(rand.Text()[:8]), 1000)
			tt.change(content)
			r := c.do("POST", "/v1/products", supplier, map[string]any{
				"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": origin, "defaultLocale": "en", "content": content,
			})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Raw)
			}
			got := r.fieldViolations()
			for _, field := range tt.fields {
				if !slices.Contains(got, field) {
					t.Errorf("no violation of %s in %v", field, got)
				}
			}
		})
	}
	if n := len(c.do("GET", "/v1/supplier/products", supplier, nil).must(t, 200, "products after").list("products")); n != 1 {
		t.Errorf("the supplier has %d products, want only the first: refused products were written", n)
	}
}

package e2e

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkPartnerOrdersThroughTheMesh is the whole pull path on the local
// mesh: 10,000 paid orders placed at once on the REST marketplace simulator
// (its two-second visibility lag on, 2 % of its calls rate limited with a
// one-second Retry-After), pulled by docking and placed through the orders
// service (SKUs read at the catalogue, stock reserved at inventory), timed
// from the sync to the last import. Goal: within 60 s.
func BenchmarkPartnerOrdersThroughTheMesh(b *testing.B) {
	const n = 10000
	base, offset := apiMesh(b)
	c := newClient(b, base, "127.0.0.64")
	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	word := strings.ToLower(rand.Text()[:8])
	s := newSeller(b, c, admin, "Bench "+word, "DE", "DE-BE", "Berlin", "EUR")
	f := newCatalogFixture(b, c, admin)
	content := lampContent(f, "Bench lamp "+word, "BL-"+strings.ToUpper(word), 2500)
	content["skus"].([]map[string]any)[0]["retailPrice"] = map[string]any{"currencyCode": "EUR", "amountMinor": 2500}
	product := c.do("POST", "/v1/products", s.Access, map[string]any{
		"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": map[string]any{"countryCode": "DE", "regionCode": "DE-BE"},
		"defaultLocale": "en", "content": content,
	}).must(b, 200, "create the product").str("product", "productId")
	c.do("POST", "/v1/products/"+product+":submit", s.Access, map[string]any{}).must(b, 200, "submit")
	c.do("POST", "/v1/products/"+product+":approve", reviewer, map[string]any{}).must(b, 200, "approve")
	sku := firstSKU(b, c.do("POST", "/v1/products/"+product+":list", s.Access, map[string]any{}).must(b, 200, "list"))
	stockOnce(b, c, s.Access, s.warehouse, sku, 3*n).must(b, 200, "stock")
	id := partnerByCode(b, c, admin, restPartnerCode)
	simulator := "http://" + addr(restAdminPort, offset)
	c.do("POST", "/v1/docking/partners/"+id+"/sync", admin, map[string]any{}).must(b, 200, "sync")
	waitFor(b, "the bench lamp live", 90*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/docking/listings?productId="+product+"&partnerId="+id, admin, nil)
		ls := r.list("listings")
		return len(ls) == 1 && ls[0]["status"] == "LISTING_STATUS_LIVE", r.Raw
	})
	imported := func() int64 {
		return minor(c.do("GET", "/v1/docking/partners/"+id+"/activity", admin, nil).Body, "activity", "ordersImported")
	}
	before := imported()
	for i := range n {
		simAdmin(b, "POST", simulator+"/admin/orders", map[string]any{
			"buyer": fmt.Sprintf("bench-%s-%d", word, i), "paid": true,
			"address": map[string]any{"recipient": "Erika Muster", "phone": "+4915112345678", "country_code": "DE", "region_code": "DE-BE",
				"city": "Berlin", "postcode": "10115", "lines": []string{"Unter den Linden 1"}},
			"items": []any{map[string]any{"marker": "crossdock:" + sku, "quantity": 1}},
		})
	}
	simAdmin(b, "PUT", simulator+"/admin/faults", map[string]any{"rate_limit": 0.02, "retry_after_ms": 1000})
	defer simAdmin(b, "PUT", simulator+"/admin/faults", map[string]any{})
	b.ResetTimer()
	start := time.Now()
	c.do("POST", "/v1/docking/partners/"+id+"/sync", admin, map[string]any{}).must(b, 200, "sync")
	waitFor(b, fmt.Sprintf("%d partner orders imported", n), 10*time.Minute, func() (bool, string) {
		got := imported() - before
		return got >= n, fmt.Sprintf("%d imported", got)
	})
	elapsed := time.Since(start)
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "orders/s")
	b.ReportMetric(elapsed.Seconds(), "total-s")
	b.ReportMetric(0, "ns/op")
}

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	// restPartnerCode is the demo REST marketplace's code (crossdock up).
	restPartnerCode = "demo-rest-market"
	// partnerAdminPort and restAdminPort are the partner simulators' admin
	// APIs: their buyers' orders, and what they received from us.
	partnerAdminPort = 9402
	restAdminPort    = 9403
)

// simAdmin calls a partner simulator's admin API.
func simAdmin(t testing.TB, method, url string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, url, err, raw)
	}
	return out
}

// waitImported waits until docking imported the partner's order, with its
// raw form, and returns the local order's id.
func waitImported(t testing.TB, c *restClient, admin, code, partnerID, partnerOrder string) string {
	t.Helper()
	var orderID string
	waitFor(t, code+" order "+partnerOrder+" imported", 90*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/docking/partners/"+partnerID+"/orders?state=PARTNER_ORDER_STATE_IMPORTED", admin, nil).must(t, 200, "pulled orders")
		for _, o := range r.list("orders") {
			if o["partnerOrderId"] == partnerOrder {
				orderID = fmt.Sprint(o["orderId"])
				return strings.Contains(fmt.Sprint(o["raw"]), partnerOrder), r.Raw
			}
		}
		return false, r.Raw
	})
	return orderID
}

// partnerByCode returns a registered partner's id.
func partnerByCode(t testing.TB, c *restClient, admin, code string) string {
	t.Helper()
	for _, p := range c.do("GET", "/v1/docking/partners", admin, nil).must(t, 200, "list partners").list("partners") {
		if p["code"] == code {
			return fmt.Sprint(p["partnerId"])
		}
	}
	t.Fatalf("no partner %s", code)
	return ""
}

// The demo docks onto both simulated partners: a new supplier's product,
// translated into German, is pushed to the standard-protocol partner
// (German) and the REST marketplace (English) and goes live on both; a
// buyer on each partner orders it (on one at the partner's own promotional
// price); docking pulls each order in as a local order priced as the
// partner sold it, the supplier ships, the waybill reaches the partner exactly once,
// the partner's settlement line is matched against the order and split in
// finance (supplier, commission, the partner's fees), and the supplier
// sees its listings.
func TestDockingFlowThroughBothPartners(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.63")
	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	translator, _ := c.login(translatorEmail, demoPassword)
	word := strings.ToLower(rand.Text()[:8])

	// A supplier of its own (Germany, EUR) with a lamp translated into German.
	s := newSeller(t, c, admin, "Docked "+word, "DE", "DE-BE", "Berlin", "EUR")
	f := newCatalogFixture(t, c, admin)
	const price = 4000
	content := lampContent(f, "Docked lamp "+word, "DK-"+strings.ToUpper(word), price)
	content["skus"].([]map[string]any)[0]["retailPrice"] = map[string]any{"currencyCode": "EUR", "amountMinor": price}
	product := c.do("POST", "/v1/products", s.Access, map[string]any{
		"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": map[string]any{"countryCode": "DE", "regionCode": "DE-BE"},
		"defaultLocale": "en", "content": content,
	}).must(t, 200, "create the product").str("product", "productId")
	c.do("POST", "/v1/products/"+product+":submit", s.Access, map[string]any{}).must(t, 200, "submit")
	c.do("POST", "/v1/products/"+product+":approve", reviewer, map[string]any{}).must(t, 200, "approve")
	c.do("PUT", "/v1/products/"+product+"/translations/de", translator, map[string]any{
		"title": "Angedockte Lampe " + word, "description": "Eine Lampe für Partner.", "attributeLabels": map[string]string{"colour": "Farbe"},
	}).must(t, 200, "translate to de")
	sku := firstSKU(t, c.do("POST", "/v1/products/"+product+":list", s.Access, map[string]any{}).must(t, 200, "list"))
	stockOnce(t, c, s.Access, s.warehouse, sku, 50).must(t, 200, "stock")
	marker := "crossdock:" + sku

	// The standard partner sells the lamp at a promotion of its own; the
	// local order and the settlement follow what the partner sold it for.
	partners := []struct {
		code, locale string
		admin        string
		sold         int64
	}{
		{demoPartnerCode, "de", "http://" + addr(partnerAdminPort, offset), price - 450},
		{restPartnerCode, "en", "http://" + addr(restAdminPort, offset), price},
	}
	// Pushed to both, in each partner's locale, live after the partners'
	// review; the supplier sees its listings, another supplier does not.
	for _, p := range partners {
		id := partnerByCode(t, c, admin, p.code)
		c.do("POST", "/v1/docking/partners/"+id+"/sync", admin, map[string]any{}).must(t, 200, "sync "+p.code)
		waitFor(t, "the lamp live on "+p.code, 90*time.Second, func() (bool, string) {
			r := c.do("GET", "/v1/docking/listings?productId="+product+"&partnerId="+id, s.Access, nil).must(t, 200, "the supplier's listings")
			ls := r.list("listings")
			return len(ls) == 1 && ls[0]["status"] == "LISTING_STATUS_LIVE" && ls[0]["locale"] == p.locale && ls[0]["marker"] == marker, r.Raw
		})
		var onPartner map[string]any
		for _, l := range objects(simAdmin(t, "GET", p.admin+"/admin/listings", nil), "listings") {
			if l["marker"] == marker {
				onPartner = l
			}
		}
		if onPartner == nil || onPartner["sku_id"] != sku || onPartner["product_id"] != product || onPartner["sku_code"] != "DK-"+strings.ToUpper(word) {
			t.Fatalf("%s holds %v, want our marker with the original codes", p.code, onPartner)
		}
	}
	other, _ := c.login(supplierEmail, demoPassword)
	if ls := c.do("GET", "/v1/docking/listings?productId="+product, other, nil).must(t, 200, "another supplier's view").list("listings"); len(ls) != 0 {
		t.Errorf("another supplier sees %d listings of this product", len(ls))
	}

	express := methodID(t, c, admin, "DE", "express")
	for _, p := range partners {
		id := partnerByCode(t, c, admin, p.code)
		// A buyer on the partner's platform orders two lamps and something
		// of another seller's.
		placed := simAdmin(t, "POST", p.admin+"/admin/orders", map[string]any{
			"buyer": "buyer-" + word, "paid": true,
			"address": map[string]any{"recipient": "Erika Muster", "phone": "+4915112345678", "country_code": "DE", "region_code": "DE-BE",
				"city": "Berlin", "postcode": "10115", "lines": []string{"Unter den Linden 1"}},
			"items": []any{map[string]any{"marker": marker, "quantity": 2, "price_minor": p.sold}, map[string]any{"marker": "", "quantity": 1}},
		})
		partnerOrder := fmt.Sprint(placed["order_id"])
		if partnerOrder == "" || partnerOrder == "<nil>" {
			t.Fatalf("%s placed %v", p.code, placed)
		}

		// Pulled in once, as a local paid order of the lamps only.
		orderID := waitImported(t, c, admin, p.code, id, partnerOrder)
		// An order sold below our listed price is flagged for operators with
		// the line's two prices; one at our price is not.
		var flagged []map[string]any
		listedBelow := false
		for _, o := range c.do("GET", "/v1/docking/partners/"+id+"/orders?belowListingOnly=true", admin, nil).must(t, 200, "orders sold below our prices").list("orders") {
			if o["partnerOrderId"] == partnerOrder {
				listedBelow, flagged = true, objects(o, "belowListing")
			}
		}
		if p.sold == price && listedBelow {
			t.Errorf("%s sold at our price, flagged below it: %v", p.code, flagged)
		}
		if p.sold < price && (len(flagged) != 1 || flagged[0]["skuId"] != sku || minor(flagged[0], "soldAt", "amountMinor") != p.sold ||
			minor(flagged[0], "listedAt", "amountMinor") != price) {
			t.Errorf("%s sold at %d below our %d, flagged %v", p.code, p.sold, price, flagged)
		}
		order := c.do("GET", "/v1/orders/"+orderID, admin, nil).must(t, 200, "the partner's order, as an operator reads it")
		subs := objects(order.Body, "order", "subOrders")
		if len(subs) != 1 || order.str("order", "channel") != "partner:"+p.code || minor(subs[0], "goods", "amountMinor") != 2*p.sold ||
			minor(order.Body, "order", "total", "amountMinor") != 2*p.sold {
			t.Fatalf("local order of %s: %s", p.code, order.Raw)
		}
		sub := fmt.Sprint(subs[0]["subOrderId"])

		// Shipped: the waybill reaches the partner, once.
		_, feesBefore := ledgerKind(t, c, admin, "partner_fees", "EUR")
		freightBefore, _ := ledgerKind(t, c, admin, "freight_expense", "EUR")
		shipped := c.do("POST", "/v1/sub-orders/"+sub+"/ship", s.Access, map[string]any{"methodId": express, "from": s.from}).must(t, 200, "ship")
		waybill := shipped.str("subOrder", "parcel", "waybill")
		waitFor(t, "the waybill on "+p.code, 60*time.Second, func() (bool, string) {
			o := simAdmin(t, "GET", p.admin+"/admin/orders/"+partnerOrder, nil)
			ships := objects(o, "shipments")
			return len(ships) == 1 && ships[0]["waybill"] == waybill, fmt.Sprint(o)
		})

		// The settlement line is matched and split: the partner kept its 12 %.
		var line map[string]any
		waitFor(t, "the settlement of "+partnerOrder+" on "+p.code, 90*time.Second, func() (bool, string) {
			r := c.do("GET", "/v1/docking/partners/"+id+"/settlement-lines", admin, nil).must(t, 200, "settlement lines")
			for _, l := range r.list("lines") {
				if l["partnerOrderId"] == partnerOrder {
					// A matched line's state is saved before its credit:
					// wait for the credit too.
					line = l
					decided := l["state"] != nil && l["state"] != "SETTLEMENT_LINE_STATE_UNSPECIFIED"
					return decided && (l["state"] != "SETTLEMENT_LINE_STATE_MATCHED" || l["creditedAt"] != nil), r.Raw
				}
			}
			return false, r.Raw
		})
		gross, fees := 2*p.sold, 2*p.sold*12/100
		if line["state"] != "SETTLEMENT_LINE_STATE_MATCHED" || minor(line, "gross", "amountMinor") != gross || minor(line, "fees", "amountMinor") != fees ||
			line["orderId"] != orderID {
			t.Fatalf("settlement line on %s: %v; want matched, gross %d, fees %d, order %s", p.code, line, gross, fees, orderID)
		}
		if _, after := ledgerKind(t, c, admin, "partner_fees", "EUR"); after-feesBefore != fees {
			t.Errorf("the partner's fees account moved by %d, want the line's %d", after-feesBefore, fees)
		}
		// The partner's buyer paid the partner, not us: there is no escrow,
		// and the carrier's legs are paid from the platform's freight expense.
		var parcel response
		waitFor(t, "the legs of "+partnerOrder+"'s parcel paid", 90*time.Second, func() (bool, string) {
			parcel = c.do("GET", "/v1/logistics/sub-orders/"+sub+"/shipment", admin, nil).must(t, 200, "the partner order's parcel")
			legs, unpaid := legsOf(parcel)
			return len(legs) > 0 && unpaid == 0, parcel.Raw
		})
		if payer := parcel.str("shipment", "freightPayer"); payer != "FREIGHT_PAYER_PLATFORM" {
			t.Errorf("the partner order's parcel has freight payer %q, want the platform", payer)
		}
		var legsEUR int64
		for _, l := range objects(parcel.Body, "shipment", "legs") {
			if m, _ := l["amount"].(map[string]any); m["currencyCode"] == "EUR" {
				legsEUR += minor(l, "amount", "amountMinor")
			}
			if l["refusal"] != nil && l["refusal"] != "" {
				t.Errorf("leg %v refused: %v", l["legId"], l["refusal"])
			}
		}
		if after, _ := ledgerKind(t, c, admin, "freight_expense", "EUR"); after-freightBefore < legsEUR {
			t.Errorf("the platform's freight expense grew by %d, want at least the parcel's EUR legs %d", after-freightBefore, legsEUR)
		}
		activity := c.do("GET", "/v1/docking/partners/"+id+"/activity", admin, nil).must(t, 200, "activity")
		if activity.str("activity", "lastPullAt") == "" || minor(activity.Body, "activity", "ordersImported") < 1 {
			t.Errorf("activity of %s: %s", p.code, activity.Raw)
		}
	}
	// An order its buyer cancels on the partner after its import is
	// cancelled here, before anything ships, as the channel asked.
	p := partners[0]
	id := partnerByCode(t, c, admin, p.code)
	placed := simAdmin(t, "POST", p.admin+"/admin/orders", map[string]any{
		"buyer": "buyer-" + word + "-cancels", "paid": true,
		"address": map[string]any{"recipient": "Erika Muster", "phone": "+4915112345678", "country_code": "DE", "region_code": "DE-BE",
			"city": "Berlin", "postcode": "10115", "lines": []string{"Unter den Linden 1"}},
		"items": []any{map[string]any{"marker": marker, "quantity": 1, "price_minor": p.sold}},
	})
	partnerOrder := fmt.Sprint(placed["order_id"])
	orderID := waitImported(t, c, admin, p.code, id, partnerOrder)
	simAdmin(t, "POST", p.admin+"/admin/orders/"+partnerOrder+"/cancel", map[string]any{})
	waitFor(t, "the local order of "+partnerOrder+" cancelled", 90*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/orders/"+orderID, admin, nil).must(t, 200, "the cancelled partner order")
		return r.str("order", "status") == "ORDER_STATUS_CANCELLED" && r.str("order", "cancelReason") == "channel_request: cancelled on the partner", r.Raw
	})

	// Each partner got each waybill exactly once.
	for _, p := range partners {
		for _, o := range objects(simAdmin(t, "GET", p.admin+"/admin/orders", nil), "orders") {
			if o["buyer_ref"] == "buyer-"+word && len(objects(o, "shipments")) != 1 {
				t.Errorf("%s order %v has %d shipments", p.code, o["order_id"], len(objects(o, "shipments")))
			}
		}
	}
}

package e2e

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seller is a supplier organization made for one test, approved, signed in
// with the supplier role and with a warehouse at home. The orders tests sell
// through sellers of their own rather than the demo suppliers: settling an
// order credits its supplier's payable, which other tests expect the demo
// suppliers' to be empty, and fresh sellers make stock and payables exact.
type seller struct {
	account
	name, currency, warehouse string
	// from is the warehouse's address, where the carrier picks parcels up.
	from map[string]any
}

// newSeller signs a supplier up, has the admin approve it, signs it in again
// (the first token predates the approval and carries no supplier role) and
// gives it a warehouse in country/region.
func newSeller(t testing.TB, c *restClient, admin, name, country, region, city, currency string) seller {
	t.Helper()
	s := seller{account: c.signUp("ACCOUNT_TYPE_SUPPLIER", name), name: name, currency: currency}
	c.do("POST", "/v1/organizations/"+s.OrgID+":approve", admin, map[string]any{}).must(t, 200, "approve "+name)
	s.Access, s.Refresh = c.login(s.Email, testPassword)
	s.warehouse = c.do("POST", "/v1/warehouses", s.Access, map[string]any{
		"name": name + " warehouse", "kind": "WAREHOUSE_KIND_SUPPLIER", "countryCode": country, "regionCode": region,
	}).must(t, 200, "warehouse of "+name).str("warehouse", "warehouseId")
	s.from = map[string]any{
		"recipient": name, "phone": "+8613800000000", "countryCode": country, "regionCode": region,
		"city": city, "postcode": "518000", "lines": []string{"Dock 4, " + name},
	}
	return s
}

// offer puts a one-SKU product of type typ ("PRODUCT_TYPE_PHYSICAL" or
// "PRODUCT_TYPE_VIRTUAL") on sale at cents of the seller's currency, with
// stock units in its warehouse, and returns the SKU's id.
func (s seller) offer(t *testing.T, c *restClient, f catalogFixture, reviewer, typ string, cents, stock int) string {
	t.Helper()
	return s.offerToTiers(t, c, f, reviewer, typ, cents, stock, nil)
}

// offerToTiers is offer with merchant tiers' cost prices on the SKU: tier
// code → minor units of the seller's currency.
func (s seller) offerToTiers(t *testing.T, c *restClient, f catalogFixture, reviewer, typ string, cents, stock int, tiers map[string]int) string {
	t.Helper()
	word := strings.ToUpper(rand.Text()[:10])
	content := lampContent(f, s.name+" "+strings.ToLower(typ[len("PRODUCT_TYPE_"):])+" "+word, "OR-"+word, cents)
	sku := content["skus"].([]map[string]any)[0]
	sku["retailPrice"] = map[string]any{"currencyCode": s.currency, "amountMinor": cents}
	var prices []map[string]any
	for tier, cost := range tiers {
		prices = append(prices, map[string]any{"tierCode": tier, "price": map[string]any{"currencyCode": s.currency, "amountMinor": cost}})
	}
	if len(prices) > 0 {
		sku["tierPrices"] = prices
	}
	if typ == "PRODUCT_TYPE_VIRTUAL" {
		delete(sku, "weightG")
		delete(sku, "dimensions")
	}
	origin := map[string]any{"countryCode": s.from["countryCode"], "regionCode": s.from["regionCode"]}
	id := c.do("POST", "/v1/products", s.Access, map[string]any{
		"modelId": f.model, "type": typ, "origin": origin, "defaultLocale": "en", "content": content,
	}).must(t, 200, "create a product of "+s.name).str("product", "productId")
	c.do("POST", "/v1/products/"+id+":submit", s.Access, map[string]any{}).must(t, 200, "submit")
	c.do("POST", "/v1/products/"+id+":approve", reviewer, map[string]any{}).must(t, 200, "approve")
	skuID := firstSKU(t, c.do("POST", "/v1/products/"+id+":list", s.Access, map[string]any{}).must(t, 200, "list"))
	stockOnce(t, c, s.Access, s.warehouse, skuID, stock).must(t, 200, "stock "+skuID)
	return skuID
}

// market is two sellers in two countries and currencies with their goods:
// Gadgets (CN, USD) sells a physical lamp and a virtual code, Linen (PT,
// EUR) a physical shirt.
type market struct {
	gadgets, linen     seller
	lamp, code, shirt  string
	admin, reviewer    string
	lampC, codeC, tshC int // unit prices, minor units
}

func newMarket(t *testing.T, c *restClient) market {
	t.Helper()
	m := market{lampC: 1999, codeC: 2500, tshC: 2900}
	m.admin, _ = c.login(adminEmail, demoPassword)
	m.reviewer, _ = c.login(reviewerEmail, demoPassword)
	f := newCatalogFixture(t, c, m.admin)
	word := strings.ToLower(rand.Text()[:6])
	m.gadgets = newSeller(t, c, m.admin, "Orders Gadgets "+word, "CN", "CN-GD", "Shenzhen", "USD")
	m.linen = newSeller(t, c, m.admin, "Orders Linen "+word, "PT", "PT-13", "Porto", "EUR")
	m.lamp = m.gadgets.offer(t, c, f, m.reviewer, "PRODUCT_TYPE_PHYSICAL", m.lampC, 10)
	m.code = m.gadgets.offer(t, c, f, m.reviewer, "PRODUCT_TYPE_VIRTUAL", m.codeC, 10)
	m.shirt = m.linen.offer(t, c, f, m.reviewer, "PRODUCT_TYPE_PHYSICAL", m.tshC, 10)
	return m
}

// availability reads the units available of SKUs, as a buyer browsing does.
func availability(t *testing.T, c *restClient, skus ...string) map[string]int64 {
	t.Helper()
	r := c.do("GET", "/v1/availability?"+url.Values{"skuIds": skus}.Encode(), "", nil).must(t, 200, "availability")
	out := map[string]int64{}
	for _, a := range r.list("availability") {
		out[fmt.Sprint(a["skuId"])] = minor(a, "available")
	}
	return out
}

// at walks a decoded JSON object by keys.
func at(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		o, _ := v.(map[string]any)
		v = o[k]
	}
	return v
}

// obj is the object at keys, nil when there is none.
func obj(m map[string]any, keys ...string) map[string]any {
	o, _ := at(m, keys...).(map[string]any)
	return o
}

// minor reads an int64 at keys, which JSON carries as a string.
func minor(m map[string]any, keys ...string) int64 {
	switch v := at(m, keys...).(type) {
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case float64:
		return int64(v)
	}
	return 0
}

// objects is the array of objects at keys.
func objects(m map[string]any, keys ...string) []map[string]any {
	items, _ := at(m, keys...).([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if o, ok := it.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// errorReason is the reason of a refusal's google.rpc.ErrorInfo detail.
func errorReason(r response) string {
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		if m, _ := d.(map[string]any); m != nil && strings.HasSuffix(fmt.Sprint(m["@type"]), "google.rpc.ErrorInfo") {
			return fmt.Sprint(m["reason"])
		}
	}
	return ""
}

// walletUSD is what the caller's wallet holds in USD, minor units.
func walletUSD(t *testing.T, c *restClient, token string) int64 {
	t.Helper()
	held, _ := strconv.ParseInt(walletHolds(c.do("GET", "/v1/wallet", token, nil).must(t, 200, "wallet"), "USD"), 10, 64)
	return held
}

// methodID is the id of the logistics method coded code serving country.
func methodID(t *testing.T, c *restClient, token, country, code string) string {
	t.Helper()
	r := c.do("GET", "/v1/logistics/methods?destinationCountryCode="+country, token, nil).must(t, 200, "shipping methods")
	for _, m := range r.list("methods") {
		if m["code"] == code {
			return fmt.Sprint(m["methodId"])
		}
	}
	t.Fatalf("no %s method serves %s: %s", code, country, r.Raw)
	return ""
}

// subOrderKey names a sub-order by what the split keys on.
type subOrderKey struct{ supplier, typ string }

// bySupplierAndType indexes an order's sub-orders.
func bySupplierAndType(order map[string]any) map[subOrderKey]map[string]any {
	out := map[subOrderKey]map[string]any{}
	for _, s := range objects(order, "subOrders") {
		out[subOrderKey{fmt.Sprint(s["supplierId"]), fmt.Sprint(s["type"])}] = s
	}
	return out
}

// A purchase through the gateway against the whole mesh, as a buyer and two
// suppliers make it: the cart checks out into one order split by supplier
// and product type with freight and stock reserved per sub-order; a retried
// checkout answers the same order; the wallet pays exactly once; each
// supplier sees only its own sub-orders and fulfils them (the carrier
// simulator moves the parcels); the buyer confirms receipt; and settlement
// pays the suppliers and refunds the buyer the unspent freight, with the
// book balanced and every step in the order's change log.
func TestPurchaseThroughTheMesh(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.41")
	m := newMarket(t, c)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	other := c.signUp("ACCOUNT_TYPE_BUYER", "")
	word := strings.ToLower(rand.Text()[:10])
	c.do("POST", "/v1/me/addresses", buyer.Access, address("DE", "DE-BE", "Berlin")).must(t, 200, "the buyer's default address")
	const funded = 100_000
	fundWallet(t, c, buyer.Access, "USD", funded, "purchase-"+word)

	// 1. The cart checks out into three sub-orders.
	quantities := map[string]int64{m.lamp: 2, m.code: 1, m.shirt: 3}
	for _, sku := range []string{m.lamp, m.code, m.shirt} {
		c.do("PUT", "/v1/cart/lines/"+sku, buyer.Access, map[string]any{"quantity": quantities[sku]}).must(t, 200, "add to the cart")
	}
	before := availability(t, c, m.lamp, m.code, m.shirt)
	checkout := map[string]any{"checkoutId": "purchase-" + word, "currency": "USD"}
	placed := c.do("POST", "/v1/checkouts", buyer.Access, checkout).must(t, 200, "checkout")
	order := obj(placed.Body, "order")
	orderID := fmt.Sprint(order["orderId"])
	if order["status"] != "ORDER_STATUS_PENDING_PAYMENT" || placed.Body["replayed"] != false || order["currency"] != "USD" {
		t.Fatalf("checkout answered %s", placed.Raw)
	}
	subs := bySupplierAndType(order)
	lampSub, codeSub := subs[subOrderKey{m.gadgets.OrgID, "PRODUCT_TYPE_PHYSICAL"}], subs[subOrderKey{m.gadgets.OrgID, "PRODUCT_TYPE_VIRTUAL"}]
	shirtSub := subs[subOrderKey{m.linen.OrgID, "PRODUCT_TYPE_PHYSICAL"}]
	if len(objects(order, "subOrders")) != 3 || lampSub == nil || codeSub == nil || shirtSub == nil {
		t.Fatalf("want three sub-orders (gadgets physical, gadgets virtual, linen physical): %s", placed.Raw)
	}
	var sum int64
	for _, s := range objects(order, "subOrders") {
		if at(s, "payableInBuyerCurrency", "currencyCode") != "USD" || s["status"] != "SUB_ORDER_STATUS_PENDING_PAYMENT" {
			t.Errorf("sub-order %v: payable in %v, status %v", s["subOrderId"], at(s, "payableInBuyerCurrency", "currencyCode"), s["status"])
		}
		if minor(s, "payable", "amountMinor") != minor(s, "goods", "amountMinor")+minor(s, "freight", "amountMinor") {
			t.Errorf("sub-order %v: payable %v is not goods %v + freight %v", s["subOrderId"], s["payable"], s["goods"], s["freight"])
		}
		sum += minor(s, "payableInBuyerCurrency", "amountMinor")
	}
	total := minor(order, "total", "amountMinor")
	if total <= 0 || total != sum {
		t.Errorf("order total %d, the sub-orders' payable in USD sums to %d", total, sum)
	}
	for _, tt := range []struct {
		name     string
		sub      map[string]any
		goods    int64
		currency string
		physical bool
	}{
		{"gadgets physical", lampSub, 2 * int64(m.lampC), "USD", true},
		{"gadgets virtual", codeSub, int64(m.codeC), "USD", false},
		{"linen physical", shirtSub, 3 * int64(m.tshC), "EUR", true},
	} {
		s := tt.sub
		if minor(s, "goods", "amountMinor") != tt.goods || at(s, "goods", "currencyCode") != tt.currency {
			t.Errorf("%s: goods %v, want %d %s", tt.name, s["goods"], tt.goods, tt.currency)
		}
		freight := minor(s, "freight", "amountMinor")
		switch {
		case tt.physical && (freight <= 0 || obj(s, "freightBreakdown") == nil || at(s, "freightBreakdown", "basis") == ""):
			t.Errorf("%s: physical goods with freight %d and breakdown %v", tt.name, freight, s["freightBreakdown"])
		case tt.physical && at(s, "address", "countryCode") != "DE":
			t.Errorf("%s: ships to %v, not the buyer's default address", tt.name, s["address"])
		case !tt.physical && (freight != 0 || s["freightBreakdown"] != nil || s["address"] != nil):
			t.Errorf("%s: virtual goods with freight %d, breakdown %v, address %v", tt.name, freight, s["freightBreakdown"], s["address"])
		}
		if rate, _ := s["rate"].(string); (tt.currency == "USD") != (rate == "") {
			t.Errorf("%s: rate %q for goods in %s paid in USD", tt.name, rate, tt.currency)
		}
	}
	if lines := linesOf(c.do("GET", "/v1/cart", buyer.Access, nil).must(t, 200, "cart")); len(lines) != 0 {
		t.Errorf("the cart still holds %d lines after checking it out", len(lines))
	}

	// 2. Stock is reserved per sub-order.
	after := availability(t, c, m.lamp, m.code, m.shirt)
	for sku, q := range quantities {
		if after[sku] != before[sku]-q {
			t.Errorf("SKU %s: %d available after checkout, %d before, %d ordered", sku, after[sku], before[sku], q)
		}
	}

	// 3. The same checkout id answers the same order.
	again := c.do("POST", "/v1/checkouts", buyer.Access, checkout).must(t, 200, "checkout retried")
	if again.str("order", "orderId") != orderID || again.Body["replayed"] != true || minor(again.Body, "order", "total", "amountMinor") != total {
		t.Errorf("retried checkout answered %s, first %s", again.Raw, orderID)
	}
	if got := availability(t, c, m.lamp, m.code, m.shirt); !mapsEqual(got, after) {
		t.Errorf("the retried checkout reserved again: %v, was %v", got, after)
	}

	// 4. The wallet pays once.
	if got := walletUSD(t, c, buyer.Access); got != funded {
		t.Fatalf("wallet holds %d before payment, funded %d", got, funded)
	}
	paid := c.do("POST", "/v1/orders/"+orderID+"/pay", buyer.Access, map[string]any{}).must(t, 200, "pay")
	if paid.str("order", "status") != "ORDER_STATUS_PAID" {
		t.Errorf("after payment the order is %s", paid.Raw)
	}
	for _, s := range objects(paid.Body, "order", "subOrders") {
		if s["status"] != "SUB_ORDER_STATUS_PAID" {
			t.Errorf("after payment sub-order %v is %v", s["subOrderId"], s["status"])
		}
	}
	if got := walletUSD(t, c, buyer.Access); got != funded-total {
		t.Errorf("wallet holds %d after paying %d from %d", got, total, funded)
	}
	twice := c.do("POST", "/v1/orders/"+orderID+"/pay", buyer.Access, map[string]any{})
	if twice.Status != 400 || errorReason(twice) != "ALREADY_PAID" {
		t.Errorf("paying again: %d %s, want 400 ALREADY_PAID", twice.Status, twice.Raw)
	}
	if got := walletUSD(t, c, buyer.Access); got != funded-total {
		t.Errorf("wallet holds %d after paying twice, want %d", got, funded-total)
	}

	// 5. Each supplier sees its own sub-orders only; the buyer sees all.
	ids := func(subs ...map[string]any) []string {
		var out []string
		for _, s := range subs {
			out = append(out, fmt.Sprint(s["subOrderId"]))
		}
		return out
	}
	own := map[string][]string{m.gadgets.OrgID: ids(lampSub, codeSub), m.linen.OrgID: ids(shirtSub)}
	for _, s := range []seller{m.gadgets, m.linen} {
		list := c.do("GET", "/v1/supplier/sub-orders", s.Access, nil).must(t, 200, s.name+"'s sub-orders")
		var listed []string
		for _, so := range list.list("subOrders") {
			if so["supplierId"] != s.OrgID {
				t.Errorf("%s is shown sub-order %v of supplier %v", s.name, so["subOrderId"], so["supplierId"])
			}
			listed = append(listed, fmt.Sprint(so["subOrderId"]))
		}
		slices.Sort(listed)
		want := slices.Sorted(slices.Values(own[s.OrgID]))
		if !slices.Equal(listed, want) {
			t.Errorf("%s lists sub-orders %v, want %v", s.name, listed, want)
		}
		for org, subIDs := range own {
			for _, id := range subIDs {
				want := 200
				if org != s.OrgID {
					want = 404
				}
				c.do("GET", "/v1/sub-orders/"+id, s.Access, nil).must(t, want, s.name+" reads sub-order "+id)
			}
		}
	}
	view := c.do("GET", "/v1/orders/"+orderID, buyer.Access, nil).must(t, 200, "the buyer's order")
	if n := len(objects(view.Body, "order", "subOrders")); n != 3 {
		t.Errorf("the buyer's order shows %d sub-orders: %s", n, view.Raw)
	}
	c.do("GET", "/v1/orders/"+orderID, other.Access, nil).must(t, 404, "another buyer's order")
	c.do("GET", "/v1/orders/"+orderID, m.gadgets.Access, nil).must(t, 404, "the order as one of its suppliers")
	if mine := c.do("GET", "/v1/orders", buyer.Access, nil).must(t, 200, "the buyer's orders").list("orders"); len(mine) != 1 || mine[0]["orderId"] != orderID {
		t.Errorf("the buyer's orders: %v", mine)
	}

	// 6. The suppliers fulfil: physical goods ship, virtual ones are delivered.
	express := methodID(t, c, buyer.Access, "DE", "express")
	for _, f := range []struct {
		s   seller
		sub map[string]any
	}{{m.gadgets, lampSub}, {m.linen, shirtSub}} {
		id := fmt.Sprint(f.sub["subOrderId"])
		if st := c.do("POST", "/v1/sub-orders/"+id+"/accept", f.s.Access, map[string]any{}).must(t, 200, "accept").str("subOrder", "status"); st != "SUB_ORDER_STATUS_ACCEPTED" {
			t.Errorf("accepted sub-order %s is %s", id, st)
		}
		shipped := c.do("POST", "/v1/sub-orders/"+id+"/ship", f.s.Access, map[string]any{"methodId": express, "from": f.s.from}).must(t, 200, "ship")
		if shipped.str("subOrder", "status") != "SUB_ORDER_STATUS_SHIPPED" || shipped.str("subOrder", "parcel", "waybill") == "" {
			t.Errorf("shipped sub-order %s: %s", id, shipped.Raw)
		}
	}
	codeID := fmt.Sprint(codeSub["subOrderId"])
	if st := c.do("POST", "/v1/sub-orders/"+codeID+"/deliver", m.gadgets.Access, map[string]any{}).must(t, 200, "deliver").str("subOrder", "status"); st != "SUB_ORDER_STATUS_DELIVERED" {
		t.Errorf("delivered virtual sub-order is %s", st)
	}

	// The parcels move until the carrier delivers them; the order shows
	// where each one is on its way.
	seen := map[string]bool{}
	moved := false
	for deadline := time.Now().Add(2 * time.Minute); ; {
		view = c.do("GET", "/v1/orders/"+orderID, buyer.Access, nil).must(t, 200, "where is my order")
		delivered := 0
		for _, s := range objects(view.Body, "order", "subOrders") {
			if s["type"] != "PRODUCT_TYPE_PHYSICAL" {
				continue
			}
			p := obj(s, "parcel")
			status, _ := p["status"].(string)
			position, _ := p["position"].(string)
			switch {
			case s["status"] == "SUB_ORDER_STATUS_DELIVERED":
				delivered++
			case p == nil:
				t.Fatalf("shipped sub-order %v without its parcel: %s", s["subOrderId"], view.Raw)
			case status != "" && p["eta"] != nil:
				seen[fmt.Sprint(s["subOrderId"])] = true
			}
			moved = moved || position != ""
		}
		if delivered == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the parcels were not delivered in time: %s", view.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(seen) != 2 || !moved {
		t.Errorf("the order did not show its parcels on their way (status and ETA seen for %v, a position seen: %v)", seen, moved)
	}

	// The buyer confirms receipt; every sub-order settles and completes. The
	// target freight is an estimate (the rate card prices by destination,
	// the carrier by distance), so a sub-order whose legs cost more than its
	// escrow held asks the buyer for the difference, who pays it.
	for _, id := range ids(lampSub, codeSub, shirtSub) {
		c.do("POST", "/v1/sub-orders/"+id+"/confirm-receipt", buyer.Access, map[string]any{}).must(t, 200, "confirm receipt of "+id)
	}
	toppedUp := map[string]int64{} // top-up request id → what the wallet paid for it
	for deadline := time.Now().Add(2 * time.Minute); ; {
		view = c.do("GET", "/v1/orders/"+orderID, buyer.Access, nil).must(t, 200, "the order settling")
		done := view.str("order", "status") == "ORDER_STATUS_COMPLETED"
		for _, s := range objects(view.Body, "order", "subOrders") {
			done = done && s["status"] == "SUB_ORDER_STATUS_COMPLETED"
			if s["status"] != "SUB_ORDER_STATUS_AWAITING_TOP_UP" {
				continue
			}
			request, _ := at(s, "topUp", "requestId").(string)
			if request == "" || minor(s, "topUp", "amount", "amountMinor") <= 0 {
				t.Fatalf("sub-order %v awaits a top-up without saying which: %s", s["subOrderId"], view.Raw)
			}
			if _, paid := toppedUp[request]; paid {
				continue
			}
			held := walletUSD(t, c, buyer.Access)
			c.do("POST", "/v1/escrow/top-up-requests/"+request+":pay", buyer.Access, map[string]any{}).must(t, 200, "pay the top-up "+request)
			// A top-up in the wallet's currency costs its amount: the
			// wallet's change is not its measure, since a sub-order settling
			// meanwhile may refund into it. One in another currency is read
			// off the wallet. The final balance check holds every movement.
			toppedUp[request] = held - walletUSD(t, c, buyer.Access)
			if amount := obj(s, "topUp", "amount"); amount["currencyCode"] == "USD" {
				toppedUp[request] = minor(amount, "amountMinor")
			}
			t.Logf("sub-order %v asked for a top-up of %v; the wallet paid %d", s["subOrderId"], s["topUp"], toppedUp[request])
			if toppedUp[request] <= 0 {
				t.Errorf("paying the top-up %v took %d from the wallet", s["topUp"], toppedUp[request])
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the order did not complete in time: %s", view.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// 7. The money: the suppliers are paid the goods less commission, the
	// buyer gets back what escrow did not spend (and paid what it lacked),
	// and the book balances.
	var refunded int64
	net := map[string]int64{}
	for _, s := range objects(view.Body, "order", "subOrders") {
		id := fmt.Sprint(s["subOrderId"])
		e := c.do("GET", "/v1/escrow/sub-orders/"+id, buyer.Access, nil).must(t, 200, "escrow of "+id)
		escrow := obj(e.Body, "escrow")
		if escrow["state"] != "settled" || at(escrow, "refunded", "currencyCode") != "USD" {
			t.Errorf("escrow of %s after completion: %s", id, e.Raw)
		}
		if minor(escrow, "supplierNet", "amountMinor")+minor(escrow, "commission", "amountMinor") != minor(s, "goods", "amountMinor") {
			t.Errorf("escrow of %s: supplier net + commission is not the goods %v: %s", id, s["goods"], e.Raw)
		}
		refunded += minor(escrow, "refunded", "amountMinor")
		net[fmt.Sprint(s["supplierId"])] += minor(escrow, "supplierNet", "amountMinor")
	}
	var topUps int64
	for _, paid := range toppedUp {
		topUps += paid
	}
	t.Logf("funded %d, paid %d, topped up %d, refunded %d (USD minor units)", funded, total, topUps, refunded)
	if got, want := walletUSD(t, c, buyer.Access), funded-total-topUps+refunded; got != want {
		t.Errorf("wallet holds %d after settlement, want funded %d − total %d − top-ups %d + refunded %d = %d", got, funded, total, topUps, refunded, want)
	}
	for _, s := range []seller{m.gadgets, m.linen} {
		payable := c.do("GET", "/v1/suppliers/"+s.OrgID+"/payable", s.Access, nil).must(t, 200, s.name+"'s payable")
		var holds int64
		for _, b := range payable.list("balances") {
			if b["currencyCode"] == s.currency {
				holds = minor(b, "postedMinor")
			}
		}
		if holds <= 0 || holds != net[s.OrgID] {
			t.Errorf("%s's payable holds %d %s, its settled sub-orders' net is %d: %s", s.name, holds, s.currency, net[s.OrgID], payable.Raw)
		}
	}
	bookBalances(t, c)
	// The shipped and delivered stock is gone for good, not given back.
	if got := availability(t, c, m.lamp, m.code, m.shirt); !mapsEqual(got, after) {
		t.Errorf("availability after completion %v, want it as reserved at checkout %v", got, after)
	}
	// And it left the warehouses: each reservation was committed (on the
	// parcel's pick-up, or the virtual goods' delivery), so on hand fell by
	// the quantity and nothing is held any more.
	for sku, owner := range map[string]seller{m.lamp: m.gadgets, m.code: m.gadgets, m.shirt: m.linen} {
		levels := c.do("GET", "/v1/stock/"+sku, owner.Access, nil).must(t, 200, "stock of "+sku).list("levels")
		var onHand, reserved int64
		for _, l := range levels {
			onHand, reserved = onHand+minor(l, "onHand"), reserved+minor(l, "reserved")
		}
		if onHand != 10-quantities[sku] || reserved != 0 {
			t.Errorf("SKU %s after completion: %d on hand, %d reserved; want %d on hand (10 less %d shipped), none reserved",
				sku, onHand, reserved, 10-quantities[sku], quantities[sku])
		}
	}

	// 8. The change log: every step, and to a supplier only its own.
	changes := c.do("GET", "/v1/orders/"+orderID+"/changes", buyer.Access, nil).must(t, 200, "the change log").list("changes")
	logged := map[string][]string{} // sub-order id ("" for the order) → statuses reached
	for _, ch := range changes {
		sub, _ := ch["subOrderId"].(string)
		logged[sub] = append(logged[sub], fmt.Sprint(ch["toStatus"]))
	}
	wantLog := map[string][]string{
		"":                                 {"pending_payment", "paid", "completed"},
		fmt.Sprint(lampSub["subOrderId"]):  {"paid", "accepted", "shipped", "delivered", "completed"},
		fmt.Sprint(shirtSub["subOrderId"]): {"paid", "accepted", "shipped", "delivered", "completed"},
		codeID:                             {"paid", "accepted", "delivered", "completed"},
	}
	for sub, statuses := range wantLog {
		for _, st := range statuses {
			if !slices.Contains(logged[sub], st) {
				t.Errorf("the change log of %q never reaches %s: %v", sub, st, logged[sub])
			}
		}
	}
	if len(changes) == 0 || changes[0]["reason"] != "placed" || changes[0]["actorKind"] != "buyer" {
		t.Errorf("the change log does not start with the buyer placing the order: %v", changes)
	}
	for _, s := range []seller{m.gadgets, m.linen} {
		theirs := c.do("GET", "/v1/orders/"+orderID+"/changes", s.Access, nil).must(t, 200, s.name+" reads the change log").list("changes")
		if len(theirs) == 0 {
			t.Errorf("%s reads an empty change log", s.name)
		}
		for _, ch := range theirs {
			if !slices.Contains(own[s.OrgID], fmt.Sprint(ch["subOrderId"])) {
				t.Errorf("%s reads a change that is not of its sub-orders: %v", s.name, ch)
			}
		}
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Bad checkouts through the gateway are refused with the line named and
// nothing reserved; an order that shipped cannot be cancelled; and another
// buyer's order does not exist for them.
func TestOrderBadInputThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.42")
	m := newMarket(t, c)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	other := c.signUp("ACCOUNT_TYPE_BUYER", "")
	word := strings.ToLower(rand.Text()[:10])
	c.do("POST", "/v1/me/addresses", buyer.Access, address("DE", "DE-HH", "Hamburg")).must(t, 200, "the buyer's default address")
	line := func(sku string, q int) map[string]any { return map[string]any{"skuId": sku, "quantity": q} }
	before := availability(t, c, m.lamp, m.code, m.shirt)

	tests := []struct {
		name   string
		body   map[string]any
		status int
		field  string // a field violation the refusal must name
		reason string // or the reason it must give
	}{
		{"an empty cart", map[string]any{}, 400, "lines", ""},
		{"an unknown SKU", map[string]any{"lines": []any{line("00000000-0000-4000-8000-000000000000", 1)}}, 400, "lines[0].skuId", ""},
		{"quantity 0", map[string]any{"lines": []any{line(m.lamp, 0)}}, 400, "lines[0].quantity", ""},
		{"more than the stock", map[string]any{"lines": []any{line(m.code, 2), line(m.shirt, int(before[m.shirt])+1)}}, 400, "", "INSUFFICIENT_STOCK"},
		{"an address for a supplier of virtual goods only", map[string]any{
			"lines":             []any{line(m.code, 1), line(m.shirt, 1)},
			"supplierAddresses": []any{map[string]any{"supplierId": m.gadgets.OrgID, "address": address("DE", "DE-BE", "Berlin")["address"]}},
		}, 400, "supplierAddresses[0].supplierId", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"checkoutId": fmt.Sprintf("bad-%s-%d", word, i), "currency": "USD"}
			for k, v := range tt.body {
				body[k] = v
			}
			r := c.do("POST", "/v1/checkouts", buyer.Access, body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Raw)
			}
			if tt.field != "" && !slices.Contains(r.fieldViolations(), tt.field) {
				t.Errorf("no violation of %s in %v: %s", tt.field, r.fieldViolations(), r.Raw)
			}
			if tt.reason != "" && errorReason(r) != tt.reason {
				t.Errorf("reason %q, want %s: %s", errorReason(r), tt.reason, r.Raw)
			}
		})
	}
	if got := availability(t, c, m.lamp, m.code, m.shirt); !mapsEqual(got, before) {
		t.Errorf("refused checkouts changed availability: %v, was %v", got, before)
	}
	if n := len(c.do("GET", "/v1/orders", buyer.Access, nil).must(t, 200, "orders").list("orders")); n != 0 {
		t.Errorf("refused checkouts left %d orders", n)
	}

	// A paid order one of whose parcels shipped cannot be cancelled, and
	// nobody but its buyer sees it.
	fundWallet(t, c, buyer.Access, "USD", 50_000, "bad-"+word)
	placed := c.do("POST", "/v1/checkouts", buyer.Access, map[string]any{
		"checkoutId": "ship-" + word, "currency": "USD", "lines": []any{line(m.lamp, 1), line(m.shirt, 1)},
	}).must(t, 200, "checkout")
	orderID := placed.str("order", "orderId")
	c.do("POST", "/v1/orders/"+orderID+"/pay", buyer.Access, map[string]any{}).must(t, 200, "pay")
	lampSub := bySupplierAndType(obj(placed.Body, "order"))[subOrderKey{m.gadgets.OrgID, "PRODUCT_TYPE_PHYSICAL"}]
	if lampSub == nil {
		t.Fatalf("no sub-order of the lamp: %s", placed.Raw)
	}
	c.do("POST", "/v1/sub-orders/"+fmt.Sprint(lampSub["subOrderId"])+"/ship", m.gadgets.Access, map[string]any{
		"methodId": methodID(t, c, buyer.Access, "DE", "express"), "from": m.gadgets.from,
	}).must(t, 200, "ship")
	r := c.do("POST", "/v1/orders/"+orderID+"/cancel", buyer.Access, map[string]any{"reason": "changed my mind"})
	if r.Status != 400 || errorReason(r) != "ALREADY_SHIPPED" {
		t.Errorf("cancel after shipment: %d %s, want 400 ALREADY_SHIPPED", r.Status, r.Raw)
	}
	if st := c.do("GET", "/v1/orders/"+orderID, buyer.Access, nil).must(t, 200, "the order").str("order", "status"); st != "ORDER_STATUS_PAID" {
		t.Errorf("after the refused cancel the order is %s", st)
	}
	c.do("GET", "/v1/orders/"+orderID, other.Access, nil).must(t, 404, "another buyer's order")
	c.do("POST", "/v1/orders/"+orderID+"/cancel", other.Access, map[string]any{}).must(t, 404, "another buyer cancels")
}

package e2e

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// waitFor polls check until it reports done, and fails the test with the
// last state check described once limit has passed.
func waitFor(t testing.TB, what string, limit time.Duration, check func() (done bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		done, state := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last seen: %s", what, limit, state)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// subOrdersOf reads an order as token and indexes its sub-orders by id.
func subOrdersOf(t *testing.T, c *restClient, token, orderID string) (map[string]map[string]any, response) {
	t.Helper()
	r := c.do("GET", "/v1/orders/"+orderID, token, nil).must(t, 200, "order "+orderID)
	out := map[string]map[string]any{}
	for _, s := range objects(r.Body, "order", "subOrders") {
		out[fmt.Sprint(s["subOrderId"])] = s
	}
	return out, r
}

// waitDelivered waits until the carrier simulator has delivered the
// physical sub-orders subIDs of an order.
func waitDelivered(t *testing.T, c *restClient, token, orderID string, subIDs ...string) {
	t.Helper()
	waitFor(t, "delivery of "+strings.Join(subIDs, ", "), 2*time.Minute, func() (bool, string) {
		subs, r := subOrdersOf(t, c, token, orderID)
		for _, id := range subIDs {
			if subs[id]["status"] != "SUB_ORDER_STATUS_DELIVERED" {
				return false, r.Raw
			}
		}
		return true, ""
	})
}

// waitCompleted waits until sub-orders subIDs of a buyer's order have
// settled and completed, paying from the wallet any top-up their escrow
// asks for (the target freight is an estimate, see
// TestPurchaseThroughTheMesh), and returns what the top-ups took from the
// buyer's USD wallet.
func waitCompleted(t *testing.T, c *restClient, token, orderID string, subIDs ...string) int64 {
	t.Helper()
	paid := map[string]int64{}
	waitFor(t, "completion of "+strings.Join(subIDs, ", "), 2*time.Minute, func() (bool, string) {
		subs, r := subOrdersOf(t, c, token, orderID)
		done := true
		for _, id := range subIDs {
			s := subs[id]
			done = done && s["status"] == "SUB_ORDER_STATUS_COMPLETED"
			request, _ := at(s, "topUp", "requestId").(string)
			if s["status"] != "SUB_ORDER_STATUS_AWAITING_TOP_UP" || request == "" {
				continue
			}
			if _, ok := paid[request]; ok {
				continue
			}
			held := walletUSD(t, c, token)
			c.do("POST", "/v1/escrow/top-up-requests/"+request+":pay", token, map[string]any{}).must(t, 200, "pay the top-up "+request)
			paid[request] = held - walletUSD(t, c, token)
		}
		return done, r.Raw
	})
	var sum int64
	for _, p := range paid {
		sum += p
	}
	return sum
}

// afterSale reads an after-sale request as token.
func afterSale(t *testing.T, c *restClient, token, id string) map[string]any {
	t.Helper()
	return obj(c.do("GET", "/v1/after-sales/"+id, token, nil).must(t, 200, "after-sale "+id).Body, "afterSale")
}

// waitAfterSale waits until the request satisfies done.
func waitAfterSale(t *testing.T, c *restClient, token, id, what string, done func(a map[string]any) bool) map[string]any {
	t.Helper()
	var a map[string]any
	waitFor(t, what, 2*time.Minute, func() (bool, string) {
		a = afterSale(t, c, token, id)
		return done(a), fmt.Sprint(a)
	})
	return a
}

// stockOf adds up a SKU's stock over its supplier's warehouses.
func stockOf(t *testing.T, c *restClient, token, sku string) (onHand, reserved int64) {
	t.Helper()
	for _, l := range c.do("GET", "/v1/stock/"+sku, token, nil).must(t, 200, "stock of "+sku).list("levels") {
		onHand, reserved = onHand+minor(l, "onHand"), reserved+minor(l, "reserved")
	}
	return onHand, reserved
}

// payable is what a supplier's payable holds in its currency.
func payable(t *testing.T, c *restClient, s seller) int64 {
	t.Helper()
	r := c.do("GET", "/v1/suppliers/"+s.OrgID+"/payable", s.Access, nil).must(t, 200, s.name+"'s payable")
	for _, b := range r.list("balances") {
		if b["currencyCode"] == s.currency {
			return minor(b, "postedMinor")
		}
	}
	return 0
}

// escrowOf reads a sub-order's escrow as token.
func escrowOf(t *testing.T, c *restClient, token, subID string) map[string]any {
	t.Helper()
	return obj(c.do("GET", "/v1/escrow/sub-orders/"+subID, token, nil).must(t, 200, "escrow of "+subID).Body, "escrow")
}

// convertBack is amount of a supplier's currency in the buyer's at the
// payment's rate (buyer → supplier), rounded half-even, as finance converts
// refunds back; both currencies have two decimals.
func convertBack(t *testing.T, amount int64, rate string) int64 {
	t.Helper()
	x := new(big.Rat).Quo(new(big.Rat).SetInt64(amount), rat(t, rate))
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	switch new(big.Int).Mul(r, big.NewInt(2)).Cmp(x.Denom()) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// Returns and exchanges through the gateway against the whole mesh. One
// order of three lamps (Gadgets, USD) and two shirts (Linen, EUR, paid in
// USD) is delivered by the carrier simulator; then:
//
//   - a lamp goes back before settlement: refused, disputed, approved by an
//     operator, sent back, received restockable — refunded from escrow
//     into the wallet, on hand again, and the later settlement pays Gadgets
//     for the two lamps kept;
//   - a shirt is exchanged: the replacement is reserved, ships and is
//     delivered, and no money moves;
//   - after settlement the other shirt goes back: clawed back from Linen's
//     payable and refunded into the wallet at the payment's rate;
//
// with the book balanced after each, the refusals of bad requests precise
// and without effect, and the sales figures matching what was bought and
// returned.
func TestAfterSaleThroughTheMesh(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.51")
	m := newMarket(t, c)
	// A dearer lamp than the market's: escrow pays the carrier's legs as the
	// parcel travels, and they may cost more than the estimate held for
	// them, so escrow must still hold the returned lamp's price once they
	// are paid.
	m.lampC = 24_999
	m.lamp = m.gadgets.offer(t, c, newCatalogFixture(t, c, m.admin), m.reviewer, "PRODUCT_TYPE_PHYSICAL", m.lampC, 10)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	other := c.signUp("ACCOUNT_TYPE_BUYER", "")
	word := strings.ToLower(rand.Text()[:10])
	c.do("POST", "/v1/me/addresses", buyer.Access, address("DE", "DE-BE", "Berlin")).must(t, 200, "the buyer's default address")
	fundWallet(t, c, buyer.Access, "USD", 200_000, "aftersale-"+word)
	line := func(sku string, q int) map[string]any { return map[string]any{"skuId": sku, "quantity": q} }

	placed := c.do("POST", "/v1/checkouts", buyer.Access, map[string]any{
		"checkoutId": "aftersale-" + word, "currency": "USD", "lines": []any{line(m.lamp, 3), line(m.shirt, 2)},
	}).must(t, 200, "checkout")
	orderID := placed.str("order", "orderId")
	subs := bySupplierAndType(obj(placed.Body, "order"))
	lampSub := fmt.Sprint(subs[subOrderKey{m.gadgets.OrgID, "PRODUCT_TYPE_PHYSICAL"}]["subOrderId"])
	shirtSub := fmt.Sprint(subs[subOrderKey{m.linen.OrgID, "PRODUCT_TYPE_PHYSICAL"}]["subOrderId"])
	shirtRate, _ := subs[subOrderKey{m.linen.OrgID, "PRODUCT_TYPE_PHYSICAL"}]["rate"].(string)
	if len(subs) != 2 || shirtRate == "" {
		t.Fatalf("want a lamp and a shirt sub-order, the shirt's with a rate: %s", placed.Raw)
	}
	c.do("POST", "/v1/orders/"+orderID+"/pay", buyer.Access, map[string]any{}).must(t, 200, "pay")
	express := methodID(t, c, buyer.Access, "DE", "express")
	for _, f := range []struct {
		s   seller
		sub string
	}{{m.gadgets, lampSub}, {m.linen, shirtSub}} {
		c.do("POST", "/v1/sub-orders/"+f.sub+"/ship", f.s.Access, map[string]any{"methodId": express, "from": f.s.from}).must(t, 200, "ship "+f.sub)
	}
	file := func(token, sub, request, kind string, lines ...any) response {
		return c.do("POST", "/v1/sub-orders/"+sub+"/after-sales", token, map[string]any{
			"requestId": request, "kind": kind, "lines": lines, "reason": "arrived broken",
			"photos": []string{"https://images.crossdock.test/broken-" + word + ".jpg"},
		})
	}
	listed := func() int {
		return len(c.do("GET", "/v1/after-sales", buyer.Access, nil).must(t, 200, "the buyer's requests").list("afterSales"))
	}

	// A parcel on its way cannot be returned yet. The window after delivery
	// (14 days) cannot run out in a shared mesh, so the sub-order not yet
	// delivered stands for a request outside it: the same refusal.
	if r := file(buyer.Access, lampSub, "early-"+word, "AFTER_SALE_KIND_RETURN", line(m.lamp, 1)); r.Status != 400 || errorReason(r) != "OUTSIDE_AFTER_SALE_WINDOW" {
		t.Errorf("a return before delivery: %d %s, want 400 OUTSIDE_AFTER_SALE_WINDOW", r.Status, r.Raw)
	}
	waitDelivered(t, c, buyer.Access, orderID, lampSub, shirtSub)
	if n := listed(); n != 0 {
		t.Errorf("the refused request left %d requests", n)
	}

	// 1. The shirt exchange starts (its replacement travels while the lamp
	// goes back): approved, the replacement is reserved and ships.
	shirtAvailable := availability(t, c, m.shirt)[m.shirt]
	ex := file(buyer.Access, shirtSub, "exchange-"+word, "AFTER_SALE_KIND_EXCHANGE", line(m.shirt, 1)).must(t, 200, "file an exchange")
	exID := ex.str("afterSale", "afterSaleId")
	if ex.str("afterSale", "status") != "requested" || ex.str("afterSale", "kind") != "AFTER_SALE_KIND_EXCHANGE" {
		t.Errorf("a new exchange: %s", ex.Raw)
	}
	c.do("POST", "/v1/after-sales/"+exID+"/decide", m.linen.Access, map[string]any{"approve": true}).must(t, 200, "approve the exchange")
	waitFor(t, "the replacement reserved", time.Minute, func() (bool, string) {
		got := availability(t, c, m.shirt)[m.shirt]
		return got == shirtAvailable-1, fmt.Sprintf("%d available, %d before", got, shirtAvailable)
	})
	waitAfterSale(t, c, buyer.Access, exID, "the exchange's return parcel", func(a map[string]any) bool { return a["returnWaybill"] != nil && a["returnWaybill"] != "" })
	shipped := c.do("POST", "/v1/after-sales/"+exID+"/ship-replacement", m.linen.Access, map[string]any{"methodId": express, "from": m.linen.from}).
		must(t, 200, "ship the replacement")
	if shipped.str("afterSale", "status") != "replacement_shipped" || shipped.str("afterSale", "replacementWaybill") == "" {
		t.Errorf("the replacement shipped: %s", shipped.Raw)
	}
	escrowBefore := minor(escrowOf(t, c, buyer.Access, shirtSub), "balance", "amountMinor")

	// 2. A lamp goes back before settlement, after a dispute. Bad requests
	// first: each refused with its field or reason, none stored.
	for _, tt := range []struct {
		name   string
		token  string
		body   []any
		status int
		field  string
	}{
		{"more units than bought", buyer.Access, []any{line(m.lamp, 4)}, 400, "lines[0].quantity"},
		{"a SKU of another sub-order", buyer.Access, []any{line(m.shirt, 1)}, 400, "lines[0].skuId"},
		{"the same SKU twice", buyer.Access, []any{line(m.lamp, 1), line(m.lamp, 1)}, 400, "lines[1].skuId"},
		{"another buyer", other.Access, []any{line(m.lamp, 1)}, 404, ""},
		{"its supplier", m.gadgets.Access, []any{line(m.lamp, 1)}, 404, ""},
	} {
		r := file(tt.token, lampSub, "bad-"+word, "AFTER_SALE_KIND_RETURN", tt.body...)
		if r.Status != tt.status || tt.field != "" && !slices.Contains(r.fieldViolations(), tt.field) {
			t.Errorf("%s: %d %s, want %d naming %q", tt.name, r.Status, r.Raw, tt.status, tt.field)
		}
	}
	if n := listed(); n != 1 {
		t.Errorf("after the refused requests the buyer has %d requests, want the exchange only", n)
	}
	ret := file(buyer.Access, lampSub, "return-"+word, "AFTER_SALE_KIND_RETURN", line(m.lamp, 1)).must(t, 200, "file a return")
	retID := ret.str("afterSale", "afterSaleId")
	if a := obj(ret.Body, "afterSale"); a["status"] != "requested" || minor(a, "refund", "amountMinor") != int64(m.lampC) || at(a, "refund", "currencyCode") != "USD" ||
		len(objects(a, "lines")) != 1 || minor(objects(a, "lines")[0], "amount", "amountMinor") != int64(m.lampC) {
		t.Errorf("a return of one lamp: %s", ret.Raw)
	}
	if again := file(buyer.Access, lampSub, "return-"+word, "AFTER_SALE_KIND_RETURN", line(m.lamp, 1)).must(t, 200, "file again"); again.str("afterSale", "afterSaleId") != retID {
		t.Errorf("filing again answered %s, want %s", again.Raw, retID)
	}
	if r := file(buyer.Access, lampSub, "second-"+word, "AFTER_SALE_KIND_RETURN", line(m.lamp, 1)); r.Status != 400 || errorReason(r) != "AFTER_SALE_OPEN" {
		t.Errorf("a second request on a line with an open one: %d %s", r.Status, r.Raw)
	}
	decide := func(token string, body map[string]any) response {
		return c.do("POST", "/v1/after-sales/"+retID+"/decide", token, body)
	}
	decide(m.linen.Access, map[string]any{"approve": true}).must(t, 404, "another supplier decides")
	if r := decide(m.gadgets.Access, map[string]any{"approve": false}); r.Status != 400 || !slices.Contains(r.fieldViolations(), "reason") {
		t.Errorf("a rejection without a reason: %d %s", r.Status, r.Raw)
	}
	if st := decide(m.gadgets.Access, map[string]any{"approve": false, "reason": "no damage on the photo"}).must(t, 200, "reject").str("afterSale", "status"); st != "rejected" {
		t.Errorf("rejected request is %s", st)
	}
	c.do("POST", "/v1/after-sales/"+retID+"/dispute", other.Access, map[string]any{"reason": "mine"}).must(t, 404, "another buyer disputes")
	if st := c.do("POST", "/v1/after-sales/"+retID+"/dispute", buyer.Access, map[string]any{"reason": "the base is cracked"}).must(t, 200, "dispute").
		str("afterSale", "status"); st != "disputed" {
		t.Errorf("disputed request is %s", st)
	}
	if r := decide(m.gadgets.Access, map[string]any{"approve": true}); r.Status != 400 || errorReason(r) != "DISPUTED" {
		t.Errorf("the supplier decides a disputed request: %d %s, want 400 DISPUTED", r.Status, r.Raw)
	}
	if st := decide(m.admin, map[string]any{"approve": true, "reason": "the photo shows the crack"}).must(t, 200, "an operator approves").
		str("afterSale", "status"); st != "approved" {
		t.Errorf("approved request is %s", st)
	}
	waitAfterSale(t, c, buyer.Access, retID, "the return parcel", func(a map[string]any) bool { return a["returnWaybill"] != nil && a["returnWaybill"] != "" })
	wallet := walletUSD(t, c, buyer.Access)
	lampOnHand, _ := stockOf(t, c, m.gadgets.Access, m.lamp)
	c.do("POST", "/v1/after-sales/"+retID+"/receive", m.linen.Access, map[string]any{"restockable": false}).must(t, 404, "another supplier receives")
	c.do("POST", "/v1/after-sales/"+retID+"/receive", m.gadgets.Access, map[string]any{"restockable": true, "warehouseId": m.gadgets.warehouse}).must(t, 200, "receive")
	refunded := waitAfterSale(t, c, buyer.Access, retID, "the return refunded", func(a map[string]any) bool { return a["status"] == "refunded" })
	if refunded["clawBack"] == true || refunded["received"] != true || refunded["restockable"] != true || minor(refunded, "refund", "amountMinor") != int64(m.lampC) {
		t.Errorf("a return refunded before settlement: %v", refunded)
	}
	if got := walletUSD(t, c, buyer.Access); got != wallet+int64(m.lampC) {
		t.Errorf("the wallet holds %d after the refund, held %d: want +%d", got, wallet, m.lampC)
	}
	waitFor(t, "the returned lamp back on hand", time.Minute, func() (bool, string) {
		got, _ := stockOf(t, c, m.gadgets.Access, m.lamp)
		return got == lampOnHand+1, fmt.Sprintf("%d on hand, %d before", got, lampOnHand)
	})
	bookBalances(t, c)

	// 3. The replacement arrives: the exchange is done, and no money moved
	// meanwhile (the wallet holds what it held after the lamp's refund, the
	// shirt's escrow what it held before).
	wallet = walletUSD(t, c, buyer.Access)
	waitAfterSale(t, c, buyer.Access, exID, "the replacement delivered", func(a map[string]any) bool { return a["status"] == "exchanged" })
	if got := walletUSD(t, c, buyer.Access); got != wallet {
		t.Errorf("the exchange moved the wallet from %d to %d", wallet, got)
	}
	if got := minor(escrowOf(t, c, buyer.Access, shirtSub), "balance", "amountMinor"); got != escrowBefore {
		t.Errorf("the exchange moved the shirt's escrow from %d to %d", escrowBefore, got)
	}
	bookBalances(t, c)
	// The carrier is paid for the after-sale parcels too: the two parcels
	// back and the replacement, from the platform's freight expense (so
	// neither escrow moved above), none refused.
	waitFor(t, "every leg of the buyer's five parcels paid", 90*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/logistics/shipments?buyerId="+buyer.ID, m.admin, nil).must(t, 200, "the buyer's parcels")
		parcels := r.list("shipments")
		kinds := map[string]int{}
		for _, sh := range parcels {
			kinds[fmt.Sprint(sh["kind"])]++
			legs, _ := sh["legs"].([]any)
			if len(legs) == 0 {
				return false, r.Raw
			}
			for _, l := range legs {
				leg, _ := l.(map[string]any)
				if leg["refusal"] != nil && leg["refusal"] != "" {
					t.Fatalf("leg %v of parcel %v refused: %v", leg["legId"], sh["shipmentId"], leg["refusal"])
				}
				if leg["paidAt"] == nil {
					return false, r.Raw
				}
			}
		}
		return len(parcels) == 5 && kinds["SHIPMENT_KIND_RETURN"] == 2, fmt.Sprintf("kinds %v: %s", kinds, r.Raw)
	})

	// 4. Settlement: Gadgets is paid for the two lamps kept, Linen for both
	// shirts (one of them exchanged).
	for _, sub := range []string{lampSub, shirtSub} {
		c.do("POST", "/v1/sub-orders/"+sub+"/confirm-receipt", buyer.Access, map[string]any{}).must(t, 200, "confirm receipt of "+sub)
	}
	waitCompleted(t, c, buyer.Access, orderID, lampSub, shirtSub)
	for _, tt := range []struct {
		s     seller
		sub   string
		goods int64
	}{{m.gadgets, lampSub, 2 * int64(m.lampC)}, {m.linen, shirtSub, 2 * int64(m.tshC)}} {
		e := escrowOf(t, c, buyer.Access, tt.sub)
		net := minor(e, "supplierNet", "amountMinor")
		if e["state"] != "settled" || net+minor(e, "commission", "amountMinor") != tt.goods {
			t.Errorf("%s settled on %v + %v, want the goods kept %d: %v", tt.s.name, e["supplierNet"], e["commission"], tt.goods, e)
		}
		if got := payable(t, c, tt.s); got != net {
			t.Errorf("%s's payable holds %d, its settlement's net is %d", tt.s.name, got, net)
		}
	}
	lampView, _ := subOrdersOf(t, c, buyer.Access, orderID)
	if got := minor(lampView[lampSub], "refunded", "amountMinor"); got != int64(m.lampC) {
		t.Errorf("the lamp sub-order shows %d refunded, want %d", got, m.lampC)
	}
	bookBalances(t, c)

	// 5. After settlement a shirt goes back: one of two bought, one
	// exchanged, so only one more can; the refund is clawed back from
	// Linen's payable and reaches the wallet at the payment's rate.
	if r := file(buyer.Access, shirtSub, "late-"+word, "AFTER_SALE_KIND_RETURN", line(m.shirt, 2)); r.Status != 400 || !slices.Contains(r.fieldViolations(), "lines[0].quantity") {
		t.Errorf("returning two shirts after exchanging one: %d %s", r.Status, r.Raw)
	}
	wallet, owed := walletUSD(t, c, buyer.Access), payable(t, c, m.linen)
	shirtOnHand, _ := stockOf(t, c, m.linen.Access, m.shirt)
	late := file(buyer.Access, shirtSub, "late-"+word, "AFTER_SALE_KIND_RETURN", line(m.shirt, 1)).must(t, 200, "return after settlement")
	lateID := late.str("afterSale", "afterSaleId")
	c.do("POST", "/v1/after-sales/"+lateID+"/decide", m.linen.Access, map[string]any{"approve": true}).must(t, 200, "approve")
	c.do("POST", "/v1/after-sales/"+lateID+"/receive", m.linen.Access, map[string]any{"restockable": false}).must(t, 200, "receive")
	clawed := waitAfterSale(t, c, buyer.Access, lateID, "the late return refunded", func(a map[string]any) bool { return a["status"] == "refunded" })
	if clawed["clawBack"] != true || minor(clawed, "refund", "amountMinor") != int64(m.tshC) || at(clawed, "refund", "currencyCode") != "EUR" {
		t.Errorf("a return after settlement: %v", clawed)
	}
	// The payable gives back what the settlement credited it for one of
	// the two shirts: the price less the commission on it (half the
	// settlement's, rounded up), which the platform gives back.
	commission := minor(escrowOf(t, c, buyer.Access, shirtSub), "commission", "amountMinor")
	if got, want := payable(t, c, m.linen), owed-(int64(m.tshC)-(commission+1)/2); got != want {
		t.Errorf("Linen's payable holds %d after the claw-back, held %d: want %d (a shirt of %d less half the commission of %d)", got, owed, want, m.tshC, commission)
	}
	// Finance converts what a sub-order returns as a running total (the
	// conversion of everything returned so far less that of what was
	// returned before), so the settlement's remainder returned ahead of it
	// can move this refund's rounding by one cent either way.
	want := convertBack(t, int64(m.tshC), shirtRate)
	if got := walletUSD(t, c, buyer.Access); got < wallet+want-1 || got > wallet+want+1 {
		t.Errorf("the wallet holds %d after the claw-back, held %d: want +%d, give or take a cent (%d EUR at %s)", got, wallet, want, m.tshC, shirtRate)
	}
	if got, _ := stockOf(t, c, m.linen.Access, m.shirt); got != shirtOnHand {
		t.Errorf("a shirt not restockable changed on hand from %d to %d", shirtOnHand, got)
	}
	bookBalances(t, c)

	// 6. The sales figures: what was paid and what returns refunded (an
	// exchange is neither), per product and channel.
	lampProduct := fmt.Sprint(objects(subs[subOrderKey{m.gadgets.OrgID, "PRODUCT_TYPE_PHYSICAL"}], "lines")[0]["productId"])
	shirtProduct := fmt.Sprint(objects(subs[subOrderKey{m.linen.OrgID, "PRODUCT_TYPE_PHYSICAL"}], "lines")[0]["productId"])
	requireSales(t, c, m.gadgets, m.admin, map[salesKey]salesFigures{
		{lampProduct, "own_store", "USD"}: {sold: 3, refunded: 1, gross: 3 * int64(m.lampC), refunds: int64(m.lampC)},
	})
	requireSales(t, c, m.linen, m.admin, map[salesKey]salesFigures{
		{shirtProduct, "own_store", "EUR"}: {sold: 2, refunded: 1, gross: 2 * int64(m.tshC), refunds: int64(m.tshC)},
	})
	psi := c.do("GET", "/v1/skus/"+m.lamp+"/psi", m.gadgets.Access, nil).must(t, 200, "the lamp's purchase-sales-inventory")
	onHand, reserved := stockOf(t, c, m.gadgets.Access, m.lamp)
	if minor(psi.Body, "totals", "unitsSold") != 3 || minor(psi.Body, "totals", "unitsRefunded") != 1 ||
		minor(psi.Body, "totals", "onHand") != onHand || minor(psi.Body, "totals", "reserved") != reserved || psi.str("productId") != lampProduct {
		t.Errorf("the lamp's purchase-sales-inventory: %s; want 3 sold, 1 refunded, %d on hand, %d reserved", psi.Raw, onHand, reserved)
	}
}
